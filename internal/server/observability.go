package server

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/tracing"
)

// observe wires the lifecycle metrics: the counters of sign-ins,
// registrations, resets and MFA follow committed audit events, the mail
// queue gauges read the outbox at scrape time, and the verified-token
// counters read the provider's cache.
func (s *Server) observe() error {
	s.store.ObserveAudit(s.metrics.ObserveAudit)
	if err := s.metrics.RegisterMailQueue(s.store.OutboxBacklog, s.log); err != nil {
		return fmt.Errorf("register mail queue metrics: %w", err)
	}
	err := s.metrics.RegisterVerifiedTokens(func() (uint64, uint64, int) {
		st := s.provider.VerifiedTokenStats()
		return st.Cached, st.SignatureChecked, st.Entries
	})
	if err != nil {
		return fmt.Errorf("register verified token metrics: %w", err)
	}
	return nil
}

// tracingOn reports whether spans are exported.
func (s *Server) tracingOn() bool { return s.cfg.OTelEndpoint != "" }

// tracedRoot is the HTTP root: every request a server span when tracing
// is on.
func (s *Server) tracedRoot(h http.Handler) http.Handler {
	if !s.tracingOn() {
		return h
	}
	return tracing.Handler(h)
}

// captchaVerifyTimeout bounds a call to a captcha vendor (the captcha
// package's own default).
const captchaVerifyTimeout = 5 * time.Second

// outboundClient is the HTTP client of a call to another system (captcha
// vendor, back-channel logout): traced when tracing is on, never following
// redirects; nil (the package's own default) when tracing is off.
func (s *Server) outboundClient(timeout time.Duration) *http.Client {
	if !s.tracingOn() {
		return nil
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     tracing.Transport(nil),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
