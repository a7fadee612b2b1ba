package server

import (
	"context"
	"log/slog"
	"time"
)

// sweepClientAssertions forgets the jti values of client assertions
// (private_key_jwt, op clientassertion.go) once they have expired.
func (s *Server) sweepClientAssertions(ctx context.Context, now time.Time) {
	if _, err := s.store.ClientAssertions().DeleteExpired(ctx, now); err != nil {
		s.log.WarnContext(ctx, "sweep: client assertion ids", slog.Any("error", err))
	}
}
