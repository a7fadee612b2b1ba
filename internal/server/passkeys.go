package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/ui"
)

// Passkeys wiring (issue 15): the rules (*account.Passkeys, relying party
// ID the issuer's host, the issuer's origin the only origin) behind the
// security page, passkey sign-in and the second step, the console's user
// page and the management API.

// buildPasskeys makes the passkey rules; buildRegistration comes first.
// An issuer whose host is an IP address can have no passkeys (browsers
// refuse an IP address as relying party ID): they are then off, with a
// warning, and the pages offer passwords only.
func (s *Server) buildPasskeys() error {
	if u, err := url.Parse(s.cfg.Issuer); err == nil && net.ParseIP(u.Hostname()) != nil {
		s.log.Warn("passkeys are off: the issuer's host is an IP address, which browsers refuse as a WebAuthn relying party ID; use a host name",
			slog.String("issuer", s.cfg.Issuer))
		return nil
	}
	p, err := account.NewPasskeys(s.reg.registrar, s.store, s.cfg.Issuer, s.cfg.InstanceName)
	if err != nil {
		return fmt.Errorf("passkeys: %w", err)
	}
	s.passkeys = p
	return nil
}

// passkeyPages gives the pages the passkey rules, when passkeys are on
// (a nil *account.Passkeys must not become a non-nil interface).
func (s *Server) passkeyPages(opts *ui.Options) {
	if s.passkeys != nil {
		opts.Passkeys = s.passkeys
	}
}

// userPasskeys lists a user's passkeys for the console and the API; none
// while passkeys are off.
func (s *Server) userPasskeys(ctx context.Context, id string) ([]storage.Passkey, error) {
	if s.passkeys == nil {
		return nil, nil
	}
	return s.passkeys.List(ctx, id)
}

// removePasskey removes one for the console and the API.
func (s *Server) removePasskey(ctx context.Context, id, passkeyID, actorID string) error {
	if s.passkeys == nil {
		return fmt.Errorf("remove passkey: %w", storage.ErrNotFound)
	}
	return s.passkeys.Remove(ctx, id, passkeyID, actorID, "")
}

// Passkeys returns the passkey rules (tests use it).
func (s *Server) Passkeys() *account.Passkeys { return s.passkeys }
