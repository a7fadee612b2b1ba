package storagetest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Run runs the contract suite against the stores newStore makes. newStore is
// called once per subtest, from parallel subtests, and must return a fresh,
// empty, migrated store that it closes in t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	s := suite{newStore: newStore}
	s.test(t, "Ping", func(t *testing.T, st storage.Store) { noErr(t, st.Ping(t.Context())) })
	t.Run("Users", s.users)
	t.Run("Identities", s.identities)
	t.Run("Sessions", s.sessions)
	t.Run("Settings", s.settings)
	t.Run("Audit", s.audit)
	t.Run("Transactions", s.transactions)
	t.Run("Concurrency", s.concurrency)
	s.clients(t)
	s.authRequests(t)
	s.tokens(t)
	s.signingKeys(t)
	s.consents(t)
	s.throttles(t)
	s.outbox(t)
	s.oneTimeTokens(t)
	s.captchas(t)
	s.federationFlows(t)
	s.mfa(t)
	s.console(t)
	s.groups(t)
	s.passkeys(t)
	s.logoutDeliveries(t)
	s.protocol2(t)
	s.brandingAssets(t)
	s.leases(t)
}

type suite struct {
	newStore func(t *testing.T) storage.Store
}

// test runs f as a parallel subtest with a fresh store.
func (s suite) test(t *testing.T, name string, f func(t *testing.T, st storage.Store)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		f(t, s.newStore(t))
	})
}

// testAlone runs f as a subtest with a fresh store, while no other subtest
// of the suite runs.
func (s suite) testAlone(t *testing.T, name string, f func(t *testing.T, st storage.Store)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		f(t, s.newStore(t))
	})
}

// newUser returns an active user with a unique email; opts change it.
func newUser(opts ...func(*storage.User)) storage.User {
	u := storage.User{
		Email:      "u-" + hexID() + "@example.test",
		GivenName:  "Ada",
		FamilyName: "Lovelace",
		Role:       storage.RoleUser,
		State:      storage.UserActive,
	}
	for _, o := range opts {
		o(&u)
	}
	return u
}

// hexID is a random lower-case hex string. Default e-mail addresses use it
// rather than storage.NewID, whose base64url alphabet holds '_', '-' and
// letters, so that a list query such as "_9" or "bob_" in testUserListQuery
// can only match the users the test named for it.
func hexID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// createUser stores newUser(opts...) and returns it as stored.
func createUser(t *testing.T, st storage.Stores, opts ...func(*storage.User)) storage.User {
	t.Helper()
	u := newUser(opts...)
	if err := st.Users().Create(t.Context(), &u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

// noErr fails on err.
func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantUTCMillis fails unless at is in UTC at millisecond precision, as
// stores return times.
func wantUTCMillis(t *testing.T, what string, at time.Time) {
	t.Helper()
	if at.Location() != time.UTC || !at.Equal(at.Truncate(time.Millisecond)) {
		t.Fatalf("%s = %v, want UTC at millisecond precision", what, at)
	}
}

// clock is a fixed, millisecond-aligned point in time for tests that care.
func clock() time.Time {
	return storage.Time(time.Date(2030, 5, 17, 10, 30, 0, 123_000_000, time.UTC))
}

func isErr(err, target error) bool { return errors.Is(err, target) }

// timeStep is i seconds, for spacing test rows in time.
func timeStep(i int) time.Duration { return time.Duration(i) * time.Second }
