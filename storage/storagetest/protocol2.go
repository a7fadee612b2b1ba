package storagetest

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Issue 18 items 4, 6 and 8: pushed authorization requests, initial
// access tokens and the client fields that go with them.
func (s suite) protocol2(t *testing.T) {
	s.test(t, "PushedRequestTakeOnce", testPushedRequestTakeOnce)
	s.test(t, "PushedRequestParallelTake", testPushedRequestParallelTake)
	s.test(t, "RegistrationTokens", testRegistrationTokens)
	s.test(t, "ClientPARDelegationRegistrationFields", testClientProtocol2Fields)
}

// A pushed request is taken once, only by its client, only before it
// expires; expired ones are swept.
func testPushedRequestTakeOnce(t *testing.T, st storage.Store) {
	c := createClient(t, st)
	other := createClient(t, st)
	now := time.Now()
	r := storage.PushedRequest{IDHash: []byte("hash-1"), ClientID: c.ID, Params: "a=b", ExpiresAt: now.Add(time.Minute)}
	noErr(t, st.PushedRequests().Create(t.Context(), &r))
	_, err := st.PushedRequests().Take(t.Context(), []byte("hash-1"), other.ID, now)
	wantErr(t, err, storage.ErrNotFound)
	got, err := st.PushedRequests().Take(t.Context(), []byte("hash-1"), c.ID, now)
	noErr(t, err)
	if got.Params != "a=b" || got.ClientID != c.ID || !bytes.Equal(got.IDHash, []byte("hash-1")) {
		t.Fatalf("taken %+v", got)
	}
	_, err = st.PushedRequests().Take(t.Context(), []byte("hash-1"), c.ID, now)
	wantErr(t, err, storage.ErrNotFound)

	old := storage.PushedRequest{IDHash: []byte("hash-2"), ClientID: c.ID, Params: "x=y", ExpiresAt: now.Add(time.Minute)}
	noErr(t, st.PushedRequests().Create(t.Context(), &old))
	_, err = st.PushedRequests().Take(t.Context(), []byte("hash-2"), c.ID, now.Add(2*time.Minute))
	wantErr(t, err, storage.ErrNotFound)

	gone := storage.PushedRequest{IDHash: []byte("hash-3"), ClientID: c.ID, ExpiresAt: now.Add(time.Minute)}
	noErr(t, st.PushedRequests().Create(t.Context(), &gone))
	n, err := st.PushedRequests().DeleteExpired(t.Context(), now.Add(2*time.Minute))
	noErr(t, err)
	wantN(t, "expired pushed requests deleted", n, 1)
	wantErr(t, st.PushedRequests().Create(t.Context(), &storage.PushedRequest{ClientID: c.ID, ExpiresAt: now}), storage.ErrInvalid)
}

// Of parallel takes of one pushed request exactly one wins.
func testPushedRequestParallelTake(t *testing.T, st storage.Store) {
	c := createClient(t, st)
	now := time.Now()
	noErr(t, st.PushedRequests().Create(t.Context(), &storage.PushedRequest{IDHash: []byte("p"), ClientID: c.ID, ExpiresAt: now.Add(time.Minute)}))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.PushedRequests().Take(t.Context(), []byte("p"), c.ID, now); err == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	wantN(t, "winners", int(wins.Load()), 1)
}

// Initial access tokens: found by hash, listed, revoked once, marked used.
func testRegistrationTokens(t *testing.T, st storage.Store) {
	now := time.Now()
	a := storage.RegistrationToken{Name: "ci", TokenHash: []byte("h-a"), CreatedBy: "admin-1", ExpiresAt: now.Add(time.Hour)}
	noErr(t, st.RegistrationTokens().Create(t.Context(), &a))
	b := storage.RegistrationToken{Name: "forever", TokenHash: []byte("h-b")}
	noErr(t, st.RegistrationTokens().Create(t.Context(), &b))
	wantErr(t, st.RegistrationTokens().Create(t.Context(), &storage.RegistrationToken{TokenHash: []byte("h-a")}), storage.ErrAlreadyExists)
	wantErr(t, st.RegistrationTokens().Create(t.Context(), &storage.RegistrationToken{}), storage.ErrInvalid)

	got, err := st.RegistrationTokens().ByHash(t.Context(), []byte("h-a"))
	noErr(t, err)
	if got.ID != a.ID || got.Name != "ci" || got.CreatedBy != "admin-1" || !got.Active(now) || got.Active(now.Add(2*time.Hour)) {
		t.Fatalf("token read back %+v", got)
	}
	_, err = st.RegistrationTokens().ByHash(t.Context(), []byte("nope"))
	wantErr(t, err, storage.ErrNotFound)

	page, err := st.RegistrationTokens().List(t.Context(), "", 1)
	noErr(t, err)
	if len(page.Items) != 1 || page.Next == "" {
		t.Fatalf("first page %+v", page)
	}
	rest, err := st.RegistrationTokens().List(t.Context(), page.Next, 10)
	noErr(t, err)
	wantN(t, "second page", len(rest.Items), 1)

	noErr(t, st.RegistrationTokens().MarkUsed(t.Context(), b.ID, now))
	noErr(t, st.RegistrationTokens().Revoke(t.Context(), b.ID, now))
	noErr(t, st.RegistrationTokens().Revoke(t.Context(), b.ID, now.Add(time.Hour)))
	wantErr(t, st.RegistrationTokens().Revoke(t.Context(), "missing", now), storage.ErrNotFound)
	revoked, err := st.RegistrationTokens().ByHash(t.Context(), []byte("h-b"))
	noErr(t, err)
	if revoked.Active(now) || !revoked.RevokedAt.Equal(storage.Time(now)) || revoked.LastUsedAt.IsZero() {
		t.Fatalf("revoked token %+v", revoked)
	}
}

// The client fields of PAR, token exchange delegation and registration
// round-trip through Create and Update.
func testClientProtocol2Fields(t *testing.T, st storage.Store) {
	c := createClient(t, st, func(c *storage.Client) {
		c.RequirePushedAuthorizationRequests = true
		c.RegistrationAccessTokenHash = []byte("rat")
	})
	got, err := st.Clients().ByID(t.Context(), c.ID)
	noErr(t, err)
	if !got.RequirePushedAuthorizationRequests || got.TokenExchangeDelegation || !bytes.Equal(got.RegistrationAccessTokenHash, []byte("rat")) {
		t.Fatalf("client read back %+v", got)
	}
	got.RequirePushedAuthorizationRequests, got.TokenExchangeDelegation, got.RegistrationAccessTokenHash = false, true, nil
	noErr(t, st.Clients().Update(t.Context(), &got))
	again, err := st.Clients().ByID(t.Context(), c.ID)
	noErr(t, err)
	if again.RequirePushedAuthorizationRequests || !again.TokenExchangeDelegation || again.RegistrationAccessTokenHash != nil {
		t.Fatalf("updated client %+v", again)
	}
}
