package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func TestLoginPageForm(t *testing.T) {
	tests := []struct {
		lang, heading, submit, create, forgot string
	}{
		{"en", "Sign in", "Sign in", "Create account", "Forgot password?"},
		{"ru", "Вход", "Войти", "Создать учётную запись", "Забыли пароль?"},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			res := e.do(request{target: "/login?lang=" + tc.lang})
			if res.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", res.Code)
			}
			assertPageHeaders(t, res, tc.lang)
			if got := textOf(first(t, res.doc, byTag("h1"))); got != tc.heading {
				t.Errorf("h1 %q, want %q", got, tc.heading)
			}
			form := loginFormNode(t, res)
			if got := textOf(first(t, form, byTag("button"))); got != tc.submit {
				t.Errorf("button %q, want %q", got, tc.submit)
			}
			assertLabelled(t, form)
			assertInput(t, form, "login", "text", "username")
			assertInput(t, form, "password", "password", "current-password")
			assertInput(t, form, "remember_me", "checkbox", "")
			assertLink(t, res.doc, "/register", tc.create)
			assertLink(t, res.doc, "/reset", tc.forgot)
		})
	}
}

// loginFormNode is the page's one form, which must POST to /login.
func loginFormNode(t *testing.T, res response) *html.Node {
	t.Helper()
	forms := findAll(res.doc, byTag("form"))
	if len(forms) != 1 {
		t.Fatalf("%d forms, want 1", len(forms))
	}
	if attr(forms[0], "method") != "post" || attr(forms[0], "action") != "/login" {
		t.Errorf("form method=%q action=%q", attr(forms[0], "method"), attr(forms[0], "action"))
	}
	return forms[0]
}

// assertLabelled checks that every visible input has a <label for>.
func assertLabelled(t *testing.T, form *html.Node) {
	t.Helper()
	for _, in := range findAll(form, byTag("input")) {
		if attr(in, "type") == "hidden" {
			continue
		}
		if attr(in, "type") == "submit" { // a button: its value is its name
			if attr(in, "value") == "" {
				t.Error("a submit input has no value")
			}
			continue
		}
		id := attr(in, "id")
		labels := findAll(form, func(n *html.Node) bool { return isTag(n, "label") && attr(n, "for") == id })
		if id == "" || len(labels) != 1 || textOf(labels[0]) == "" {
			t.Errorf("input %q has no label", attr(in, "name"))
		}
	}
}

func assertInput(t *testing.T, form *html.Node, name, typ, autocomplete string) *html.Node {
	t.Helper()
	in := inputNamed(t, form, name)
	if attr(in, "type") != typ {
		t.Errorf("input %s: type %q, want %q", name, attr(in, "type"), typ)
	}
	if attr(in, "autocomplete") != autocomplete {
		t.Errorf("input %s: autocomplete %q, want %q", name, attr(in, "autocomplete"), autocomplete)
	}
	return in
}

func inputNamed(t *testing.T, n *html.Node, name string) *html.Node {
	t.Helper()
	ins := findAll(n, func(n *html.Node) bool { return isTag(n, "input") && attr(n, "name") == name })
	if len(ins) != 1 {
		t.Fatalf("%d inputs named %s, want 1", len(ins), name)
	}
	return ins[0]
}

func hasInput(n *html.Node, name string) bool {
	return len(findAll(n, func(n *html.Node) bool { return isTag(n, "input") && attr(n, "name") == name })) > 0
}

