package server

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/account"
)

// Passkeys wiring (issue 15): the rules (*account.Passkeys, relying party
// ID the issuer's host, the issuer's origin the only origin) behind the
// security page, passkey sign-in and the second step, the console's user
// page and the management API.

// buildPasskeys makes the passkey rules; buildRegistration comes first.
func (s *Server) buildPasskeys() error {
	p, err := account.NewPasskeys(s.reg.registrar, s.store, s.cfg.Issuer, s.cfg.InstanceName)
	if err != nil {
		return fmt.Errorf("passkeys: %w", err)
	}
	s.passkeys = p
	return nil
}

// Passkeys returns the passkey rules (tests use it).
func (s *Server) Passkeys() *account.Passkeys { return s.passkeys }
