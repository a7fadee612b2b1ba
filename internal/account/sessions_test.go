package account

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func startSession(t *testing.T, s *Service, userID string, persistent bool) (string, storage.BrowserSession) {
	t.Helper()
	secret, bs, err := s.StartSession(t.Context(), userID, SessionOptions{
		Persistent: persistent, AMR: []string{"pwd"}, UserAgent: "test-agent", IP: "192.0.2.1",
	})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	return secret, bs
}

func TestStartSessionFreshSecretHashStored(t *testing.T) {
	s, f, _ := newTestService(t, nil)
	u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	secret1, bs1 := startSession(t, s, u.ID, false)
	secret2, bs2 := startSession(t, s, u.ID, false)
	if secret1 == secret2 || bs1.ID == bs2.ID {
		t.Fatal("two sign-ins share a secret or an id")
	}
	if len(secret1) != 43 || strings.ContainsAny(secret1, "+/=") {
		t.Fatalf("secret %q is not 32 bytes of base64url", secret1)
	}
	for _, c := range []struct {
		secret string
		id     string
	}{{secret1, bs1.ID}, {secret2, bs2.ID}} {
		stored := f.sessions[c.id]
		sum := sha256.Sum256([]byte(c.secret))
		if !bytes.Equal(stored.TokenHash, sum[:]) {
			t.Fatal("stored token hash is not the SHA-256 of the secret")
		}
		if bytes.Contains(stored.TokenHash, []byte(c.secret)) || c.id == c.secret {
			t.Fatal("the secret itself is stored")
		}
	}
	got, gotUser, err := s.SessionFromCookie(t.Context(), secret2)
	if err != nil || got.ID != bs2.ID || gotUser.ID != u.ID {
		t.Fatalf("SessionFromCookie = %v, %v, %v", got.ID, gotUser.ID, err)
	}
	if !slicesEqual(got.AMR, []string{"pwd"}) || got.UserAgent != "test-agent" || got.IP != "192.0.2.1" {
		t.Fatalf("session fields = %+v", got)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

func TestSessionLifetimes(t *testing.T) {
	type step struct {
		advance time.Duration
		live    bool
	}
	for _, tc := range []struct {
		name       string
		persistent bool
		steps      []step
	}{
		{"browser: idle timeout", false, []step{{time.Hour, true}, {2*time.Hour + time.Second, false}}},
		{"browser: each use restarts idle", false, []step{
			{110 * time.Minute, true}, {110 * time.Minute, true}, {110 * time.Minute, true},
		}},
		{"browser: absolute end despite use", false, []step{
			{100 * time.Minute, true}, {100 * time.Minute, true}, {100 * time.Minute, true},
			{100 * time.Minute, true}, {100 * time.Minute, true}, {100 * time.Minute, true},
			{100 * time.Minute, true}, {21 * time.Minute, false}, // 12h01m
		}},
		{"persistent: no idle timeout", true, []step{{10 * 24 * time.Hour, true}, {19 * 24 * time.Hour, true}}},
		{"persistent: absolute end", true, []step{{29 * 24 * time.Hour, true}, {24*time.Hour + time.Second, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, clock := newTestService(t, nil)
			u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
			secret, bs := startSession(t, s, u.ID, tc.persistent)
			if bs.Persistent != tc.persistent || (bs.IdleTimeout == 0) != tc.persistent {
				t.Fatalf("session = %+v", bs)
			}
			for i, st := range tc.steps {
				clock.Advance(st.advance)
				_, _, err := s.SessionFromCookie(t.Context(), secret)
				if st.live && err != nil || !st.live && !errors.Is(err, ErrNoSession) {
					t.Fatalf("step %d (+%v): err = %v, want live=%v", i, st.advance, err, st.live)
				}
			}
		})
	}
}

func TestSessionTouchAtMostOncePerMinute(t *testing.T) {
	s, f, clock := newTestService(t, nil)
	u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	secret, _ := startSession(t, s, u.ID, false)
	for range 5 {
		clock.Advance(10 * time.Second)
		if _, _, err := s.SessionFromCookie(t.Context(), secret); err != nil {
			t.Fatal(err)
		}
	}
	if f.touches != 0 {
		t.Fatalf("touched %d times within a minute", f.touches)
	}
	clock.Advance(15 * time.Second)
	bs, _, err := s.SessionFromCookie(t.Context(), secret)
	if err != nil || f.touches != 1 || !bs.LastSeenAt.Equal(clock.Now()) {
		t.Fatalf("after 65s: touches %d, last seen %v, err %v", f.touches, bs.LastSeenAt, err)
	}
}

func TestSessionOfInactiveUserEnded(t *testing.T) {
	for _, st := range []storage.UserState{storage.UserBlocked, storage.UserRejected, storage.UserPendingApproval} {
		t.Run(string(st), func(t *testing.T) {
			s, f, _ := newTestService(t, nil)
			u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
			secret, bs := startSession(t, s, u.ID, true)
			u.State = st
			if err := f.Users().Update(t.Context(), &u); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.SessionFromCookie(t.Context(), secret); !errors.Is(err, ErrNoSession) {
				t.Fatalf("SessionFromCookie = %v, want ErrNoSession", err)
			}
			if _, ok := f.sessions[bs.ID]; ok {
				t.Fatal("the session of an inactive user was kept")
			}
		})
	}
}

func TestStartSessionRefusesInactiveUser(t *testing.T) {
	s, _, _ := newTestService(t, nil)
	u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserPendingVerification)
	if _, _, err := s.StartSession(t.Context(), u.ID, SessionOptions{}); !errors.Is(err, ErrNotVerified) {
		t.Fatalf("StartSession = %v, want ErrNotVerified", err)
	}
	if _, _, err := s.StartSession(t.Context(), "no-such-user", SessionOptions{}); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("StartSession(unknown) = %v, want ErrNotFound", err)
	}
}

func TestSessionFromCookieRejects(t *testing.T) {
	s, f, _ := newTestService(t, nil)
	u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	secret, _ := startSession(t, s, u.ID, false)
	for _, tc := range []struct{ name, cookie string }{
		{"empty", ""},
		{"garbage", "garbage"},
		{"other secret", newSessionSecret()},
		{"the hash", string(hashSecret(secret))},
		{"one char changed", secret[:42] + string(secret[42]^1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := s.SessionFromCookie(t.Context(), tc.cookie); !errors.Is(err, ErrNoSession) {
				t.Fatalf("SessionFromCookie = %v, want ErrNoSession", err)
			}
		})
	}
	boom := errors.New("database down")
	f.sessionsErr = boom
	if _, _, err := s.SessionFromCookie(t.Context(), secret); !errors.Is(err, boom) || errors.Is(err, ErrNoSession) {
		t.Fatalf("store failure = %v, want the store error, not ErrNoSession", err)
	}
}

func TestEndSessions(t *testing.T) {
	s, _, _ := newTestService(t, nil)
	u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	other := mustCreate(t, s, "other", "velvet canyon rhythm", storage.UserActive)
	ctx := t.Context()
	s1, bs1 := startSession(t, s, u.ID, false)
	_, bs2 := startSession(t, s, u.ID, true)
	_, bs3 := startSession(t, s, u.ID, false)
	otherSecret, otherBS := startSession(t, s, other.ID, false)

	if err := s.EndUserSession(ctx, u.ID, otherBS.ID); !errors.Is(err, ErrNoSession) {
		t.Fatalf("ending another user's session = %v, want ErrNoSession", err)
	}
	if err := s.EndUserSession(ctx, u.ID, bs2.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.EndOtherSessions(ctx, u.ID, bs1.ID); err != nil || n != 1 {
		t.Fatalf("EndOtherSessions = %d, %v; want 1 (%s)", n, err, bs3.ID)
	}
	list, err := s.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].ID != bs1.ID {
		t.Fatalf("ListSessions = %v, %v", list, err)
	}
	if err := s.EndSession(ctx, bs1.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.EndSession(ctx, bs1.ID); err != nil {
		t.Fatalf("ending an ended session = %v", err)
	}
	if _, _, err := s.SessionFromCookie(ctx, s1); !errors.Is(err, ErrNoSession) {
		t.Fatalf("replayed cookie after logout = %v, want ErrNoSession", err)
	}
	if _, _, err := s.SessionFromCookie(ctx, otherSecret); err != nil {
		t.Fatalf("other user's session: %v", err)
	}
}
