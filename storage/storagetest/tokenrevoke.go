package storagetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// tokenWorld is a set of tokens of two users, named for the revocation
// tests. a1 and a4 carry no auth request or session themselves: they are
// revoked only through the refresh token they were minted with.
//
//	r1 -> r2   family F1 of user 1 (auth request A1, session S1); a1, a2 minted from them
//	a3         user 1, from code A1 in session S1, no refresh token
//	r4         family F2 of user 1 (A2, S2); a4 minted from it
//	a8         user 1, from code A2 in session S1
//	a5, r7     user 2 (A3/A4, S3)
//	a6         client credentials
type tokenWorld struct {
	user1, family1, request1, session1 string
	access                             map[string]string // name -> id
	refresh                            map[string]string
}

func makeTokenWorld(t *testing.T, st storage.Store) tokenWorld {
	t.Helper()
	u1, u2, c := createUser(t, st), createUser(t, st), createClient(t, st)
	id := func(p string) string { return p + "-" + storage.NewID() }
	w := tokenWorld{user1: u1.ID, family1: id("F1"), request1: id("A1"), session1: id("S1"),
		access: map[string]string{}, refresh: map[string]string{}}
	a2, s2, s3, f2 := id("A2"), id("S2"), id("S3"), id("F2")
	rt := func(name, user, family, request, session string) {
		r := newRefresh(c.ID, user, clock())
		r.FamilyID, r.AuthRequestID, r.SessionID = family, request, session
		noErr(t, st.Tokens().CreateRefresh(t.Context(), &r))
		w.refresh[name] = r.ID
	}
	at := func(name, subject, refresh, request, session string) {
		a := newAccess(c.ID, subject, clock())
		a.RefreshTokenID, a.AuthRequestID, a.SessionID = w.refresh[refresh], request, session
		noErr(t, st.Tokens().CreateAccess(t.Context(), &a))
		w.access[name] = a.ID
	}
	rt("r1", u1.ID, w.family1, w.request1, w.session1)
	at("a1", u1.ID, "r1", "", "")
	rt("r2", u1.ID, w.family1, w.request1, w.session1)
	at("a2", u1.ID, "r2", w.request1, w.session1)
	at("a3", u1.ID, "", w.request1, w.session1)
	rt("r4", u1.ID, f2, a2, s2)
	at("a4", u1.ID, "r4", "", "")
	at("a8", u1.ID, "", a2, w.session1)
	at("a5", u2.ID, "", id("A3"), s3)
	rt("r7", u2.ID, id("F3"), id("A4"), s3)
	at("a6", c.ID, "", "", "")
	return w
}

// revokedNames lists the world's tokens revoked at at, and fails on a
// token revoked at another time.
func (w tokenWorld) revokedNames(t *testing.T, st storage.Store, at time.Time) []string {
	t.Helper()
	var names []string
	check := func(name string, revokedAt time.Time) {
		switch {
		case revokedAt.IsZero():
		case revokedAt.Equal(at):
			names = append(names, name)
		default:
			t.Fatalf("%s revoked at %v, want %v", name, revokedAt, at)
		}
	}
	for name, id := range w.access {
		a, err := st.Tokens().AccessByID(t.Context(), id)
		noErr(t, err)
		check(name, a.RevokedAt)
	}
	for name, id := range w.refresh {
		r, err := st.Tokens().RefreshByID(t.Context(), id)
		noErr(t, err)
		check(name, r.RevokedAt)
	}
	slices.Sort(names)
	return names
}

func testRevocations(t *testing.T, st storage.Store) {
	type revoke func(ctx context.Context, ts storage.TokenStore, w tokenWorld, now time.Time) error
	cases := []struct {
		name   string
		revoke revoke
		want   []string
	}{
		{"Family", func(ctx context.Context, ts storage.TokenStore, w tokenWorld, now time.Time) error {
			return ts.RevokeFamily(ctx, w.family1, now)
		}, []string{"a1", "a2", "r1", "r2"}},
		{"AuthRequest", func(ctx context.Context, ts storage.TokenStore, w tokenWorld, now time.Time) error {
			return ts.RevokeByAuthRequest(ctx, w.request1, now)
		}, []string{"a1", "a2", "a3", "r1", "r2"}},
		{"Session", func(ctx context.Context, ts storage.TokenStore, w tokenWorld, now time.Time) error {
			return ts.RevokeBySession(ctx, w.session1, now)
		}, []string{"a1", "a2", "a3", "a8", "r1", "r2"}},
		{"User", func(ctx context.Context, ts storage.TokenStore, w tokenWorld, now time.Time) error {
			return ts.RevokeByUser(ctx, w.user1, now)
		}, []string{"a1", "a2", "a3", "a4", "a8", "r1", "r2", "r4"}},
		{"NothingMatches", func(ctx context.Context, ts storage.TokenStore, w tokenWorld, now time.Time) error {
			return ts.RevokeBySession(ctx, "no-such-session", now)
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := makeTokenWorld(t, st)
			now := clock().Add(time.Minute)
			noErr(t, tc.revoke(t.Context(), st.Tokens(), w, now))
			if got := w.revokedNames(t, st, now); !slices.Equal(got, tc.want) {
				t.Fatalf("revoked %v, want %v", got, tc.want)
			}
		})
	}
}

