package storagetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) authRequests(t *testing.T) {
	s.group(t, "AuthRequests",
		sub("CreateAndByID", testAuthRequestRoundTrip),
		sub("Defaults", testAuthRequestDefaults),
		sub("RejectsInvalid", testAuthRequestInvalid),
		sub("Expiry", testAuthRequestExpiry),
		sub("Complete", testAuthRequestComplete),
		sub("ClaimCode", testClaimCode),
		sub("ByCode", testByCode),
		sub("ClaimExpiredCode", testClaimExpiredCode),
		sub("SaveCode", testSaveCode),
		sub("CompleteWithCode", testCompleteWithCode),
		sub("ParallelClaims20", func(t *testing.T, st storage.Store) { testParallelClaims(t, st, 20) }),
		sub("ParallelClaims50", func(t *testing.T, st storage.Store) { testParallelClaims(t, st, 50) }),
		sub("Delete", testAuthRequestDelete),
		sub("DeleteExpired", testAuthRequestDeleteExpired),
		sub("UserDeleteCascades", testAuthRequestUserCascade),
	)
}

func testAuthRequestRoundTrip(t *testing.T, st storage.Store) {
	c := createClient(t, st)
	now := clock()
	maxAge := int64(0)
	r := newAuthRequest(c.ID, now)
	r.ResponseMode, r.Prompt, r.MaxAge = "form_post", []string{"login", "consent"}, &maxAge
	r.LoginHint, r.UILocales = "ada@example.test", []string{"ru", "en-GB"}
	noErr(t, st.AuthRequests().Create(t.Context(), &r))
	got, err := st.AuthRequests().ByID(t.Context(), r.ID, now)
	noErr(t, err)
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("ByID:\n got %+v\nwant %+v", got, r)
	}
	if got.MaxAge == nil || *got.MaxAge != 0 || got.Done || got.UserID != "" {
		t.Fatalf("MaxAge %v, Done %v, UserID %q", got.MaxAge, got.Done, got.UserID)
	}
}

func testAuthRequestDefaults(t *testing.T, st storage.Store) {
	c := createClient(t, st)
	r := storage.AuthRequest{ClientID: c.ID, RedirectURI: "https://app.example.test/cb", ExpiresAt: time.Now().Add(time.Hour)}
	noErr(t, st.AuthRequests().Create(t.Context(), &r))
	if len(r.ID) != storage.IDLength || r.CreatedAt.IsZero() {
		t.Fatalf("Create set %+v", r)
	}
	wantUTCMillis(t, "CreatedAt", r.CreatedAt)
	got, err := st.AuthRequests().ByID(t.Context(), r.ID, r.CreatedAt)
	noErr(t, err)
	if !reflect.DeepEqual(got, r) || got.MaxAge != nil || got.BrowserHash != nil {
		t.Fatalf("ByID:\n got %+v\nwant %+v", got, r)
	}
}

func testAuthRequestInvalid(t *testing.T, st storage.Store) {
	c := createClient(t, st)
	for name, mod := range map[string]func(*storage.AuthRequest){
		"no client":       func(r *storage.AuthRequest) { r.ClientID = "" },
		"no redirect uri": func(r *storage.AuthRequest) { r.RedirectURI = "" },
		"no expiry":       func(r *storage.AuthRequest) { r.ExpiresAt = time.Time{} },
	} {
		r := newAuthRequest(c.ID, clock())
		mod(&r)
		if err := st.AuthRequests().Create(t.Context(), &r); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: Create = %v, want ErrInvalid", name, err)
		}
	}
	r := newAuthRequest("no-such-client", clock())
	wantErr(t, st.AuthRequests().Create(t.Context(), &r), storage.ErrNotFound)
	r = newAuthRequest(c.ID, clock())
	r.UserID = storage.NewID()
	wantErr(t, st.AuthRequests().Create(t.Context(), &r), storage.ErrNotFound)
	dup := createAuthRequest(t, st, c.ID, clock())
	r = newAuthRequest(c.ID, clock())
	r.ID = dup.ID
	wantErr(t, st.AuthRequests().Create(t.Context(), &r), storage.ErrAlreadyExists)
}

