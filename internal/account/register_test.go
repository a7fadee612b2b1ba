package account

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// Shape A: a pending user with a password and a verify_email letter whose
// link carries the authorization request; nobody signs in until the
// address is confirmed.
func TestRegisterShapeA(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	out, err := e.r.Register(ctx, inputA(" ada ", " Ada@Example.com ", "analytical engine"),
		RegisterContext{IP: "192.0.2.7", Locale: "ru", AuthRequestID: "AR1"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != OutcomeCheckMail || out.UserID != "" || out.Email != "Ada@Example.com" {
		t.Fatalf("outcome = %+v", out)
	}
	u := e.user(t, "ada@example.com")
	if u.State != storage.UserPendingVerification || u.EmailVerified || u.PasswordHash == "" ||
		u.Username != "ada" || u.Locale != "ru" || u.Role != storage.RoleUser {
		t.Fatalf("user = %+v", u)
	}
	m := e.lastLetter(t, LetterVerifyEmail, "Ada@Example.com")
	link, _ := url.Parse(m.TextBody)
	if link.Path != PathVerify || link.Query().Get(LinkAuthRequestParam) != "AR1" || m.Subject != "ru" ||
		!strings.HasPrefix(m.TextBody, testIssuer) {
		t.Fatalf("letter link %q (locale %s)", m.TextBody, m.Subject)
	}
	if tok := tokenOf(t, m); len(tok) != 43 {
		t.Fatalf("token %q is not 32 bytes of base64url", tok)
	}
	if _, err := e.svc.Authenticate(ctx, "ada", "analytical engine", "192.0.2.7"); !errors.Is(err, ErrNotVerified) {
		t.Fatalf("sign-in before confirming = %v, want ErrNotVerified", err)
	}
	if _, _, err := e.svc.StartSession(ctx, u.ID, SessionOptions{}); !errors.Is(err, ErrNotVerified) {
		t.Fatalf("session before confirming = %v, want ErrNotVerified", err)
	}
	ev := e.events(t, EventRegistrationSubmitted)
	if len(ev) != 1 || ev[0].UserID != u.ID || ev[0].IP != "192.0.2.7" || ev[0].Details["shape"] != "A" {
		t.Fatalf("audit = %+v", ev)
	}
	if e.mailer.kicks == 0 {
		t.Error("the mail worker was not kicked after the commit")
	}
}

// Shape B: profile fields only; the activate letter leads to setting a
// password.
func TestRegisterShapeB(t *testing.T) {
	e := newRegEnv(t, shapeB(t))
	in := RegistrationInput{GivenName: "Grace", FamilyName: "Hopper", Country: "us", Email: "grace@example.com",
		Password: "ignored password", Login: "ignored"}
	if out := e.register(t, in); out.Kind != OutcomeCheckMail {
		t.Fatalf("outcome = %+v", out)
	}
	u := e.user(t, "grace@example.com")
	if u.State != storage.UserPendingVerification || u.PasswordHash != "" || u.Username != "" ||
		u.Country != "US" || u.GivenName != "Grace" || u.Company != "" {
		t.Fatalf("user = %+v (fields the form lacks must not be stored)", u)
	}
	m := e.lastLetter(t, LetterActivate, "grace@example.com")
	if link, _ := url.Parse(m.TextBody); link.Path != PathActivate {
		t.Fatalf("activate link %q", m.TextBody)
	}
	if !strings.Contains(m.HTMLBody, "name=Grace") {
		t.Errorf("letter data lacks the name: %q", m.HTMLBody)
	}
}

// Shape C: no confirmation; active at once (the caller signs in) with the
// terms accepted and the chosen language.
func TestRegisterShapeC(t *testing.T) {
	e := newRegEnv(t, shapeC(t))
	in := RegistrationInput{Email: "lin@example.com", Password: "pass phrase 1", PasswordConfirm: "pass phrase 1",
		Country: "DE", AcceptTerms: true, Locale: "ru"}
	out := e.register(t, in)
	u := e.user(t, "lin@example.com")
	if out.Kind != OutcomeActive || out.UserID != u.ID {
		t.Fatalf("outcome = %+v, user %s", out, u.ID)
	}
	if u.State != storage.UserActive || u.EmailVerified || u.TermsAcceptedAt.IsZero() || u.Locale != "ru" {
		t.Fatalf("user = %+v", u)
	}
	if len(e.letters(t)) != 0 {
		t.Fatalf("letters = %+v, want none", e.letters(t))
	}
	if _, _, err := e.svc.StartSession(t.Context(), u.ID, SessionOptions{AMR: []string{"pwd"}}); err != nil {
		t.Fatalf("session: %v", err)
	}
}

// Shape C in audit mode waits for an administrator and says so by mail.
func TestRegisterShapeCAudit(t *testing.T) {
	rs := shapeC(t)
	rs.Mode = ModeAudit
	e := newRegEnv(t, rs)
	in := RegistrationInput{Email: "mo@example.com", Password: "pass phrase 1", PasswordConfirm: "pass phrase 1",
		Country: "FR", AcceptTerms: true, Locale: "en"}
	if out := e.register(t, in); out.Kind != OutcomeAwaitingApproval || out.UserID != "" {
		t.Fatalf("outcome = %+v", out)
	}
	if u := e.user(t, "mo@example.com"); u.State != storage.UserPendingApproval {
		t.Fatalf("state = %s", u.State)
	}
	e.lastLetter(t, LetterAwaitingApproval, "mo@example.com")
}

// A closed instance creates nothing; nor does the form of an invite-only
// one (issue 16).
func TestRegisterClosed(t *testing.T) {
	for _, mode := range []RegistrationMode{ModeClosed, ModeInvite} {
		rs := shapeA(t)
		rs.Mode = mode
		e := newRegEnv(t, rs)
		_, err := e.r.Register(t.Context(), inputA("ada", "ada@example.com", "analytical engine"), RegisterContext{})
		if !errors.Is(err, ErrRegistrationClosed) {
			t.Fatalf("%s: Register = %v, want ErrRegistrationClosed", mode, err)
		}
		if n, _ := e.store.Users().CountByState(t.Context()); len(n) != 0 || len(e.letters(t)) != 0 {
			t.Fatalf("%s: registration created users %v or letters", mode, n)
		}
	}
}

// An address that has an account gets exactly the outcome of a new
// registration, the owner a warning, and the account stays as it was
// (SECURITY 9).
func TestRegisterExistingEmail(t *testing.T) {
	for _, state := range []storage.UserState{storage.UserActive, storage.UserBlocked, storage.UserPendingApproval, storage.UserRejected} {
		t.Run(string(state), func(t *testing.T) {
			e := newRegEnv(t, shapeA(t))
			owner := mustCreate(t, e.svc, "owner", "granite willow echo", state)
			fresh := e.register(t, inputA("newbie", "newbie@example.com", "new password"))
			got := e.register(t, inputA("someone", "OWNER@example.com", "attacker password"))
			if describe(got) != describe(RegistrationOutcome{Kind: fresh.Kind, Email: "owner@example.com"}) || got.UserID != "" {
				t.Fatalf("existing address: %+v; new address: %+v", got, fresh)
			}
			m := e.lastLetter(t, LetterAlreadyRegistered, owner.Email)
			if !strings.HasPrefix(m.TextBody, testIssuer+"/login") {
				t.Errorf("warning letter link %q", m.TextBody)
			}
			after := e.user(t, owner.Email)
			if after.PasswordHash != owner.PasswordHash || after.State != state || after.Username != "owner" {
				t.Fatalf("the owner's account changed: %+v", after)
			}
			if _, err := e.store.Users().ByLogin(t.Context(), "someone"); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("the duplicate created a user: %v", err)
			}
			if ev := e.events(t, EventRegistrationDuplicate); len(ev) != 1 || ev[0].UserID != owner.ID {
				t.Fatalf("audit = %+v", ev)
			}
		})
	}
}

// Registering again over an unconfirmed account replaces its data and
// password, voids its link and ends its sessions: the earlier
// registrant's password never works (SECURITY 12).
func TestRegisterReplacesUnconfirmed(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	e.register(t, inputA("mallory", "victim@example.com", "attacker password"))
	first := e.user(t, "victim@example.com")
	oldToken := tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "victim@example.com"))
	planted := storage.BrowserSession{UserID: first.ID, TokenHash: hashSecret("planted"), ExpiresAt: e.clock.Now().Add(1e12)}
	if err := e.store.Sessions().Create(ctx, &planted); err != nil {
		t.Fatal(err)
	}

	e.register(t, inputA("victim", "Victim@example.com", "cobalt prairie fable"))
	second := e.user(t, "victim@example.com")
	if second.ID != first.ID || second.Username != "victim" || second.Email != "Victim@example.com" {
		t.Fatalf("replaced user = %+v", second)
	}
	if _, err := e.store.Sessions().ByTokenHash(ctx, hashSecret("planted"), e.clock.Now()); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the earlier registrant's session survived: %v", err)
	}
	if _, err := e.r.ConfirmEmail(ctx, oldToken, "attacker password", ""); !errors.Is(err, ErrLinkUnknown) {
		t.Fatalf("old link = %v, want ErrLinkUnknown", err)
	}
	newToken := tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "Victim@example.com"))
	if _, err := e.r.ConfirmEmail(ctx, newToken, "cobalt prairie fable", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, "victim@example.com", "attacker password", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("the earlier password = %v, want ErrInvalidCredentials", err)
	}
	if _, err := e.svc.Authenticate(ctx, "mallory", "attacker password", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("the earlier login = %v, want ErrInvalidCredentials", err)
	}
	if _, err := e.svc.Authenticate(ctx, "victim", "cobalt prairie fable", ""); err != nil {
		t.Fatalf("the confirmed password: %v", err)
	}
	if ev := e.events(t, EventRegistrationResubmitted); len(ev) != 1 {
		t.Fatalf("audit = %+v", ev)
	}
}

