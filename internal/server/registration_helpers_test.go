package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/templates"
)

// testCaptcha is the dev-mode test answer of the registration servers
// (GATEHOUSE_CAPTCHA_TEST_ANSWER): any built-in challenge accepts it.
const testCaptcha = "Gh7TestAnswer"

// letterWait bounds how long a test waits for a letter.
const letterWait = 15 * time.Second

// Registration field lists of the three shapes.
const (
	fieldsA = "login,email,password,password_confirm"
	fieldsB = "given_name,family_name,company?,country,email"
	fieldsC = "email,password,password_confirm,country,accept_terms,locale"
)

// regServer is a test server with registration, mail to an SMTP sink and
// the captcha test answer.
type regServer struct {
	*testserver.Server
	sink *testharness.SMTPSink
}

// startRegServer starts a dev-mode server whose letters go to a new SMTP
// sink; env adds or overrides settings (registration fields, mode, ...).
func startRegServer(t *testing.T, env map[string]string) *regServer {
	t.Helper()
	sink := testharness.NewSMTPSink(t)
	full := map[string]string{
		"GATEHOUSE_DEV":                 "true",
		"GATEHOUSE_SMTP_URL":            sink.URL(),
		"GATEHOUSE_MAIL_FROM":           "Gatehouse <no-reply@example.test>",
		"GATEHOUSE_CAPTCHA_TEST_ANSWER": testCaptcha,
	}
	for k, v := range env {
		full[k] = v
	}
	return &regServer{Server: testserver.Start(t, testserver.ServerOptions{Env: full}), sink: sink}
}

// letter waits for a letter to addr whose subject contains subject.
func (s *regServer) letter(t *testing.T, addr, subject string) testharness.Message {
	t.Helper()
	return s.sink.WaitForMessage(t, func(m testharness.Message) bool {
		return testharness.SentTo(addr)(m) && strings.Contains(m.Subject, subject)
	}, letterWait)
}

// link returns the letter's link to path on this server.
func (s *regServer) link(t *testing.T, m testharness.Message, path string) string {
	t.Helper()
	for _, l := range m.Links() {
		if strings.HasPrefix(l, s.URL+path+"?") {
			return l
		}
	}
	t.Fatalf("letter %q has no %s link: %v", m.Subject, path, m.Links())
	return ""
}

// registrar returns the registration rules over the server's database, as
// the CLI builds them.
func (s *regServer) registrar(t *testing.T) *account.Registrar {
	t.Helper()
	ctx := t.Context()
	bundle, err := i18n.Load(templates.Locales())
	if err != nil {
		t.Fatal(err)
	}
	mailer, err := server.NewMailer(s.Config, nil, bundle, nil, server.TestHooks{})
	if err != nil {
		t.Fatal(err)
	}
	svc := account.New(s.Srv.Store(), server.AccountOptions(s.Config, nil))
	r, err := server.NewRegistrar(ctx, s.Config, s.Srv.Store(), svc, mailer, bundle.Supported())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// userByEmail reads a user from the server's database.
func (s *regServer) userByEmail(t *testing.T, email string) (storage.User, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Srv.Store().Users().ByLogin(ctx, email)
}

var (
	captchaIDRe = regexp.MustCompile(`name="captcha_id" value="([^"]+)"`)
	fieldErrRe  = regexp.MustCompile(`<p class="field-error" id="([a-z_]+)-error">`)
)

// captchaIDOf returns the built-in challenge id a form page carries.
func captchaIDOf(t *testing.T, body string) string {
	t.Helper()
	m := captchaIDRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the page has no captcha:\n%s", body)
	}
	return m[1]
}

// fieldErrors lists the fields a page marks wrong.
func fieldErrors(body string) []string {
	var out []string
	for _, m := range fieldErrRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// registerHTTP opens /register with the RP's browser client and submits
// form with a fresh captcha (answered with the test answer unless form
// says otherwise). It returns status, Location and body.
func registerHTTP(t *testing.T, rp *relyingParty, form url.Values) (int, string, string) {
	t.Helper()
	status, _, body := rp.get("/register")
	if status != http.StatusOK {
		t.Fatalf("GET /register: %d\n%s", status, body)
	}
	if !form.Has("captcha_id") {
		form.Set("captcha_id", captchaIDOf(t, body))
	}
	if !form.Has("captcha") {
		form.Set("captcha", testCaptcha)
	}
	return rp.postForm("/register", form)
}

// shapeAForm is a valid shape A registration.
func shapeAForm(login, email, password string) url.Values {
	return url.Values{"login": {login}, "email": {email}, "password": {password}, "password_confirm": {password}}
}

// mainText is the text of the page's <main>, tags stripped, spaces folded.
func mainText(body string) string {
	i, j := strings.Index(body, "<main"), strings.Index(body, "</main>")
	if i < 0 || j < i {
		return ""
	}
	text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(body[i:j], " ")
	return strings.Join(strings.Fields(htmlUnescape(text)), " ")
}
