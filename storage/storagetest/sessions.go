package storagetest

import (
	"crypto/sha256"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) sessions(t *testing.T) {
	s.test(t, "CreateAndByTokenHash", testSessionRoundTrip)
	s.test(t, "Defaults", testSessionDefaults)
	s.test(t, "RejectsInvalid", testSessionInvalid)
	s.test(t, "DuplicateTokenHash", testSessionDuplicate)
	s.test(t, "UnknownUser", testSessionUnknownUser)
	s.test(t, "AbsoluteExpiry", testSessionExpiry)
	s.test(t, "IdleExpiry", testSessionIdle)
	s.test(t, "Touch", testSessionTouch)
	s.test(t, "Delete", testSessionDelete)
	s.test(t, "DeleteByUser", testSessionDeleteByUser)
	s.test(t, "ListByUser", testSessionList)
	s.test(t, "DeleteExpired", testSessionDeleteExpired)
}

// newSession returns a session of the user created at now: 24h absolute,
// 1h idle, with a fresh token hash.
func newSession(userID string, now time.Time) storage.BrowserSession {
	h := sha256.Sum256([]byte(storage.NewID()))
	return storage.BrowserSession{
		UserID: userID, TokenHash: h[:], CreatedAt: now,
		ExpiresAt: now.Add(24 * time.Hour), IdleTimeout: time.Hour,
	}
}

func testSessionRoundTrip(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	now := clock()
	bs := newSession(u.ID, now)
	bs.Persistent, bs.AMR = true, []string{"pwd", "otp"}
	bs.AuthTime = now.Add(-time.Minute)
	bs.UserAgent, bs.IP = "Mozilla/5.0 (X11)", "2001:db8::1"
	noErr(t, st.Sessions().Create(t.Context(), &bs))
	got, err := st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, now.Add(time.Second))
	noErr(t, err)
	if !reflect.DeepEqual(got, bs) {
		t.Fatalf("ByTokenHash:\n got %+v\nwant %+v", got, bs)
	}
	other := sha256.Sum256([]byte("other"))
	_, err = st.Sessions().ByTokenHash(t.Context(), other[:], now)
	wantErr(t, err, storage.ErrNotFound)
}

func testSessionDefaults(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	bs := newSession(u.ID, time.Time{})
	bs.ExpiresAt = time.Now().Add(time.Hour)
	noErr(t, st.Sessions().Create(t.Context(), &bs))
	if len(bs.ID) != storage.IDLength || bs.CreatedAt.IsZero() {
		t.Fatalf("Create set %+v", bs)
	}
	wantUTCMillis(t, "CreatedAt", bs.CreatedAt)
	if !bs.LastSeenAt.Equal(bs.CreatedAt) || !bs.AuthTime.Equal(bs.CreatedAt) {
		t.Fatalf("LastSeenAt %v and AuthTime %v, want CreatedAt %v", bs.LastSeenAt, bs.AuthTime, bs.CreatedAt)
	}
	got, err := st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, bs.CreatedAt)
	noErr(t, err)
	if len(got.AMR) != 0 {
		t.Fatalf("AMR = %v, want none", got.AMR)
	}
}

func testSessionInvalid(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	for name, mod := range map[string]func(*storage.BrowserSession){
		"no token hash":    func(bs *storage.BrowserSession) { bs.TokenHash = nil },
		"no user":          func(bs *storage.BrowserSession) { bs.UserID = "" },
		"no expiry":        func(bs *storage.BrowserSession) { bs.ExpiresAt = time.Time{} },
		"negative timeout": func(bs *storage.BrowserSession) { bs.IdleTimeout = -time.Second },
	} {
		bs := newSession(u.ID, clock())
		mod(&bs)
		if err := st.Sessions().Create(t.Context(), &bs); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: Create = %v, want ErrInvalid", name, err)
		}
	}
}

func testSessionDuplicate(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	a := newSession(u.ID, clock())
	noErr(t, st.Sessions().Create(t.Context(), &a))
	b := newSession(u.ID, clock())
	b.TokenHash = a.TokenHash
	wantErr(t, st.Sessions().Create(t.Context(), &b), storage.ErrAlreadyExists)
}

func testSessionUnknownUser(t *testing.T, st storage.Store) {
	bs := newSession(storage.NewID(), clock())
	wantErr(t, st.Sessions().Create(t.Context(), &bs), storage.ErrNotFound)
}

func testSessionExpiry(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	now := clock()
	bs := newSession(u.ID, now)
	bs.ExpiresAt, bs.IdleTimeout = now.Add(time.Hour), 0 // no idle limit
	noErr(t, st.Sessions().Create(t.Context(), &bs))
	if _, err := st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, bs.ExpiresAt.Add(-time.Millisecond)); err != nil {
		t.Fatalf("a millisecond before expiry: %v", err)
	}
	_, err := st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, bs.ExpiresAt)
	wantErr(t, err, storage.ErrNotFound)
	wantErr(t, st.Sessions().Touch(t.Context(), bs.ID, bs.ExpiresAt), storage.ErrNotFound)
}

