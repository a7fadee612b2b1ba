package op

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// errNoActiveKey: the key set has no key that may sign.
var errNoActiveKey = errors.New("op: no active signing key")

// signingKey is the active private key of an algorithm.
type signingKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key crypto.Signer
	// signers holds a jose.Signer per token type ("at+jwt", "JWT"), made
	// on first use: a go-jose signer only reads its settings when it
	// signs, so one serves every request.
	signers sync.Map
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// draftSignature is the signature of a draft: no key verifies it, so a
// draft that escaped re-signing would be refused everywhere (fail closed).
var draftSignature = []byte("gatehouse-draft-not-a-signature")

// draftKey is the zop.SigningKey of drafts: the active key's id and
// algorithm with a draftSigner.
type draftKey struct {
	id  string
	alg jose.SignatureAlgorithm
}

func (k draftKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k draftKey) Key() any                                    { return draftSigner(k) }
func (k draftKey) ID() string                                  { return k.id }

// draftSigner is the go-jose opaque signer zop gets: it "signs" every
// payload with draftSignature, which no published key verifies. The token
// endpoint's grants sign their JWTs themselves (tokensign.go), so a draft
// never leaves; if a path of zop's signed one, it would be refused.
type draftSigner struct {
	id  string
	alg jose.SignatureAlgorithm
}

func (d draftSigner) Public() *jose.JSONWebKey        { return nil }
func (d draftSigner) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{d.alg} }
func (d draftSigner) SignPayload([]byte, jose.SignatureAlgorithm) ([]byte, error) {
	return draftSignature, nil
}

// publicKey is a published key: public half only.
type publicKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key any
}

func (k *publicKey) ID() string                         { return k.id }
func (k *publicKey) Algorithm() jose.SignatureAlgorithm { return k.alg }
func (k *publicKey) Use() string                        { return "sig" }
func (k *publicKey) Key() any                           { return k.key }

// keyState is one loaded view of the key set; it is replaced, never
// changed, so readers need no lock.
type keyState struct {
	loadedAt  time.Time
	active    *signingKey                             // the instance's algorithm: what zop signs with
	signers   map[jose.SignatureAlgorithm]*signingKey // the active key of each algorithm in use
	published []zop.Key
	algs      []jose.SignatureAlgorithm // active first
	jwks      []byte                    // the /keys response body
}

// keyManager caches the key set for CacheTTL. A reload also rotates when
// rotation is due, so every replica drives rotation; the lock keeps them
// from doing it twice.
type keyManager struct {
	s     *oidcStorage
	mu    sync.Mutex // held while reloading: one reload at a time
	state *keyState
}

func newKeyManager(s *oidcStorage) *keyManager { return &keyManager{s: s} }

// current returns the cached key state, reloading it when older than
// CacheTTL.
func (m *keyManager) current(ctx context.Context) (*keyState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.s.now()
	if m.state != nil && now.Sub(m.state.loadedAt) < m.s.opts.CacheTTL {
		return m.state, nil
	}
	st, err := m.load(ctx, now)
	if err != nil {
		return nil, err
	}
	m.state = st
	return st, nil
}

// signer returns the active key of alg, creating keys for an algorithm
// not in use yet (a client's id_token_signed_response_alg).
func (m *keyManager) signer(ctx context.Context, alg string) (*signingKey, error) {
	st, err := m.current(ctx)
	if err != nil {
		return nil, err
	}
	if k := st.signers[jose.SignatureAlgorithm(alg)]; k != nil {
		return k, nil
	}
	if !validAlgorithm(alg) {
		return nil, fmt.Errorf("op: unsupported signing algorithm %q", alg)
	}
	if err := m.s.ensureKeys(ctx, false, alg); err != nil {
		return nil, err
	}
	m.invalidate()
	if st, err = m.current(ctx); err != nil {
		return nil, err
	}
	if k := st.signers[jose.SignatureAlgorithm(alg)]; k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("%w for %s", errNoActiveKey, alg)
}

// invalidate makes the next call reload.
func (m *keyManager) invalidate() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state = nil
}

func (m *keyManager) load(ctx context.Context, now time.Time) (*keyState, error) {
	rows, err := m.s.currentKeys(ctx)
	if err != nil {
		return nil, err
	}
	return m.build(rows, now)
}

