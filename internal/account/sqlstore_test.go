package account

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// sqlStores is the real SQLite store. Until sqlstore implements
// ThrottleStore, throttle counters come from the in-memory fake.
type sqlStores struct {
	*sqlstore.Store
	throttles storage.ThrottleStore
}

func (s sqlStores) Throttles() storage.ThrottleStore { return s.throttles }

// newSQLiteService returns a Service over a fresh, migrated SQLite file.
func newSQLiteService(t *testing.T) (*Service, *testClock) {
	t.Helper()
	ctx := t.Context()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	stores := sqlStores{Store: st, throttles: newFakeStores().Throttles()}
	if ts, ok := any(st).(interface{ Throttles() storage.ThrottleStore }); ok {
		stores.throttles = ts.Throttles()
	} else {
		t.Log("sqlstore has no ThrottleStore yet: throttle counters are in memory")
	}
	clock := newTestClock()
	return New(stores, Options{Hash: fastHash, Now: clock.Now}), clock
}

func TestSQLiteUsersAndSignIn(t *testing.T) {
	s, _ := newSQLiteService(t)
	ctx := t.Context()
	u := mustCreate(t, s, "ada", "analytical engine", storage.UserActive)
	mustCreate(t, s, "eve", "orchid tundra signal", storage.UserBlocked)

	var de *DuplicateError
	_, err := s.CreateUser(ctx, NewUser{Email: "ADA@example.com", Password: "tidal mosaic frame"})
	if !errors.As(err, &de) || de.Field != FieldEmail || !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("duplicate email = %v", err)
	}
	_, err = s.CreateUser(ctx, NewUser{Email: "new@example.com", Username: "Ada", Password: "tidal mosaic frame"})
	if !errors.As(err, &de) || de.Field != FieldUsername {
		t.Fatalf("duplicate username = %v", err)
	}

	for _, tc := range []struct {
		name, login, password string
		want                  error
	}{
		{"by username", "ADA", "analytical engine", nil},
		{"by email", "ada@EXAMPLE.com", "analytical engine", nil},
		{"wrong password", "ada", "Analytical engine", ErrInvalidCredentials},
		{"unknown", "grace", "analytical engine", ErrInvalidCredentials},
		{"blocked", "eve", "orchid tundra signal", ErrBlocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Authenticate(ctx, tc.login, tc.password, "192.0.2.1")
			if !errors.Is(err, tc.want) || tc.want == nil && got.ID != u.ID {
				t.Fatalf("Authenticate = %v, %v; want %v", got.ID, err, tc.want)
			}
		})
	}
	events, err := s.stores.Audit().List(ctx, storage.AuditFilter{Type: EventSignInSuccess})
	if err != nil || len(events.Items) != 2 || events.Items[0].IP != "192.0.2.1" {
		t.Fatalf("success events = %+v, %v", events.Items, err)
	}
	page, err := s.ListUsers(ctx, storage.UserFilter{})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("ListUsers = %d users, %v", len(page.Items), err)
	}
}

func TestSQLiteThrottle(t *testing.T) {
	s, clock := newSQLiteService(t)
	ctx := t.Context()
	mustCreate(t, s, "victim", "cobalt prairie fable", storage.UserActive)
	mustCreate(t, s, "bystander", "silver kettle journey", storage.UserActive)
	for i := range 10 {
		_, err := s.Authenticate(ctx, "victim", "guess", fmt.Sprintf("198.51.100.%d", i))
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := s.Authenticate(ctx, "victim", "cobalt prairie fable", "203.0.113.1"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("correct password past the limit = %v, want ErrThrottled", err)
	}
	if _, err := s.Authenticate(ctx, "bystander", "silver kettle journey", "203.0.113.1"); err != nil {
		t.Fatalf("bystander: %v", err)
	}
	clock.Advance(15*time.Minute + time.Second)
	if _, err := s.Authenticate(ctx, "victim", "cobalt prairie fable", "203.0.113.1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestSQLiteSessions(t *testing.T) {
	s, clock := newSQLiteService(t)
	ctx := t.Context()
	u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	secret1, bs1 := startSession(t, s, u.ID, false)
	secret2, bs2 := startSession(t, s, u.ID, true)
	if secret1 == secret2 || bs1.ID == bs2.ID {
		t.Fatal("sessions share a secret or id")
	}
	clock.Advance(90 * time.Minute)
	if _, _, err := s.SessionFromCookie(ctx, secret1); err != nil { // touched
		t.Fatalf("within idle: %v", err)
	}
	clock.Advance(90 * time.Minute)
	got, gotUser, err := s.SessionFromCookie(ctx, secret1)
	if err != nil || got.ID != bs1.ID || gotUser.ID != u.ID {
		t.Fatalf("after touch: %v", err)
	}
	clock.Advance(2*time.Hour + time.Second)
	if _, _, err := s.SessionFromCookie(ctx, secret1); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle browser session = %v, want ErrNoSession", err)
	}
	if _, _, err := s.SessionFromCookie(ctx, secret2); err != nil {
		t.Fatalf("persistent session after idle time: %v", err)
	}
	list, err := s.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].ID != bs2.ID {
		t.Fatalf("ListSessions = %+v, %v", list, err)
	}

	u, _ = s.stores.Users().ByID(ctx, u.ID)
	u.State = storage.UserBlocked
	if err := s.stores.Users().Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionFromCookie(ctx, secret2); !errors.Is(err, ErrNoSession) {
		t.Fatalf("blocked user's session = %v, want ErrNoSession", err)
	}
	if n, err := s.EndOtherSessions(ctx, u.ID, ""); err != nil || n != 1 {
		// bs1 (expired, not yet swept) remains; bs2 was ended when refused.
		t.Fatalf("EndOtherSessions = %d, %v; want 1", n, err)
	}
}
