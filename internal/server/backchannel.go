package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/op"
)

// buildBackchannel prepares the back-channel logout worker (op
// backchannel.go): its outcomes are counted in
// gatehouse_backchannel_logout_total{outcome}.
func (s *Server) buildBackchannel(ctx context.Context) error {
	counter := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_backchannel_logout_total",
		Help: "Back-channel logout token deliveries by outcome: sent, failed (an attempt), abandoned (given up).",
	}, []string{"outcome"})
	if err := s.metrics.Registry.Register(counter); err != nil {
		return fmt.Errorf("register back-channel logout metrics: %w", err)
	}
	for _, o := range []string{op.BackchannelSent, op.BackchannelFailed, op.BackchannelAbandoned} {
		counter.WithLabelValues(o)
	}
	hooks := testHooksFrom(ctx)
	s.backchannel = op.BackchannelOptions{
		RetryBase:    hooks.BackchannelRetryBase,
		PollInterval: hooks.BackchannelPollInterval,
		Count:        func(outcome string) { counter.WithLabelValues(outcome).Inc() },
		HTTPClient:   s.outboundClient(0), // observability.go
	}
	return nil
}

// runBackchannel delivers logout tokens until ctx ends. Every replica runs
// one; deliveries are leased, so each is sent once.
func (s *Server) runBackchannel(ctx context.Context) {
	s.provider.RunBackchannel(ctx, s.store, s.backchannel)
}

// logoutDeliveryKeep is how long sent or abandoned logout deliveries stay
// (for support questions) before the sweeper removes them.
const logoutDeliveryKeep = 7 * 24 * time.Hour

// sweepBackchannel removes logout deliveries finished long ago.
func (s *Server) sweepBackchannel(ctx context.Context, now time.Time) {
	if _, err := s.store.LogoutDeliveries().DeleteDoneBefore(ctx, now.Add(-logoutDeliveryKeep)); err != nil {
		s.log.WarnContext(ctx, "sweep: logout deliveries", slog.Any("error", err))
	}
}