func testSessionIdle(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	now := clock()
	bs := newSession(u.ID, now)
	bs.IdleTimeout = 90 * time.Second
	noErr(t, st.Sessions().Create(t.Context(), &bs))
	if _, err := st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, now.Add(89*time.Second)); err != nil {
		t.Fatalf("within the idle timeout: %v", err)
	}
	_, err := st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, now.Add(90*time.Second))
	wantErr(t, err, storage.ErrNotFound)
	// An idle-expired session cannot be revived by touching it.
	wantErr(t, st.Sessions().Touch(t.Context(), bs.ID, now.Add(91*time.Second)), storage.ErrNotFound)
	_, err = st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, now.Add(91*time.Second))
	wantErr(t, err, storage.ErrNotFound)
}

func testSessionTouch(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	now := clock()
	bs := newSession(u.ID, now) // 1h idle
	noErr(t, st.Sessions().Create(t.Context(), &bs))
	seen := now.Add(50 * time.Minute)
	noErr(t, st.Sessions().Touch(t.Context(), bs.ID, seen))
	noErr(t, st.Sessions().Touch(t.Context(), bs.ID, now.Add(10*time.Minute))) // late, older touch
	got, err := st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, now.Add(100*time.Minute))
	noErr(t, err)
	if !got.LastSeenAt.Equal(seen) {
		t.Fatalf("LastSeenAt = %v, want %v (never backwards)", got.LastSeenAt, seen)
	}
	_, err = st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, seen.Add(time.Hour))
	wantErr(t, err, storage.ErrNotFound)
	wantErr(t, st.Sessions().Touch(t.Context(), storage.NewID(), now), storage.ErrNotFound)
}

func testSessionDelete(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	bs := newSession(u.ID, clock())
	noErr(t, st.Sessions().Create(t.Context(), &bs))
	noErr(t, st.Sessions().Delete(t.Context(), bs.ID))
	_, err := st.Sessions().ByTokenHash(t.Context(), bs.TokenHash, clock())
	wantErr(t, err, storage.ErrNotFound)
	wantErr(t, st.Sessions().Delete(t.Context(), bs.ID), storage.ErrNotFound)
}

// createSessions creates n sessions of the user, seen one second apart, and
// returns their ids.
func createSessions(t *testing.T, st storage.Store, userID string, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		bs := newSession(userID, clock())
		bs.LastSeenAt = clock().Add(timeStep(i))
		noErr(t, st.Sessions().Create(t.Context(), &bs))
		out = append(out, bs.ID)
	}
	return out
}

func testSessionDeleteByUser(t *testing.T, st storage.Store) {
	u, other := createUser(t, st), createUser(t, st)
	mine := createSessions(t, st, u.ID, 3)
	theirs := createSessions(t, st, other.ID, 2)
	n, err := st.Sessions().DeleteByUser(t.Context(), u.ID, mine[1])
	noErr(t, err)
	if n != 2 {
		t.Fatalf("DeleteByUser removed %d, want 2", n)
	}
	wantSessions(t, st, u.ID, mine[1:2])
	wantSessions(t, st, other.ID, []string{theirs[1], theirs[0]})
	n, err = st.Sessions().DeleteByUser(t.Context(), u.ID, "")
	noErr(t, err)
	if n != 1 {
		t.Fatalf("DeleteByUser without keep removed %d, want 1", n)
	}
	wantSessions(t, st, u.ID, nil)
}

func testSessionList(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	ids := createSessions(t, st, u.ID, 3)
	dead := newSession(u.ID, clock())
	dead.ExpiresAt = clock().Add(time.Second)
	noErr(t, st.Sessions().Create(t.Context(), &dead))
	wantSessions(t, st, u.ID, []string{ids[2], ids[1], ids[0]}) // most recently seen first
}

// wantSessions checks the user's live sessions (at clock()+1m) by id, in order.
func wantSessions(t *testing.T, st storage.Store, userID string, want []string) {
	t.Helper()
	list, err := st.Sessions().ListByUser(t.Context(), userID, clock().Add(time.Minute))
	noErr(t, err)
	var got []string
	for _, bs := range list {
		got = append(got, bs.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("sessions of %s: got %v, want %v", userID, got, want)
	}
}

func testSessionDeleteExpired(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	now := clock()
	live := newSession(u.ID, now)
	expired := newSession(u.ID, now)
	expired.ExpiresAt = now.Add(-time.Second)
	idle := newSession(u.ID, now)
	idle.LastSeenAt = now.Add(-2 * time.Hour)
	forever := newSession(u.ID, now)
	forever.IdleTimeout, forever.LastSeenAt = 0, now.Add(-2*time.Hour)
	for _, bs := range []*storage.BrowserSession{&live, &expired, &idle, &forever} {
		noErr(t, st.Sessions().Create(t.Context(), bs))
	}
	n, err := st.Sessions().DeleteExpired(t.Context(), now)
	noErr(t, err)
	if n != 2 {
		t.Fatalf("DeleteExpired removed %d, want 2", n)
	}
	for _, bs := range []storage.BrowserSession{expired, idle} {
		wantErr(t, st.Sessions().Delete(t.Context(), bs.ID), storage.ErrNotFound)
	}
	for _, bs := range []storage.BrowserSession{live, forever} {
		noErr(t, st.Sessions().Delete(t.Context(), bs.ID))
	}
}