func loginValues(login, password string, extra ...string) url.Values {
	v := url.Values{"login": {login}, "password": {password}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func TestLoginBadInput(t *testing.T) {
	tests := []struct {
		name          string
		form          url.Values
		lang          string
		wantStatus    int
		wantAlert     string // "" when no alert
		wantInvalid   []string
		wantLogin     string
		wantRetry     string
		wantAuthCalls int
	}{
		{name: "empty login", form: loginValues("", "secret-typed"), wantStatus: 422,
			wantInvalid: []string{"login"}, wantLogin: ""},
		{name: "blank login", form: loginValues("   ", "secret-typed"), wantStatus: 422,
			wantInvalid: []string{"login"}, wantLogin: ""},
		{name: "empty password", form: loginValues("alice", ""), wantStatus: 422,
			wantInvalid: []string{"password"}, wantLogin: "alice"},
		{name: "both empty", form: loginValues("", ""), wantStatus: 422,
			wantInvalid: []string{"login", "password"}},
		{name: "wrong password", form: loginValues("alice", "secret-typed"), wantStatus: 422,
			wantAlert: "Incorrect login or password.", wantLogin: "alice", wantAuthCalls: 1},
		{name: "unknown user", form: loginValues("nobody", "secret-typed"), wantStatus: 422,
			wantAlert: "Incorrect login or password.", wantLogin: "nobody", wantAuthCalls: 1},
		{name: "wrong password in russian", form: loginValues("alice", "secret-typed"), lang: "ru", wantStatus: 422,
			wantAlert: "Неверный логин или пароль.", wantLogin: "alice", wantAuthCalls: 1},
		{name: "throttled", form: loginValues("slow", "secret-typed"), wantStatus: 429,
			wantAlert: "Too many sign-in attempts.", wantLogin: "slow", wantRetry: "91", wantAuthCalls: 1},
		{name: "not verified", form: loginValues("fresh", "secret-typed"), wantStatus: 403,
			wantAlert: "not confirmed yet", wantLogin: "fresh", wantAuthCalls: 1},
		{name: "pending approval", form: loginValues("waiting", "secret-typed"), wantStatus: 403,
			wantAlert: "waiting for approval", wantLogin: "waiting", wantAuthCalls: 1},
		{name: "blocked", form: loginValues("banned", "secret-typed"), wantStatus: 403,
			wantAlert: "has been blocked", wantLogin: "banned", wantAuthCalls: 1},
		{name: "rejected", form: loginValues("refused", "secret-typed"), wantStatus: 403,
			wantAlert: "was not approved", wantLogin: "refused", wantAuthCalls: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			e.accounts.addUser("slow", "secret-typed", &throttledError{retryAfter: 90*time.Second + time.Millisecond})
			e.accounts.addUser("fresh", "secret-typed", errNotVerified)
			e.accounts.addUser("waiting", "secret-typed", errPendingApproval)
			e.accounts.addUser("banned", "secret-typed", errBlocked)
			e.accounts.addUser("refused", "secret-typed", errRejected)
			res := e.do(request{target: "/login", form: tc.form, header: map[string]string{"Accept-Language": tc.lang}})
			if res.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", res.Code, tc.wantStatus)
			}
			assertLoginRefused(t, res, tc.form.Get("password"))
			form := loginFormNode(t, res)
			if got := attr(inputNamed(t, form, "login"), "value"); got != tc.wantLogin {
				t.Errorf("login field %q, want %q", got, tc.wantLogin)
			}
			assertAlert(t, res, tc.wantAlert)
			assertInvalidFields(t, form, tc.wantInvalid)
			if got := res.Header().Get("Retry-After"); got != tc.wantRetry {
				t.Errorf("Retry-After %q, want %q", got, tc.wantRetry)
			}
			if e.accounts.authCalls != tc.wantAuthCalls {
				t.Errorf("%d Authenticate calls, want %d", e.accounts.authCalls, tc.wantAuthCalls)
			}
		})
	}
}