func testAuthRequestExpiry(t *testing.T, st storage.Store) {
	r := createAuthRequest(t, st, createClient(t, st).ID, clock())
	_, err := st.AuthRequests().ByID(t.Context(), r.ID, r.ExpiresAt.Add(-time.Millisecond))
	noErr(t, err)
	_, err = st.AuthRequests().ByID(t.Context(), r.ID, r.ExpiresAt)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.AuthRequests().ByID(t.Context(), "no-such-request", clock())
	wantErr(t, err, storage.ErrNotFound)
}

func testAuthRequestComplete(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	r := createAuthRequest(t, st, createClient(t, st).ID, clock())
	authTime := clock().Add(-time.Second)
	noErr(t, st.AuthRequests().Complete(t.Context(), r.ID, u.ID, "sess-1", authTime, []string{"pwd", "otp"}))
	got, err := st.AuthRequests().ByID(t.Context(), r.ID, clock())
	noErr(t, err)
	r.UserID, r.SessionID, r.AuthTime, r.AMR, r.Done = u.ID, "sess-1", authTime, []string{"pwd", "otp"}, true
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("after Complete:\n got %+v\nwant %+v", got, r)
	}
	wantErr(t, st.AuthRequests().Complete(t.Context(), "no-such-request", u.ID, "", authTime, nil), storage.ErrNotFound)
	wantErr(t, st.AuthRequests().Complete(t.Context(), r.ID, storage.NewID(), "", authTime, nil), storage.ErrNotFound)
	wantErr(t, st.AuthRequests().Complete(t.Context(), r.ID, "", "", authTime, nil), storage.ErrInvalid)
	wantErr(t, st.AuthRequests().Complete(t.Context(), r.ID, u.ID, "", time.Time{}, nil), storage.ErrInvalid)
}

// completedWithCode creates a completed request with a code valid for a
// minute from clock() and returns it with the code's hash.
func completedWithCode(t *testing.T, st storage.Store) (storage.AuthRequest, []byte) {
	t.Helper()
	u := createUser(t, st)
	r := createAuthRequest(t, st, createClient(t, st).ID, clock())
	noErr(t, st.AuthRequests().Complete(t.Context(), r.ID, u.ID, "sess", clock(), []string{"pwd"}))
	code := hashOf()
	noErr(t, st.AuthRequests().SaveCode(t.Context(), r.ID, code, clock().Add(time.Minute)))
	got, err := st.AuthRequests().ByID(t.Context(), r.ID, clock())
	noErr(t, err)
	return got, code
}

func testClaimCode(t *testing.T, st storage.Store) {
	r, code := completedWithCode(t, st)
	at := clock().Add(59 * time.Second)
	got, err := st.AuthRequests().ClaimCode(t.Context(), code, at)
	noErr(t, err)
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("ClaimCode:\n got %+v\nwant %+v", got, r)
	}
	again, err := st.AuthRequests().ClaimCode(t.Context(), code, at)
	wantErr(t, err, storage.ErrConflict)
	if again.ID != r.ID || again.UserID != r.UserID {
		t.Fatalf("a reused code returned %+v, want its request", again)
	}
	// Reuse stays recognizable after the code expired.
	again, err = st.AuthRequests().ClaimCode(t.Context(), code, clock().Add(time.Hour))
	wantErr(t, err, storage.ErrConflict)
	if again.ID != r.ID {
		t.Fatalf("a reused, expired code returned %+v", again)
	}
	_, err = st.AuthRequests().ClaimCode(t.Context(), hashOf(), at)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.AuthRequests().ClaimCode(t.Context(), nil, at)
	wantErr(t, err, storage.ErrNotFound)
}

func testByCode(t *testing.T, st storage.Store) {
	r, code := completedWithCode(t, st)
	at := clock().Add(59 * time.Second)
	got, err := st.AuthRequests().ByCode(t.Context(), code, at)
	noErr(t, err)
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("ByCode:\n got %+v\nwant %+v", got, r)
	}
	// Looking does not claim: the code is still claimable, once.
	_, err = st.AuthRequests().ClaimCode(t.Context(), code, at)
	noErr(t, err)
	again, err := st.AuthRequests().ByCode(t.Context(), code, at)
	wantErr(t, err, storage.ErrConflict)
	if again.ID != r.ID {
		t.Fatalf("a used code returned %+v, want its request", again)
	}
	_, code2 := completedWithCode(t, st)
	_, err = st.AuthRequests().ByCode(t.Context(), code2, clock().Add(time.Minute))
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.AuthRequests().ByCode(t.Context(), hashOf(), at)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.AuthRequests().ByCode(t.Context(), nil, at)
	wantErr(t, err, storage.ErrNotFound)
}

