package server

import (
	"context"
	"log/slog"
	"time"
)

// sweepLease names the sweeper's lease (storage.LeaseStore).
const sweepLease = "sweeper"

// sweepEvery deletes expired codes, auth requests, tokens, unpublished
// keys, sessions and throttle counters every interval (and rotates signing
// keys when due) until ctx ends. Every replica runs it, but a round is
// done by the replica that takes the sweeper's lease (held for most of an
// interval), so replicas on one database do not repeat each other's work.
func (s *Server) sweepEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweepIfLeased(ctx, time.Now(), interval)
		}
	}
}

// sweepIfLeased sweeps when this replica takes (or still holds) the
// sweeper's lease, and reports whether it swept. The lease lasts 90% of an
// interval, so the holder normally renews it on its next tick, and another
// replica takes over when the holder stops.
func (s *Server) sweepIfLeased(ctx context.Context, now time.Time, interval time.Duration) bool {
	ok, err := s.store.Leases().Acquire(ctx, sweepLease, s.replicaID, now, interval*9/10)
	if err != nil {
		s.log.WarnContext(ctx, "sweep: lease", slog.Any("error", err))
		return false
	}
	if ok {
		s.Sweep(ctx, now)
	}
	return ok
}

// Sweep runs one sweep at now. Failures are logged: the next sweep tries
// again.
func (s *Server) Sweep(ctx context.Context, now time.Time) {
	if err := s.provider.Sweep(ctx, now); err != nil {
		s.log.WarnContext(ctx, "sweep: provider", slog.Any("error", err))
	}
	s.sweepBackchannel(ctx, now)      // backchannel.go
	s.sweepClientAssertions(ctx, now) // clientauth.go
	if n, err := s.store.Sessions().DeleteExpired(ctx, now); err != nil {
		s.log.WarnContext(ctx, "sweep: sessions", slog.Any("error", err))
	} else if n > 0 {
		s.log.DebugContext(ctx, "sweep: sessions deleted", slog.Int64("count", n))
	}
	if _, err := s.store.Throttles().DeleteExpired(ctx, now, s.cfg.SignInWindow); err != nil {
		s.log.WarnContext(ctx, "sweep: throttle counters", slog.Any("error", err))
	}
	if _, err := s.store.Captchas().DeleteExpired(ctx, now); err != nil {
		s.log.WarnContext(ctx, "sweep: captcha challenges", slog.Any("error", err))
	}
	if _, err := s.store.FederationFlows().DeleteExpired(ctx, now); err != nil {
		s.log.WarnContext(ctx, "sweep: federation flows", slog.Any("error", err))
	}
	if _, err := s.store.Passkeys().DeleteExpiredChallenges(ctx, now); err != nil {
		s.log.WarnContext(ctx, "sweep: passkey challenges", slog.Any("error", err))
	}
	if _, err := s.store.OneTimeTokens().DeleteExpired(ctx, now); err != nil {
		s.log.WarnContext(ctx, "sweep: one-time tokens", slog.Any("error", err))
	}
	// Letters captured in dev mode keep their bodies for the dev mailbox
	// only while the links and passwords in them can still be used.
	if _, err := s.store.Outbox().EraseBodiesBefore(ctx, now.Add(-max(s.cfg.VerifyLinkLifetime, s.cfg.ResetLifetime))); err != nil {
		s.log.WarnContext(ctx, "sweep: outbox bodies", slog.Any("error", err))
	}
	if _, err := s.store.PersonalTokens().DeleteExpired(ctx, now); err != nil {
		s.log.WarnContext(ctx, "sweep: personal tokens", slog.Any("error", err))
	}
	if _, err := s.store.Devices().DeleteUnseenSince(ctx, now.Add(-deviceRetention)); err != nil {
		s.log.WarnContext(ctx, "sweep: known devices", slog.Any("error", err))
	}
	if _, err := s.store.Outbox().DeleteSentBefore(ctx, now.Add(-outboxRetention)); err != nil {
		s.log.WarnContext(ctx, "sweep: outbox", slog.Any("error", err))
	}
}

// deviceRetention: a browser not seen for this long counts as new again
// (its device cookie lives about as long).
const deviceRetention = 400 * 24 * time.Hour

// outboxRetention keeps sent and abandoned letters (without their bodies)
// for the dev mailbox and for support questions ("did the letter go out?").
const outboxRetention = 7 * 24 * time.Hour
