package account

import (
	"github.com/gatehouse/gatehouse/internal/argon2id"

	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func TestAuthenticate(t *testing.T) {
	s, _, _ := newTestService(t, nil)
	const pw = "s3cret password"
	users := map[storage.UserState]storage.User{}
	for _, st := range storage.UserStates() {
		users[st] = mustCreate(t, s, "u_"+string(st), pw, st)
	}
	active := users[storage.UserActive]
	for _, tc := range []struct {
		name, login, password string
		want                  error
	}{
		{"username", "u_active", pw, nil},
		{"email other case", "U_Active@EXAMPLE.com", pw, nil},
		{"wrong password", "u_active", "s3cret passworD", ErrInvalidCredentials},
		{"unknown login", "nobody", pw, ErrInvalidCredentials},
		{"empty login", "", pw, ErrInvalidCredentials},
		{"empty password", "u_active", "", ErrInvalidCredentials},
		{"over-long password", "u_active", string(make([]byte, 5000)), ErrInvalidCredentials},
		{"pending verification", "u_pending_verification", pw, ErrNotVerified},
		{"pending approval", "u_pending_approval", pw, ErrPendingApproval},
		{"blocked", "u_blocked", pw, ErrBlocked},
		{"rejected", "u_rejected", pw, ErrRejected},
		{"blocked, wrong password", "u_blocked", "guess guess", ErrInvalidCredentials},
		{"pending, wrong password", "u_pending_verification", "guess guess", ErrInvalidCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := s.Authenticate(t.Context(), tc.login, tc.password, "192.0.2.1")
			if tc.want == nil {
				if err != nil || u.ID != active.ID {
					t.Fatalf("Authenticate = %v, %v", u.ID, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Authenticate error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAuthenticateUnknownAndWrongAlike(t *testing.T) {
	// Real-cost hashing (a few ms) so the hash dominates the timing.
	s, f, _ := newTestService(t, func(o *Options) { o.Hash = HashParams{Memory: 4096, Time: 1} })
	mustCreate(t, s, "known", "right password", storage.UserActive)
	ctx := t.Context()
	_, _ = s.Authenticate(ctx, "warm-up", "x", "192.0.2.9") // builds the dummy hash
	var wrong, unknown []time.Duration
	for i := range 5 {
		start := time.Now()
		_, errWrong := s.Authenticate(ctx, "known", fmt.Sprintf("wrong %d", i), "192.0.2.1")
		wrong = append(wrong, time.Since(start))
		start = time.Now()
		_, errUnknown := s.Authenticate(ctx, fmt.Sprintf("ghost%d", i), "wrong", "192.0.2.2")
		unknown = append(unknown, time.Since(start))
		if errWrong != errUnknown || !errors.Is(errWrong, ErrInvalidCredentials) {
			t.Fatalf("errors differ: wrong password %v, unknown login %v", errWrong, errUnknown)
		}
	}
	mw, mu := median(wrong), median(unknown)
	t.Logf("median wrong password %v, unknown login %v", mw, mu)
	if mw > 10*mu || mu > 10*mw {
		t.Fatalf("timings differ by more than 10×: wrong %v, unknown %v", mw, mu)
	}
	for _, e := range f.eventsOf(EventSignInFailure) {
		if e.Details["reason"] != "invalid_credentials" {
			t.Fatalf("failure event %+v", e)
		}
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestThrottlePerAccountAcrossIPs(t *testing.T) {
	s, _, clock := newTestService(t, nil)
	mustCreate(t, s, "victim", "cobalt prairie fable", storage.UserActive)
	mustCreate(t, s, "bystander", "silver kettle journey", storage.UserActive)
	ctx := t.Context()
	for i := range 10 {
		ip := fmt.Sprintf("198.51.100.%d", i)
		if _, err := s.Authenticate(ctx, "victim", "guess", ip); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	_, err := s.Authenticate(ctx, "victim", "cobalt prairie fable", "203.0.113.7")
	var te *ThrottledError
	if !errors.Is(err, ErrThrottled) || !errors.As(err, &te) || te.Scope != "account" || te.RetryAfter <= 0 {
		t.Fatalf("correct password past the limit = %v, want account throttle", err)
	}
	if _, err := s.Authenticate(ctx, "bystander", "silver kettle journey", "198.51.100.1"); err != nil {
		t.Fatalf("another account is affected: %v", err)
	}
	for range 50 { // hammering while throttled must not extend the block
		_, _ = s.Authenticate(ctx, "victim", "guess", "198.51.100.99")
	}
	clock.Advance(15*time.Minute + time.Second)
	if _, err := s.Authenticate(ctx, "victim", "cobalt prairie fable", "203.0.113.7"); err != nil {
		t.Fatalf("after the window the real user is refused: %v", err)
	}
}

func TestThrottleWindowSlides(t *testing.T) {
	s, _, clock := newTestService(t, nil)
	mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	ctx := t.Context()
	fail := func(n int) {
		t.Helper()
		for range n {
			if _, err := s.Authenticate(ctx, "user", "guess", "198.51.100.1"); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("guess: %v", err)
			}
		}
	}
	fail(6)
	clock.Advance(10 * time.Minute)
	fail(4)
	if _, err := s.Authenticate(ctx, "user", "quiet harbor lantern", "198.51.100.1"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("at the limit: %v, want ErrThrottled", err)
	}
	clock.Advance(5*time.Minute + time.Second) // the first 6 leave the window
	fail(6)                                    // verified again: 4 + 6 = 10
	if _, err := s.Authenticate(ctx, "user", "quiet harbor lantern", "198.51.100.1"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("at the limit again: %v, want ErrThrottled", err)
	}
}

func TestThrottleUnknownLoginLikeKnown(t *testing.T) {
	s, _, _ := newTestService(t, nil)
	ctx := t.Context()
	for i := range 10 {
		_, err := s.Authenticate(ctx, "Nobody@Example.com", "guess", fmt.Sprintf("198.51.100.%d", i))
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := s.Authenticate(ctx, "nobody@example.COM", "guess", "203.0.113.1"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("unknown login past the limit: %v, want ErrThrottled", err)
	}
}

func TestThrottlePerIP(t *testing.T) {
	s, _, _ := newTestService(t, func(o *Options) { o.Throttle = ThrottleOptions{PerIP: 5, PerAccount: 100} })
	mustCreate(t, s, "someone", "maple comet whisper", storage.UserActive)
	ctx := t.Context()
	for i := range 5 {
		ip := fmt.Sprintf("2001:db8:1:2::%x", i+1) // one /64
		if _, err := s.Authenticate(ctx, fmt.Sprintf("user%d", i), "guess", ip); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	var te *ThrottledError
	_, err := s.Authenticate(ctx, "someone", "maple comet whisper", "2001:db8:1:2:ffff::1")
	if !errors.As(err, &te) || te.Scope != "ip" {
		t.Fatalf("same /64 past the limit: %v, want ip throttle", err)
	}
	if _, err := s.Authenticate(ctx, "someone", "maple comet whisper", "2001:db8:1:3::1"); err != nil {
		t.Fatalf("another /64: %v", err)
	}
}

func TestThrottleFailsClosed(t *testing.T) {
	boom := errors.New("throttle table unavailable")
	for _, tc := range []struct {
		name     string
		password string
		hitOnly  bool
	}{
		{"correct password", "quiet harbor lantern", false},
		{"wrong password", "guess", false},
		{"correct password, only Hit fails", "quiet harbor lantern", true},
		{"wrong password, only Hit fails", "guess", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, f, _ := newTestService(t, nil)
			mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
			if tc.hitOnly {
				f.hitErr = boom
			} else {
				f.throttleErr = boom
			}
			u, err := s.Authenticate(t.Context(), "user", tc.password, "198.51.100.1")
			if !errors.Is(err, boom) || u.ID != "" {
				t.Fatalf("Authenticate with a broken throttle store = %+v, %v; want the store error", u, err)
			}
		})
	}
}

func TestAuthenticateStoreErrors(t *testing.T) {
	boom := errors.New("down")
	for _, tc := range []struct {
		name    string
		breakIt func(*fakeStores)
	}{
		{"users", func(f *fakeStores) { f.usersErr = boom }},
		{"audit", func(f *fakeStores) { f.auditErr = boom }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, f, _ := newTestService(t, nil)
			mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
			tc.breakIt(f)
			if _, err := s.Authenticate(t.Context(), "user", "quiet harbor lantern", "198.51.100.1"); !errors.Is(err, boom) {
				t.Fatalf("Authenticate = %v, want the store error", err)
			}
		})
	}
}

func TestSuccessResetsAccountCounter(t *testing.T) {
	s, _, _ := newTestService(t, nil)
	mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	ctx := t.Context()
	for round := range 3 {
		for range 9 {
			if _, err := s.Authenticate(ctx, "user", "guess", "198.51.100.1"); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("round %d guess: %v", round, err)
			}
		}
		if _, err := s.Authenticate(ctx, "user", "quiet harbor lantern", "198.51.100.1"); err != nil {
			t.Fatalf("round %d sign-in: %v", round, err)
		}
	}
}

func TestAuthenticateAudit(t *testing.T) {
	s, f, _ := newTestService(t, nil)
	u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	b := mustCreate(t, s, "blocked", "quiet harbor lantern", storage.UserBlocked)
	ctx := t.Context()
	_, _ = s.Authenticate(ctx, "user", "quiet harbor lantern", "192.0.2.10")
	_, _ = s.Authenticate(ctx, "user", "nope nope", "192.0.2.11")
	_, _ = s.Authenticate(ctx, "ghost", "nope nope", "192.0.2.12")
	_, _ = s.Authenticate(ctx, "blocked", "quiet harbor lantern", "192.0.2.13")
	ok := f.eventsOf(EventSignInSuccess)
	if len(ok) != 1 || ok[0].UserID != u.ID || ok[0].IP != "192.0.2.10" {
		t.Fatalf("success events = %+v", ok)
	}
	bad := f.eventsOf(EventSignInFailure)
	want := []struct{ user, ip, reason string }{
		{u.ID, "192.0.2.11", "invalid_credentials"},
		{"", "192.0.2.12", "invalid_credentials"},
		{b.ID, "192.0.2.13", "state"},
	}
	if len(bad) != len(want) {
		t.Fatalf("failure events = %+v", bad)
	}
	for i, w := range want {
		if bad[i].UserID != w.user || bad[i].IP != w.ip || bad[i].Details["reason"] != w.reason {
			t.Errorf("failure event %d = %+v, want %+v", i, bad[i], w)
		}
	}
}

func TestSignInUpgradesOutdatedHash(t *testing.T) {
	s, f, _ := newTestService(t, nil)
	u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	old, _ := NewHasher(HashParams{Memory: 32, Time: 2, Threads: 1}, 1)
	u.PasswordHash, _ = old.Hash(t.Context(), "quiet harbor lantern")
	if err := f.Users().Update(t.Context(), &u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(t.Context(), "user", "quiet harbor lantern", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Users().ByID(t.Context(), u.ID)
	if got.PasswordHash == u.PasswordHash || s.Hasher().NeedsRehash(got.PasswordHash) {
		t.Fatalf("hash not upgraded: %q", got.PasswordHash)
	}
	if _, err := s.Authenticate(t.Context(), "user", "quiet harbor lantern", "192.0.2.1"); err != nil {
		t.Fatalf("sign-in after upgrade: %v", err)
	}
}

func TestCorruptHashIsInvalidCredentials(t *testing.T) {
	s, f, _ := newTestService(t, nil)
	u := mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	u.PasswordHash = "$2a$10$not-argon"
	_ = f.Users().Update(t.Context(), &u)
	if _, err := s.Authenticate(t.Context(), "user", "quiet harbor lantern", "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("Authenticate = %v, want ErrInvalidCredentials", err)
	}
}

func TestIPKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.1", "signin:ip:192.0.2.1"},
		{"::ffff:192.0.2.1", "signin:ip:192.0.2.1"},
		{"2001:db8:a:b:c:d:e:f", "signin:ip:2001:db8:a:b::/64"},
		{"fe80::1%eth0", "signin:ip:fe80::/64"},
		{"", "signin:ip:"},
		{"not an ip", "signin:ip:not an ip"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := ipKey(tc.in); got != tc.want {
				t.Fatalf("ipKey(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestThrottleHoldsUnderParallelAttempts(t *testing.T) {
	s, _, _ := newTestService(t, nil)
	mustCreate(t, s, "user", "quiet harbor lantern", storage.UserActive)
	var verified atomic.Int32
	orig := s.hasher.derive
	s.hasher.derive = func(m *argon2id.Memory, pw, salt []byte, p HashParams) []byte {
		verified.Add(1)
		time.Sleep(2 * time.Millisecond)
		return orig(m, pw, salt, p)
	}
	var wg sync.WaitGroup
	var throttled, invalid atomic.Int32
	for i := range 30 {
		wg.Go(func() {
			_, err := s.Authenticate(t.Context(), "user", "guess", fmt.Sprintf("198.51.100.%d", i))
			switch {
			case errors.Is(err, ErrThrottled):
				throttled.Add(1)
			case errors.Is(err, ErrInvalidCredentials):
				invalid.Add(1)
			default:
				t.Errorf("Authenticate = %v", err)
			}
		})
	}
	wg.Wait()
	if v := verified.Load(); v > 10 || invalid.Load() != v || throttled.Load() != 30-v {
		t.Fatalf("30 parallel guesses: %d verified, %d invalid, %d throttled; want at most 10 verified",
			v, invalid.Load(), throttled.Load())
	}
}
