package dynreg

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
)

// Store is what registration needs of the database.
type Store interface {
	Clients() storage.ClientStore
	RegistrationTokens() storage.RegistrationTokenStore
}

// Options wire a Service.
type Options struct {
	// Issuer builds registration_client_uri.
	Issuer string
	Store  Store
	// Enabled reads the instance setting; registration answers 404 while
	// it is false.
	Enabled func(ctx context.Context) (bool, error)
	// FromConfig and Register are the `clients create` code path
	// (server.ClientFromConfig, server.RegisterClient without replace).
	FromConfig func(cc config.ClientConfig) (storage.Client, string, error)
	Register   func(ctx context.Context, c storage.Client, secret string) error
	// Changed drops a client from the provider's cache after an update or
	// deletion.
	Changed func(clientID string)
	// Audit records an event (with its actor).
	Audit  func(ctx context.Context, e storage.AuditEvent) error
	Now    func() time.Time
	Logger *slog.Logger
}

// Service registers clients and keeps initial access tokens.
type Service struct {
	opts  Options
	store Store
	now   func() time.Time
	log   *slog.Logger
}

// New returns the service of opts (Store, FromConfig and Register are
// required).
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.FromConfig == nil || opts.Register == nil {
		return nil, errors.New("dynreg: New needs a store, FromConfig and Register")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Enabled == nil {
		opts.Enabled = func(context.Context) (bool, error) { return false, nil }
	}
	return &Service{opts: opts, store: opts.Store, now: opts.Now, log: opts.Logger}, nil
}

func (s *Service) audit(ctx context.Context, e storage.AuditEvent) {
	if s.opts.Audit == nil {
		return
	}
	if err := s.opts.Audit(ctx, e); err != nil {
		s.log.WarnContext(ctx, "dynreg: audit", "type", e.Type, "error", err)
	}
}

// Metadata is the client metadata of RFC 7591 §2 that Gatehouse takes
// (plus its own registration names); anything else sent is ignored, as
// §2 asks.
type Metadata struct {
	ClientID                           string          `json:"client_id,omitempty"`
	ClientSecret                       string          `json:"client_secret,omitempty"`
	RedirectURIs                       []string        `json:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs             []string        `json:"post_logout_redirect_uris,omitempty"`
	GrantTypes                         []string        `json:"grant_types,omitempty"`
	ResponseTypes                      []string        `json:"response_types,omitempty"`
	ClientName                         string          `json:"client_name,omitempty"`
	Scope                              string          `json:"scope,omitempty"`
	TokenEndpointAuthMethod            string          `json:"token_endpoint_auth_method,omitempty"`
	JWKS                               json.RawMessage `json:"jwks,omitempty"`
	JWKSURI                            string          `json:"jwks_uri,omitempty"`
	IDTokenSignedResponseAlg           string          `json:"id_token_signed_response_alg,omitempty"`
	BackchannelLogoutURI               string          `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired   bool            `json:"backchannel_logout_session_required,omitempty"`
	RequirePushedAuthorizationRequests bool            `json:"require_pushed_authorization_requests,omitempty"`
}