func testCompleteWithCode(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	client := createClient(t, st).ID
	r := createAuthRequest(t, st, client, clock())
	authTime := clock().Add(-time.Second)
	code := hashOf()
	noErr(t, st.AuthRequests().CompleteWithCode(t.Context(), r.ID, u.ID, "sess-1", authTime, []string{"pwd", "otp"}, code, clock().Add(time.Minute)))
	got, err := st.AuthRequests().ByID(t.Context(), r.ID, clock())
	noErr(t, err)
	r.UserID, r.SessionID, r.AuthTime, r.AMR, r.Done = u.ID, "sess-1", authTime, []string{"pwd", "otp"}, true
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("after CompleteWithCode:\n got %+v\nwant %+v", got, r)
	}
	byCode, err := st.AuthRequests().ByCode(t.Context(), code, clock().Add(59*time.Second))
	noErr(t, err)
	if !reflect.DeepEqual(byCode, r) {
		t.Fatalf("ByCode after CompleteWithCode:\n got %+v\nwant %+v", byCode, r)
	}
	_, err = st.AuthRequests().ByCode(t.Context(), code, clock().Add(time.Minute))
	wantErr(t, err, storage.ErrNotFound) // the code expires when it was told to

	// Bad input changes nothing.
	fresh := createAuthRequest(t, st, client, clock())
	other := hashOf()
	for _, bad := range []struct {
		name       string
		id, userID string
		authTime   time.Time
		hash       []byte
		expires    time.Time
		want       error
	}{
		{"no user", fresh.ID, "", authTime, other, clock().Add(time.Minute), storage.ErrInvalid},
		{"no auth time", fresh.ID, u.ID, time.Time{}, other, clock().Add(time.Minute), storage.ErrInvalid},
		{"no hash", fresh.ID, u.ID, authTime, nil, clock().Add(time.Minute), storage.ErrInvalid},
		{"no expiry", fresh.ID, u.ID, authTime, other, time.Time{}, storage.ErrInvalid},
		{"unknown user", fresh.ID, storage.NewID(), authTime, other, clock().Add(time.Minute), storage.ErrNotFound},
		{"another request's code", fresh.ID, u.ID, authTime, code, clock().Add(time.Minute), storage.ErrAlreadyExists},
		{"unknown request", "no-such-request", u.ID, authTime, other, clock().Add(time.Minute), storage.ErrNotFound},
	} {
		err := st.AuthRequests().CompleteWithCode(t.Context(), bad.id, bad.userID, "", bad.authTime, nil, bad.hash, bad.expires)
		if !errors.Is(err, bad.want) {
			t.Errorf("%s: CompleteWithCode = %v, want %v", bad.name, err, bad.want)
		}
	}
	unchanged, err := st.AuthRequests().ByID(t.Context(), fresh.ID, clock())
	noErr(t, err)
	if !reflect.DeepEqual(unchanged, fresh) {
		t.Fatalf("refused CompleteWithCode changed the request:\n got %+v\nwant %+v", unchanged, fresh)
	}
	_, err = st.AuthRequests().ByCode(t.Context(), other, clock())
	wantErr(t, err, storage.ErrNotFound)

	// A completed request is not completed again: of two parallel
	// completions one wins, and the winner's code stays.
	wantErr(t, st.AuthRequests().CompleteWithCode(t.Context(), r.ID, u.ID, "sess-2", authTime, nil, other, clock().Add(time.Minute)), storage.ErrConflict)
	_, err = st.AuthRequests().ByCode(t.Context(), other, clock())
	wantErr(t, err, storage.ErrNotFound)
	still, err := st.AuthRequests().ByCode(t.Context(), code, clock())
	noErr(t, err)
	if !reflect.DeepEqual(still, r) {
		t.Fatalf("a refused second completion changed the request:\n got %+v\nwant %+v", still, r)
	}

	// Nor once its code was claimed.
	_, err = st.AuthRequests().ClaimCode(t.Context(), code, clock())
	noErr(t, err)
	wantErr(t, st.AuthRequests().CompleteWithCode(t.Context(), r.ID, u.ID, "sess-1", authTime, nil, other, clock().Add(time.Minute)), storage.ErrConflict)
	_, err = st.AuthRequests().ByCode(t.Context(), other, clock())
	wantErr(t, err, storage.ErrNotFound)
}

