package op

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// fakeStore is a map-based Store for unit tests. Single-use operations
// (ClaimCode, MarkRefreshUsed) are atomic under one mutex, as the real
// store's are under the database. End-to-end tests against the real
// stores are the lead's.
type fakeStore struct {
	mu        sync.Mutex
	lockMu    sync.Mutex // WithLock
	users     map[string]storage.User
	sessions  map[string]storage.BrowserSession
	clients   map[string]storage.Client
	reqs      map[string]*fakeAuthReq
	access    map[string]storage.AccessToken
	refresh   map[string]storage.RefreshToken
	keys      map[string]storage.SigningKey
	keyLists  int                        // SigningKeys().List calls
	userReads int                        // Users().ByID calls
	reqReads  int                        // AuthRequests().ByID calls
	groups    map[string][]storage.Group // by user id
}

type fakeAuthReq struct {
	r           storage.AuthRequest
	codeHash    []byte
	codeExpires time.Time
	codeUsed    bool
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		users: map[string]storage.User{}, sessions: map[string]storage.BrowserSession{},
		clients: map[string]storage.Client{}, reqs: map[string]*fakeAuthReq{},
		access: map[string]storage.AccessToken{}, refresh: map[string]storage.RefreshToken{},
		keys: map[string]storage.SigningKey{},
	}
}

func (f *fakeStore) Users() storage.UserStore               { return fakeUsers{f: f} }
func (f *fakeStore) Sessions() storage.SessionStore         { return fakeSessions{f: f} }
func (f *fakeStore) Clients() storage.ClientStore           { return fakeClients{f: f} }
func (f *fakeStore) AuthRequests() storage.AuthRequestStore { return fakeAuthRequests{f: f} }
func (f *fakeStore) Tokens() storage.TokenStore             { return fakeTokens{f: f} }
func (f *fakeStore) SigningKeys() storage.SigningKeyStore   { return fakeKeys{f: f} }
func (f *fakeStore) Ping(context.Context) error             { return nil }
func (f *fakeStore) Groups() storage.GroupStore             { return fakeGroups{f: f} }

// fakeGroups serves only OfUser, the one read op makes.
type fakeGroups struct {
	storage.GroupStore
	f *fakeStore
}

func (g fakeGroups) OfUser(_ context.Context, userID string) ([]storage.Group, error) {
	g.f.mu.Lock()
	defer g.f.mu.Unlock()
	return slices.Clone(g.f.groups[userID]), nil
}

func (f *fakeStore) WithLock(ctx context.Context, _ string, fn func(tx storage.Tx) error) error {
	f.lockMu.Lock()
	defer f.lockMu.Unlock()
	return fn(fakeTx{f: f})
}

// InTx runs fn on the fake's stores; the fake does not roll back, which
// op's callers of InTx do not rely on in these tests.
func (f *fakeStore) InTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	return fn(fakeTx{f: f})
}

// fakeTx offers what op uses inside WithLock and InTx: the fake's stores.
type fakeTx struct {
	storage.Tx
	f *fakeStore
}

func (t fakeTx) SigningKeys() storage.SigningKeyStore   { return fakeKeys{f: t.f} }
func (t fakeTx) Users() storage.UserStore               { return t.f.Users() }
func (t fakeTx) Sessions() storage.SessionStore         { return t.f.Sessions() }
func (t fakeTx) Clients() storage.ClientStore           { return t.f.Clients() }
func (t fakeTx) AuthRequests() storage.AuthRequestStore { return t.f.AuthRequests() }
func (t fakeTx) Tokens() storage.TokenStore             { return t.f.Tokens() }
func (t fakeTx) Groups() storage.GroupStore             { return t.f.Groups() }

// --- users and sessions ---

type fakeUsers struct {
	storage.UserStore
	f *fakeStore
}

func (s fakeUsers) ByID(_ context.Context, id string) (storage.User, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.userReads++
	u, ok := s.f.users[id]
	if !ok {
		return storage.User{}, storage.ErrNotFound
	}
	return u, nil
}

type fakeSessions struct {
	storage.SessionStore
	f *fakeStore
}

func (s fakeSessions) Delete(_ context.Context, id string) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if _, ok := s.f.sessions[id]; !ok {
		return storage.ErrNotFound
	}
	delete(s.f.sessions, id)
	return nil
}

// --- clients ---

type fakeClients struct {
	storage.ClientStore
	f *fakeStore
}

func (s fakeClients) ByID(_ context.Context, id string) (storage.Client, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	c, ok := s.f.clients[id]
	if !ok {
		return storage.Client{}, storage.ErrNotFound
	}
	return c, nil
}

// --- auth requests ---

type fakeAuthRequests struct{ f *fakeStore }

func (s fakeAuthRequests) Create(_ context.Context, r *storage.AuthRequest) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if r.ID == "" {
		r.ID = storage.NewID()
	}
	s.f.reqs[r.ID] = &fakeAuthReq{r: *r}
	return nil
}