// build turns rows into a key state, reusing the decrypted active key of
// the previous state when it is the same key.
func (m *keyManager) build(rows []storage.SigningKey, now time.Time) (*keyState, error) {
	st := &keyState{loadedAt: now, signers: map[jose.SignatureAlgorithm]*signingKey{}}
	var jwks jose.JSONWebKeySet
	for _, r := range publishedKeys(rows, now) {
		var jwk jose.JSONWebKey
		if err := json.Unmarshal(r.PublicJWK, &jwk); err != nil || !jwk.IsPublic() {
			return nil, fmt.Errorf("op: signing key %s: public JWK unusable: %v", r.ID, err)
		}
		jwk.KeyID, jwk.Algorithm, jwk.Use = r.ID, r.Algorithm, "sig"
		jwks.Keys = append(jwks.Keys, jwk)
		st.published = append(st.published, &publicKey{id: r.ID, alg: jose.SignatureAlgorithm(r.Algorithm), key: jwk.Key})
		if alg := jose.SignatureAlgorithm(r.Algorithm); r.State == storage.KeyActive && st.signers[alg] == nil {
			k, err := m.activeKey(r)
			if err != nil {
				return nil, err
			}
			st.signers[alg] = k
		}
	}
	st.active = st.signers[jose.SignatureAlgorithm(m.s.opts.SigningAlgorithm)]
	if st.active == nil {
		return nil, errNoActiveKey
	}
	st.algs = keyAlgorithms(st)
	b, err := json.Marshal(jwks)
	if err != nil {
		return nil, fmt.Errorf("op: marshal JWKS: %w", err)
	}
	st.jwks = b
	return st, nil
}

func (m *keyManager) activeKey(r storage.SigningKey) (*signingKey, error) {
	if prev := m.state; prev != nil {
		if k := prev.signers[jose.SignatureAlgorithm(r.Algorithm)]; k != nil && k.id == r.ID {
			return k, nil
		}
	}
	priv, err := m.s.opts.openPrivateKey(r)
	if err != nil {
		return nil, err
	}
	return &signingKey{id: r.ID, alg: jose.SignatureAlgorithm(r.Algorithm), key: priv}, nil
}

// publishedKeys are the keys JWKS lists at now: next and active ones, and
// retired ones until their PublishUntil. The most recently activated
// active key comes first: it is the one that signs.
func publishedKeys(rows []storage.SigningKey, now time.Time) []storage.SigningKey {
	var out []storage.SigningKey
	for _, r := range rows {
		switch {
		case r.State == storage.KeyNext, r.State == storage.KeyActive:
			out = append(out, r)
		case r.State == storage.KeyRetired && now.Before(r.PublishUntil):
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b storage.SigningKey) int {
		if ra, rb := a.State == storage.KeyActive, b.State == storage.KeyActive; ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return b.ActivatedAt.Compare(a.ActivatedAt)
	})
	return out
}

func keyAlgorithms(st *keyState) []jose.SignatureAlgorithm {
	algs := []jose.SignatureAlgorithm{st.active.alg}
	for _, k := range st.published {
		if !slices.Contains(algs, k.Algorithm()) {
			algs = append(algs, k.Algorithm())
		}
	}
	return algs
}

// SigningKey returns what zop signs its JWTs with: not the private key but
// a draft signer of the active key's algorithm and id (draftSigner). zop
// only signs access and ID tokens, only at the token endpoint, and every
// grant there builds its response and signs its JWTs itself with the real
// keys (tokensign.go); the private keys never reach zop.
func (s *oidcStorage) SigningKey(ctx context.Context) (zop.SigningKey, error) {
	st, err := s.keys.current(ctx)
	if err != nil {
		return nil, err
	}
	return draftKey{id: st.active.id, alg: st.active.alg}, nil
}

// SignatureAlgorithms are the algorithms of the published keys, the active
// one first (discovery's id_token_signing_alg_values_supported).
func (s *oidcStorage) SignatureAlgorithms(ctx context.Context) ([]jose.SignatureAlgorithm, error) {
	st, err := s.keys.current(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(st.algs), nil
}

// KeySet returns the published PUBLIC keys (JWKS and token verification).
func (s *oidcStorage) KeySet(ctx context.Context) ([]zop.Key, error) {
	st, err := s.keys.current(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(st.published), nil
}
