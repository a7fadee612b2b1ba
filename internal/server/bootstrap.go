package server

import (
	"context"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/account"
)

// BootstrapAdmin creates the first administrator when the database has no
// users (the quickstart): username "admin", address admin@<issuer host>,
// a one-time password to print on the operator's console. ok is false
// when there are users already. `gatehouse serve` calls it; tests that
// start the server in-process do not.
func (s *Server) BootstrapAdmin(ctx context.Context) (account.BootstrapAdmin, bool, error) {
	host := "localhost"
	if u, err := url.Parse(s.cfg.Issuer); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return s.reg.registrar.BootstrapAdmin(ctx, account.BootstrapLogin+"@"+host)
}
