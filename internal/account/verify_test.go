package account

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Peeking (the GET) never uses a link; confirming (the POST) does, once.
func TestConfirmEmail(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	e.register(t, inputA("ada", "ada@example.com", "analytical engine"))
	token := tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "ada@example.com"))
	for range 2 {
		info, err := e.r.PeekLink(ctx, storage.PurposeVerifyEmail, token)
		if err != nil || info.State != LinkValid || info.Email != "ada@example.com" {
			t.Fatalf("PeekLink = %+v, %v", info, err)
		}
	}
	if info, _ := e.r.PeekLink(ctx, storage.PurposeActivate, token); info.State != LinkUnknown {
		t.Fatalf("the link works for another purpose: %+v", info)
	}
	if u := e.user(t, "ada"); u.State != storage.UserPendingVerification || u.EmailVerified {
		t.Fatalf("peeking confirmed the user: %+v", u)
	}
	conf, err := e.r.ConfirmEmail(ctx, token, "analytical engine", "192.0.2.9")
	if err != nil || conf.State != storage.UserActive || conf.Email != "ada@example.com" {
		t.Fatalf("ConfirmEmail = %+v, %v", conf, err)
	}
	if u := e.user(t, "ada"); u.State != storage.UserActive || !u.EmailVerified {
		t.Fatalf("confirmed user = %+v", u)
	}
	if _, err := e.svc.Authenticate(ctx, "ada", "analytical engine", ""); err != nil {
		t.Fatalf("sign-in after confirming: %v", err)
	}
	if _, err := e.r.ConfirmEmail(ctx, token, "analytical engine", ""); !errors.Is(err, ErrLinkUsed) || !errors.Is(err, ErrLinkInvalid) {
		t.Fatalf("second use = %v, want ErrLinkUsed", err)
	}
	if info, _ := e.r.PeekLink(ctx, storage.PurposeVerifyEmail, token); info.State != LinkUsed {
		t.Fatalf("PeekLink after use = %+v", info)
	}
	if ev := e.events(t, EventRegistrationConfirmed); len(ev) != 1 || ev[0].IP != "192.0.2.9" {
		t.Fatalf("audit = %+v", ev)
	}
}

// Links expire; malformed and unknown ones are refused without a store.
func TestConfirmEmailBadLinks(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	e.register(t, inputA("ada", "ada@example.com", "analytical engine"))
	token := tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "ada@example.com"))
	for _, bad := range []string{"", "short", strings.Repeat("!", 43), strings.Repeat("A", 43)} {
		if _, err := e.r.ConfirmEmail(ctx, bad, "analytical engine", ""); !errors.Is(err, ErrLinkUnknown) {
			t.Errorf("ConfirmEmail(%q) = %v, want ErrLinkUnknown", bad, err)
		}
		if info, err := e.r.PeekLink(ctx, storage.PurposeVerifyEmail, bad); err != nil || info.State != LinkUnknown {
			t.Errorf("PeekLink(%q) = %+v, %v", bad, info, err)
		}
	}
	e.clock.Advance(24*time.Hour + time.Second)
	if info, _ := e.r.PeekLink(ctx, storage.PurposeVerifyEmail, token); info.State != LinkExpired {
		t.Fatalf("PeekLink after 24h = %+v", info)
	}
	if _, err := e.r.ConfirmEmail(ctx, token, "analytical engine", ""); !errors.Is(err, ErrLinkExpired) {
		t.Fatalf("ConfirmEmail after 24h = %v, want ErrLinkExpired", err)
	}
	if u := e.user(t, "ada"); u.State != storage.UserPendingVerification {
		t.Fatalf("an expired link confirmed: %s", u.State)
	}
}

