package storagetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) tokens(t *testing.T) {
	s.group(t, "Tokens",
		sub("AccessRoundTrip", testAccessRoundTrip),
		sub("AccessWithUser", testAccessWithUser),
		sub("AccessRejectsInvalid", testAccessInvalid),
		sub("RevokeAccess", testRevokeAccess),
		sub("RefreshRoundTrip", testRefreshRoundTrip),
		sub("RefreshRejectsInvalid", testRefreshInvalid),
		sub("MarkRefreshUsed", testMarkRefreshUsed),
		sub("ParallelRefresh20", testParallelRefresh),
		sub("Revocations", testRevocations),
		sub("RevokeKeepsFirstTime", testRevokeKeepsFirstTime),
		sub("RevokeEmptyID", testRevokeEmptyID),
		sub("DeleteExpired", testTokenDeleteExpired),
		sub("UserDeleteCascades", testTokenUserCascade),
		sub("InTransaction", testTokensInTx),
	)
}

func testAccessRoundTrip(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	at := newAccess(c.ID, u.ID, clock())
	at.Audience = []string{c.ID, "https://api.example.test"}
	at.RefreshTokenID, at.AuthRequestID, at.SessionID = "rt-1", "ar-1", "sess-1"
	noErr(t, st.Tokens().CreateAccess(t.Context(), &at))
	if len(at.ID) != storage.IDLength {
		t.Fatalf("CreateAccess set ID %q", at.ID)
	}
	got, err := st.Tokens().AccessByID(t.Context(), at.ID)
	noErr(t, err)
	if !reflect.DeepEqual(got, at) {
		t.Fatalf("AccessByID:\n got %+v\nwant %+v", got, at)
	}
	// Client credentials: the client is the subject; no user, no session.
	cc := storage.AccessToken{ID: "cc-" + storage.NewID(), ClientID: c.ID, Subject: c.ID,
		Scopes: []string{"gatehouse:admin"}, ExpiresAt: clock().Add(time.Hour)}
	noErr(t, st.Tokens().CreateAccess(t.Context(), &cc))
	wantUTCMillis(t, "CreatedAt", cc.CreatedAt)
	got, err = st.Tokens().AccessByID(t.Context(), cc.ID)
	noErr(t, err)
	if !reflect.DeepEqual(got, cc) {
		t.Fatalf("client token:\n got %+v\nwant %+v", got, cc)
	}
	_, err = st.Tokens().AccessByID(t.Context(), "no-such-token")
	wantErr(t, err, storage.ErrNotFound)
}

// testAccessWithUser: one read returns the token and, for a user's token,
// the user as Users().ByID has it, whatever the user's state; a client's
// token comes with the zero User; revoked tokens are returned too.
func testAccessWithUser(t *testing.T, st storage.Store) {
	// Every user column distinct, so that a column read into the wrong
	// field shows.
	u := createUser(t, st, func(u *storage.User) {
		u.Username, u.EmailVerified, u.PasswordHash = "ada_l", true, "$argon2id$hash"
		u.Company, u.Country, u.Locale, u.Role = "Analytical Engines", "GB", "en-GB", storage.RoleAdmin
		u.TermsAcceptedAt, u.PasswordChangeRequired = clock().Add(-time.Hour), true
	})
	c := createClient(t, st)
	at := newAccess(c.ID, u.ID, clock())
	at.RefreshTokenID, at.SessionID = "rt-1", "sess-1"
	noErr(t, st.Tokens().CreateAccess(t.Context(), &at))
	gotToken, gotUser, err := st.Tokens().AccessWithUser(t.Context(), at.ID)
	noErr(t, err)
	if !reflect.DeepEqual(gotToken, at) {
		t.Fatalf("token:\n got %+v\nwant %+v", gotToken, at)
	}
	wantUser, err := st.Users().ByID(t.Context(), u.ID)
	noErr(t, err)
	if !reflect.DeepEqual(gotUser, wantUser) {
		t.Fatalf("user:\n got %+v\nwant %+v", gotUser, wantUser)
	}

	wantUser.State = storage.UserBlocked
	noErr(t, st.Users().Update(t.Context(), &wantUser))
	noErr(t, st.Tokens().RevokeAccess(t.Context(), at.ID, clock()))
	gotToken, gotUser, err = st.Tokens().AccessWithUser(t.Context(), at.ID)
	noErr(t, err)
	if gotUser.State != storage.UserBlocked || gotToken.RevokedAt.IsZero() {
		t.Fatalf("after block and revoke: user state %q, revoked at %v", gotUser.State, gotToken.RevokedAt)
	}

	cc := storage.AccessToken{ID: "cc-" + storage.NewID(), ClientID: c.ID, Subject: c.ID,
		Scopes: []string{"gatehouse:admin"}, ExpiresAt: clock().Add(time.Hour)}
	noErr(t, st.Tokens().CreateAccess(t.Context(), &cc))
	gotToken, gotUser, err = st.Tokens().AccessWithUser(t.Context(), cc.ID)
	noErr(t, err)
	if !reflect.DeepEqual(gotToken, cc) || !reflect.DeepEqual(gotUser, storage.User{}) {
		t.Fatalf("client token:\n got %+v, user %+v\nwant %+v, no user", gotToken, gotUser, cc)
	}
	_, _, err = st.Tokens().AccessWithUser(t.Context(), "no-such-token")
	wantErr(t, err, storage.ErrNotFound)
}

