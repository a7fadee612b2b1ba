package account

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

const resetOldPassword = "correct horse battery"

// newResetEnv is a shape A registrar with style, and one active user
// ada / ada@example.test with resetOldPassword.
func newResetEnv(t *testing.T, style ResetStyle) (*regEnv, storage.User) {
	t.Helper()
	return newResetEnvOn(t, style, "sqlite:"+filepath.Join(t.TempDir(), "reg.db"))
}

// newResetEnvOn is newResetEnv over the database at dbURL.
func newResetEnvOn(t *testing.T, style ResetStyle, dbURL string) (*regEnv, storage.User) {
	t.Helper()
	rs := shapeA(t)
	rs.Reset = ResetSettings{Style: style}
	e := newRegEnvOn(t, rs, dbURL)
	u, err := e.svc.CreateUser(t.Context(), NewUser{Email: "ada@example.test", Username: "ada", Password: resetOldPassword})
	if err != nil {
		t.Fatal(err)
	}
	return e, u
}

// signIn checks whether password signs ada in.
func (e *regEnv) signsIn(t *testing.T, password string) bool {
	t.Helper()
	_, err := e.svc.Authenticate(t.Context(), "ada", password, "192.0.2.9")
	if err != nil && !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("Authenticate: %v", err)
	}
	return err == nil
}

func (e *regEnv) passwordOf(t *testing.T, m storage.OutboxMessage) string {
	t.Helper()
	_, pw, ok := strings.Cut(m.HTMLBody, ";password=")
	if !ok || pw == "" {
		t.Fatalf("letter %s carries no password: %q", m.Kind, m.HTMLBody)
	}
	return pw
}

