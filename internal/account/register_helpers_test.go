package account

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// testIssuer is the base of the links the fake mailer builds.
const testIssuer = "https://id.example.test"

// fakeMailer renders nothing: it stores each letter in the outbox it is
// given (so a rolled-back transaction loses it, as with the real mailer),
// with the template as Kind, the locale as Subject and the link as the
// text body.
type fakeMailer struct {
	mu    sync.Mutex
	kicks int
	seq   int   // orders the letters: each is a millisecond after the last
	err   error // Enqueue fails with it when set
}

func (m *fakeMailer) Enqueue(ctx context.Context, outbox storage.OutboxStore, l Letter) error {
	m.mu.Lock()
	err := m.err
	m.seq++
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(m.seq) * time.Millisecond)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	link, _ := l.Data["Link"].(string)
	reason, _ := l.Data["Reason"].(string)
	name, _ := l.Data["Name"].(string)
	password, _ := l.Data["Password"].(string)
	msg := storage.OutboxMessage{
		To: l.To, Subject: l.Locale, Kind: l.Template, TextBody: link,
		HTMLBody: "name=" + name + ";reason=" + reason + ";password=" + password, CreatedAt: created,
	}
	return outbox.Enqueue(ctx, &msg)
}

func (m *fakeMailer) Link(path string, q url.Values) string {
	if len(q) == 0 {
		return testIssuer + path
	}
	return testIssuer + path + "?" + q.Encode()
}

func (m *fakeMailer) Kick() { m.mu.Lock(); m.kicks++; m.mu.Unlock() }

func (m *fakeMailer) setErr(err error) { m.mu.Lock(); m.err = err; m.mu.Unlock() }

// regEnv is a Registrar over a fresh SQLite database.
type regEnv struct {
	r      *Registrar
	svc    *Service
	store  *sqlstore.Store
	mailer *fakeMailer
	clock  *testClock
}

// fields parses a field list or fails the test.
func fields(t *testing.T, names ...string) []RegistrationField {
	t.Helper()
	f, err := ParseRegistrationFields(names)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// shapeA, shapeB and shapeC are the three registration shapes.
func shapeA(t *testing.T) RegistrationSettings {
	return RegistrationSettings{Mode: ModeOpen, VerifyEmail: true, CaptchaProvider: "builtin",
		Fields: fields(t, "login", "email", "password", "password_confirm")}
}

func shapeB(t *testing.T) RegistrationSettings {
	return RegistrationSettings{Mode: ModeOpen, VerifyEmail: true, CaptchaProvider: "builtin",
		Fields: fields(t, "given_name", "family_name", "company?", "country", "email")}
}

func shapeC(t *testing.T) RegistrationSettings {
	return RegistrationSettings{Mode: ModeOpen, VerifyEmail: false, CaptchaProvider: "builtin",
		TermsURL: "https://example.test/terms",
		Fields:   fields(t, "email", "password", "password_confirm", "country", "accept_terms", "locale")}
}

// newRegEnv seeds rs into a fresh database and returns a Registrar over it.
func newRegEnv(t *testing.T, rs RegistrationSettings) *regEnv {
	t.Helper()
	return newRegEnvOn(t, rs, "sqlite:"+filepath.Join(t.TempDir(), "reg.db"))
}

// newRegEnvOn is newRegEnv over the database at dbURL (SQLite or
// Postgres).
func newRegEnvOn(t *testing.T, rs RegistrationSettings, dbURL string) *regEnv {
	t.Helper()
	ctx := t.Context()
	st, err := sqlstore.Open(ctx, dbURL, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := SeedRegistrationSettings(ctx, st.Settings(), rs); err != nil {
		t.Fatalf("seed settings: %v", err)
	}
	clock := newTestClock()
	svc := New(st, Options{Hash: fastHash, Now: clock.Now})
	m := &fakeMailer{}
	r, err := NewRegistrar(svc, st, m, RegistrarOptions{Languages: []string{"en", "ru"}})
	if err != nil {
		t.Fatal(err)
	}
	return &regEnv{r: r, svc: svc, store: st, mailer: m, clock: clock}
}

// setMode changes the stored mode and drops the cached settings.
func (e *regEnv) setMode(t *testing.T, mode RegistrationMode) {
	t.Helper()
	rs, err := e.r.Settings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rs.Mode = mode
	if err := e.r.SaveSettings(t.Context(), rs); err != nil {
		t.Fatal(err)
	}
}

// letters returns the queued letters, oldest first.
func (e *regEnv) letters(t *testing.T) []storage.OutboxMessage {
	t.Helper()
	page, err := e.store.Outbox().List(t.Context(), "", storage.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	out := slices.Clone(page.Items)
	slices.Reverse(out)
	return out
}

// lastLetter returns the newest letter, which must be of kind to addr.
func (e *regEnv) lastLetter(t *testing.T, kind, addr string) storage.OutboxMessage {
	t.Helper()
	all := e.letters(t)
	if len(all) == 0 {
		t.Fatalf("no letter; want %s to %s", kind, addr)
	}
	m := all[len(all)-1]
	if m.Kind != kind || m.To != addr {
		t.Fatalf("last letter is %s to %s; want %s to %s", m.Kind, m.To, kind, addr)
	}
	return m
}

// user reads a user by email.
func (e *regEnv) user(t *testing.T, email string) storage.User {
	t.Helper()
	u, err := e.store.Users().ByLogin(t.Context(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// register submits in and fails the test on an error.
func (e *regEnv) register(t *testing.T, in RegistrationInput) RegistrationOutcome {
	t.Helper()
	out, err := e.r.Register(t.Context(), in, RegisterContext{IP: "192.0.2.7", Locale: "en"})
	if err != nil {
		t.Fatalf("Register(%s): %v", in.Email, err)
	}
	return out
}

// events returns the audit events of type typ, newest first.
func (e *regEnv) events(t *testing.T, typ string) []storage.AuditEvent {
	t.Helper()
	page, err := e.store.Audit().List(t.Context(), storage.AuditFilter{Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

// tokenOf returns the token parameter of a letter's link.
func tokenOf(t *testing.T, m storage.OutboxMessage) string {
	t.Helper()
	u, err := url.Parse(m.TextBody)
	if err != nil || u.Query().Get(LinkTokenParam) == "" {
		t.Fatalf("letter %s has no link with a token: %q", m.Kind, m.TextBody)
	}
	return u.Query().Get(LinkTokenParam)
}

// fieldReason returns the reason of field's error in err, or nil.
func fieldReason(err error, field string) error {
	re, ok := errors.AsType[*RegistrationError](err)
	if !ok {
		return nil
	}
	if fe := re.Field(field); fe != nil {
		return fe.Reason
	}
	return nil
}

// inputA is a valid shape A registration.
func inputA(login, email, password string) RegistrationInput {
	return RegistrationInput{Login: login, Email: email, Password: password, PasswordConfirm: password}
}

func describe(out RegistrationOutcome) string {
	return fmt.Sprintf("%s/%s", out.Kind, strings.ToLower(out.Email))
}
