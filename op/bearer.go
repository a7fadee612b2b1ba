package op

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// ErrBadAccessToken: the bearer token is malformed, not issued here,
// expired or revoked, or its user is no longer active.
var ErrBadAccessToken = errors.New("op: access token is not active")

// AccessTokenInfo describes a live access token presented as a bearer
// token to Gatehouse's own APIs.
type AccessTokenInfo struct {
	TokenID  string
	ClientID string
	// UserID is the user the token speaks for; empty for a client
	// credentials token (the client acts for itself).
	UserID    string
	Scopes    []string
	ExpiresAt time.Time
	// Admin: a user token's user has role admin, or a client token's
	// client is an admin client.
	Admin bool
}

// HasScope reports whether the token carries scope.
func (i AccessTokenInfo) HasScope(scope string) bool {
	for _, s := range i.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// VerifyAccessToken checks a bearer access token issued by this provider:
// a JWT access token (signature with the provider's keys, issuer, expiry)
// or an opaque one (decrypted with the provider's key), and in both cases
// its state in the store (its row and user, or for a stateless client
// token its tombstone and client: stateless.go), so that a token revoked
// on any replica fails here too.
// Every failure wraps ErrBadAccessToken; a database failure is returned as
// it is.
func (p *Provider) VerifyAccessToken(ctx context.Context, token string) (AccessTokenInfo, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 8192 {
		return AccessTokenInfo{}, ErrBadAccessToken
	}
	pt, ok := p.presentedToken(ctx, token)
	if !ok {
		return AccessTokenInfo{}, ErrBadAccessToken
	}
	t, u, err := p.st.livePresented(ctx, pt)
	var oe *oidc.Error
	if errors.As(err, &oe) && oe.ErrorType == oidc.AccessDenied {
		return AccessTokenInfo{}, ErrBadAccessToken
	}
	if err != nil {
		return AccessTokenInfo{}, fmt.Errorf("op: load access token: %w", err)
	}
	info := AccessTokenInfo{TokenID: t.ID, ClientID: t.ClientID, Scopes: append([]string(nil), t.Scopes...), ExpiresAt: t.ExpiresAt}
	if isClientToken(t) {
		c, err := p.st.store.Clients().ByID(ctx, t.ClientID)
		if errors.Is(err, storage.ErrNotFound) {
			return AccessTokenInfo{}, ErrBadAccessToken
		}
		if err != nil {
			return AccessTokenInfo{}, fmt.Errorf("op: load client: %w", err)
		}
		info.Admin = c.Admin
		return info, nil
	}
	// The user came with the token, in the same read.
	if u.ID != t.Subject || u.State != storage.UserActive {
		return AccessTokenInfo{}, ErrBadAccessToken
	}
	info.UserID, info.Admin = u.ID, u.Role == storage.RoleAdmin
	return info, nil
}

// presentedToken reads a bearer token the way zop's userinfo endpoint
// does: an opaque token decrypts to "id:subject"; otherwise it must be a
// JWT access token signed by this provider, which for a stateless
// client-credentials token (stateless.go) also carries its record.
//
// A JWT verified before is taken from p.verified (verified.go) while its
// key is still published; the caller checks the token's state either way
// (livePresented).
func (p *Provider) presentedToken(ctx context.Context, token string) (presented, bool) {
	now := p.st.now()
	if t, ok := p.verified.lookup(token, now, p.keyPublished(ctx)); ok {
		return t.presented, true
	}
	if plain, err := p.zop.Crypto().Decrypt(token); err == nil {
		id, subject, found := strings.Cut(plain, ":")
		if found && id != "" && subject != "" {
			return presented{id: id, subject: subject}, true
		}
		return presented{}, false
	}
	ctx = zop.ContextWithIssuer(ctx, p.opts.Issuer)
	claims, err := zop.VerifyAccessToken[*oidc.AccessTokenClaims](ctx, token, p.zop.AccessTokenVerifier(ctx))
	if err != nil || claims.JWTID == "" || claims.Subject == "" {
		return presented{}, false
	}
	p.verified.checked.Add(1)
	rec, ok := statelessRecord(claims)
	if !ok {
		return presented{}, false
	}
	pt := presented{id: claims.JWTID, subject: claims.Subject, stateless: rec}
	p.verified.remember(token, verifiedToken{presented: pt, expires: claims.Expiration.AsTime()}, now)
	return pt, true
}

// keyPublished reports whether a key id is in the published key set (as
// cached for CacheTTL); false when the key set cannot be read.
func (p *Provider) keyPublished(ctx context.Context) func(keyID string) bool {
	return func(keyID string) bool {
		st, err := p.st.keys.current(ctx)
		if err != nil {
			return false
		}
		for _, k := range st.published {
			if k.ID() == keyID {
				return true
			}
		}
		return false
	}
}
