package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/adminapi"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/ui"
)

// Admin console wiring (issue 6): the pages under /admin act through the
// same account rules (*account.Registrar) and the same client adapter
// (adminClients, which audits) as the management API.

// maxCountedClients bounds the dashboard's client count.
const maxCountedClients = 100000

// adminConsole implements ui.Admin.
type adminConsole struct {
	*account.Registrar
	clients adminClients
	users   storage.UserStore
	mfa     *account.SecondFactors
	server  *Server // passkeys.go
}

// adminConsole builds the console's services over the server's account
// rules and client adapter.
func (s *Server) adminConsole() adminConsole {
	return adminConsole{Registrar: s.reg.registrar, clients: s.adminClients(), users: s.store.Users(), mfa: s.mfa, server: s}
}

// UserMFA reports whether the user has two-step verification on.
func (a adminConsole) UserMFA(ctx context.Context, id string) (bool, error) {
	return a.mfa.Enabled(ctx, id)
}

// ResetMFA turns off the user's second factors (audited, mailed).
func (a adminConsole) ResetMFA(ctx context.Context, id, actorID string) error {
	return a.mfa.Disable(ctx, id, actorID, "")
}

// CountUsers counts users per state.
func (a adminConsole) CountUsers(ctx context.Context) (map[storage.UserState]int, error) {
	counts, err := a.users.CountByState(ctx)
	if err != nil {
		return nil, fmt.Errorf("count users: %w", err)
	}
	return counts, nil
}

