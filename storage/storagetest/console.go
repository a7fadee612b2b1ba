package storagetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// The stores of the account console (issue 14): personal tokens, known
// devices, and what the console reads of consents, refresh tokens and the
// audit log.
func (s suite) console(t *testing.T) {
	s.group(t, "Console",
		sub("PersonalTokenRoundTrip", testPersonalTokenRoundTrip),
		sub("PersonalTokenRevoke", testPersonalTokenRevoke),
		sub("PersonalTokenTouch", testPersonalTokenTouch),
		sub("PersonalTokenCascadeAndSweep", testPersonalTokenCascade),
		sub("Devices", testDevices),
		sub("ConsentsAndRefreshOfUser", testConsentsAndRefreshOfUser),
		sub("AuditAnonymize", testAuditAnonymize),
	)
}

func newPersonalToken(userID string, now time.Time) storage.PersonalToken {
	return storage.PersonalToken{UserID: userID, Name: "backup script", TokenHash: hashOf(),
		Scopes: []string{"openid", "profile"}, CreatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour)}
}

func testPersonalTokenRoundTrip(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	tok := newPersonalToken(u.ID, clock())
	noErr(t, st.PersonalTokens().Create(t.Context(), &tok))
	if len(tok.ID) != storage.IDLength {
		t.Fatalf("Create set ID %q", tok.ID)
	}
	got, err := st.PersonalTokens().ByHash(t.Context(), tok.TokenHash)
	noErr(t, err)
	if !reflect.DeepEqual(got, tok) {
		t.Fatalf("ByHash:\n got %+v\nwant %+v", got, tok)
	}
	_, err = st.PersonalTokens().ByHash(t.Context(), hashOf())
	wantErr(t, err, storage.ErrNotFound)
	dup := newPersonalToken(u.ID, clock())
	dup.TokenHash = tok.TokenHash
	wantErr(t, st.PersonalTokens().Create(t.Context(), &dup), storage.ErrAlreadyExists)
	ghost := newPersonalToken("no-such-user", clock())
	wantErr(t, st.PersonalTokens().Create(t.Context(), &ghost), storage.ErrNotFound)
	bad := newPersonalToken(u.ID, clock())
	bad.Name = ""
	wantErr(t, st.PersonalTokens().Create(t.Context(), &bad), storage.ErrInvalid)
	later := newPersonalToken(u.ID, clock().Add(time.Minute))
	noErr(t, st.PersonalTokens().Create(t.Context(), &later))
	list, err := st.PersonalTokens().ListByUser(t.Context(), u.ID)
	noErr(t, err)
	if len(list) != 2 || list[0].ID != later.ID || list[1].ID != tok.ID {
		t.Fatalf("ListByUser is not newest first: %+v", list)
	}
}

func testPersonalTokenRevoke(t *testing.T, st storage.Store) {
	u, other := createUser(t, st), createUser(t, st)
	a, b := newPersonalToken(u.ID, clock()), newPersonalToken(u.ID, clock())
	noErr(t, st.PersonalTokens().Create(t.Context(), &a))
	noErr(t, st.PersonalTokens().Create(t.Context(), &b))
	wantErr(t, st.PersonalTokens().Revoke(t.Context(), other.ID, a.ID, clock()), storage.ErrNotFound)
	noErr(t, st.PersonalTokens().Revoke(t.Context(), u.ID, a.ID, clock()))
	noErr(t, st.PersonalTokens().Revoke(t.Context(), u.ID, a.ID, clock().Add(time.Hour)))
	got, err := st.PersonalTokens().ByHash(t.Context(), a.TokenHash)
	noErr(t, err)
	if !got.RevokedAt.Equal(clock()) || got.Live(clock()) {
		t.Fatalf("revoked token: %+v", got)
	}
	list, err := st.PersonalTokens().ListByUser(t.Context(), u.ID)
	noErr(t, err)
	if len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("the list shows revoked tokens: %+v", list)
	}
	n, err := st.PersonalTokens().RevokeByUser(t.Context(), u.ID, clock())
	noErr(t, err)
	wantN(t, "RevokeByUser", n, 1)
	list, err = st.PersonalTokens().ListByUser(t.Context(), u.ID)
	noErr(t, err)
	wantN(t, "tokens left", len(list), 0)
}

func testPersonalTokenTouch(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	tok := newPersonalToken(u.ID, clock())
	noErr(t, st.PersonalTokens().Create(t.Context(), &tok))
	wrote, err := st.PersonalTokens().Touch(t.Context(), tok.ID, "192.0.2.1", clock(), time.Minute)
	noErr(t, err)
	if !wrote {
		t.Fatal("the first use was not recorded")
	}
	wrote, err = st.PersonalTokens().Touch(t.Context(), tok.ID, "192.0.2.2", clock().Add(30*time.Second), time.Minute)
	noErr(t, err)
	if wrote {
		t.Fatal("a use within a minute was recorded again")
	}
	wrote, err = st.PersonalTokens().Touch(t.Context(), tok.ID, "192.0.2.3", clock().Add(time.Minute), time.Minute)
	noErr(t, err)
	got, err := st.PersonalTokens().ByHash(t.Context(), tok.TokenHash)
	noErr(t, err)
	if !wrote || got.LastUsedIP != "192.0.2.3" || !got.LastUsedAt.Equal(clock().Add(time.Minute)) {
		t.Fatalf("after a minute: wrote %v, %+v", wrote, got)
	}
}