// A new link voids the older one; resending answers the same for every
// address and writes only for unconfirmed ones.
func TestResendVerification(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	mustCreate(t, e.svc, "active", "amber meadow sketch", storage.UserActive)
	e.register(t, inputA("ada", "ada@example.com", "analytical engine"))
	first := tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "ada@example.com"))
	before := len(e.letters(t))
	for _, addr := range []string{"nobody@example.com", "active@example.com"} {
		if err := e.r.ResendVerification(ctx, addr, RegisterContext{}); err != nil {
			t.Fatalf("ResendVerification(%s) = %v", addr, err)
		}
	}
	if len(e.letters(t)) != before {
		t.Fatal("a letter went to an address without an unconfirmed account")
	}
	if err := e.r.ResendVerification(ctx, " ADA@example.com ", RegisterContext{AuthRequestID: "AR9"}); err != nil {
		t.Fatal(err)
	}
	m := e.lastLetter(t, LetterVerifyEmail, "ada@example.com")
	if !strings.Contains(m.TextBody, "authRequestID=AR9") {
		t.Errorf("resent link lacks the authorization request: %s", m.TextBody)
	}
	if _, err := e.r.ConfirmEmail(ctx, first, "analytical engine", ""); !errors.Is(err, ErrLinkUnknown) {
		t.Fatalf("older link = %v, want ErrLinkUnknown", err)
	}
	if _, err := e.r.ConfirmEmail(ctx, tokenOf(t, m), "analytical engine", ""); err != nil {
		t.Fatalf("newer link: %v", err)
	}
	err := e.r.ResendVerification(ctx, "not an address", RegisterContext{})
	if !errors.Is(fieldReason(err, FieldEmail), ErrSyntax) {
		t.Fatalf("malformed address = %v", err)
	}
}