// Logins are unique without regard to case; the taken one is named.
func TestRegisterLoginTaken(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	mustCreate(t, e.svc, "ada", "analytical engine", storage.UserActive)
	_, err := e.r.Register(t.Context(), inputA("ADA", "other@example.com", "password 123"), RegisterContext{})
	if !errors.Is(err, ErrInvalid) || !errors.Is(fieldReason(err, FieldLogin), ErrTaken) {
		t.Fatalf("Register = %v, want login ErrTaken", err)
	}
	if len(e.letters(t)) != 0 {
		t.Fatal("a refused registration queued a letter")
	}
}

// Invalid input is refused before anything is stored, with every wrong
// field named.
func TestRegisterInvalidInputStoresNothing(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	_, err := e.r.Register(t.Context(), RegistrationInput{Login: "a", Email: "x\r\nBcc: y@example.com",
		Password: "short", PasswordConfirm: "other"}, RegisterContext{})
	re, ok := errors.AsType[*RegistrationError](err)
	if !ok || len(re.Fields) != 4 {
		t.Fatalf("Register = %v, want 4 field errors", err)
	}
	if n, _ := e.store.Users().CountByState(t.Context()); len(n) != 0 {
		t.Fatalf("users created: %v", n)
	}
}

// The user row and its letter commit together: a letter that cannot be
// queued leaves no user behind.
func TestRegisterRollsBackWithoutLetter(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	e.mailer.setErr(errors.New("render failed"))
	if _, err := e.r.Register(t.Context(), inputA("ada", "ada@example.com", "analytical engine"), RegisterContext{}); err == nil {
		t.Fatal("Register succeeded without its letter")
	}
	if _, err := e.store.Users().ByLogin(t.Context(), "ada@example.com"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("user left behind: %v", err)
	}
	if ev := e.events(t, EventRegistrationSubmitted); len(ev) != 0 {
		t.Fatalf("audit left behind: %+v", ev)
	}
}