// assertLoginRefused checks what every refused sign-in has in common: no
// session, no redirect, the password nowhere, an error title.
func assertLoginRefused(t *testing.T, res response, password string) {
	t.Helper()
	if len(res.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("cookies set: %v", res.Header().Values("Set-Cookie"))
	}
	if res.Header().Get("Location") != "" {
		t.Errorf("redirected to %q", res.Header().Get("Location"))
	}
	if password != "" && strings.Contains(res.Body.String(), password) {
		t.Error("the password was echoed into the page")
	}
	if hasAttr(inputNamed(t, res.doc, "password"), "value") {
		t.Error("the password field has a value")
	}
	if title := textOf(first(t, res.doc, byTag("title"))); !strings.HasPrefix(title, "Error: ") && !strings.HasPrefix(title, "Ошибка: ") {
		t.Errorf("title %q does not announce the error", title)
	}
	assertPageHeaders(t, res, res.Header().Get("Content-Language"))
}

func assertAlert(t *testing.T, res response, want string) {
	t.Helper()
	alerts := findAll(res.doc, func(n *html.Node) bool { return attr(n, "role") == "alert" })
	if want == "" {
		if len(alerts) != 0 {
			t.Errorf("unexpected alert %q", textOf(alerts[0]))
		}
		return
	}
	if len(alerts) != 1 || !strings.Contains(textOf(alerts[0]), want) {
		t.Errorf("alerts %d, want one containing %q; page: %s", len(alerts), want, textOf(res.doc))
	}
}

// assertInvalidFields checks that exactly the named inputs are marked
// invalid, each pointing at a visible message.
func assertInvalidFields(t *testing.T, form *html.Node, names []string) {
	t.Helper()
	for _, name := range []string{"login", "password"} {
		in := inputNamed(t, form, name)
		invalid := attr(in, "aria-invalid") == "true"
		if invalid != slices.Contains(names, name) {
			t.Errorf("%s: aria-invalid=%v, want %v", name, invalid, !invalid)
			continue
		}
		if !invalid {
			continue
		}
		id := attr(in, "aria-describedby")
		msgs := findAll(form, func(n *html.Node) bool { return attr(n, "id") == id && id != "" })
		if len(msgs) != 1 || textOf(msgs[0]) == "" {
			t.Errorf("%s: aria-describedby=%q names no message", name, id)
		}
	}
}

// An unknown user and a wrong password look exactly alike (SECURITY 4).
func TestLoginUnknownUserLooksLikeWrongPassword(t *testing.T) {
	e := newSignInEnv(t, nil)
	wrong := e.do(request{target: "/login", form: loginValues("alice", "nope")})
	unknown := e.do(request{target: "/login", form: loginValues("alicf", "nope")})
	if wrong.Code != unknown.Code {
		t.Errorf("status %d vs %d", wrong.Code, unknown.Code)
	}
	a := strings.ReplaceAll(wrong.Body.String(), `value="alice"`, "")
	b := strings.ReplaceAll(unknown.Body.String(), `value="alicf"`, "")
	if a != b {
		t.Error("the bodies differ beyond the typed login")
	}
}

func TestLoginFailureIsServerError(t *testing.T) {
	logger, logs := logBuffer()
	e := newSignInEnv(t, func(o *Options) { o.Logger = logger })
	e.accounts.addUser("broken", testPassword, errDatabaseDown)
	res := e.do(request{target: "/login", form: loginValues("broken", testPassword)})
	if res.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", res.Code)
	}
	if sessionCookie(res, testSessionName) != nil {
		t.Error("a session cookie was set")
	}
	if !strings.Contains(logs.String(), "database down") {
		t.Errorf("the failure was not logged: %s", logs)
	}
}

