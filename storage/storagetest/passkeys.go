package storagetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) passkeys(t *testing.T) {
	s.group(t, "Passkeys",
		sub("CreateListRenameDelete", testPasskeyCRUD),
		sub("CounterOnlyMovesForward", testPasskeyCounter),
		sub("ChallengeSingleUseBoundExpiring", testPasskeyChallenge),
	)
}

func testPasskeyCRUD(t *testing.T, st storage.Store) {
	ctx, now := t.Context(), clock()
	u := createUser(t, st)
	p := storage.Passkey{UserID: u.ID, CredentialID: []byte("cred-1"), Name: "Laptop", Credential: []byte(`{}`), CreatedAt: now}
	noErr(t, st.Passkeys().Create(ctx, &p))
	dup := storage.Passkey{UserID: u.ID, CredentialID: []byte("cred-1"), Name: "Again", Credential: []byte(`{}`)}
	wantErr(t, st.Passkeys().Create(ctx, &dup), storage.ErrAlreadyExists)
	got, err := st.Passkeys().ByCredentialID(ctx, []byte("cred-1"))
	noErr(t, err)
	if got.ID != p.ID || got.UserID != u.ID || got.Name != "Laptop" || !got.LastUsedAt.IsZero() {
		t.Fatalf("ByCredentialID = %+v", got)
	}
	noErr(t, st.Passkeys().Rename(ctx, u.ID, p.ID, "Phone"))
	wantErr(t, st.Passkeys().Rename(ctx, "someone-else", p.ID, "x"), storage.ErrNotFound)
	list, err := st.Passkeys().ListByUser(ctx, u.ID)
	noErr(t, err)
	if len(list) != 1 || list[0].Name != "Phone" {
		t.Fatalf("ListByUser = %+v", list)
	}
	wantErr(t, st.Passkeys().Delete(ctx, "someone-else", p.ID), storage.ErrNotFound)
	noErr(t, st.Passkeys().Delete(ctx, u.ID, p.ID))
	n, err := st.Passkeys().CountByUser(ctx, u.ID)
	noErr(t, err)
	if n != 0 {
		t.Fatalf("CountByUser after delete = %d", n)
	}
	// Deleting the user deletes their passkeys.
	p2 := storage.Passkey{UserID: u.ID, CredentialID: []byte("cred-2"), Name: "Key", Credential: []byte(`{}`)}
	noErr(t, st.Passkeys().Create(ctx, &p2))
	noErr(t, st.Users().Delete(ctx, u.ID))
	_, err = st.Passkeys().ByCredentialID(ctx, []byte("cred-2"))
	wantErr(t, err, storage.ErrNotFound)
}

func testPasskeyCounter(t *testing.T, st storage.Store) {
	ctx, now := t.Context(), clock()
	u := createUser(t, st)
	p := storage.Passkey{UserID: u.ID, CredentialID: []byte("cred-c"), Name: "K", Credential: []byte(`{}`), SignCount: 5}
	noErr(t, st.Passkeys().Create(ctx, &p))
	wantErr(t, st.Passkeys().RecordUse(ctx, p.ID, 5, []byte(`{}`), now), storage.ErrConflict)
	wantErr(t, st.Passkeys().RecordUse(ctx, p.ID, 3, []byte(`{}`), now), storage.ErrConflict)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if st.Passkeys().RecordUse(ctx, p.ID, 6, []byte(`{"n":6}`), now) == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("parallel RecordUse with one counter: %d winners, want 1", wins.Load())
	}
	got, err := st.Passkeys().ByCredentialID(ctx, []byte("cred-c"))
	noErr(t, err)
	if got.SignCount != 6 || !got.LastUsedAt.Equal(storage.Time(now)) || string(got.Credential) != `{"n":6}` {
		t.Fatalf("after RecordUse = %+v", got)
	}
	z := storage.Passkey{UserID: u.ID, CredentialID: []byte("cred-z"), Name: "Z", Credential: []byte(`{}`)}
	noErr(t, st.Passkeys().Create(ctx, &z))
	noErr(t, st.Passkeys().RecordUse(ctx, z.ID, 0, []byte(`{}`), now)) // no counter at all
	wantErr(t, st.Passkeys().RecordUse(ctx, "gone", 1, []byte(`{}`), now), storage.ErrNotFound)
}

func testPasskeyChallenge(t *testing.T, st storage.Store) {
	ctx, now := t.Context(), clock()
	browser := []byte("browser-hash-a")
	ch := storage.PasskeyChallenge{ID: "ch-1", Purpose: "signin", BrowserHash: browser, Session: []byte(`{"c":1}`), ExpiresAt: now.Add(5 * time.Minute)}
	noErr(t, st.Passkeys().SaveChallenge(ctx, ch))
	_, err := st.Passkeys().TakeChallenge(ctx, "ch-1", "signin", []byte("browser-hash-b"), now)
	wantErr(t, err, storage.ErrNotFound) // another browser
	_, err = st.Passkeys().TakeChallenge(ctx, "ch-1", "register", browser, now)
	wantErr(t, err, storage.ErrNotFound) // another purpose
	_, err = st.Passkeys().TakeChallenge(ctx, "ch-1", "signin", browser, now.Add(5*time.Minute))
	wantErr(t, err, storage.ErrNotFound) // expired
	got, err := st.Passkeys().TakeChallenge(ctx, "ch-1", "signin", browser, now)
	noErr(t, err)
	if string(got.Session) != `{"c":1}` || got.UserID != "" {
		t.Fatalf("TakeChallenge = %+v", got)
	}
	_, err = st.Passkeys().TakeChallenge(ctx, "ch-1", "signin", browser, now)
	wantErr(t, err, storage.ErrNotFound) // single use
	old := storage.PasskeyChallenge{ID: "ch-2", Purpose: "signin", BrowserHash: browser, Session: []byte(`{}`), ExpiresAt: now}
	noErr(t, st.Passkeys().SaveChallenge(ctx, old))
	n, err := st.Passkeys().DeleteExpiredChallenges(ctx, now)
	noErr(t, err)
	if n != 1 {
		t.Fatalf("DeleteExpiredChallenges = %d, want 1", n)
	}
}
