package sqlstore

import "context"

// MigrateDownToZero undoes every migration, for tests of the Down sections.
func MigrateDownToZero(ctx context.Context, s *Store) error {
	defer s.h.ws.reset()
	defer s.h.rs.reset()
	return s.h.gate.hold(ctx, func() error {
		_, err := s.goose.DownTo(ctx, 0)
		return err
	})
}