// response is a registration answer (RFC 7591 §3.2.1, RFC 7592 §3).
type response struct {
	Metadata
	ClientIDIssuedAt        int64  `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64 `json:"client_secret_expires_at,omitempty"`
	RegistrationAccessToken string `json:"registration_access_token,omitempty"`
	RegistrationClientURI   string `json:"registration_client_uri"`
}

// RegistrationError is an error answer of RFC 7591 §3.2.2.
type RegistrationError struct {
	Code, Description string
}

func (e *RegistrationError) Error() string { return e.Code + ": " + e.Description }

func metadataError(desc string) error {
	return &RegistrationError{Code: "invalid_client_metadata", Description: desc}
}

// config turns m into the configuration `clients create` takes.
func (m Metadata) config() (config.ClientConfig, error) {
	if len(m.ResponseTypes) > 0 && !slices.Equal(m.ResponseTypes, []string{"code"}) {
		return config.ClientConfig{}, metadataError("response_types must be [\"code\"]")
	}
	cc := config.ClientConfig{Name: strings.TrimSpace(m.ClientName), RedirectURIs: m.RedirectURIs,
		PostLogoutRedirectURIs: m.PostLogoutRedirectURIs, GrantTypes: m.GrantTypes, Scopes: strings.Fields(m.Scope),
		TokenEndpointAuthMethod: m.TokenEndpointAuthMethod, JWKSURI: m.JWKSURI, IDTokenSignedResponseAlg: m.IDTokenSignedResponseAlg,
		BackchannelLogoutURI: m.BackchannelLogoutURI, BackchannelLogoutSessionRequired: m.BackchannelLogoutSessionRequired,
		RequirePushedAuthorizationRequests: m.RequirePushedAuthorizationRequests,
		Public:                             m.TokenEndpointAuthMethod == op.AuthNone}
	if len(m.JWKS) > 0 && string(m.JWKS) != "null" {
		cc.JWKS = string(m.JWKS)
	}
	return cc, nil
}

// metadataOf is what a client's registration shows.
func metadataOf(c storage.Client) Metadata {
	m := Metadata{ClientID: c.ID, RedirectURIs: c.RedirectURIs, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		GrantTypes: c.GrantTypes, ResponseTypes: []string{"code"}, ClientName: c.Name, Scope: strings.Join(c.Scopes, " "),
		TokenEndpointAuthMethod: c.TokenEndpointAuthMethod, JWKSURI: c.JWKSURI, IDTokenSignedResponseAlg: c.IDTokenSignedResponseAlg,
		BackchannelLogoutURI: c.BackchannelLogoutURI, BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired,
		RequirePushedAuthorizationRequests: c.RequirePushedAuthorizationRequests}
	if m.TokenEndpointAuthMethod == "" {
		m.TokenEndpointAuthMethod = op.AuthClientSecretBasic
		if c.Public {
			m.TokenEndpointAuthMethod = op.AuthNone
		}
	}
	if c.JWKS != "" {
		m.JWKS = json.RawMessage(c.JWKS)
	}
	return m
}

// refused turns a refusal of the registration rules into an RFC 7591
// error naming what is wrong.
func refused(err error) error {
	if !errors.Is(err, op.ErrInvalidClient) && !errors.Is(err, op.ErrSecretTooShort) {
		return err
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, "invalid client registration: "); i >= 0 {
		msg = msg[i+len("invalid client registration: "):]
	}
	msg = strings.ReplaceAll(msg, "\n", "; ")
	if strings.Contains(msg, "redirect") && !strings.Contains(msg, "grant") {
		return &RegistrationError{Code: "invalid_redirect_uri", Description: msg}
	}
	return metadataError(msg)
}

// register registers a client with m for the initial access token t.
func (s *Service) register(ctx context.Context, t storage.RegistrationToken, m Metadata) (response, error) {
	cc, err := m.config()
	if err != nil {
		return response{}, err
	}
	cc.ID = storage.NewID()
	if !cc.Public {
		cc.Secret = op.GenerateClientSecret()
	}
	c, secret, err := s.opts.FromConfig(cc)
	if err != nil {
		return response{}, refused(err)
	}
	rat, h := newSecret("ghrat_")
	c.RegistrationAccessTokenHash = h
	if err := s.opts.Register(ctx, c, secret); err != nil {
		return response{}, refused(err)
	}
	if err := s.store.RegistrationTokens().MarkUsed(ctx, t.ID, s.now()); err != nil {
		s.log.WarnContext(ctx, "dynreg: mark initial access token used", "error", err)
	}
	s.audit(ctx, storage.AuditEvent{Type: EventClientRegister, ActorID: "registration-token:" + t.ID,
		Details: map[string]string{"client_id": c.ID, "token_id": t.ID}})
	stored, err := s.store.Clients().ByID(ctx, c.ID)
	if err != nil {
		return response{}, err
	}
	resp := s.response(stored)
	resp.ClientSecret, resp.RegistrationAccessToken = secret, rat
	return resp, nil
}

func (s *Service) response(c storage.Client) response {
	r := response{Metadata: metadataOf(c), ClientIDIssuedAt: c.CreatedAt.Unix(),
		RegistrationClientURI: s.opts.Issuer + PathRegister + "/" + c.ID}
	if !c.Public {
		zero := int64(0)
		r.ClientSecretExpiresAt = &zero
	}
	return r
}

// registered returns the dynamically registered client id when raw is its
// registration access token; ok false otherwise (unknown client, one
// registered by an administrator, or a wrong token).
func (s *Service) registered(ctx context.Context, id, raw string) (storage.Client, bool, error) {
	c, err := s.store.Clients().ByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	if len(c.RegistrationAccessTokenHash) == 0 || subtle.ConstantTimeCompare(c.RegistrationAccessTokenHash, hash(raw)) != 1 {
		return c, false, nil
	}
	return c, true, nil
}

// update replaces the metadata of c (RFC 7592 §2.2) by the same rules.
func (s *Service) update(ctx context.Context, c storage.Client, m Metadata) (response, error) {
	if m.ClientID != c.ID {
		return response{}, &RegistrationError{Code: "invalid_request", Description: "client_id must be the registered client's"}
	}
	cc, err := m.config()
	if err != nil {
		return response{}, err
	}
	if cc.Public != c.Public {
		return response{}, metadataError("token_endpoint_auth_method cannot change between none and a secret")
	}
	cc.ID = c.ID
	if !cc.Public {
		cc.Secret = op.GenerateClientSecret() // FromConfig needs one; the stored hash stays
	}
	next, _, err := s.opts.FromConfig(cc)
	if err != nil {
		return response{}, refused(err)
	}
	next.SecretHash, next.RegistrationAccessTokenHash = c.SecretHash, c.RegistrationAccessTokenHash
	next.CreatedAt, next.UpdatedAt = c.CreatedAt, c.UpdatedAt
	if err := op.ValidateClient(next); err != nil {
		return response{}, refused(err)
	}
	if err := s.store.Clients().Update(ctx, &next); err != nil {
		return response{}, fmt.Errorf("dynreg: update client: %w", err)
	}
	s.changed(ctx, EventClientUpdate, c.ID)
	return s.response(next), nil
}

func (s *Service) remove(ctx context.Context, c storage.Client) error {
	if err := s.store.Clients().Delete(ctx, c.ID); err != nil {
		return err
	}
	s.changed(ctx, EventClientDelete, c.ID)
	return nil
}

func (s *Service) changed(ctx context.Context, event, id string) {
	if s.opts.Changed != nil {
		s.opts.Changed(id)
	}
	s.audit(ctx, storage.AuditEvent{Type: event, ActorID: "client:" + id, Details: map[string]string{"client_id": id}})
}