func (s fakeAuthRequests) ByID(_ context.Context, id string, now time.Time) (storage.AuthRequest, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.reqReads++
	a, ok := s.f.reqs[id]
	if !ok || !now.Before(a.r.ExpiresAt) {
		return storage.AuthRequest{}, storage.ErrNotFound
	}
	return a.r, nil
}

func (s fakeAuthRequests) Complete(_ context.Context, id, userID, sessionID string, authTime time.Time, amr []string) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	a, ok := s.f.reqs[id]
	if !ok {
		return storage.ErrNotFound
	}
	a.r.UserID, a.r.SessionID, a.r.AuthTime, a.r.AMR, a.r.Done = userID, sessionID, authTime, amr, true
	return nil
}

func (s fakeAuthRequests) SaveCode(_ context.Context, id string, hash []byte, expires time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	a, ok := s.f.reqs[id]
	if !ok {
		return storage.ErrNotFound
	}
	if a.codeUsed {
		return storage.ErrConflict
	}
	a.codeHash, a.codeExpires = hash, expires
	return nil
}

func (s fakeAuthRequests) CompleteWithCode(ctx context.Context, id, userID, sessionID string, authTime time.Time, amr []string, hash []byte, expires time.Time) error {
	s.f.mu.Lock()
	a, ok := s.f.reqs[id]
	used := ok && (a.codeUsed || a.r.Done)
	s.f.mu.Unlock()
	switch {
	case !ok:
		return storage.ErrNotFound
	case used:
		return storage.ErrConflict
	}
	if err := s.Complete(ctx, id, userID, sessionID, authTime, amr); err != nil {
		return err
	}
	return s.SaveCode(ctx, id, hash, expires)
}

func (s fakeAuthRequests) ClaimCode(_ context.Context, hash []byte, now time.Time) (storage.AuthRequest, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	for _, a := range s.f.reqs {
		if a.codeHash == nil || !bytes.Equal(a.codeHash, hash) {
			continue
		}
		if a.codeUsed {
			return a.r, storage.ErrConflict
		}
		if !now.Before(a.codeExpires) {
			return storage.AuthRequest{}, storage.ErrNotFound
		}
		a.codeUsed = true
		return a.r, nil
	}
	return storage.AuthRequest{}, storage.ErrNotFound
}

func (s fakeAuthRequests) ByCode(_ context.Context, hash []byte, now time.Time) (storage.AuthRequest, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	for _, a := range s.f.reqs {
		if a.codeHash == nil || !bytes.Equal(a.codeHash, hash) {
			continue
		}
		if a.codeUsed {
			return a.r, storage.ErrConflict
		}
		if !now.Before(a.codeExpires) {
			return storage.AuthRequest{}, storage.ErrNotFound
		}
		return a.r, nil
	}
	return storage.AuthRequest{}, storage.ErrNotFound
}

func (s fakeAuthRequests) Delete(_ context.Context, id string) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	delete(s.f.reqs, id)
	return nil
}

func (s fakeAuthRequests) DeleteExpired(_ context.Context, now time.Time) (int64, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	var n int64
	for id, a := range s.f.reqs {
		if !now.Before(a.r.ExpiresAt) && (a.codeHash == nil || !now.Before(a.codeExpires)) {
			delete(s.f.reqs, id)
			n++
		}
	}
	return n, nil
}

// --- signing keys ---

type fakeKeys struct{ f *fakeStore }

func (s fakeKeys) Create(_ context.Context, k *storage.SigningKey) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if _, ok := s.f.keys[k.ID]; ok {
		return storage.ErrAlreadyExists
	}
	s.f.keys[k.ID] = *k
	return nil
}

func (s fakeKeys) List(context.Context) ([]storage.SigningKey, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.keyLists++
	out := make([]storage.SigningKey, 0, len(s.f.keys))
	for _, k := range s.f.keys {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b storage.SigningKey) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

func (s fakeKeys) SetState(_ context.Context, id, state string, now, publishUntil time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	k, ok := s.f.keys[id]
	if !ok {
		return storage.ErrNotFound
	}
	if !(k.State == storage.KeyNext && state == storage.KeyActive || state == storage.KeyRetired && k.State != storage.KeyRetired) {
		return storage.ErrConflict // keys only move forward, as in the real store
	}
	k.State = state
	switch state {
	case storage.KeyActive:
		k.ActivatedAt = now
	case storage.KeyRetired:
		k.RetiredAt, k.PublishUntil = now, publishUntil
	}
	s.f.keys[id] = k
	return nil
}

func (s fakeKeys) DeleteUnpublished(_ context.Context, now time.Time) (int64, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	var n int64
	for id, k := range s.f.keys {
		if k.State == storage.KeyRetired && !now.Before(k.PublishUntil) {
			delete(s.f.keys, id)
			n++
		}
	}
	return n, nil
}

func (s fakeKeys) Reseal(_ context.Context, id string, was, sealed []byte) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	k, ok := s.f.keys[id]
	if !ok {
		return storage.ErrNotFound
	}
	if !bytes.Equal(k.PrivateEncrypted, was) {
		return storage.ErrConflict
	}
	k.PrivateEncrypted = sealed
	s.f.keys[id] = k
	return nil
}