func testAccessInvalid(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	for name, mod := range map[string]func(*storage.AccessToken){
		"no client":  func(a *storage.AccessToken) { a.ClientID = "" },
		"no subject": func(a *storage.AccessToken) { a.Subject = "" },
		"no expiry":  func(a *storage.AccessToken) { a.ExpiresAt = time.Time{} },
	} {
		at := newAccess(c.ID, u.ID, clock())
		mod(&at)
		if err := st.Tokens().CreateAccess(t.Context(), &at); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: CreateAccess = %v, want ErrInvalid", name, err)
		}
	}
	at := newAccess("no-such-client", u.ID, clock())
	wantErr(t, st.Tokens().CreateAccess(t.Context(), &at), storage.ErrNotFound)
	at = newAccess(c.ID, storage.NewID(), clock()) // a user that does not exist
	wantErr(t, st.Tokens().CreateAccess(t.Context(), &at), storage.ErrNotFound)
	at = newAccess(c.ID, u.ID, clock())
	noErr(t, st.Tokens().CreateAccess(t.Context(), &at))
	dup := newAccess(c.ID, u.ID, clock())
	dup.ID = at.ID
	wantErr(t, st.Tokens().CreateAccess(t.Context(), &dup), storage.ErrAlreadyExists)
}

func testRevokeAccess(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	at := newAccess(c.ID, u.ID, clock())
	noErr(t, st.Tokens().CreateAccess(t.Context(), &at))
	first := clock().Add(time.Minute)
	noErr(t, st.Tokens().RevokeAccess(t.Context(), at.ID, first))
	noErr(t, st.Tokens().RevokeAccess(t.Context(), at.ID, first.Add(time.Minute)))
	got, err := st.Tokens().AccessByID(t.Context(), at.ID)
	noErr(t, err)
	if !got.RevokedAt.Equal(first) {
		t.Fatalf("RevokedAt = %v, want the first revocation %v", got.RevokedAt, first)
	}
	wantErr(t, st.Tokens().RevokeAccess(t.Context(), "no-such-token", first), storage.ErrNotFound)
}

func testRefreshRoundTrip(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	rt := newRefresh(c.ID, u.ID, clock())
	rt.AuthRequestID, rt.SessionID = "ar-1", "sess-1"
	noErr(t, st.Tokens().CreateRefresh(t.Context(), &rt))
	if len(rt.ID) != storage.IDLength || rt.FamilyID != rt.ID {
		t.Fatalf("CreateRefresh set ID %q, FamilyID %q (want a new family named after the token)", rt.ID, rt.FamilyID)
	}
	byHash, err := st.Tokens().RefreshByHash(t.Context(), rt.TokenHash)
	noErr(t, err)
	byID, err := st.Tokens().RefreshByID(t.Context(), rt.ID)
	noErr(t, err)
	if !reflect.DeepEqual(byHash, rt) || !reflect.DeepEqual(byID, rt) {
		t.Fatalf("read back:\nby hash %+v\n  by id %+v\n   want %+v", byHash, byID, rt)
	}
	next := newRefresh(c.ID, u.ID, clock().Add(time.Minute))
	next.FamilyID, next.FamilyExpiresAt = rt.FamilyID, rt.FamilyExpiresAt
	noErr(t, st.Tokens().CreateRefresh(t.Context(), &next))
	got, err := st.Tokens().RefreshByHash(t.Context(), next.TokenHash)
	noErr(t, err)
	if got.FamilyID != rt.FamilyID || !got.CreatedAt.Equal(clock().Add(time.Minute)) {
		t.Fatalf("successor read back as %+v", got)
	}
	_, err = st.Tokens().RefreshByHash(t.Context(), hashOf())
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Tokens().RefreshByID(t.Context(), "no-such-token")
	wantErr(t, err, storage.ErrNotFound)
}