// CountClients counts the registered clients, page by page.
func (a adminConsole) CountClients(ctx context.Context) (int, error) {
	n, cursor := 0, ""
	for n < maxCountedClients {
		page, err := a.clients.List(ctx, cursor, 500)
		if err != nil {
			return 0, fmt.Errorf("count clients: %w", err)
		}
		n += len(page.Items)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	return n, nil
}

func (a adminConsole) ListClients(ctx context.Context, cursor string, limit int) (storage.Page[storage.Client], error) {
	return a.clients.List(ctx, cursor, limit)
}

func (a adminConsole) Client(ctx context.Context, id string) (storage.Client, error) {
	return a.clients.Get(ctx, id)
}

// CreateClient registers c with a new secret (none for a public client).
func (a adminConsole) CreateClient(ctx context.Context, actorID string, c storage.Client) (string, error) {
	secret := ""
	if !c.Public {
		secret = a.clients.NewSecret()
	}
	if err := a.clients.Create(ctx, actorID, c, secret); err != nil {
		return "", clientRulesError(c, err)
	}
	return secret, nil
}

func (a adminConsole) UpdateClient(ctx context.Context, actorID string, c storage.Client) error {
	return clientRulesError(c, a.clients.Update(ctx, actorID, c))
}

// RotateClientSecret gives a confidential client a new secret.
func (a adminConsole) RotateClientSecret(ctx context.Context, actorID, id string) (string, error) {
	c, err := a.clients.Get(ctx, id)
	if err != nil {
		return "", err
	}
	if c.Public {
		return "", fmt.Errorf("client %s is public: %w", id, storage.ErrConflict)
	}
	secret := a.clients.NewSecret()
	if err := a.clients.SetSecret(ctx, actorID, id, secret); err != nil {
		return "", err
	}
	return secret, nil
}

func (a adminConsole) DeleteClient(ctx context.Context, actorID, id string) error {
	return a.clients.Delete(ctx, actorID, id)
}

// clientRulesError turns a refusal by the client registration rules into
// a *ui.ClientRulesError naming the refused fields of c; other errors
// pass unchanged.
func clientRulesError(c storage.Client, err error) error {
	if !errors.Is(err, adminapi.ErrInvalidInput) {
		return err
	}
	return fmt.Errorf("%w: %w", &ui.ClientRulesError{Problems: clientProblems(c)}, err)
}

// clientProblems finds the fields of c that op.ValidateClient refuses by
// trying each field alone on a client the rules accept: the rules stay in
// one place, and the form can still say which field is wrong.
func clientProblems(c storage.Client) []ui.ClientProblem {
	var out []ui.ClientProblem
	refused := func(change func(*storage.Client)) bool {
		p := storage.Client{ID: "probe", Public: true, GrantTypes: []string{op.GrantAuthorizationCode},
			RedirectURIs: []string{"https://probe.example/cb"}, AccessTokenFormat: storage.AccessTokenJWT, Dev: c.Dev}
		change(&p)
		return op.ValidateClient(p) != nil
	}
	add := func(field, value string) { out = append(out, ui.ClientProblem{Field: field, Value: value}) }
	if refused(func(p *storage.Client) { p.ID = c.ID }) {
		add("id", "")
	}
	for _, u := range c.RedirectURIs {
		if refused(func(p *storage.Client) { p.RedirectURIs = []string{u} }) {
			add("redirect_uris", u)
		}
	}
	for _, u := range c.PostLogoutRedirectURIs {
		if refused(func(p *storage.Client) { p.PostLogoutRedirectURIs = []string{u} }) {
			add("post_logout_redirect_uris", u)
		}
	}
	for _, s := range c.Scopes {
		if refused(func(p *storage.Client) { p.Scopes = []string{s} }) {
			add("scopes", s)
		}
	}
	for _, g := range c.AllowedGroups {
		if refused(func(p *storage.Client) { p.AllowedGroups = []string{g} }) {
			add("allowed_groups", g)
		}
	}
	if refused(func(p *storage.Client) { p.BackchannelLogoutURI = c.BackchannelLogoutURI }) {
		add("backchannel_logout_uri", c.BackchannelLogoutURI)
	}
	if refused(func(p *storage.Client) { p.HomeURL = c.HomeURL }) {
		add("home_url", c.HomeURL)
	}
	clientAuthProblems(c, refused, add)
	if refused(func(p *storage.Client) { p.AccessTokenFormat = c.AccessTokenFormat }) {
		add("access_token_format", "")
	}
	if refused(func(p *storage.Client) { p.IDTokenSignedResponseAlg = c.IDTokenSignedResponseAlg }) {
		add("id_token_signed_response_alg", "")
	}
	if field := grantProblem(c, refused); field != "" {
		add(field, "")
	}
	if len(out) == 0 {
		add("", "")
	}
	return out
}

// grantProblem names the field to blame when c's grant types are refused:
// redirect_uris when only the missing redirect URI is wrong, else
// grant_types; "" when they are accepted.
func grantProblem(c storage.Client, refused func(func(*storage.Client)) bool) string {
	hash := ""
	if !c.Public {
		var err error
		if hash, err = op.HashClientSecret(op.GenerateClientSecret()); err != nil {
			return "grant_types"
		}
	}
	grants := func(withURI bool) func(*storage.Client) {
		return func(p *storage.Client) {
			p.Public, p.SecretHash, p.GrantTypes = c.Public, hash, c.GrantTypes
			if !withURI {
				p.RedirectURIs = nil
			}
		}
	}
	switch {
	case !refused(grants(len(c.RedirectURIs) > 0)):
		return ""
	case len(c.RedirectURIs) == 0 && !refused(grants(true)):
		return "redirect_uris"
	}
	return "grant_types"
}

// UserPasskeys lists the user's passkeys.
func (a adminConsole) UserPasskeys(ctx context.Context, id string) ([]storage.Passkey, error) {
	return a.server.userPasskeys(ctx, id)
}

// RemovePasskey removes one of the user's passkeys (audited, mailed).
func (a adminConsole) RemovePasskey(ctx context.Context, id, passkeyID, actorID string) error {
	return a.server.removePasskey(ctx, id, passkeyID, actorID)
}

// clientAuthProblems blames jwks, jwks_uri or token_endpoint_auth_method
// for a refused client authentication setting (issue 18).
func clientAuthProblems(c storage.Client, refused func(func(*storage.Client)) bool, add func(field, value string)) {
	if c.JWKS != "" && refused(func(p *storage.Client) { p.JWKS = c.JWKS }) {
		add("jwks", "")
	}
	if c.JWKSURI != "" && refused(func(p *storage.Client) { p.JWKSURI = c.JWKSURI }) {
		add("jwks_uri", c.JWKSURI)
	}
	if refused(func(p *storage.Client) {
		p.Public, p.SecretHash = c.Public, c.SecretHash
		p.TokenEndpointAuthMethod, p.JWKS, p.JWKSURI = c.TokenEndpointAuthMethod, c.JWKS, c.JWKSURI
	}) {
		add("token_endpoint_auth_method", c.TokenEndpointAuthMethod)
	}
}
