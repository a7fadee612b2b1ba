package account

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// fakeStores is an in-memory Stores for tests. Setting an error field
// makes every call of that store fail with it.
type fakeStores struct {
	mu       sync.Mutex
	users    map[string]storage.User
	sessions map[string]storage.BrowserSession
	hits     map[string][]time.Time
	events   []storage.AuditEvent
	touches  int

	usersErr, sessionsErr, throttleErr, auditErr error
	hitErr                                       error // Hit only
}

func newFakeStores() *fakeStores {
	return &fakeStores{
		users:    map[string]storage.User{},
		sessions: map[string]storage.BrowserSession{},
		hits:     map[string][]time.Time{},
	}
}

func (f *fakeStores) Users() storage.UserStore         { return fakeUsers{f} }
func (f *fakeStores) Sessions() storage.SessionStore   { return fakeSessions{f} }
func (f *fakeStores) Throttles() storage.ThrottleStore { return fakeThrottles{f} }
func (f *fakeStores) Audit() storage.AuditStore        { return fakeAudit{f} }
func (f *fakeStores) lock() func()                     { f.mu.Lock(); return f.mu.Unlock }
func (f *fakeStores) eventsOf(typ string) (out []storage.AuditEvent) {
	defer f.lock()()
	for _, e := range f.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

type fakeUsers struct{ f *fakeStores }

func (s fakeUsers) Create(_ context.Context, u *storage.User) error {
	defer s.f.lock()()
	if s.f.usersErr != nil {
		return s.f.usersErr
	}
	for _, o := range s.f.users {
		if storage.FoldCase(o.Email) == storage.FoldCase(u.Email) ||
			u.Username != "" && storage.FoldCase(o.Username) == storage.FoldCase(u.Username) {
			return fmt.Errorf("fake create: %w", storage.ErrAlreadyExists)
		}
	}
	if u.ID == "" {
		u.ID = storage.NewID()
	}
	u.CreatedAt = storage.Time(u.CreatedAt)
	u.UpdatedAt = u.CreatedAt
	s.f.users[u.ID] = *u
	return nil
}

func (s fakeUsers) ByID(_ context.Context, id string) (storage.User, error) {
	defer s.f.lock()()
	if s.f.usersErr != nil {
		return storage.User{}, s.f.usersErr
	}
	u, ok := s.f.users[id]
	if !ok {
		return storage.User{}, fmt.Errorf("fake user %s: %w", id, storage.ErrNotFound)
	}
	return u, nil
}

func (s fakeUsers) ByLogin(_ context.Context, login string) (storage.User, error) {
	defer s.f.lock()()
	if s.f.usersErr != nil {
		return storage.User{}, s.f.usersErr
	}
	key := storage.FoldCase(login)
	var byName *storage.User
	for _, u := range s.f.users {
		if storage.FoldCase(u.Email) == key {
			return u, nil
		}
		if u.Username != "" && storage.FoldCase(u.Username) == key {
			byName = &u
		}
	}
	if byName == nil {
		return storage.User{}, fmt.Errorf("fake login: %w", storage.ErrNotFound)
	}
	return *byName, nil
}

func (s fakeUsers) List(_ context.Context, f storage.UserFilter) (storage.Page[storage.User], error) {
	defer s.f.lock()()
	if s.f.usersErr != nil {
		return storage.Page[storage.User]{}, s.f.usersErr
	}
	var items []storage.User
	for _, u := range s.f.users {
		if f.State == "" || u.State == f.State {
			items = append(items, u)
		}
	}
	slices.SortFunc(items, func(a, b storage.User) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return storage.Page[storage.User]{Items: items}, nil
}

func (s fakeUsers) Update(_ context.Context, u *storage.User) error {
	defer s.f.lock()()
	old, ok := s.f.users[u.ID]
	switch {
	case s.f.usersErr != nil:
		return s.f.usersErr
	case !ok:
		return storage.ErrNotFound
	case !old.UpdatedAt.Equal(u.UpdatedAt):
		return storage.ErrConflict
	}
	u.UpdatedAt = u.UpdatedAt.Add(time.Millisecond)
	s.f.users[u.ID] = *u
	return nil
}

func (s fakeUsers) Delete(_ context.Context, id string) error {
	defer s.f.lock()()
	delete(s.f.users, id)
	return nil
}

func (s fakeUsers) CountByState(context.Context) (map[storage.UserState]int, error) {
	defer s.f.lock()()
	m := map[storage.UserState]int{}
	for _, u := range s.f.users {
		m[u.State]++
	}
	return m, nil
}

type fakeSessions struct{ f *fakeStores }

func (s fakeSessions) Create(_ context.Context, bs *storage.BrowserSession) error {
	defer s.f.lock()()
	if s.f.sessionsErr != nil {
		return s.f.sessionsErr
	}
	if bs.ID == "" {
		bs.ID = storage.NewID()
	}
	s.f.sessions[bs.ID] = *bs
	return nil
}

func (s fakeSessions) ByTokenHash(_ context.Context, h []byte, now time.Time) (storage.BrowserSession, error) {
	defer s.f.lock()()
	if s.f.sessionsErr != nil {
		return storage.BrowserSession{}, s.f.sessionsErr
	}
	for _, bs := range s.f.sessions {
		if bytes.Equal(bs.TokenHash, h) && bs.Live(now) {
			return bs, nil
		}
	}
	return storage.BrowserSession{}, storage.ErrNotFound
}

func (s fakeSessions) Touch(_ context.Context, id string, now time.Time) error {
	defer s.f.lock()()
	bs, ok := s.f.sessions[id]
	if !ok || !bs.Live(now) {
		return storage.ErrNotFound
	}
	s.f.touches++
	bs.LastSeenAt = storage.Time(now)
	s.f.sessions[id] = bs
	return nil
}

func (s fakeSessions) Delete(_ context.Context, id string) error {
	defer s.f.lock()()
	if _, ok := s.f.sessions[id]; !ok {
		return storage.ErrNotFound
	}
	delete(s.f.sessions, id)
	return nil
}

func (s fakeSessions) DeleteByUser(_ context.Context, userID, keepID string) (int64, error) {
	defer s.f.lock()()
	var n int64
	for id, bs := range s.f.sessions {
		if bs.UserID == userID && id != keepID {
			delete(s.f.sessions, id)
			n++
		}
	}
	return n, nil
}

func (s fakeSessions) ListByUser(_ context.Context, userID string, now time.Time) ([]storage.BrowserSession, error) {
	defer s.f.lock()()
	var out []storage.BrowserSession
	for _, bs := range s.f.sessions {
		if bs.UserID == userID && bs.Live(now) {
			out = append(out, bs)
		}
	}
	slices.SortFunc(out, func(a, b storage.BrowserSession) int { return b.LastSeenAt.Compare(a.LastSeenAt) })
	return out, nil
}

func (s fakeSessions) DeleteExpired(context.Context, time.Time) (int64, error) { return 0, nil }

type fakeThrottles struct{ f *fakeStores }

func (s fakeThrottles) Hit(_ context.Context, key string, now time.Time, window time.Duration) (int, error) {
	defer s.f.lock()()
	if err := cmp.Or(s.f.throttleErr, s.f.hitErr); err != nil {
		return 0, err
	}
	s.f.hits[key] = append(s.f.hits[key], now)
	return s.f.count(key, now, window), nil
}

func (s fakeThrottles) Count(_ context.Context, key string, now time.Time, window time.Duration) (int, error) {
	defer s.f.lock()()
	if s.f.throttleErr != nil {
		return 0, s.f.throttleErr
	}
	return s.f.count(key, now, window), nil
}

func (f *fakeStores) count(key string, now time.Time, window time.Duration) int {
	n := 0
	for _, t := range f.hits[key] {
		if t.After(now.Add(-window)) && !t.After(now) {
			n++
		}
	}
	return n
}

func (s fakeThrottles) Release(_ context.Context, key string, at time.Time, _ time.Duration) error {
	defer s.f.lock()()
	if s.f.throttleErr != nil {
		return s.f.throttleErr
	}
	if i := slices.Index(s.f.hits[key], at); i >= 0 {
		s.f.hits[key] = slices.Delete(s.f.hits[key], i, i+1)
	}
	return nil
}

func (s fakeThrottles) Reset(_ context.Context, key string) error {
	defer s.f.lock()()
	if s.f.throttleErr != nil {
		return s.f.throttleErr
	}
	delete(s.f.hits, key)
	return nil
}

func (s fakeThrottles) DeleteExpired(context.Context, time.Time, time.Duration) (int64, error) {
	return 0, nil
}

type fakeAudit struct{ f *fakeStores }

func (s fakeAudit) Append(_ context.Context, e *storage.AuditEvent) error {
	defer s.f.lock()()
	if s.f.auditErr != nil {
		return s.f.auditErr
	}
	s.f.events = append(s.f.events, *e)
	return nil
}

func (s fakeAudit) List(context.Context, storage.AuditFilter) (storage.Page[storage.AuditEvent], error) {
	defer s.f.lock()()
	return storage.Page[storage.AuditEvent]{Items: slices.Clone(s.f.events)}, nil
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// fastHash keeps tests quick: the smallest sensible argon2id.
var fastHash = HashParams{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// newTestService returns a Service over a fresh fake with fast hashing and
// a test clock; edit applies to the options first.
func newTestService(t *testing.T, edit func(*Options)) (*Service, *fakeStores, *testClock) {
	t.Helper()
	f, clock := newFakeStores(), newTestClock()
	opts := Options{Hash: fastHash, Now: clock.Now}
	if edit != nil {
		edit(&opts)
	}
	return New(f, opts), f, clock
}

// mustCreate creates an active user with username name, email
// name@example.com and the password, then sets its state.
func mustCreate(t *testing.T, s *Service, name, password string, state storage.UserState) storage.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), NewUser{Email: name + "@example.com", Username: name, Password: password})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	if state != storage.UserActive {
		u.State = state
		if err := s.stores.Users().Update(t.Context(), &u); err != nil {
			t.Fatalf("set state: %v", err)
		}
	}
	return u
}

func (s fakeAudit) Anonymize(_ context.Context, userID string) error {
	defer s.f.lock()()
	for i, e := range s.f.events {
		if e.UserID == userID || e.ActorID == userID {
			s.f.events[i].IP, s.f.events[i].Details = "", nil
		}
	}
	return nil
}
