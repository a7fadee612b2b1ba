package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/adminapi"
	"github.com/gatehouse/gatehouse/internal/dynreg"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
)

// buildProtocol2 wires issue 18's items 4, 6 and 8: the provider reads the
// instance's protocol switches (require PAR for every client, dynamic
// client registration) from the settings administrators change, and
// dynamic client registration registers clients through the same code
// path as `clients create`.
func (s *Server) buildProtocol2() error {
	reg := s.reg.registrar
	s.provider.SetPolicy(func(ctx context.Context) (op.Policy, error) {
		ps, err := reg.ProtocolSettings(ctx)
		if err != nil {
			return op.Policy{}, err
		}
		return op.Policy{RequirePAR: ps.RequirePAR, DynamicRegistration: ps.DynamicRegistration}, nil
	})
	svc, err := NewDynamicRegistration(s.cfg.Issuer, s.store, s.provider, reg.AdminAudit, reg.ProtocolSettings)
	if err != nil {
		return err
	}
	s.dynreg = svc
	return nil
}

// NewDynamicRegistration builds the dynamic client registration service
// over store (the CLI uses it for initial access tokens, with nil
// provider and settings).
func NewDynamicRegistration(issuer string, store storage.Store, p *op.Provider,
	audit func(context.Context, storage.AuditEvent) error, settings func(context.Context) (account.ProtocolSettings, error)) (*dynreg.Service, error) {
	opts := dynreg.Options{
		Issuer:     issuer,
		Store:      store,
		FromConfig: ClientFromConfig,
		Register: func(ctx context.Context, c storage.Client, secret string) error {
			return RegisterClient(ctx, store.Clients(), c, secret, false)
		},
		Audit: audit,
		Now:   time.Now,
	}
	if settings != nil {
		opts.Enabled = func(ctx context.Context) (bool, error) {
			ps, err := settings(ctx)
			return ps.DynamicRegistration, err
		}
	}
	if p != nil {
		opts.Changed = p.ForgetClient
	}
	return dynreg.New(opts)
}

// registrationTokensAPI adapts dynreg's initial access tokens to the
// management API (its input errors are the API's validation problems).
type registrationTokensAPI struct{ *dynreg.Service }

func (r registrationTokensAPI) CreateToken(ctx context.Context, actor, name string, ttl time.Duration) (storage.RegistrationToken, string, error) {
	t, secret, err := r.Service.CreateToken(ctx, actor, name, ttl)
	if errors.Is(err, dynreg.ErrInvalid) {
		err = fmt.Errorf("%w: %w", adminapi.ErrRegistrationTokenInput, err)
	}
	return t, secret, err
}
