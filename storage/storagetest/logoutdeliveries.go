package storagetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) logoutDeliveries(t *testing.T) {
	s.group(t, "LogoutDeliveries",
		sub("QueuedWhenSessionEnds", testLogoutQueuedOnDelete),
		sub("QueuedWhenUserSessionsEnd", testLogoutQueuedOnDeleteByUser),
		sub("ClientFieldsRoundTrip", testClientProtocolFields),
	)
	s.test(t, "LogoutDeliveryClaimMarkFail", testLogoutClaimMark)
	s.test(t, "ClientAssertionJTI", testClientAssertionJTI)
}

// sessionWithTokens creates a user's session and, for each client, a
// refresh token issued in it.
func sessionWithTokens(t *testing.T, st storage.Store, userID string, clients ...storage.Client) storage.BrowserSession {
	t.Helper()
	bs := newSession(userID, clock())
	noErr(t, st.Sessions().Create(t.Context(), &bs))
	for _, c := range clients {
		r := newRefresh(c.ID, userID, time.Now())
		r.SessionID = bs.ID
		noErr(t, st.Tokens().CreateRefresh(t.Context(), &r))
		a := newAccess(c.ID, userID, time.Now())
		a.SessionID = bs.ID
		noErr(t, st.Tokens().CreateAccess(t.Context(), &a))
	}
	return bs
}

func withBackchannel(c *storage.Client) { c.BackchannelLogoutURI = "https://rp.example.test/bc" }

// Deleting a session queues one delivery per client with a back-channel
// URI that got tokens in it; clients without one get none.
func testLogoutQueuedOnDelete(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	with := createClient(t, st, withBackchannel)
	without := createClient(t, st)
	bs := sessionWithTokens(t, st, u.ID, with, without)
	other := sessionWithTokens(t, st, u.ID, with)
	noErr(t, st.Sessions().Delete(t.Context(), bs.ID))
	list, err := st.LogoutDeliveries().ListBySession(t.Context(), bs.ID)
	noErr(t, err)
	if len(list) != 1 || list[0].ClientID != with.ID || list[0].UserID != u.ID || list[0].SessionID != bs.ID {
		t.Fatalf("deliveries %+v, want one for %s", list, with.ID)
	}
	rest, err := st.LogoutDeliveries().ListBySession(t.Context(), other.ID)
	noErr(t, err)
	wantN(t, "deliveries of the live session", len(rest), 0)
}

func testLogoutQueuedOnDeleteByUser(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	c := createClient(t, st, withBackchannel)
	keep := sessionWithTokens(t, st, u.ID, c)
	gone := sessionWithTokens(t, st, u.ID, c)
	n, err := st.Sessions().DeleteByUser(t.Context(), u.ID, keep.ID)
	noErr(t, err)
	wantN(t, "sessions deleted", n, 1)
	list, err := st.LogoutDeliveries().ListBySession(t.Context(), gone.ID)
	noErr(t, err)
	wantN(t, "deliveries of the ended session", len(list), 1)
	list, err = st.LogoutDeliveries().ListBySession(t.Context(), keep.ID)
	noErr(t, err)
	wantN(t, "deliveries of the kept session", len(list), 0)
}

// A claimed delivery is leased: a second claim gets nothing until the
// lease runs out; a failure schedules it again; a sent one is never
// claimed again.
func testLogoutClaimMark(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	c := createClient(t, st, withBackchannel)
	bs := sessionWithTokens(t, st, u.ID, c)
	noErr(t, st.Sessions().Delete(t.Context(), bs.ID))
	now := time.Now().Add(time.Second)
	got, err := st.LogoutDeliveries().ClaimDue(t.Context(), now, time.Minute, 10)
	noErr(t, err)
	wantN(t, "claimed", len(got), 1)
	again, err := st.LogoutDeliveries().ClaimDue(t.Context(), now, time.Minute, 10)
	noErr(t, err)
	wantN(t, "claimed while leased", len(again), 0)
	noErr(t, st.LogoutDeliveries().MarkFailed(t.Context(), got[0].ID, now, now.Add(time.Second), "status 500", false))
	retry, err := st.LogoutDeliveries().ClaimDue(t.Context(), now.Add(2*time.Second), time.Minute, 10)
	noErr(t, err)
	if len(retry) != 1 || retry[0].Attempts != 1 || retry[0].LastError != "status 500" {
		t.Fatalf("retry %+v", retry)
	}
	noErr(t, st.LogoutDeliveries().MarkSent(t.Context(), got[0].ID, now))
	wantErr(t, st.LogoutDeliveries().MarkFailed(t.Context(), got[0].ID, now, now, "x", true), storage.ErrConflict)
	done, err := st.LogoutDeliveries().ClaimDue(t.Context(), now.Add(time.Hour), time.Minute, 10)
	noErr(t, err)
	wantN(t, "claimed after sent", len(done), 0)
	n, err := st.LogoutDeliveries().DeleteDoneBefore(t.Context(), now.Add(time.Hour))
	noErr(t, err)
	wantN(t, "deleted", n, 1)
}

func testClientProtocolFields(t *testing.T, st storage.Store) {
	c := createClient(t, st, func(c *storage.Client) {
		c.BackchannelLogoutURI = "https://rp.example.test/bc"
		c.BackchannelLogoutSessionRequired = true
		c.JWKSURI = "https://rp.example.test/jwks"
		c.TokenEndpointAuthMethod = "private_key_jwt"
	})
	got, err := st.Clients().ByID(t.Context(), c.ID)
	noErr(t, err)
	if got.BackchannelLogoutURI != c.BackchannelLogoutURI || !got.BackchannelLogoutSessionRequired ||
		got.JWKSURI != c.JWKSURI || got.TokenEndpointAuthMethod != "private_key_jwt" || got.JWKS != "" {
		t.Fatalf("client read back %+v", got)
	}
	got.JWKS, got.JWKSURI = `{"keys":[]}`, ""
	noErr(t, st.Clients().Update(t.Context(), &got))
	again, err := st.Clients().ByID(t.Context(), c.ID)
	noErr(t, err)
	if again.JWKS != `{"keys":[]}` || again.JWKSURI != "" {
		t.Fatalf("updated client %+v", again)
	}
}

// A client assertion's jti is accepted once per client until it expires.
func testClientAssertionJTI(t *testing.T, st storage.Store) {
	now := time.Now()
	noErr(t, st.ClientAssertions().Use(t.Context(), "c1", "jti-1", now.Add(time.Minute)))
	wantErr(t, st.ClientAssertions().Use(t.Context(), "c1", "jti-1", now.Add(time.Minute)), storage.ErrAlreadyExists)
	noErr(t, st.ClientAssertions().Use(t.Context(), "c2", "jti-1", now.Add(time.Minute)))
	wantErr(t, st.ClientAssertions().Use(t.Context(), "c1", "", now), storage.ErrInvalid)
	n, err := st.ClientAssertions().DeleteExpired(t.Context(), now.Add(2*time.Minute))
	noErr(t, err)
	wantN(t, "expired jtis deleted", n, 2)
}