func testRefreshInvalid(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	for name, mod := range map[string]func(*storage.RefreshToken){
		"no hash":          func(r *storage.RefreshToken) { r.TokenHash = nil },
		"no client":        func(r *storage.RefreshToken) { r.ClientID = "" },
		"no user":          func(r *storage.RefreshToken) { r.UserID = "" },
		"no expiry":        func(r *storage.RefreshToken) { r.ExpiresAt = time.Time{} },
		"no family expiry": func(r *storage.RefreshToken) { r.FamilyExpiresAt = time.Time{} },
	} {
		rt := newRefresh(c.ID, u.ID, clock())
		mod(&rt)
		if err := st.Tokens().CreateRefresh(t.Context(), &rt); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: CreateRefresh = %v, want ErrInvalid", name, err)
		}
	}
	rt := newRefresh(c.ID, storage.NewID(), clock())
	wantErr(t, st.Tokens().CreateRefresh(t.Context(), &rt), storage.ErrNotFound)
	rt = newRefresh("no-such-client", u.ID, clock())
	wantErr(t, st.Tokens().CreateRefresh(t.Context(), &rt), storage.ErrNotFound)
	rt = newRefresh(c.ID, u.ID, clock())
	noErr(t, st.Tokens().CreateRefresh(t.Context(), &rt))
	dup := newRefresh(c.ID, u.ID, clock())
	dup.TokenHash = rt.TokenHash
	wantErr(t, st.Tokens().CreateRefresh(t.Context(), &dup), storage.ErrAlreadyExists)
}

func testMarkRefreshUsed(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	rt := newRefresh(c.ID, u.ID, clock())
	noErr(t, st.Tokens().CreateRefresh(t.Context(), &rt))
	used := clock().Add(time.Minute)
	noErr(t, st.Tokens().MarkRefreshUsed(t.Context(), rt.ID, used))
	wantErr(t, st.Tokens().MarkRefreshUsed(t.Context(), rt.ID, used.Add(time.Second)), storage.ErrConflict)
	got, err := st.Tokens().RefreshByID(t.Context(), rt.ID)
	noErr(t, err)
	if !got.UsedAt.Equal(used) {
		t.Fatalf("UsedAt = %v, want %v", got.UsedAt, used)
	}
	revoked := newRefresh(c.ID, u.ID, clock())
	noErr(t, st.Tokens().CreateRefresh(t.Context(), &revoked))
	noErr(t, st.Tokens().RevokeFamily(t.Context(), revoked.FamilyID, clock()))
	wantErr(t, st.Tokens().MarkRefreshUsed(t.Context(), revoked.ID, used), storage.ErrConflict)
	wantErr(t, st.Tokens().MarkRefreshUsed(t.Context(), "no-such-token", used), storage.ErrNotFound)
}

func testTokenDeleteExpired(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	now := epoch()
	access := func(expires time.Duration) storage.AccessToken {
		at := newAccess(c.ID, u.ID, now.Add(-time.Hour))
		at.ExpiresAt = now.Add(expires)
		noErr(t, st.Tokens().CreateAccess(t.Context(), &at))
		return at
	}
	refresh := func(expires, family time.Duration) storage.RefreshToken {
		rt := newRefresh(c.ID, u.ID, now.Add(-time.Hour))
		rt.ExpiresAt, rt.FamilyExpiresAt = now.Add(expires), now.Add(family)
		noErr(t, st.Tokens().CreateRefresh(t.Context(), &rt))
		return rt
	}
	goneAT, atNowAT, liveAT := access(-time.Second), access(0), access(time.Second)
	goneRT, atNowRT := refresh(-time.Minute, -time.Second), refresh(-time.Minute, 0)
	usedRT := refresh(-time.Minute, time.Second) // expired itself, family alive: kept
	n, err := st.Tokens().DeleteExpired(t.Context(), now)
	noErr(t, err)
	wantN(t, "DeleteExpired", n, 4)
	for _, id := range []string{goneAT.ID, atNowAT.ID} {
		_, err := st.Tokens().AccessByID(t.Context(), id)
		wantErr(t, err, storage.ErrNotFound)
	}
	for _, id := range []string{goneRT.ID, atNowRT.ID} {
		_, err := st.Tokens().RefreshByID(t.Context(), id)
		wantErr(t, err, storage.ErrNotFound)
	}
	_, err = st.Tokens().AccessByID(t.Context(), liveAT.ID)
	noErr(t, err)
	_, err = st.Tokens().RefreshByID(t.Context(), usedRT.ID)
	noErr(t, err)
}

func testTokenUserCascade(t *testing.T, st storage.Store) {
	u, other := createUser(t, st), createUser(t, st)
	mine, theirs := makeClientWorld(t, st, u.ID), makeClientWorld(t, st, other.ID)
	noErr(t, st.Users().Delete(t.Context(), u.ID))
	_, err := st.Tokens().AccessByID(t.Context(), mine.access.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Tokens().RefreshByID(t.Context(), mine.refresh.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Consents().Get(t.Context(), u.ID, mine.client.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Tokens().AccessByID(t.Context(), mine.cc.ID) // the client's own token stays
	noErr(t, err)
	wantWorld(t, st, theirs, other.ID, true)
}