func TestResetLinkStyle(t *testing.T) {
	e, u := newResetEnv(t, ResetLink)
	ctx := t.Context()
	bs := startTestSession(t, e, u.ID)
	if err := e.r.RequestReset(ctx, ResetRequest{Email: "ADA@example.test"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	m := e.lastLetter(t, LetterResetLink, "ada@example.test")
	if !strings.HasPrefix(m.TextBody, testIssuer+PathResetPassword+"?") {
		t.Fatalf("link %q", m.TextBody)
	}
	token := tokenOf(t, m)
	if !e.signsIn(t, resetOldPassword) {
		t.Fatal("the old password stopped working before the reset completed (SECURITY 18)")
	}
	info, err := e.r.PeekReset(ctx, storage.PurposeResetPassword, token)
	if err != nil || info.State != LinkValid || info.Email != "ada@example.test" {
		t.Fatalf("PeekReset = %+v, %v", info, err)
	}
	_, err = e.r.CompleteResetWithPassword(ctx, token, "short", "short", "192.0.2.1")
	if fieldReason(err, FieldPassword) != ErrTooShort {
		t.Fatalf("short password: %v", err)
	}
	_, err = e.r.CompleteResetWithPassword(ctx, token, "a brand new secret", "a brand new secrex", "192.0.2.1")
	if fieldReason(err, FieldPasswordConfirm) == nil {
		t.Fatalf("mismatch: %v", err)
	}
	res, err := e.r.CompleteResetWithPassword(ctx, token, "a brand new secret", "a brand new secret", "192.0.2.1")
	if err != nil || res.UserID != u.ID || res.Password != "" {
		t.Fatalf("complete = %+v, %v", res, err)
	}
	e.lastLetter(t, LetterResetComplete, "ada@example.test")
	if e.signsIn(t, resetOldPassword) || !e.signsIn(t, "a brand new secret") {
		t.Fatal("after the reset the old password must fail and the new one work")
	}
	if _, _, err := e.svc.SessionFromCookie(ctx, bs); !errors.Is(err, ErrNoSession) {
		t.Fatalf("old session after reset: %v", err)
	}
	_, err = e.r.CompleteResetWithPassword(ctx, token, "another new secret", "another new secret", "192.0.2.1")
	if !errors.Is(err, ErrLinkUsed) {
		t.Fatalf("second use: %v, want ErrLinkUsed", err)
	}
	if got := e.events(t, EventResetCompleted); len(got) != 1 || got[0].UserID != u.ID {
		t.Fatalf("audit %+v", got)
	}
}

func TestResetGeneratedStyle(t *testing.T) {
	e, u := newResetEnv(t, ResetGenerated)
	ctx := t.Context()
	err := e.r.RequestReset(ctx, ResetRequest{Email: "ada@example.test"}, "192.0.2.1")
	if fieldReason(err, FieldLogin) != ErrRequired {
		t.Fatalf("generated asks for the login too: %v", err)
	}
	n := len(e.letters(t))
	if err := e.r.RequestReset(ctx, ResetRequest{Login: "grace", Email: "ada@example.test"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if len(e.letters(t)) != n {
		t.Fatal("a login that does not match the address got a letter")
	}
	if err := e.r.RequestReset(ctx, ResetRequest{Login: "Ada", Email: "ada@example.test"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	token := tokenOf(t, e.lastLetter(t, LetterResetConfirm, "ada@example.test"))
	if _, err := e.r.CompleteResetWithPassword(ctx, token, "a brand new secret", "a brand new secret", ""); !errors.Is(err, ErrLinkInvalid) {
		t.Fatalf("a generated-style link used as a link-style one: %v", err)
	}
	res, err := e.r.CompleteResetWithGenerated(ctx, token, "192.0.2.1")
	if err != nil || res.UserID != u.ID || len(res.Password) < generatedPasswordLen {
		t.Fatalf("generated = %+v, %v", res, err)
	}
	e.lastLetter(t, LetterResetComplete, "ada@example.test")
	if !e.signsIn(t, res.Password) || e.signsIn(t, resetOldPassword) {
		t.Fatal("the generated password must replace the old one")
	}
	if _, err := e.r.CompleteResetWithGenerated(ctx, token, ""); !errors.Is(err, ErrLinkUsed) {
		t.Fatalf("second use: %v", err)
	}
}

func TestResetTemporaryStyle(t *testing.T) {
	e, u := newResetEnv(t, ResetTemporary)
	ctx := t.Context()
	if err := e.r.RequestReset(ctx, ResetRequest{Email: "ada@example.test"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	temp := e.passwordOf(t, e.lastLetter(t, LetterResetTemporary, "ada@example.test"))
	if e.signsIn(t, temp) {
		t.Fatal("a temporary password is not a password")
	}
	if !e.signsIn(t, resetOldPassword) {
		t.Fatal("the old password must work until the temporary one is used")
	}
	if _, err := e.r.UseTemporaryPassword(ctx, "ada", "not it at all", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong temporary: %v", err)
	}
	got, err := e.r.UseTemporaryPassword(ctx, "ada@example.test", temp, "192.0.2.1")
	if err != nil || got.ID != u.ID || !got.PasswordChangeRequired {
		t.Fatalf("UseTemporaryPassword = %+v, %v", got, err)
	}
	if e.signsIn(t, resetOldPassword) {
		t.Fatal("the old password still works after the temporary one was used")
	}
	if _, err := e.r.UseTemporaryPassword(ctx, "ada", temp, ""); !errors.Is(err, ErrTemporaryPasswordUsed) {
		t.Fatalf("second use: %v", err)
	}
	err = e.r.ChangePassword(ctx, u.ID, "", PasswordChange{New: "my own new secret", Confirm: "my own new secret"}, "")
	if !errors.Is(err, ErrSessionRequired) {
		t.Fatalf("a forced change without the session the temporary password opened: %v", err)
	}
	_, fresh, err := e.svc.StartSession(ctx, u.ID, SessionOptions{AMR: []string{"pwd"}, IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	// The forced change asks only for the new password, bound to the
	// fresh session: the temporary password is not typed again.
	err = e.r.ChangePassword(ctx, u.ID, fresh.ID, PasswordChange{New: "my own new secret", Confirm: "my own new secret"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if after := e.user(t, "ada@example.test"); after.PasswordChangeRequired {
		t.Fatal("the change did not clear the requirement")
	}
	if !e.signsIn(t, "my own new secret") {
		t.Fatal("the new password does not work")
	}
}

func TestResetTemporaryExpires(t *testing.T) {
	e, _ := newResetEnv(t, ResetTemporary)
	if err := e.r.RequestReset(t.Context(), ResetRequest{Email: "ada@example.test"}, ""); err != nil {
		t.Fatal(err)
	}
	temp := e.passwordOf(t, e.lastLetter(t, LetterResetTemporary, "ada@example.test"))
	e.clock.Advance(DefaultResetLifetime + time.Second)
	if _, err := e.r.UseTemporaryPassword(t.Context(), "ada", temp, ""); !errors.Is(err, ErrTemporaryPasswordExpired) {
		t.Fatalf("expired: %v", err)
	}
}

func TestResetUnknownAndMismatchSendNothing(t *testing.T) {
	e, u := newResetEnv(t, ResetLink)
	ctx := t.Context()
	pending := e.pendingUser(t, "pending@example.test")
	for _, addr := range []string{"nobody@example.test", pending.Email} {
		if err := e.r.RequestReset(ctx, ResetRequest{Email: addr}, ""); err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
	}
	if n := len(e.letters(t)); n != 0 {
		t.Fatalf("%d letters for unknown or pending accounts", n)
	}
	if got := e.events(t, EventResetUnmatched); len(got) != 2 || got[0].UserID != "" {
		t.Fatalf("unmatched audit %+v", got)
	}
	if err := e.r.RequestReset(ctx, ResetRequest{Email: "not an address"}, ""); fieldReason(err, FieldEmail) != ErrSyntax {
		t.Fatalf("malformed address: %v", err)
	}
	_ = u
}

func TestResetNewerRequestVoidsOlder(t *testing.T) {
	e, _ := newResetEnv(t, ResetLink)
	ctx := t.Context()
	for range 2 {
		if err := e.r.RequestReset(ctx, ResetRequest{Email: "ada@example.test"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	all := e.letters(t)
	older, newer := tokenOf(t, all[len(all)-2]), tokenOf(t, all[len(all)-1])
	if info, _ := e.r.PeekReset(ctx, storage.PurposeResetPassword, older); info.State != LinkUnknown {
		t.Fatalf("older link state %s", info.State)
	}
	e.clock.Advance(DefaultResetLifetime + time.Second)
	if info, _ := e.r.PeekReset(ctx, storage.PurposeResetPassword, newer); info.State != LinkExpired {
		t.Fatalf("expired link state %s", info.State)
	}
}

func TestPasswordChangeVoidsPendingReset(t *testing.T) {
	e, u := newResetEnv(t, ResetLink)
	ctx := t.Context()
	if err := e.r.RequestReset(ctx, ResetRequest{Email: "ada@example.test"}, ""); err != nil {
		t.Fatal(err)
	}
	token := tokenOf(t, e.lastLetter(t, LetterResetLink, "ada@example.test"))
	keep := startTestSession(t, e, u.ID)
	other := startTestSession(t, e, u.ID)
	kept, _, err := e.svc.SessionFromCookie(ctx, keep)
	if err != nil {
		t.Fatal(err)
	}
	err = e.r.ChangePassword(ctx, u.ID, kept.ID, PasswordChange{Current: "wrong password", New: "my own new secret", Confirm: "my own new secret"}, "")
	if fieldReason(err, FieldCurrentPassword) != ErrIncorrect {
		t.Fatalf("wrong current: %v", err)
	}
	err = e.r.ChangePassword(ctx, u.ID, kept.ID, PasswordChange{New: "my own new secret", Confirm: "my own new secret"}, "")
	if fieldReason(err, FieldCurrentPassword) != ErrRequired {
		t.Fatalf("missing current: %v", err)
	}
	err = e.r.ChangePassword(ctx, u.ID, kept.ID, PasswordChange{Current: resetOldPassword, New: "ada", Confirm: "ada"}, "")
	if fieldReason(err, FieldPassword) == nil {
		t.Fatalf("weak new password: %v", err)
	}
	if !e.signsIn(t, resetOldPassword) {
		t.Fatal("a refused change changed the password")
	}
	if err := e.r.ChangePassword(ctx, u.ID, kept.ID, PasswordChange{Current: resetOldPassword, New: "my own new secret", Confirm: "my own new secret"}, ""); err != nil {
		t.Fatal(err)
	}
	e.lastLetter(t, LetterPasswordChanged, "ada@example.test")
	if info, _ := e.r.PeekReset(ctx, storage.PurposeResetPassword, token); info.State == LinkValid {
		t.Fatal("the pending reset link survived a password change")
	}
	if _, _, err := e.svc.SessionFromCookie(ctx, keep); err != nil {
		t.Fatalf("the current session ended: %v", err)
	}
	if _, _, err := e.svc.SessionFromCookie(ctx, other); !errors.Is(err, ErrNoSession) {
		t.Fatalf("another session survived: %v", err)
	}
}

// TestResetTokenParallelUseHasOneWinner: 50 parallel uses of one reset
// link, on SQLite and on Postgres: exactly one wins.
func TestResetTokenParallelUseHasOneWinner(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		resetTokenParallelUse(t, "sqlite:"+filepath.Join(t.TempDir(), "reg.db"))
	})
	t.Run("postgres", func(t *testing.T) { resetTokenParallelUse(t, testharness.PostgresURL(t)) })
}

func resetTokenParallelUse(t *testing.T, dbURL string) {
	e, _ := newResetEnvOn(t, ResetGenerated, dbURL)
	ctx := context.Background()
	if err := e.r.RequestReset(ctx, ResetRequest{Login: "ada", Email: "ada@example.test"}, ""); err != nil {
		t.Fatal(err)
	}
	token := tokenOf(t, e.lastLetter(t, LetterResetConfirm, "ada@example.test"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, used := 0, 0
	for range 50 {
		wg.Go(func() {
			_, err := e.r.CompleteResetWithGenerated(ctx, token, "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrLinkInvalid):
				used++
			default:
				t.Errorf("parallel use: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || used != 49 {
		t.Fatalf("%d wins, %d refused; want exactly one winner", wins, used)
	}
}

func TestSendPasswordResetNeedsActiveUser(t *testing.T) {
	e, u := newResetEnv(t, ResetLink)
	ctx := t.Context()
	if err := e.r.SendPasswordReset(ctx, u.ID, "admin-1"); err != nil {
		t.Fatal(err)
	}
	e.lastLetter(t, LetterResetLink, "ada@example.test")
	if got := e.events(t, EventResetByAdmin); len(got) != 1 || got[0].ActorID != "admin-1" {
		t.Fatalf("audit %+v", got)
	}
	pending := e.pendingUser(t, "p@example.test")
	if err := e.r.SendPasswordReset(ctx, pending.ID, "admin-1"); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("pending user: %v", err)
	}
	if err := e.r.SendPasswordReset(ctx, "missing", "admin-1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestGeneratedPasswordMeetsPolicy(t *testing.T) {
	p := PasswordPolicy{MinLength: 30, Require: PasswordClasses()}
	for range 20 {
		pw, err := generatePassword(p, "Gatehouse", storage.User{Username: "ada", Email: "ada@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Check(pw, PolicyContext{Login: "ada"}); err != nil || len(pw) < 30 {
			t.Fatalf("%q: %v", pw, err)
		}
	}
}

func TestResetSettingsValidate(t *testing.T) {
	for _, s := range []ResetSettings{{Style: "magic"}, {Style: ResetLink, Identify: "phone"}} {
		if s.Validate() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	if (ResetSettings{Style: ResetGenerated}).EffectiveIdentify() != IdentifyLoginAndEmail ||
		(ResetSettings{Style: ResetTemporary}).EffectiveIdentify() != IdentifyEmail {
		t.Error("wrong default identification")
	}
}

// pendingUser creates a user still waiting for email confirmation.
func (e *regEnv) pendingUser(t *testing.T, email string) storage.User {
	t.Helper()
	u, err := e.svc.CreateUser(t.Context(), NewUser{Email: email, Password: resetOldPassword})
	if err != nil {
		t.Fatal(err)
	}
	u.State = storage.UserPendingVerification
	if err := e.store.Users().Update(t.Context(), &u); err != nil {
		t.Fatal(err)
	}
	return u
}

// startTestSession signs userID in and returns the cookie secret.
func startTestSession(t *testing.T, e *regEnv, userID string) string {
	t.Helper()
	secret, _, err := e.svc.StartSession(t.Context(), userID, SessionOptions{AMR: []string{"pwd"}})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
