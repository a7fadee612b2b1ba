package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/captcha"
	"github.com/gatehouse/gatehouse/storage"
)

// fakeLink is one link of fakeRegistration.
type fakeLink struct {
	purpose  string
	state    account.LinkState
	email    string
	user     string
	password string // chosen at registration (shape A); empty: none
}

// fakeRegistration applies the real field rules (account.CheckRegistration)
// and records what reached it; links and outcomes are set by the test.
type fakeRegistration struct {
	mu        sync.Mutex
	settings  account.RegistrationSettings
	outcome   account.RegistrationOutcome // what Register returns after the checks
	err       error                       // Register fails with it when set
	approval  bool                        // confirmations lead to pending_approval
	calls     []account.RegistrationInput
	contexts  []account.RegisterContext
	links     map[string]*fakeLink // by token
	used      []string             // tokens used
	resent    []string             // addresses ResendVerification was asked about
	password  string               // the last initial password set
	throttled bool                 // ConfirmEmail with a password is throttled
	wrong     int                  // wrong passwords ConfirmEmail was given
}

func newFakeRegistration(rs account.RegistrationSettings) *fakeRegistration {
	return &fakeRegistration{settings: rs, links: map[string]*fakeLink{},
		outcome: account.RegistrationOutcome{Kind: account.OutcomeCheckMail}}
}

func (f *fakeRegistration) Settings(context.Context) (account.RegistrationSettings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings, nil
}

func (f *fakeRegistration) Register(_ context.Context, in account.RegistrationInput, rc account.RegisterContext) (account.RegistrationOutcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.settings.Mode == account.ModeClosed {
		return account.RegistrationOutcome{}, account.ErrRegistrationClosed
	}
	if err := account.CheckRegistration(f.settings, in, []string{"en", "ru"}); err != nil {
		return account.RegistrationOutcome{}, err
	}
	f.calls, f.contexts = append(f.calls, in), append(f.contexts, rc)
	if f.err != nil {
		return account.RegistrationOutcome{}, f.err
	}
	out := f.outcome
	out.Email = strings.TrimSpace(in.Email)
	return out, nil
}

func (f *fakeRegistration) PeekLink(_ context.Context, purpose, token string) (account.LinkInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.links[token]
	if !ok || l.purpose != purpose {
		return account.LinkInfo{State: account.LinkUnknown}, nil
	}
	info := account.LinkInfo{State: l.state, Email: l.email}
	info.PasswordRequired = l.state == account.LinkValid && l.password != ""
	return info, nil
}

func (f *fakeRegistration) use(purpose, token string) (account.Confirmation, error) {
	l, ok := f.links[token]
	switch {
	case !ok || l.purpose != purpose:
		return account.Confirmation{}, account.ErrLinkUnknown
	case l.state == account.LinkExpired:
		return account.Confirmation{}, account.ErrLinkExpired
	case l.state == account.LinkUsed:
		return account.Confirmation{}, account.ErrLinkUsed
	}
	l.state = account.LinkUsed
	f.used = append(f.used, token)
	conf := account.Confirmation{UserID: l.user, Email: l.email, State: storage.UserActive}
	if f.approval {
		conf.State = storage.UserPendingApproval
	}
	return conf, nil
}

func (f *fakeRegistration) ConfirmEmail(_ context.Context, token, password, _ string) (account.Confirmation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.links[token]
	if !ok || l.purpose != storage.PurposeVerifyEmail || l.state != account.LinkValid || l.password == "" {
		return f.use(storage.PurposeVerifyEmail, token)
	}
	if f.throttled {
		return account.Confirmation{}, &account.ThrottledError{RetryAfter: time.Minute, Scope: "account"}
	}
	if password != l.password {
		f.wrong++
		return account.Confirmation{}, account.ErrInvalidCredentials
	}
	conf, err := f.use(storage.PurposeVerifyEmail, token)
	conf.PasswordVerified = err == nil
	return conf, err
}

func (f *fakeRegistration) SetInitialPassword(_ context.Context, token, password, confirm, _ string) (account.Confirmation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rs := account.RegistrationSettings{Fields: []account.RegistrationField{{Name: "password"}, {Name: "password_confirm"}},
		Password: f.settings.Password, InstanceName: f.settings.InstanceName}
	if err := account.CheckRegistration(rs, account.RegistrationInput{Password: password, PasswordConfirm: confirm}, nil); err != nil {
		return account.Confirmation{}, err
	}
	conf, err := f.use(storage.PurposeActivate, token)
	if err == nil {
		f.password = password
	}
	return conf, err
}

