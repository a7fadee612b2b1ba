package op

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/storage"
)

// Client-credentials access tokens in the JWT format are not stored: the
// signed token carries everything introspection reports (client, scopes,
// audience, issue and expiry times), so issuing one writes nothing to the
// database — on SQLite the row's insert was a third of the request's CPU,
// and a busy service client filled the table with rows nobody read.
//
// What a stored row gave is kept another way, and still read from the
// database on every presentation, never from a cache:
//   - revocation (RFC 7009) writes a tombstone: an access token row with
//     the token's id and revoked_at set, kept until the token's expiry;
//   - deleting the client ends its tokens (the row went by ON DELETE
//     CASCADE; now the client is read, past the client cache).
//
// Their id (jti) is "cc.<expiry, Unix seconds>.<random>": the dots never
// occur in storage.NewID's alphabet, so a stored token can never be taken
// for a stateless one, and the expiry is there for the tombstone. Opaque
// client-credentials tokens and every user token keep their row.
const statelessPrefix = "cc."

// tombstoneMargin keeps a revoked stateless token's tombstone a little
// past the token's expiry (the JWT's exp is whole seconds).
const tombstoneMargin = time.Minute

// newStatelessID is the id of a stateless token that expires at exp.
func newStatelessID(exp time.Time) string {
	return statelessPrefix + strconv.FormatInt(exp.Unix(), 10) + "." + storage.NewID()
}

// statelessExpiry returns the expiry in a stateless token's id, and false
// for any other id.
func statelessExpiry(id string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(id, statelessPrefix)
	if !ok {
		return time.Time{}, false
	}
	sec, random, ok := strings.Cut(rest, ".")
	if !ok || random == "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// presented is an access token presented to userinfo, introspection, the
// management API or token exchange, once its signature or encryption is
// checked: the id and subject it names, and for a stateless token the
// record its claims make (no row holds it).
type presented struct {
	id, subject string
	stateless   *storage.AccessToken
}

// statelessRecord is the record of a verified stateless JWT's claims, or
// nil when the token is not a stateless one (it then has a row). A token
// whose id says stateless but whose claims are not a client's own is
// refused (ok false).
func statelessRecord(c *oidc.AccessTokenClaims) (rec *storage.AccessToken, ok bool) {
	if _, stateless := statelessExpiry(c.JWTID); !stateless {
		return nil, true
	}
	if c.ClientID == "" || c.Subject != c.ClientID {
		return nil, false
	}
	return &storage.AccessToken{
		ID: c.JWTID, ClientID: c.ClientID, Subject: c.Subject,
		Audience: []string(c.Audience), Scopes: []string(c.Scopes),
		CreatedAt: c.IssuedAt.AsTime(), ExpiresAt: c.Expiration.AsTime(),
	}, true
}

// livePresented is liveAccessWithUser for a presented token: a stored one
// is read with its user; a stateless one is live while unexpired, without
// a tombstone, and its client exists (read past the client cache).
func (s *oidcStorage) livePresented(ctx context.Context, p presented) (storage.AccessToken, storage.User, error) {
	if p.stateless == nil {
		return s.liveAccessWithUser(ctx, p.id, p.subject)
	}
	t := *p.stateless
	if t.Subject != p.subject || !s.now().Before(t.ExpiresAt) {
		return storage.AccessToken{}, storage.User{}, errTokenInactive()
	}
	_, err := s.store.Tokens().AccessByID(ctx, t.ID)
	switch {
	case err == nil: // a tombstone: revoked
		return storage.AccessToken{}, storage.User{}, errTokenInactive()
	case !errors.Is(err, storage.ErrNotFound):
		return storage.AccessToken{}, storage.User{}, serverError(err, "load access token")
	}
	if _, err := s.store.Clients().ByID(ctx, t.ClientID); errors.Is(err, storage.ErrNotFound) {
		return storage.AccessToken{}, storage.User{}, errTokenInactive()
	} else if err != nil {
		return storage.AccessToken{}, storage.User{}, serverError(err, "load client")
	}
	return t, storage.User{}, nil
}

// revokeStateless writes the tombstone of a stateless token that zop
// verified (subject is its client) for clientID. A raw string shaped like
// a stateless id that verified as nothing comes with no subject: an
// unknown token, which RFC 7009 §2.2 answers with success.
func (s *oidcStorage) revokeStateless(ctx context.Context, id string, exp time.Time, subject, clientID string) *oidc.Error {
	if subject == "" {
		return nil
	}
	if subject != clientID {
		return errOtherClient()
	}
	now := s.now()
	if !now.Before(exp) {
		return nil // expired already
	}
	tomb := storage.AccessToken{ID: id, ClientID: clientID, Subject: clientID, Audience: []string{clientID},
		CreatedAt: now, ExpiresAt: exp.Add(tombstoneMargin), RevokedAt: now}
	err := s.store.Tokens().CreateAccess(ctx, &tomb)
	if errors.Is(err, storage.ErrAlreadyExists) {
		return nil // revoked before
	}
	return s.revokeResult(ctx, err)
}
