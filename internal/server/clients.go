package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
)

// ClientFromConfig builds the client a ClientConfig (YAML entry or the
// clients create flags) describes, with defaults: grant type
// authorization_code, scopes openid profile email offline_access, JWT access
// tokens. The secret is resolved but not hashed.
func ClientFromConfig(cc config.ClientConfig) (storage.Client, string, error) {
	secret := cc.Secret
	if cc.SecretFile != "" {
		data, err := os.ReadFile(cc.SecretFile)
		if err != nil {
			return storage.Client{}, "", fmt.Errorf("client %s: read secret file: %w", cc.ID, err)
		}
		secret = strings.TrimSpace(string(data))
	}
	c := storage.Client{
		ID:                     cc.ID,
		Public:                 cc.Public,
		Name:                   cc.Name,
		RedirectURIs:           cc.RedirectURIs,
		PostLogoutRedirectURIs: cc.PostLogoutRedirectURIs,
		GrantTypes:             cc.GrantTypes,
		Scopes:                 cc.Scopes,
		FirstParty:             cc.FirstParty,
		AccessTokenFormat:      cc.AccessTokenFormat,
		Dev:                    cc.Dev,
		Admin:                  cc.Admin,
		RequireMFA:             cc.RequireMFA,
		AllowedGroups:          cc.AllowedGroups,

		BackchannelLogoutURI:             cc.BackchannelLogoutURI,
		BackchannelLogoutSessionRequired: cc.BackchannelLogoutSessionRequired,
		TokenEndpointAuthMethod:          cc.TokenEndpointAuthMethod,
		JWKSURI:                          cc.JWKSURI,
		IDTokenSignedResponseAlg:         cc.IDTokenSignedResponseAlg,

		// Issue 18 items 4 and 8.
		RequirePushedAuthorizationRequests: cc.RequirePushedAuthorizationRequests || cc.RequirePAR,
		TokenExchangeDelegation:            cc.TokenExchangeDelegation,
		HomeURL:                            cc.HomeURL,
	}
	if jwks, err := clientJWKS(cc.JWKS); err != nil {
		return storage.Client{}, "", fmt.Errorf("client %s: jwks: %w", cc.ID, err)
	} else {
		c.JWKS = jwks
	}
	if c.Name == "" {
		c.Name = c.ID
	}
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = op.DefaultGrantTypes()
	}
	if len(c.Scopes) == 0 {
		c.Scopes = op.DefaultScopes(c.GrantTypes)
	}
	if c.AccessTokenFormat == "" {
		c.AccessTokenFormat = storage.AccessTokenJWT
	}
	if c.Admin && !slices.Contains(c.Scopes, op.ScopeAdmin) {
		// --admin means the client may ask for the management scope.
		c.Scopes = append(slices.Clone(c.Scopes), op.ScopeAdmin)
	}
	return c, secret, nil
}

// RegisterClient hashes secret into c, checks the registration rules and
// stores c: created when new, replaced when replace is set, else
// storage.ErrAlreadyExists.
func RegisterClient(ctx context.Context, clients storage.ClientStore, c storage.Client, secret string, replace bool) error {
	if !c.Public {
		hash, err := op.HashClientSecret(secret)
		if err != nil {
			return fmt.Errorf("client %s: %w", c.ID, err)
		}
		c.SecretHash = hash
	}
	if err := op.ValidateClient(c); err != nil {
		return fmt.Errorf("client %s: %w", c.ID, err)
	}
	existing, err := clients.ByID(ctx, c.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		if err := clients.Create(ctx, &c); err != nil {
			return fmt.Errorf("create client %s: %w", c.ID, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("look up client %s: %w", c.ID, err)
	case !replace:
		return fmt.Errorf("client %s: %w", c.ID, storage.ErrAlreadyExists)
	}
	c.CreatedAt = existing.CreatedAt
	if err := clients.Update(ctx, &c); err != nil {
		return fmt.Errorf("update client %s: %w", c.ID, err)
	}
	return nil
}

// applyStaticClients creates or updates the clients declared in the
// configuration file.
func (s *Server) applyStaticClients(ctx context.Context) error {
	for _, cc := range s.cfg.Clients {
		c, secret, err := ClientFromConfig(cc)
		if err != nil {
			return err
		}
		if err := RegisterClient(ctx, s.store.Clients(), c, secret, true); err != nil {
			return fmt.Errorf("clients in the configuration file: %w", err)
		}
	}
	return nil
}

// clientJWKS is a client's jwks from the configuration: a JSON string
// (the CLI flag, or YAML text) or a YAML mapping, as JSON text.
func clientJWKS(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}