func (f *fakeRegistration) ResendVerification(_ context.Context, email string, _ account.RegisterContext) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := account.CheckEmail(strings.TrimSpace(email)); err != nil {
		return &account.RegistrationError{Fields: []*account.FieldError{err.(*account.FieldError)}}
	}
	f.resent = append(f.resent, email)
	return nil
}

func (f *fakeRegistration) addLink(token, purpose string, state account.LinkState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links[token] = &fakeLink{purpose: purpose, state: state, email: "new@example.com", user: "user-new"}
}

// addLinkWithPassword adds a verify_email link of a user who chose
// password at registration (shape A).
func (f *fakeRegistration) addLinkWithPassword(token, password string) {
	f.addLink(token, storage.PurposeVerifyEmail, account.LinkValid)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links[token].password = password
}

func (f *fakeRegistration) registered() []account.RegistrationInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]account.RegistrationInput(nil), f.calls...)
}

// testCaptchaAnswer is what fakeCaptcha accepts.
const testCaptchaAnswer = "Xk4p"

// fakeCaptcha is a built-in captcha that accepts testCaptchaAnswer once per
// challenge id and renders through the real partial.
type fakeCaptcha struct {
	mu       sync.Mutex
	enabled  bool
	next     int
	live     map[string]bool
	failWith error // Verify fails with it (a service failure) when set
	csp      CaptchaCSP
}

func newFakeCaptcha() *fakeCaptcha { return &fakeCaptcha{enabled: true, live: map[string]bool{}} }

func (f *fakeCaptcha) Enabled(context.Context) bool { return f.enabled }

func (f *fakeCaptcha) View(_ context.Context, page *url.URL, verr error) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := fmt.Sprintf("cap-%d", f.next)
	f.live[id] = true
	ch := captcha.Challenge{Provider: captcha.Builtin, ID: id, ImageDataURI: "data:image/png;base64,iVBORw0KGgo="}
	if errors.Is(verr, ErrCaptchaFailed) {
		verr = fmt.Errorf("%w: %w", verr, captcha.ErrFailed)
	}
	return captcha.NewView(ch, page, verr), nil
}

func (f *fakeCaptcha) Verify(_ context.Context, form url.Values, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return f.failWith
	}
	id := form.Get(captcha.FieldID)
	ok := f.live[id] && form.Get(captcha.FieldAnswer) == testCaptchaAnswer
	delete(f.live, id)
	if !ok {
		return fmt.Errorf("%w: wrong, missing or used answer", ErrCaptchaFailed)
	}
	return nil
}

func (f *fakeCaptcha) CSP() CaptchaCSP { return f.csp }

// registerEnv is a sign-in environment with registration pages.
type registerEnv struct {
	*signInEnv
	reg *fakeRegistration
	cap *fakeCaptcha
}

// newRegisterEnv builds the pages over rs with a built-in captcha.
func newRegisterEnv(t *testing.T, rs account.RegistrationSettings) *registerEnv {
	t.Helper()
	reg, capt := newFakeRegistration(rs), newFakeCaptcha()
	env := newSignInEnv(t, func(o *Options) { o.Registration, o.Captcha = reg, capt })
	return &registerEnv{signInEnv: env, reg: reg, cap: capt}
}

// captchaID is the challenge id the page's form carries.
func captchaID(t *testing.T, res response) string {
	t.Helper()
	for _, in := range findAll(res.doc, byTag("input")) {
		if attr(in, "name") == captcha.FieldID {
			return attr(in, "value")
		}
	}
	t.Fatal("the page has no captcha")
	return ""
}

// settingsOf builds registration settings from field names.
func settingsOf(t *testing.T, mode account.RegistrationMode, verify bool, names ...string) account.RegistrationSettings {
	t.Helper()
	fields, err := account.ParseRegistrationFields(names)
	if err != nil {
		t.Fatal(err)
	}
	return account.RegistrationSettings{Mode: mode, Fields: fields, VerifyEmail: verify,
		TermsURL: "https://example.test/terms", CaptchaProvider: captcha.Builtin}
}
