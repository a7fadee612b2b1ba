package storagetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// subtest is one named test of a group.
type subtest struct {
	name string
	f    func(t *testing.T, st storage.Store)
}

func sub(name string, f func(t *testing.T, st storage.Store)) subtest { return subtest{name, f} }

// group runs the subtests one after another on one fresh store, as a single
// parallel subtest. Creating a database is most of the suite's cost on
// Postgres, so the OIDC stores share one per group: their subtests create
// their own rows (fresh ids) and never assume the tables are empty; the
// sweeper tests work in epoch(), years before the rows of the others.
func (s suite) group(t *testing.T, name string, tests ...subtest) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		st := s.newStore(t)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { tc.f(t, st) })
		}
	})
}

// epoch is a point in time long before clock(), for sweeper tests that
// must not touch the rows other subtests of a group left behind.
func epoch() time.Time {
	return storage.Time(time.Date(2001, 2, 3, 4, 5, 6, 789_000_000, time.UTC))
}

// hashOf is the SHA-256 of a fresh random secret.
func hashOf() []byte {
	h := sha256.Sum256([]byte(storage.NewID()))
	return h[:]
}

// createClient stores a confidential client with a fresh id.
func createClient(t *testing.T, st storage.Stores, opts ...func(*storage.Client)) storage.Client {
	t.Helper()
	c := storage.Client{
		ID:           "client-" + storage.NewID(),
		SecretHash:   "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Name:         "Example App",
		RedirectURIs: []string{"https://app.example.test/callback"},
		GrantTypes:   []string{"authorization_code", "refresh_token"},
		Scopes:       []string{"openid", "profile", "email", "offline_access"},
	}
	for _, o := range opts {
		o(&c)
	}
	noErr(t, st.Clients().Create(t.Context(), &c))
	return c
}

// newAuthRequest returns a request of the client created at now, live for
// 30 minutes.
func newAuthRequest(clientID string, now time.Time) storage.AuthRequest {
	return storage.AuthRequest{
		ClientID: clientID, RedirectURI: "https://app.example.test/callback",
		Scopes: []string{"openid", "email"}, ResponseType: "code", State: "st-" + storage.NewID(),
		Nonce: "n-0S6_WzA2Mj", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256", BrowserHash: hashOf(), CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute),
	}
}

// createAuthRequest stores newAuthRequest(clientID, now).
func createAuthRequest(t *testing.T, st storage.Stores, clientID string, now time.Time) storage.AuthRequest {
	t.Helper()
	r := newAuthRequest(clientID, now)
	noErr(t, st.AuthRequests().Create(t.Context(), &r))
	return r
}

// newAccess returns a user's access token created at now, live for an hour.
func newAccess(clientID, userID string, now time.Time) storage.AccessToken {
	return storage.AccessToken{
		ClientID: clientID, Subject: userID, Audience: []string{clientID}, Scopes: []string{"openid"},
		AuthTime: now.Add(-time.Minute), AMR: []string{"pwd"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}
}

// newRefresh returns a refresh token of a new family created at now: a
// day for the token, thirty for the family.
func newRefresh(clientID, userID string, now time.Time) storage.RefreshToken {
	return storage.RefreshToken{
		TokenHash: hashOf(), ClientID: clientID, UserID: userID, Audience: []string{clientID},
		Scopes: []string{"openid", "offline_access"}, AuthTime: now.Add(-time.Minute), AMR: []string{"pwd"},
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour), FamilyExpiresAt: now.Add(30 * 24 * time.Hour),
	}
}

// wantN fails unless got == want.
func wantN[N int | int64](t *testing.T, what string, got, want N) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %d, want %d", what, got, want)
	}
}