// Of many parallel confirmations of one link with the right password
// exactly one succeeds; the others find the link used (or, past the
// account's attempt limit, are throttled).
func TestConfirmEmailOnce(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	e.register(t, inputA("ada", "ada@example.com", "analytical engine"))
	token := tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "ada@example.com"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, refused := 0, 0
	for range 50 {
		wg.Go(func() {
			_, err := e.r.ConfirmEmail(t.Context(), token, "analytical engine", "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrLinkUsed), errors.Is(err, ErrThrottled):
				refused++
			default:
				t.Errorf("ConfirmEmail: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || refused != 49 {
		t.Fatalf("%d confirmations succeeded and %d were refused; want 1 and 49", wins, refused)
	}
	if n := len(e.events(t, EventRegistrationConfirmed)); n != 1 {
		t.Fatalf("%d confirmation events", n)
	}
}

// Pre-hijack (SECURITY 12): a shape-A link confirms only with the
// password chosen at registration. A wrong one is refused without using
// the link, counts toward the account's sign-in throttle, and past the
// limit even the right password waits.
func TestConfirmEmailNeedsPassword(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	e.register(t, inputA("ada", "ada@example.com", "analytical engine"))
	token := tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "ada@example.com"))
	if info, err := e.r.PeekLink(ctx, storage.PurposeVerifyEmail, token); err != nil || !info.PasswordRequired {
		t.Fatalf("PeekLink = %+v, %v; want PasswordRequired", info, err)
	}
	for _, wrong := range []string{"", "Analytical Engine", "difference engine"} {
		if _, err := e.r.ConfirmEmail(ctx, token, wrong, "192.0.2.9"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("ConfirmEmail with %q = %v, want ErrInvalidCredentials", wrong, err)
		}
	}
	if u := e.user(t, "ada"); u.State != storage.UserPendingVerification || u.EmailVerified {
		t.Fatalf("a wrong password confirmed: %+v", u)
	}
	if info, _ := e.r.PeekLink(ctx, storage.PurposeVerifyEmail, token); info.State != LinkValid {
		t.Fatalf("a wrong password used the link: %+v", info)
	}
	if ev := e.events(t, EventSignInFailure); len(ev) != 3 {
		t.Fatalf("%d sign-in failures audited, want 3", len(ev))
	}
	conf, err := e.r.ConfirmEmail(ctx, token, "analytical engine", "192.0.2.9")
	if err != nil || conf.State != storage.UserActive {
		t.Fatalf("ConfirmEmail with the right password = %+v, %v", conf, err)
	}
	if u := e.user(t, "ada"); u.State != storage.UserActive || !u.EmailVerified {
		t.Fatalf("confirmed user = %+v", u)
	}
	if info, _ := e.r.PeekLink(ctx, storage.PurposeVerifyEmail, token); info.PasswordRequired {
		t.Fatalf("a used link asks for a password: %+v", info)
	}

	// Guessing is throttled per account, then even the right password waits.
	e.register(t, inputA("bob", "bob@example.com", "lunar garden sonnet"))
	bobToken := tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "bob@example.com"))
	limit := DefaultThrottleOptions().PerAccount
	for i := range limit {
		if _, err := e.r.ConfirmEmail(ctx, bobToken, "guess", "198.51.100.1"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("guess %d = %v, want ErrInvalidCredentials", i, err)
		}
	}
	if _, err := e.r.ConfirmEmail(ctx, bobToken, "lunar garden sonnet", "198.51.100.2"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("past the limit = %v, want ErrThrottled", err)
	}
	if _, err := e.svc.Authenticate(ctx, "bob@example.com", "lunar garden sonnet", "198.51.100.3"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("sign-in past the limit = %v, want ErrThrottled (one throttle per account)", err)
	}
	e.clock.Advance(DefaultThrottleOptions().Window + time.Second)
	if _, err := e.r.ConfirmEmail(ctx, bobToken, "lunar garden sonnet", "198.51.100.2"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// Shape B: the activate link sets the first password; bad passwords keep
// the link usable.
func TestSetInitialPassword(t *testing.T) {
	e := newRegEnv(t, shapeB(t))
	ctx := t.Context()
	e.register(t, RegistrationInput{GivenName: "Grace", FamilyName: "Hopper", Country: "US", Email: "grace@example.com"})
	token := tokenOf(t, e.lastLetter(t, LetterActivate, "grace@example.com"))
	if info, _ := e.r.PeekLink(ctx, storage.PurposeActivate, token); info.State != LinkValid {
		t.Fatalf("PeekLink = %+v", info)
	}
	if _, err := e.r.ConfirmEmail(ctx, token, "", ""); !errors.Is(err, ErrLinkUnknown) {
		t.Fatalf("an activate link confirmed as verify_email: %v", err)
	}
	for _, tc := range []struct {
		name, password, confirm, field string
		reason                         error
	}{
		{"empty", "", "", FieldPassword, ErrRequired},
		{"short", "1234567", "1234567", FieldPassword, ErrTooShort},
		{"mismatch", "long enough 1", "long enough 2", FieldPasswordConfirm, ErrMismatch},
		{"common", "password1", "password1", FieldPassword, ErrTooCommon},
		{"email local part", "I am Grace!", "I am Grace!", FieldPassword, ErrContainsIdentity},
	} {
		_, err := e.r.SetInitialPassword(ctx, token, tc.password, tc.confirm, "")
		if !errors.Is(fieldReason(err, tc.field), tc.reason) {
			t.Errorf("%s: %v, want %s %v", tc.name, err, tc.field, tc.reason)
		}
	}
	conf, err := e.r.SetInitialPassword(ctx, token, "ÿ long enough", "ÿ long enough", "")
	if err != nil || conf.State != storage.UserActive {
		t.Fatalf("SetInitialPassword = %+v, %v", conf, err)
	}
	if _, err := e.svc.Authenticate(ctx, "grace@example.com", "ÿ long enough", ""); err != nil {
		t.Fatalf("sign-in with the new password: %v", err)
	}
	if _, err := e.r.SetInitialPassword(ctx, token, "another one 1", "another one 1", ""); !errors.Is(err, ErrLinkUsed) {
		t.Fatalf("second use = %v, want ErrLinkUsed", err)
	}
	if ev := e.events(t, EventRegistrationActivated); len(ev) != 1 {
		t.Fatalf("audit = %+v", ev)
	}
}
