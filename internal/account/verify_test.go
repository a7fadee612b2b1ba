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
	conf, err := e.r.ConfirmEmail(ctx, token, "192.0.2.9")
	if err != nil || conf.State != storage.UserActive || conf.Email != "ada@example.com" {
		t.Fatalf("ConfirmEmail = %+v, %v", conf, err)
	}
	if u := e.user(t, "ada"); u.State != storage.UserActive || !u.EmailVerified {
		t.Fatalf("confirmed user = %+v", u)
	}
	if _, err := e.svc.Authenticate(ctx, "ada", "analytical engine", ""); err != nil {
		t.Fatalf("sign-in after confirming: %v", err)
	}
	if _, err := e.r.ConfirmEmail(ctx, token, ""); !errors.Is(err, ErrLinkUsed) || !errors.Is(err, ErrLinkInvalid) {
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
		if _, err := e.r.ConfirmEmail(ctx, bad, ""); !errors.Is(err, ErrLinkUnknown) {
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
	if _, err := e.r.ConfirmEmail(ctx, token, ""); !errors.Is(err, ErrLinkExpired) {
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
	mustCreate(t, e.svc, "active", "active password", storage.UserActive)
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
	if _, err := e.r.ConfirmEmail(ctx, first, ""); !errors.Is(err, ErrLinkUnknown) {
		t.Fatalf("older link = %v, want ErrLinkUnknown", err)
	}
	if _, err := e.r.ConfirmEmail(ctx, tokenOf(t, m), ""); err != nil {
		t.Fatalf("newer link: %v", err)
	}
	err := e.r.ResendVerification(ctx, "not an address", RegisterContext{})
	if !errors.Is(fieldReason(err, FieldEmail), ErrSyntax) {
		t.Fatalf("malformed address = %v", err)
	}
}

// Of many parallel confirmations of one link exactly one succeeds.
func TestConfirmEmailOnce(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	e.register(t, inputA("ada", "ada@example.com", "analytical engine"))
	token := tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "ada@example.com"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, used := 0, 0
	for range 10 {
		wg.Go(func() {
			_, err := e.r.ConfirmEmail(t.Context(), token, "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrLinkUsed):
				used++
			default:
				t.Errorf("ConfirmEmail: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || used != 9 {
		t.Fatalf("%d confirmations succeeded and %d were refused as used; want 1 and 9", wins, used)
	}
	if n := len(e.events(t, EventRegistrationConfirmed)); n != 1 {
		t.Fatalf("%d confirmation events", n)
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
	if _, err := e.r.ConfirmEmail(ctx, token, ""); !errors.Is(err, ErrLinkUnknown) {
		t.Fatalf("an activate link confirmed as verify_email: %v", err)
	}
	for _, tc := range []struct {
		name, password, confirm, field string
		reason                         error
	}{
		{"empty", "", "", FieldPassword, ErrRequired},
		{"short", "1234567", "1234567", FieldPassword, ErrTooShort},
		{"mismatch", "long enough 1", "long enough 2", FieldPasswordConfirm, ErrMismatch},
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
