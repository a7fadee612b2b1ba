package op

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// Store is exactly what the provider needs from the database;
// storage.Store satisfies it.
type Store interface {
	Users() storage.UserStore
	Sessions() storage.SessionStore
	Clients() storage.ClientStore
	AuthRequests() storage.AuthRequestStore
	Tokens() storage.TokenStore
	SigningKeys() storage.SigningKeyStore
	// Groups gives the groups claim and the clients' allowed groups.
	Groups() storage.GroupStore
	// WithLock runs fn in one transaction holding the named lock (on every
	// replica sharing the database). Inside fn only tx's stores may be
	// used. See storage.Store.WithLock.
	WithLock(ctx context.Context, name string, fn func(tx storage.Tx) error) error
	// InTx runs fn in one transaction (see storage.Store.InTx): a code is
	// claimed in the transaction that stores the tokens it buys.
	InTx(ctx context.Context, fn func(tx storage.Tx) error) error
	// Ping reports whether the database answers (zop's readiness probe).
	Ping(ctx context.Context) error
}

var _ Store = storage.Store(nil)

// txStore is a Store whose every store works inside one transaction: the
// oidcStorage of a transaction (inTx) uses it, so that the code it claims
// and the tokens it stores commit together or not at all.
type txStore struct{ storage.Tx }

func (t txStore) WithLock(ctx context.Context, name string, fn func(tx storage.Tx) error) error {
	if err := t.Lock(ctx, name); err != nil {
		return err
	}
	return fn(t.Tx)
}

func (t txStore) InTx(_ context.Context, fn func(tx storage.Tx) error) error { return fn(t.Tx) }

func (t txStore) Ping(context.Context) error { return nil }

// signingKeysLock is the lock under which keys are created and rotated, so
// that replicas starting together on an empty database create one key.
const signingKeysLock = "signing-keys"

// oidcStorage implements zitadel's storage interfaces over Store. Its
// methods are spread over the files of their concern (authrequest.go,
// tokens.go, refresh.go, userinfo.go, logout.go, keys.go, client.go).
type oidcStorage struct {
	opts    Options
	store   Store
	log     *slog.Logger
	now     func() time.Time
	clients *ttlCache[storage.Client]
	keys    *keyManager
}

var (
	_ zop.Storage                        = (*oidcStorage)(nil)
	_ zop.ClientCredentialsStorage       = (*oidcStorage)(nil)
	_ zop.CanSetUserinfoFromRequest      = (*oidcStorage)(nil)
	_ zop.CanTerminateSessionFromRequest = (*oidcStorage)(nil)
	_ zop.CanGetPrivateClaimsFromRequest = (*oidcStorage)(nil)
)

func newOIDCStorage(opts Options, store Store) *oidcStorage {
	s := &oidcStorage{opts: opts, store: store, log: opts.Logger, now: time.Now}
	s.clients = newTTLCache[storage.Client](opts.CacheTTL, s.clock)
	s.keys = newKeyManager(s)
	return s
}

// clock is the current time, through now so tests can move it.
func (s *oidcStorage) clock() time.Time { return s.now() }

// Health is zop's readiness probe.
func (s *oidcStorage) Health(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return fmt.Errorf("op: database: %w", err)
	}
	return nil
}

// errUnsupported answers the optional features Gatehouse does not offer
// (JWT profile grant, private_key_jwt client authentication).
var errUnsupported = errors.New("op: not supported")

// GetKeyByIDAndClientID would serve private_key_jwt client authentication
// and the JWT profile grant, which Gatehouse does not offer.
func (s *oidcStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errUnsupported
}

// ValidateJWTProfileScopes serves the JWT profile grant, not offered.
func (s *oidcStorage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

// serverError marks a database fault for zop (answered 500, not as a
// client error); the cause stays in the chain for the log.
func serverError(err error, what string) error {
	return oidc.ErrServerError().WithParent(fmt.Errorf("op: %s: %w", what, err))
}
