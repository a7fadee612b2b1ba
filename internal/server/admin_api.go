package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/adminapi"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
)

// Management API wiring (issue 6): adminapi does not import op, so the
// bearer verifier and the client registration rules are adapted here.

// routeAdminAPI registers /api/v1 on r. It also makes browser session
// lifetimes instance settings, seeded from the configuration, which new
// sessions read through the settings cache.
func (s *Server) routeAdminAPI(ctx context.Context, r gin.IRouter) error {
	lifetimes := AccountOptions(s.cfg, s.log).Sessions
	if err := account.SeedSessionSettings(ctx, s.store.Settings(), lifetimes); err != nil {
		return fmt.Errorf("session settings: %w", err)
	}
	s.accounts.UseSessionSettings(s.store.Settings(), 0)
	api, err := adminapi.New(adminapi.Deps{
		Verifier: bearerVerifier{p: s.provider},
		Accounts: s.reg.registrar,
		Clients:  adminClients{store: s.store.Clients(), p: s.provider},
		Logger:   s.log,
	})
	if err != nil {
		return fmt.Errorf("management API: %w", err)
	}
	api.Register(r)
	return nil
}

// bearerVerifier checks bearer tokens with the provider.
type bearerVerifier struct{ p *op.Provider }

func (v bearerVerifier) Verify(ctx context.Context, token string) (adminapi.Caller, error) {
	info, err := v.p.VerifyAccessToken(ctx, token)
	if errors.Is(err, op.ErrBadAccessToken) {
		return adminapi.Caller{}, fmt.Errorf("%w: %w", adminapi.ErrBadToken, err)
	}
	if err != nil {
		return adminapi.Caller{}, err
	}
	return adminapi.Caller{TokenID: info.TokenID, ClientID: info.ClientID, UserID: info.UserID,
		Scopes: info.Scopes, Admin: info.Admin}, nil
}

// adminClients applies the CLI's client rules (RegisterClient,
// op.ValidateClient) and drops changed clients from the provider's cache.
type adminClients struct {
	store storage.ClientStore
	p     *op.Provider
}

func (a adminClients) List(ctx context.Context, cursor string, limit int) (storage.Page[storage.Client], error) {
	return a.store.List(ctx, cursor, limit)
}

func (a adminClients) Get(ctx context.Context, id string) (storage.Client, error) {
	return a.store.ByID(ctx, id)
}

func (a adminClients) Create(ctx context.Context, c storage.Client, secret string) error {
	checked := c
	if !c.Public {
		hash, err := op.HashClientSecret(secret)
		if err != nil {
			return fmt.Errorf("%w: %w", adminapi.ErrInvalidInput, err)
		}
		checked.SecretHash = hash
	}
	if err := op.ValidateClient(checked); err != nil {
		return fmt.Errorf("%w: %w", adminapi.ErrInvalidInput, err)
	}
	if err := RegisterClient(ctx, a.store, c, secret, false); err != nil {
		return err
	}
	a.p.ForgetClient(c.ID)
	return nil
}

func (a adminClients) Update(ctx context.Context, c storage.Client) error {
	if err := op.ValidateClient(c); err != nil {
		return fmt.Errorf("%w: %w", adminapi.ErrInvalidInput, err)
	}
	if err := a.store.Update(ctx, &c); err != nil {
		return err
	}
	a.p.ForgetClient(c.ID)
	return nil
}

func (a adminClients) SetSecret(ctx context.Context, id, secret string) error {
	c, err := a.store.ByID(ctx, id)
	if err != nil {
		return err
	}
	if c.SecretHash, err = op.HashClientSecret(secret); err != nil {
		return err
	}
	if err := a.store.Update(ctx, &c); err != nil {
		return err
	}
	a.p.ForgetClient(id)
	return nil
}

func (a adminClients) Delete(ctx context.Context, id string) error {
	if err := a.store.Delete(ctx, id); err != nil {
		return err
	}
	a.p.ForgetClient(id)
	return nil
}

func (a adminClients) NewSecret() string { return op.GenerateClientSecret() }
