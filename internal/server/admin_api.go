package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/adminapi"
	"github.com/gatehouse/gatehouse/internal/personaltoken"
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
		Verifier: bearerVerifier{p: s.provider, personal: personaltoken.NewVerifier(s.store, nil, s.log)},
		Accounts: apiAccounts{Registrar: s.reg.registrar, mfa: s.mfa, server: s},
		Clients:  s.adminClients(),
		Access:   s.accessAPIOf(), // access.go
		Branding: s.branding,      // branding.go
		Logger:   s.log,
		// protocol2.go
		RegistrationTokens: registrationTokensAPI{s.dynreg},
	})
	if err != nil {
		return fmt.Errorf("management API: %w", err)
	}
	api.Register(r)
	return nil
}

// apiAccounts is the account rules with two-step verification for the API.
type apiAccounts struct {
	*account.Registrar
	mfa    *account.SecondFactors
	server *Server // passkeys.go
}

// UserPasskeys lists the user's passkeys.
func (a apiAccounts) UserPasskeys(ctx context.Context, id string) ([]storage.Passkey, error) {
	return a.server.userPasskeys(ctx, id)
}

// RemovePasskey removes one of the user's passkeys (audited, mailed).
func (a apiAccounts) RemovePasskey(ctx context.Context, id, passkeyID, actorID string) error {
	return a.server.removePasskey(ctx, id, passkeyID, actorID)
}

// UserMFA reports whether the user has two-step verification on.
func (a apiAccounts) UserMFA(ctx context.Context, id string) (bool, error) {
	return a.mfa.Enabled(ctx, id)
}

// ResetMFA turns off the user's second factors (audited, mailed).
func (a apiAccounts) ResetMFA(ctx context.Context, id, actorID string) error {
	return a.mfa.Disable(ctx, id, actorID, "")
}

// bearerVerifier checks bearer tokens with the provider, and personal API
// tokens (gth_...) with their verifier: a personal token counts as its
// owner, an administrator's with gatehouse:admin opens the API.
type bearerVerifier struct {
	p        *op.Provider
	personal *personaltoken.Verifier
}

func (v bearerVerifier) Verify(ctx context.Context, token string) (adminapi.Caller, error) {
	if personaltoken.LooksLike(token) && v.personal != nil {
		pv, err := v.personal.Verify(ctx, token, account.ClientIPOf(ctx))
		if errors.Is(err, personaltoken.ErrMalformed) || errors.Is(err, personaltoken.ErrInactive) {
			return adminapi.Caller{}, fmt.Errorf("%w: %w", adminapi.ErrBadToken, err)
		}
		if err != nil {
			return adminapi.Caller{}, err
		}
		return adminapi.Caller{TokenID: pv.Token.ID, ClientID: adminapi.PersonalTokenClient, UserID: pv.User.ID,
			Scopes: pv.Token.Scopes, Admin: pv.User.Role == storage.RoleAdmin, Personal: true}, nil
	}
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
// op.ValidateClient), drops changed clients from the provider's cache and
// audits every change with its actor. The management API and the admin
// console share it.
type adminClients struct {
	store storage.ClientStore
	p     *op.Provider
	audit func(ctx context.Context, e storage.AuditEvent) error
	log   *slog.Logger
}

// adminClients is the client adapter of the server.
func (s *Server) adminClients() adminClients {
	return adminClients{store: s.store.Clients(), p: s.provider, audit: s.reg.registrar.AdminAudit, log: s.log}
}

func (a adminClients) List(ctx context.Context, cursor string, limit int) (storage.Page[storage.Client], error) {
	return a.store.List(ctx, cursor, limit)
}

func (a adminClients) Get(ctx context.Context, id string) (storage.Client, error) {
	return a.store.ByID(ctx, id)
}

func (a adminClients) Create(ctx context.Context, actorID string, c storage.Client, secret string) error {
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
	a.changed(ctx, adminapi.EventClientCreate, actorID, c.ID)
	return nil
}

func (a adminClients) Update(ctx context.Context, actorID string, c storage.Client) error {
	if err := op.ValidateClient(c); err != nil {
		return fmt.Errorf("%w: %w", adminapi.ErrInvalidInput, err)
	}
	if err := a.store.Update(ctx, &c); err != nil {
		return err
	}
	a.changed(ctx, adminapi.EventClientUpdate, actorID, c.ID)
	return nil
}

func (a adminClients) SetSecret(ctx context.Context, actorID, id, secret string) error {
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
	a.changed(ctx, adminapi.EventClientSecretRotated, actorID, id)
	return nil
}

func (a adminClients) Delete(ctx context.Context, actorID, id string) error {
	if err := a.store.Delete(ctx, id); err != nil {
		return err
	}
	a.changed(ctx, adminapi.EventClientDelete, actorID, id)
	return nil
}

func (a adminClients) NewSecret() string { return op.GenerateClientSecret() }

func (a adminClients) DefaultGrantTypes() []string { return op.DefaultGrantTypes() }

func (a adminClients) DefaultScopes(grantTypes []string) []string {
	return op.DefaultScopes(grantTypes)
}

// changed drops the client from the provider's cache and audits the
// change; an audit failure is logged (the change is made).
func (a adminClients) changed(ctx context.Context, typ, actorID, clientID string) {
	a.p.ForgetClient(clientID)
	e := storage.AuditEvent{Type: typ, ActorID: actorID, Details: map[string]string{"client_id": clientID}}
	if err := a.audit(ctx, e); err != nil {
		a.log.ErrorContext(ctx, "audit client change", slog.String("type", typ), slog.String("client_id", clientID),
			slog.Any("error", err))
	}
}