func testClaimExpiredCode(t *testing.T, st storage.Store) {
	_, code := completedWithCode(t, st)
	_, err := st.AuthRequests().ClaimCode(t.Context(), code, clock().Add(time.Minute))
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.AuthRequests().ClaimCode(t.Context(), code, clock().Add(time.Minute-time.Millisecond))
	noErr(t, err)
}

func testSaveCode(t *testing.T, st storage.Store) {
	r, first := completedWithCode(t, st)
	second := hashOf()
	noErr(t, st.AuthRequests().SaveCode(t.Context(), r.ID, second, clock().Add(time.Minute)))
	_, err := st.AuthRequests().ClaimCode(t.Context(), first, clock())
	wantErr(t, err, storage.ErrNotFound) // replaced while unused
	other, otherCode := completedWithCode(t, st)
	wantErr(t, st.AuthRequests().SaveCode(t.Context(), r.ID, otherCode, clock().Add(time.Minute)), storage.ErrAlreadyExists)
	_, err = st.AuthRequests().ClaimCode(t.Context(), second, clock())
	noErr(t, err)
	// A spent request never gets a fresh code.
	wantErr(t, st.AuthRequests().SaveCode(t.Context(), r.ID, hashOf(), clock().Add(time.Minute)), storage.ErrConflict)
	wantErr(t, st.AuthRequests().SaveCode(t.Context(), "no-such-request", hashOf(), clock().Add(time.Minute)), storage.ErrNotFound)
	wantErr(t, st.AuthRequests().SaveCode(t.Context(), other.ID, nil, clock().Add(time.Minute)), storage.ErrInvalid)
	wantErr(t, st.AuthRequests().SaveCode(t.Context(), other.ID, hashOf(), time.Time{}), storage.ErrInvalid)
}

func testAuthRequestDelete(t *testing.T, st storage.Store) {
	r := createAuthRequest(t, st, createClient(t, st).ID, clock())
	noErr(t, st.AuthRequests().Delete(t.Context(), r.ID))
	_, err := st.AuthRequests().ByID(t.Context(), r.ID, clock())
	wantErr(t, err, storage.ErrNotFound)
	noErr(t, st.AuthRequests().Delete(t.Context(), r.ID)) // missing is fine
}

func testAuthRequestDeleteExpired(t *testing.T, st storage.Store) {
	c := createClient(t, st)
	now := epoch()
	mk := func(expires time.Duration, code *time.Duration) storage.AuthRequest {
		r := newAuthRequest(c.ID, now.Add(-time.Hour))
		r.ExpiresAt = now.Add(expires)
		noErr(t, st.AuthRequests().Create(t.Context(), &r))
		if code != nil {
			noErr(t, st.AuthRequests().SaveCode(t.Context(), r.ID, hashOf(), now.Add(*code)))
		}
		return r
	}
	past, future := -time.Second, time.Second
	expired := mk(past, nil)
	atNow := mk(0, nil)
	codeExpired := mk(past, &past)
	codeLive := mk(past, &future)
	live := mk(future, nil)
	n, err := st.AuthRequests().DeleteExpired(t.Context(), now)
	noErr(t, err)
	wantN(t, "DeleteExpired", n, 3)
	for _, r := range []storage.AuthRequest{expired, atNow, codeExpired} {
		_, err := st.AuthRequests().ByID(t.Context(), r.ID, now.Add(-time.Hour))
		wantErr(t, err, storage.ErrNotFound)
	}
	for _, r := range []storage.AuthRequest{codeLive, live} {
		_, err := st.AuthRequests().ByID(t.Context(), r.ID, now.Add(-time.Hour))
		noErr(t, err)
	}
}

func testAuthRequestUserCascade(t *testing.T, st storage.Store) {
	r, code := completedWithCode(t, st)
	pending := createAuthRequest(t, st, r.ClientID, clock()) // no user yet
	noErr(t, st.Users().Delete(t.Context(), r.UserID))
	_, err := st.AuthRequests().ByID(t.Context(), r.ID, clock())
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.AuthRequests().ClaimCode(t.Context(), code, clock())
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.AuthRequests().ByID(t.Context(), pending.ID, clock())
	noErr(t, err)
}