func testPersonalTokenCascade(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	tok := newPersonalToken(u.ID, clock())
	noErr(t, st.PersonalTokens().Create(t.Context(), &tok))
	old := newPersonalToken(u.ID, epoch())
	old.ExpiresAt = epoch().Add(time.Hour)
	noErr(t, st.PersonalTokens().Create(t.Context(), &old))
	n, err := st.PersonalTokens().DeleteExpired(t.Context(), epoch().Add(2*time.Hour))
	noErr(t, err)
	wantN(t, "DeleteExpired", n, 1)
	noErr(t, st.Users().Delete(t.Context(), u.ID))
	_, err = st.PersonalTokens().ByHash(t.Context(), tok.TokenHash)
	wantErr(t, err, storage.ErrNotFound)
}

func testDevices(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	first, second := hashOf(), hashOf()
	known, others, err := st.Devices().Remember(t.Context(), u.ID, first, clock())
	noErr(t, err)
	if known || others != 0 {
		t.Fatalf("first device: known %v, others %d", known, others)
	}
	known, others, err = st.Devices().Remember(t.Context(), u.ID, first, clock().Add(time.Hour))
	noErr(t, err)
	if !known || others != 0 {
		t.Fatalf("same device again: known %v, others %d", known, others)
	}
	known, others, err = st.Devices().Remember(t.Context(), u.ID, second, clock())
	noErr(t, err)
	if known || others != 1 {
		t.Fatalf("second device: known %v, others %d", known, others)
	}
	_, _, err = st.Devices().Remember(t.Context(), "no-such-user", first, clock())
	wantErr(t, err, storage.ErrNotFound)
	n, err := st.Devices().DeleteUnseenSince(t.Context(), clock().Add(time.Minute))
	noErr(t, err)
	wantN(t, "devices forgotten", n, 1) // second; first was seen an hour later
	known, _, err = st.Devices().Remember(t.Context(), u.ID, second, clock().Add(2*time.Hour))
	noErr(t, err)
	if known {
		t.Fatal("a forgotten device is still known")
	}
}

func testConsentsAndRefreshOfUser(t *testing.T, st storage.Store) {
	u, a, b := createUser(t, st), createClient(t, st), createClient(t, st)
	noErr(t, st.Consents().Grant(t.Context(), u.ID, a.ID, []string{"openid"}, clock()))
	noErr(t, st.Consents().Grant(t.Context(), u.ID, b.ID, []string{"email"}, clock().Add(time.Minute)))
	list, err := st.Consents().ListByUser(t.Context(), u.ID)
	noErr(t, err)
	if len(list) != 2 || list[0].ClientID != b.ID || !slices.Equal(list[1].Scopes, []string{"openid"}) {
		t.Fatalf("ListByUser: %+v", list)
	}
	ra, rb := newRefresh(a.ID, u.ID, clock()), newRefresh(b.ID, u.ID, clock())
	noErr(t, st.Tokens().CreateRefresh(t.Context(), &ra))
	noErr(t, st.Tokens().CreateRefresh(t.Context(), &rb))
	at := newAccess(a.ID, u.ID, clock())
	at.RefreshTokenID = ra.ID
	noErr(t, st.Tokens().CreateAccess(t.Context(), &at))
	live, err := st.Tokens().ListRefreshByUser(t.Context(), u.ID, clock())
	noErr(t, err)
	wantN(t, "live refresh tokens", len(live), 2)
	noErr(t, st.Tokens().RevokeByUserClient(t.Context(), u.ID, a.ID, clock()))
	live, err = st.Tokens().ListRefreshByUser(t.Context(), u.ID, clock())
	noErr(t, err)
	if len(live) != 1 || live[0].ID != rb.ID {
		t.Fatalf("after revoking client a: %+v", live)
	}
	got, err := st.Tokens().AccessByID(t.Context(), at.ID)
	noErr(t, err)
	if got.RevokedAt.IsZero() {
		t.Fatal("the access token minted from the client's refresh token is still live")
	}
	live, err = st.Tokens().ListRefreshByUser(t.Context(), u.ID, clock().Add(48*time.Hour))
	noErr(t, err)
	wantN(t, "refresh tokens after they expired", len(live), 0)
}

func testAuditAnonymize(t *testing.T, st storage.Store) {
	u, other := createUser(t, st), createUser(t, st)
	for _, e := range []storage.AuditEvent{
		{Type: "signin.success", UserID: u.ID, IP: "192.0.2.1", Details: map[string]string{"browser": "Firefox on Linux"}},
		{Type: "admin.user.block", ActorID: u.ID, UserID: other.ID, IP: "192.0.2.2"},
		{Type: "signin.success", UserID: other.ID, IP: "192.0.2.3"},
	} {
		noErr(t, st.Audit().Append(t.Context(), &e))
	}
	noErr(t, st.Audit().Anonymize(t.Context(), u.ID))
	page, err := st.Audit().List(t.Context(), storage.AuditFilter{})
	noErr(t, err)
	kept := 0
	for _, e := range page.Items {
		mine := e.UserID == u.ID || e.ActorID == u.ID
		if mine && (e.IP != "" || len(e.Details) != 0) {
			t.Errorf("event %s of the user keeps personal data: %+v", e.Type, e)
		}
		if mine {
			kept++
		}
		if !mine && e.UserID == other.ID && e.IP != "192.0.2.3" {
			t.Errorf("another user's event lost its IP: %+v", e)
		}
	}
	wantN(t, "the user's events kept", kept, 2)
}
