package op

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// refreshRequest is a presented, still valid refresh token as zop sees it.
// scopes are the scopes of this exchange, which the client may narrow.
type refreshRequest struct {
	t      storage.RefreshToken
	scopes []string
}

var _ zop.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string                 { return r.t.AMR }
func (r *refreshRequest) GetAudience() []string            { return r.t.Audience }
func (r *refreshRequest) GetAuthTime() time.Time           { return r.t.AuthTime }
func (r *refreshRequest) GetClientID() string              { return r.t.ClientID }
func (r *refreshRequest) GetScopes() []string              { return r.scopes }
func (r *refreshRequest) GetSubject() string               { return r.t.UserID }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.scopes = scopes }
func (r *refreshRequest) sessionID() string                { return r.t.SessionID }

// invalidRefresh is the answer to every refresh token that cannot be used.
func invalidRefresh(why string) error {
	return oidc.ErrInvalidGrant().WithDescription("refresh token %s", why)
}

// TokenRequestByRefreshToken looks up a presented refresh token. A token
// that was already rotated is a reuse: its whole family is revoked
// (SECURITY 41).
func (s *oidcStorage) TokenRequestByRefreshToken(ctx context.Context, token string) (zop.RefreshTokenRequest, error) {
	t, err := s.store.Tokens().RefreshByHash(ctx, hashToken(token))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, invalidRefresh("is unknown")
	}
	if err != nil {
		return nil, serverError(err, "load refresh token")
	}
	now := s.now()
	switch {
	case !t.RevokedAt.IsZero():
		return nil, invalidRefresh("is revoked")
	case !t.UsedAt.IsZero():
		s.revokeFamily(ctx, t.FamilyID, now, "refresh token reused")
		return nil, invalidRefresh("was already used")
	case !now.Before(t.ExpiresAt), !now.Before(t.FamilyExpiresAt):
		return nil, invalidRefresh("has expired")
	}
	return &refreshRequest{t: t, scopes: slices.Clone(t.Scopes)}, nil
}

// startFamily issues the first refresh token of a family with its access
// token.
func (s *oidcStorage) startFamily(ctx context.Context, g grant) (string, string, time.Time, error) {
	if err := s.checkUserGrant(ctx, g); err != nil {
		return "", "", time.Time{}, err
	}
	now := s.now()
	familyEnd := now.Add(s.opts.RefreshFamilyLifetime)
	secret, rt := s.newRefresh(g, storage.NewID(), familyEnd, now)
	if err := s.store.Tokens().CreateRefresh(ctx, &rt); err != nil {
		return "", "", time.Time{}, serverError(err, "store refresh token")
	}
	at, err := s.issueAccess(ctx, g, rt.ID)
	if err != nil {
		return "", "", time.Time{}, err
	}
	return at.ID, secret, at.ExpiresAt, nil
}

// newRefresh builds a refresh token of family for g: it lives
// RefreshTokenLifetime unused, never past the family's end.
func (s *oidcStorage) newRefresh(g grant, family string, familyEnd, now time.Time) (string, storage.RefreshToken) {
	secret := newRefreshSecret()
	return secret, storage.RefreshToken{
		ID: storage.NewID(), TokenHash: hashToken(secret), FamilyID: family,
		ClientID: g.clientID, UserID: g.userID, Audience: g.audience, Scopes: g.scopes,
		AuthRequestID: g.authRequestID, SessionID: g.sessionID, AuthTime: g.authTime, AMR: g.amr,
		CreatedAt: now, ExpiresAt: minTime(now.Add(s.opts.RefreshTokenLifetime), familyEnd), FamilyExpiresAt: familyEnd,
	}
}

// rotate spends the presented refresh token and issues its successor.
// MarkRefreshUsed is the compare-and-set: of parallel refreshes one wins;
// the others count as reuse and revoke the family.
func (s *oidcStorage) rotate(ctx context.Context, r *refreshRequest) (string, string, time.Time, error) {
	old := r.t
	g := grant{clientID: old.ClientID, userID: old.UserID, sessionID: old.SessionID, authRequestID: old.AuthRequestID,
		audience: old.Audience, scopes: old.Scopes, authTime: old.AuthTime, amr: old.AMR}
	if err := s.checkUserGrant(ctx, g); err != nil {
		return "", "", time.Time{}, err
	}
	now := s.now()
	// The spend and the successor commit together: a database lost in
	// between leaves the presented token unspent, never spent without a
	// successor (which would sign the user out at the client's retry).
	var secret string
	var at storage.AccessToken
	var reused bool
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		err := tx.Tokens().MarkRefreshUsed(ctx, old.ID, now)
		if errors.Is(err, storage.ErrConflict) {
			reused = true
			return err
		}
		if err != nil {
			return serverError(err, "spend refresh token")
		}
		scoped := *s
		scoped.store = txStore{tx}
		// The successor keeps the family's scopes; only this access token
		// gets the narrowed ones (RFC 6749 §6).
		var next storage.RefreshToken
		secret, next = scoped.newRefresh(g, old.FamilyID, old.FamilyExpiresAt, now)
		if err := tx.Tokens().CreateRefresh(ctx, &next); err != nil {
			return serverError(err, "store refresh token")
		}
		ga := g
		ga.scopes = r.scopes
		at, err = scoped.issueAccess(ctx, ga, next.ID)
		return err
	})
	if reused {
		s.revokeFamily(ctx, old.FamilyID, now, "refresh token used in parallel")
		return "", "", time.Time{}, invalidRefresh("was already used")
	}
	if err != nil {
		var oerr *oidc.Error
		if !errors.As(err, &oerr) {
			err = serverError(err, "commit the rotation") // the commit itself failed
		}
		return "", "", time.Time{}, err
	}
	if err := s.checkFamilyAlive(ctx, old, now); err != nil {
		return "", "", time.Time{}, err
	}
	return at.ID, secret, at.ExpiresAt, nil
}

// checkFamilyAlive closes a race: a parallel reuse may have revoked the
// family after our compare-and-set but before the successor existed, which
// would leave the successor unrevoked. RevokeFamily also revokes old, so
// reading old again tells; then the family is revoked once more, now with
// the successor. The response still goes out (one parallel refresh wins),
// with tokens that no longer work.
func (s *oidcStorage) checkFamilyAlive(ctx context.Context, old storage.RefreshToken, now time.Time) error {
	t, err := s.store.Tokens().RefreshByID(ctx, old.ID)
	if err != nil {
		return serverError(err, "reload refresh token")
	}
	if !t.RevokedAt.IsZero() {
		s.revokeFamily(ctx, old.FamilyID, now, "refresh family revoked during rotation")
	}
	return nil
}

func (s *oidcStorage) revokeFamily(ctx context.Context, family string, now time.Time, why string) {
	if family == "" {
		s.log.ErrorContext(ctx, why+": refresh token without family")
		return
	}
	s.log.WarnContext(ctx, why+": revoking the refresh family", slog.String("family_id", family))
	if err := s.store.Tokens().RevokeFamily(ctx, family, now); err != nil {
		s.log.ErrorContext(ctx, "revoke refresh family", slog.String("family_id", family), slog.Any("error", err))
	}
}

// GetRefreshTokenInfo serves revocation: it returns zop.ErrInvalidRefreshToken
// for anything that is not a refresh token of clientID, so zop goes on to
// try it as an access token.
func (s *oidcStorage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := s.store.Tokens().RefreshByHash(ctx, hashToken(token))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && t.ClientID != clientID) {
		return "", "", zop.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", serverError(err, "load refresh token")
	}
	return t.UserID, t.ID, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