func testRevokeKeepsFirstTime(t *testing.T, st storage.Store) {
	w := makeTokenWorld(t, st)
	first := clock().Add(time.Minute)
	noErr(t, st.Tokens().RevokeFamily(t.Context(), w.family1, first))
	noErr(t, st.Tokens().RevokeByUser(t.Context(), w.user1, first.Add(time.Minute)))
	a1, err := st.Tokens().AccessByID(t.Context(), w.access["a1"])
	noErr(t, err)
	r1, err := st.Tokens().RefreshByID(t.Context(), w.refresh["r1"])
	noErr(t, err)
	a3, err := st.Tokens().AccessByID(t.Context(), w.access["a3"])
	noErr(t, err)
	if !a1.RevokedAt.Equal(first) || !r1.RevokedAt.Equal(first) || !a3.RevokedAt.Equal(first.Add(time.Minute)) {
		t.Fatalf("RevokedAt a1 %v, r1 %v, a3 %v; want the first revocation of each", a1.RevokedAt, r1.RevokedAt, a3.RevokedAt)
	}
}

func testRevokeEmptyID(t *testing.T, st storage.Store) {
	ts, now := st.Tokens(), clock()
	wantErr(t, ts.RevokeFamily(t.Context(), "", now), storage.ErrInvalid)
	wantErr(t, ts.RevokeByAuthRequest(t.Context(), "", now), storage.ErrInvalid)
	wantErr(t, ts.RevokeByUser(t.Context(), "", now), storage.ErrInvalid)
	wantErr(t, ts.RevokeBySession(t.Context(), "", now), storage.ErrInvalid)
}

// testTokensInTx uses the OIDC stores inside transactions: a rollback
// leaves nothing, a commit keeps everything (including the multi-statement
// revocation and consent grant, which join the transaction).
func testTokensInTx(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	var c storage.Client
	var rt storage.RefreshToken
	write := func(tx storage.Tx) {
		c = createClient(t, tx)
		rt = newRefresh(c.ID, u.ID, clock())
		noErr(t, tx.Tokens().CreateRefresh(t.Context(), &rt))
		noErr(t, tx.Tokens().RevokeFamily(t.Context(), rt.FamilyID, clock()))
		noErr(t, tx.Consents().Grant(t.Context(), u.ID, c.ID, []string{"openid"}, clock()))
		_, err := tx.Throttles().Hit(t.Context(), "tx:"+c.ID, clock(), time.Minute)
		noErr(t, err)
		k := storage.SigningKey{Algorithm: "ES256", State: storage.KeyNext, PrivateEncrypted: []byte{1}, PublicJWK: []byte(`{}`)}
		noErr(t, tx.SigningKeys().Create(t.Context(), &k))
	}
	err := st.InTx(t.Context(), func(tx storage.Tx) error { write(tx); return errBoom })
	wantErr(t, err, errBoom)
	_, err = st.Clients().ByID(t.Context(), c.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Tokens().RefreshByID(t.Context(), rt.ID)
	wantErr(t, err, storage.ErrNotFound)
	n, err := st.Throttles().Count(t.Context(), "tx:"+c.ID, clock(), time.Minute)
	noErr(t, err)
	wantN(t, "throttle count after rollback", n, 0)

	noErr(t, st.InTx(t.Context(), func(tx storage.Tx) error { write(tx); return nil }))
	got, err := st.Tokens().RefreshByID(t.Context(), rt.ID)
	noErr(t, err)
	if got.RevokedAt.IsZero() {
		t.Fatal("the revocation inside the transaction was lost")
	}
	_, err = st.Consents().Get(t.Context(), u.ID, c.ID)
	noErr(t, err)
	n, err = st.Throttles().Count(t.Context(), "tx:"+c.ID, clock(), time.Minute)
	noErr(t, err)
	wantN(t, "throttle count after commit", n, 1)
}
