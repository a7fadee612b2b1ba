package op

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// ErrUserNotActive: the user is not in state active (SECURITY 11).
var ErrUserNotActive = errors.New("op: user is not active")

// grant is what every user token carries over from the authentication.
type grant struct {
	clientID      string
	userID        string
	sessionID     string
	authRequestID string
	audience      []string
	scopes        []string
	authTime      time.Time
	amr           []string
}

func grantFromAuthRequest(r storage.AuthRequest) grant {
	return grant{clientID: r.ClientID, userID: r.UserID, sessionID: r.SessionID, authRequestID: r.ID,
		audience: []string{r.ClientID}, scopes: r.Scopes, authTime: r.AuthTime, amr: r.AMR}
}

// hashToken is how codes and refresh tokens are stored: they are 128+ bit
// random (or encrypted) strings, so a plain SHA-256 suffices.
func hashToken(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// newRefreshSecret returns a new opaque refresh token (256 random bits).
func newRefreshSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CreateAccessToken issues an access token without a refresh token: code
// flow without offline_access, and client credentials.
func (s *oidcStorage) CreateAccessToken(ctx context.Context, req zop.TokenRequest) (string, time.Time, error) {
	switch r := req.(type) {
	case *clientCredentialsRequest:
		t, err := s.issueClientAccess(ctx, r)
		return t.ID, t.ExpiresAt, err
	case *authRequest:
		g := grantFromAuthRequest(r.r)
		if err := s.checkUserGrant(ctx, g); err != nil {
			return "", time.Time{}, err
		}
		var t storage.AccessToken
		err := s.claimCodeWith(ctx, r, func(tx *oidcStorage) error {
			var err error
			t, err = tx.issueAccess(ctx, g, "")
			return err
		})
		if err != nil {
			return "", time.Time{}, err
		}
		return t.ID, t.ExpiresAt, nil
	case *zop.DeviceAuthorizationState: // device.go
		g := grantFromDevice(r)
		if err := s.checkUserGrant(ctx, g); err != nil {
			return "", time.Time{}, err
		}
		t, err := s.issueAccess(ctx, g, "")
		return t.ID, t.ExpiresAt, err
	case *exchangeRequest: // tokenexchange.go, validated by validateExchange
		t, err := s.issueAccess(ctx, r.grant(), "")
		return t.ID, t.ExpiresAt, err
	}
	return "", time.Time{}, fmt.Errorf("op: unsupported token request %T", req)
}

// CreateAccessAndRefreshTokens starts a refresh family (code flow with
// offline_access) or rotates one (refresh_token grant).
func (s *oidcStorage) CreateAccessAndRefreshTokens(ctx context.Context, req zop.TokenRequest, current string) (string, string, time.Time, error) {
	switch r := req.(type) {
	case *authRequest:
		if current != "" {
			return "", "", time.Time{}, errors.New("op: code flow with a current refresh token")
		}
		var at, rt string
		var exp time.Time
		err := s.claimCodeWith(ctx, r, func(tx *oidcStorage) error {
			var err error
			at, rt, exp, err = tx.startFamily(ctx, grantFromAuthRequest(r.r))
			return err
		})
		if err != nil {
			return "", "", time.Time{}, err
		}
		return at, rt, exp, nil
	case *refreshRequest:
		return s.rotate(ctx, r)
	case *zop.DeviceAuthorizationState: // device.go
		if current != "" {
			return "", "", time.Time{}, errors.New("op: device grant with a current refresh token")
		}
		return s.startFamily(ctx, grantFromDevice(r))
	}
	return "", "", time.Time{}, fmt.Errorf("op: unsupported token request %T", req)
}

// checkUserGrant fails unless the user may get tokens now: active
// (SECURITY 11), and an admin when gatehouse:admin is among the scopes.
func (s *oidcStorage) checkUserGrant(ctx context.Context, g grant) error {
	u, err := s.activeUser(ctx, g.userID)
	if err != nil {
		return err
	}
	if slices.Contains(g.scopes, ScopeAdmin) && u.Role != storage.RoleAdmin {
		return oidc.ErrInvalidScope().WithDescription("scope %s is for administrators", ScopeAdmin).WithParent(ErrScopeNotAllowed)
	}
	return s.checkAllowedGroups(ctx, g.clientID, u.ID)
}

// activeUser loads the user and refuses anyone not active: invalid_grant,
// so the client drops its tokens.
func (s *oidcStorage) activeUser(ctx context.Context, id string) (storage.User, error) {
	u, ok := memoizedUser(ctx, id) // read earlier in this token request
	var err error
	if !ok {
		u, err = s.store.Users().ByID(ctx, id)
		if err == nil {
			memoizeUser(ctx, u)
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, oidc.ErrInvalidGrant().WithDescription("user is not active").WithParent(ErrUserNotActive)
	}
	if err != nil {
		return storage.User{}, serverError(err, "load user")
	}
	if u.State != storage.UserActive {
		return storage.User{}, oidc.ErrInvalidGrant().WithDescription("user is not active").WithParent(ErrUserNotActive)
	}
	return u, nil
}

// issueAccess stores a user access token; refreshID is the refresh token it
// comes with, if any.
func (s *oidcStorage) issueAccess(ctx context.Context, g grant, refreshID string) (storage.AccessToken, error) {
	now := s.now()
	t := storage.AccessToken{
		ID: storage.NewID(), ClientID: g.clientID, Subject: g.userID, Audience: g.audience, Scopes: g.scopes,
		RefreshTokenID: refreshID, AuthRequestID: g.authRequestID, SessionID: g.sessionID,
		AuthTime: g.authTime, AMR: g.amr, CreatedAt: now, ExpiresAt: now.Add(s.opts.AccessTokenLifetime),
	}
	if err := s.store.Tokens().CreateAccess(ctx, &t); err != nil {
		return storage.AccessToken{}, serverError(err, "store access token")
	}
	return t, nil
}

// issueClientAccess stores a client-credentials access token: the client is
// its subject and audience.
func (s *oidcStorage) issueClientAccess(ctx context.Context, r *clientCredentialsRequest) (storage.AccessToken, error) {
	now := s.now()
	t := storage.AccessToken{
		ID: storage.NewID(), ClientID: r.clientID, Subject: r.clientID, Audience: r.GetAudience(), Scopes: r.scopes,
		CreatedAt: now, ExpiresAt: now.Add(s.opts.AccessTokenLifetime),
	}
	c, err := s.client(ctx, r.clientID)
	if err != nil {
		return storage.AccessToken{}, serverError(err, "load client")
	}
	if c.AccessTokenFormat != storage.AccessTokenOpaque { // a JWT: not stored (stateless.go)
		t.ID = newStatelessID(t.ExpiresAt)
		return t, nil
	}
	if err := s.store.Tokens().CreateAccess(ctx, &t); err != nil {
		return storage.AccessToken{}, serverError(err, "store access token")
	}
	return t, nil
}

// isClientToken tells client-credentials tokens (no user) from user tokens,
// which always come from a code flow.
func isClientToken(t storage.AccessToken) bool {
	return t.AuthRequestID == "" && t.RefreshTokenID == "" && t.Subject == t.ClientID
}

// errTokenInactive: unknown, revoked, expired or not the caller's token.
func errTokenInactive() error {
	return oidc.ErrAccessDenied().WithDescription("token is not active")
}

// checkLive turns the read of an access token into liveAccessWithUser's
// answer: the token exists, belongs to subject, and is neither revoked nor
// expired.
func (s *oidcStorage) checkLive(t storage.AccessToken, subject string, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return errTokenInactive()
	}
	if err != nil {
		return serverError(err, "load access token")
	}
	if t.Subject != subject || !t.RevokedAt.IsZero() || !s.now().Before(t.ExpiresAt) {
		return errTokenInactive()
	}
	return nil
}

// liveAccessWithUser returns a stored access token that is live
// (checkLive) and, from the same read, the user of a user's token (the
// zero User for a client's token); the caller checks the user's state
// (activeUserOf).
func (s *oidcStorage) liveAccessWithUser(ctx context.Context, id, subject string) (storage.AccessToken, storage.User, error) {
	t, u, err := s.store.Tokens().AccessWithUser(ctx, id)
	if err := s.checkLive(t, subject, err); err != nil {
		return storage.AccessToken{}, storage.User{}, err
	}
	return t, u, nil
}

// activeUserOf is activeUser for a user already read with the token.
func activeUserOf(u storage.User) (storage.User, error) {
	if u.ID == "" || u.State != storage.UserActive {
		return storage.User{}, oidc.ErrInvalidGrant().WithDescription("user is not active").WithParent(ErrUserNotActive)
	}
	return u, nil
}

// RevokeToken revokes what zop found: an access token id, a refresh token
// id (from GetRefreshTokenInfo) or a raw string. Revoking a refresh token
// revokes its family and the access tokens minted from it (RFC 7009 §2.1);
// unknown tokens are not an error (RFC 7009 §2.2). A token of another
// client is refused.
//
// A stateless client-credentials token (stateless.go) gets a tombstone;
// zop passes its subject only when it verified the token.
func (s *oidcStorage) RevokeToken(ctx context.Context, tokenOrID, subject string, clientID string) *oidc.Error {
	if exp, ok := statelessExpiry(tokenOrID); ok {
		return s.revokeStateless(ctx, tokenOrID, exp, subject, clientID)
	}
	tokens := s.store.Tokens()
	now := s.now()
	at, err := tokens.AccessByID(ctx, tokenOrID)
	if err == nil {
		if at.ClientID != clientID {
			return errOtherClient()
		}
		return s.revokeResult(ctx, tokens.RevokeAccess(ctx, at.ID, now))
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return s.revokeResult(ctx, err)
	}
	rt, err := s.refreshByIDOrSecret(ctx, tokenOrID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return s.revokeResult(ctx, err)
	}
	if rt.ClientID != clientID {
		return errOtherClient()
	}
	if rt.FamilyID == "" {
		return s.revokeResult(ctx, errors.New("op: refresh token without family"))
	}
	return s.revokeResult(ctx, tokens.RevokeFamily(ctx, rt.FamilyID, now))
}

func (s *oidcStorage) refreshByIDOrSecret(ctx context.Context, tokenOrID string) (storage.RefreshToken, error) {
	rt, err := s.store.Tokens().RefreshByID(ctx, tokenOrID)
	if errors.Is(err, storage.ErrNotFound) {
		return s.store.Tokens().RefreshByHash(ctx, hashToken(tokenOrID))
	}
	return rt, err
}

func errOtherClient() *oidc.Error {
	return oidc.ErrUnauthorizedClient().WithDescription("the token was not issued to this client")
}

func (s *oidcStorage) revokeResult(ctx context.Context, err error) *oidc.Error {
	if err == nil {
		return nil
	}
	s.log.ErrorContext(ctx, "revoke token", slog.Any("error", err))
	return oidc.ErrServerError().WithParent(err)
}
