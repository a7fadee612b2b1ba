package storagetest

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) consents(t *testing.T) {
	s.group(t, "Consents",
		sub("GrantAndGet", testConsentRoundTrip),
		sub("GrantMergesScopes", testConsentMerge),
		sub("UnknownUserOrClient", testConsentUnknown),
		sub("Revoke", testConsentRevoke),
		sub("Cascades", testConsentCascades),
		sub("ParallelGrants", testParallelGrants),
	)
}

func testConsentRoundTrip(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	_, err := st.Consents().Get(t.Context(), u.ID, c.ID)
	wantErr(t, err, storage.ErrNotFound)
	noErr(t, st.Consents().Grant(t.Context(), u.ID, c.ID, []string{"openid", "email", "openid"}, clock()))
	got, err := st.Consents().Get(t.Context(), u.ID, c.ID)
	noErr(t, err)
	want := storage.Consent{UserID: u.ID, ClientID: c.ID, Scopes: []string{"openid", "email"}, GrantedAt: clock()}
	if !consentEqual(got, want) {
		t.Fatalf("Get = %+v, want %+v", got, want)
	}
	wantUTCMillis(t, "GrantedAt", got.GrantedAt)
	other := createClient(t, st)
	_, err = st.Consents().Get(t.Context(), u.ID, other.ID)
	wantErr(t, err, storage.ErrNotFound)
}

func consentEqual(a, b storage.Consent) bool {
	return a.UserID == b.UserID && a.ClientID == b.ClientID && slices.Equal(a.Scopes, b.Scopes) && a.GrantedAt.Equal(b.GrantedAt)
}

func testConsentMerge(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	grant := func(at time.Time, scopes ...string) {
		t.Helper()
		noErr(t, st.Consents().Grant(t.Context(), u.ID, c.ID, scopes, at))
	}
	grant(clock(), "openid", "profile")
	grant(clock().Add(time.Minute), "profile", "email", "email", "offline_access")
	grant(clock().Add(2*time.Minute), "openid") // nothing new: only the time moves
	got, err := st.Consents().Get(t.Context(), u.ID, c.ID)
	noErr(t, err)
	want := storage.Consent{UserID: u.ID, ClientID: c.ID, GrantedAt: clock().Add(2 * time.Minute),
		Scopes: []string{"openid", "profile", "email", "offline_access"}}
	if !consentEqual(got, want) {
		t.Fatalf("after grants: %+v, want %+v", got, want)
	}
	grant(clock().Add(3 * time.Minute)) // no scopes at all
	got, err = st.Consents().Get(t.Context(), u.ID, c.ID)
	noErr(t, err)
	if !slices.Equal(got.Scopes, want.Scopes) {
		t.Fatalf("an empty grant changed the scopes to %v", got.Scopes)
	}
}

func testConsentUnknown(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	wantErr(t, st.Consents().Grant(t.Context(), storage.NewID(), c.ID, []string{"openid"}, clock()), storage.ErrNotFound)
	wantErr(t, st.Consents().Grant(t.Context(), u.ID, "no-such-client", []string{"openid"}, clock()), storage.ErrNotFound)
	// The store still works after the failed transactions.
	noErr(t, st.Consents().Grant(t.Context(), u.ID, c.ID, []string{"openid"}, clock()))
}

func testConsentRevoke(t *testing.T, st storage.Store) {
	u, c, other := createUser(t, st), createClient(t, st), createClient(t, st)
	noErr(t, st.Consents().Grant(t.Context(), u.ID, c.ID, []string{"openid"}, clock()))
	noErr(t, st.Consents().Grant(t.Context(), u.ID, other.ID, []string{"openid"}, clock()))
	noErr(t, st.Consents().Revoke(t.Context(), u.ID, c.ID))
	_, err := st.Consents().Get(t.Context(), u.ID, c.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Consents().Get(t.Context(), u.ID, other.ID)
	noErr(t, err)
	noErr(t, st.Consents().Revoke(t.Context(), u.ID, c.ID)) // missing is fine
	// A new grant after a revocation starts afresh.
	noErr(t, st.Consents().Grant(t.Context(), u.ID, c.ID, []string{"email"}, clock()))
	got, err := st.Consents().Get(t.Context(), u.ID, c.ID)
	noErr(t, err)
	if !slices.Equal(got.Scopes, []string{"email"}) {
		t.Fatalf("scopes after revoke and grant: %v", got.Scopes)
	}
}

func testConsentCascades(t *testing.T, st storage.Store) {
	u1, u2, c1, c2 := createUser(t, st), createUser(t, st), createClient(t, st), createClient(t, st)
	for _, u := range []string{u1.ID, u2.ID} {
		for _, c := range []string{c1.ID, c2.ID} {
			noErr(t, st.Consents().Grant(t.Context(), u, c, []string{"openid"}, clock()))
		}
	}
	noErr(t, st.Users().Delete(t.Context(), u1.ID))
	noErr(t, st.Clients().Delete(t.Context(), c1.ID))
	for _, pair := range [][2]string{{u1.ID, c1.ID}, {u1.ID, c2.ID}, {u2.ID, c1.ID}} {
		_, err := st.Consents().Get(t.Context(), pair[0], pair[1])
		wantErr(t, err, storage.ErrNotFound)
	}
	_, err := st.Consents().Get(t.Context(), u2.ID, c2.ID)
	noErr(t, err)
}