// TestLoginSuccessCookie: a "remember me" cookie lives as long as the
// session it names (the session.lifetime setting), not Options.SessionLifetime.
func TestLoginSuccessCookie(t *testing.T) {
	persistent := int(fakePersistentLifetime.Seconds())
	tests := []struct {
		name       string
		secure     bool
		remember   string
		wantName   string
		wantMaxAge int
	}{
		{"browser session", false, "", "gatehouse_session", 0},
		{"remember me", false, "1", "gatehouse_session", persistent},
		{"checkbox without value", false, "on", "gatehouse_session", persistent},
		{"https browser session", true, "", "__Host-gatehouse_session", 0},
		{"https remember me", true, "1", "__Host-gatehouse_session", persistent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, func(o *Options) { o.Secure = tc.secure })
			form := loginValues("alice", testPassword)
			if tc.remember != "" {
				form.Set("remember_me", tc.remember)
			}
			res := e.do(request{target: "/login", form: form})
			assertSeeOther(t, res, "/")
			c := sessionCookie(res, tc.wantName)
			if c == nil {
				t.Fatalf("no %s cookie: %v", tc.wantName, res.Header().Values("Set-Cookie"))
			}
			assertSessionCookieFlags(t, c, tc.secure)
			if c.MaxAge != tc.wantMaxAge {
				t.Errorf("Max-Age %d, want %d", c.MaxAge, tc.wantMaxAge)
			}
			raw := strings.Join(res.Header().Values("Set-Cookie"), "\n")
			if tc.wantMaxAge == 0 && (strings.Contains(raw, "Max-Age") || strings.Contains(raw, "Expires")) {
				t.Errorf("a browser-session cookie with a lifetime: %s", raw)
			}
			call := e.accounts.started[0]
			if call.userID != "user-alice" || call.persistent != (tc.wantMaxAge > 0) ||
				!slices.Equal(call.amr, []string{"pwd"}) || call.userAgent != testUserAgent || call.ip == "" {
				t.Errorf("StartSession got %+v", call)
			}
		})
	}
}

func assertSessionCookieFlags(t *testing.T, c *http.Cookie, secure bool) {
	t.Helper()
	if c.Value == "" || c.Path != "/" || c.Domain != "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie attributes: %+v", c)
	}
	if c.Secure != secure {
		t.Errorf("Secure=%v, want %v", c.Secure, secure)
	}
}

// assertSeeOther checks a bodyless 303 to location that is never stored.
func assertSeeOther(t *testing.T, res response, location string) {
	t.Helper()
	if res.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303; body: %.300s", res.Code, res.Body.String())
	}
	if got := res.Header().Get("Location"); got != location {
		t.Errorf("Location %q, want %q", got, location)
	}
	if res.Body.Len() != 0 {
		t.Errorf("a redirect with a body: %.200s", res.Body.String())
	}
	if got := res.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
}

// The session id changes at sign-in: the session the browser presented,
// its own or planted, is ended and never adopted (SECURITY 29).
func TestLoginNeverAdoptsPresentedSession(t *testing.T) {
	tests := []struct {
		name  string
		plant func(e *signInEnv) (cookie *http.Cookie, sessionID string)
	}{
		{"own earlier session", func(e *signInEnv) (*http.Cookie, string) {
			c, bs := e.signedIn(testNow.Add(-time.Hour))
			return c, bs.ID
		}},
		{"attacker's live session", func(e *signInEnv) (*http.Cookie, string) {
			e.accounts.addUser("mallory", "x", nil)
			secret, bs := e.accounts.addSession("mallory", testNow)
			return &http.Cookie{Name: testSessionName, Value: secret}, bs.ID
		}},
		{"made-up value", func(*signInEnv) (*http.Cookie, string) {
			return &http.Cookie{Name: testSessionName, Value: "planted-by-attacker-0123456789abcdefghijklmno"}, ""
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			planted, oldID := tc.plant(e)
			res := e.do(request{target: "/login", form: loginValues("alice", testPassword), cookies: []*http.Cookie{planted}})
			assertSeeOther(t, res, "/")
			c := sessionCookie(res, testSessionName)
			if c == nil || c.Value == planted.Value {
				t.Fatalf("the presented cookie was kept: %v", res.Header().Values("Set-Cookie"))
			}
			if oldID != "" && !slices.Contains(e.accounts.ended, oldID) {
				t.Errorf("the presented session %s was not ended (ended: %v)", oldID, e.accounts.ended)
			}
			if _, ok := e.accounts.sessions[c.Value]; !ok {
				t.Error("the new cookie names no session")
			}
		})
	}
}
