package op

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// redirectError returns the error and state of an error redirect to the
// client, from the query or the fragment.
func redirectError(t *testing.T, u *url.URL) (string, string) {
	t.Helper()
	v := u.Query()
	if v.Get("error") == "" {
		v, _ = url.ParseQuery(u.Fragment)
	}
	return v.Get("error"), v.Get("state")
}

func TestAuthorizeRejectsWithRedirect(t *testing.T) {
	tests := []struct {
		name string
		mod  func(q url.Values)
		want string
	}{
		{"no code_challenge", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"method plain", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"method missing (plain)", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"unknown method", func(q url.Values) { q.Set("code_challenge_method", "S512") }, "invalid_request"},
		{"malformed challenge", func(q url.Values) { q.Set("code_challenge", "short") }, "invalid_request"},
		{"response_type token", func(q url.Values) { q.Set("response_type", "token") }, "unauthorized_client"},
		{"response_type id_token token", func(q url.Values) { q.Set("response_type", "id_token token") }, "unauthorized_client"},
		{"response_type id_token", func(q url.Values) { q.Set("response_type", "id_token") }, "unauthorized_client"},
		{"request_uri", func(q url.Values) { q.Set("request_uri", "https://attacker.example/req.jwt") }, "request_uri_not_supported"},
		{"request object", func(q url.Values) { q.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, "request_not_supported"},
		{"no scope", func(q url.Values) { q.Del("scope") }, "invalid_request"},
		{"prompt none with others", func(q url.Values) { q.Set("prompt", "none login") }, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.addClient(storage.Client{Public: true})
			q := authQuery()
			tt.mod(q)
			u := location(t, e.do(http.MethodGet, PathAuthorize, q, testBind, nil))
			if got := u.Scheme + "://" + u.Host + u.Path; got != testRedirect {
				t.Fatalf("redirected to %s, want the client", u)
			}
			gotErr, state := redirectError(t, u)
			if gotErr != tt.want || state != "st-123" {
				t.Fatalf("error=%q state=%q, want %q with the state (%s)", gotErr, state, tt.want, u)
			}
			if len(e.f.reqs) != 0 {
				t.Fatal("a refused request was stored")
			}
		})
	}
}

// SECURITY 32: every variant of a registered redirect URI gets an error
// page and no redirect.
func TestAuthorizeRedirectURIVariantsGetErrorPage(t *testing.T) {
	variants := map[string]string{
		"trailing slash":    testRedirect + "/",
		"host case":         "https://APP.example.test/cb",
		"path case":         "https://app.example.test/CB",
		"extra query":       testRedirect + "?x=1",
		"encoded slash":     "https://app.example.test%2Fcb",
		"encoded path":      "https://app.example.test/c%62",
		"dot segments":      "https://app.example.test/x/..;/cb",
		"user info":         "https://app.example.test@attacker.example/cb",
		"user info 2":       "https://attacker.example@app.example.test/cb",
		"other port":        "https://app.example.test:8443/cb",
		"fragment":          testRedirect + "#x",
		"http downgrade":    "http://app.example.test/cb",
		"other host":        "https://attacker.example/cb",
		"empty":             "",
		"javascript":        "javascript:alert(1)",
		"subdomain":         "https://evil.app.example.test/cb",
		"prefix match":      testRedirect + "x",
		"loopback port":     "http://127.0.0.1:9999/cb",
		"whitespace":        " " + testRedirect,
		"unicode lookalike": "https://аpp.example.test/cb",
	}
	for name, uri := range variants {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			e.addClient(storage.Client{Public: true, RedirectURIs: []string{testRedirect, "http://127.0.0.1:8765/cb"}})
			q := authQuery()
			q.Set("redirect_uri", uri)
			w := e.do(http.MethodGet, PathAuthorize, q, testBind, nil)
			if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
				t.Fatalf("status %d Location %q, want 400 and no redirect", w.Code, w.Header().Get("Location"))
			}
		})
	}
}

func TestAuthorizeExactLoopbackAndNativeRedirects(t *testing.T) {
	tests := []struct {
		name       string
		registered string
		sent       string
		ok         bool
	}{
		{"loopback exact", "http://127.0.0.1:8765/cb", "http://127.0.0.1:8765/cb", true},
		{"loopback other port", "http://127.0.0.1:8765/cb", "http://127.0.0.1:8766/cb", false},
		{"localhost exact", "http://localhost:3000/cb", "http://localhost:3000/cb", true},
		{"custom scheme exact", "com.example.app:/oauth2redirect", "com.example.app:/oauth2redirect", true},
		{"custom scheme other path", "com.example.app:/oauth2redirect", "com.example.app:/other", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.addClient(storage.Client{Public: true, RedirectURIs: []string{tt.registered}, PostLogoutRedirectURIs: []string{}})
			q := authQuery()
			q.Set("redirect_uri", tt.sent)
			w := e.do(http.MethodGet, PathAuthorize, q, testBind, nil)
			loc := w.Header().Get("Location")
			if tt.ok != strings.HasPrefix(loc, testIssuer+DefaultLoginPath) {
				t.Fatalf("status %d Location %q, want accepted=%v", w.Code, loc, tt.ok)
			}
			if !tt.ok && (w.Code != http.StatusBadRequest || loc != "") {
				t.Fatalf("status %d Location %q, want an error page", w.Code, loc)
			}
		})
	}
}

func TestAuthorizeUnknownClientGetsErrorPage(t *testing.T) {
	e := newTestEnv(t)
	w := e.do(http.MethodGet, PathAuthorize, authQuery(), testBind, nil)
	if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
		t.Fatalf("status %d Location %q, want 400 and no redirect", w.Code, w.Header().Get("Location"))
	}
}

func TestAuthorizeRequestURIWithUnregisteredRedirectGetsErrorPage(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	q := authQuery()
	q.Set("request_uri", "https://attacker.example/req")
	q.Set("redirect_uri", "https://attacker.example/cb")
	w := e.do(http.MethodGet, PathAuthorize, q, testBind, nil)
	if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
		t.Fatalf("status %d Location %q, want 400 and no redirect", w.Code, w.Header().Get("Location"))
	}
}

func TestAuthorizeStoresBoundRequest(t *testing.T) {
	for _, prompt := range []string{"", "create", "none", "login", "consent"} {
		t.Run("prompt="+prompt, func(t *testing.T) {
			e := newTestEnv(t)
			e.addClient(storage.Client{Public: true, Scopes: []string{"openid", "profile", "orders:read"}})
			q := authQuery()
			q.Set("scope", "openid profile email orders:read unknown:scope")
			q.Set("max_age", "60")
			q.Set("ui_locales", "de fr")
			if prompt != "" {
				q.Set("prompt", prompt)
			}
			id := e.startLogin(q)
			r, c, err := e.p.AuthRequest(bindCtx(testBind), id)
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != "app" || r.ClientID != "app" || r.State != "st-123" || r.Nonce != "n-456" || r.CodeChallengeMethod != "S256" {
				t.Fatalf("stored %+v", r)
			}
			if got := strings.Join(r.Scopes, " "); got != "openid profile orders:read" {
				t.Fatalf("scopes %q: want only the client's scopes", got)
			}
			wantMaxAge := int64(60)
			if prompt == "login" {
				wantMaxAge = 0 // zop turns prompt=login into max_age=0
			}
			if r.MaxAge == nil || *r.MaxAge != wantMaxAge || strings.Join(r.UILocales, " ") != "de fr" {
				t.Fatalf("max_age %v ui_locales %v", r.MaxAge, r.UILocales)
			}
			if prompt != "" && (len(r.Prompt) != 1 || r.Prompt[0] != prompt) {
				t.Fatalf("prompt %v", r.Prompt)
			}
			if _, _, err := e.p.AuthRequest(bindCtx("another browser"), id); !errors.Is(err, ErrBrowserMismatch) {
				t.Fatalf("other browser: %v, want ErrBrowserMismatch", err)
			}
			if _, _, err := e.p.AuthRequest(context.Background(), id); !errors.Is(err, ErrBrowserMismatch) {
				t.Fatalf("no binding: %v, want ErrBrowserMismatch", err)
			}
		})
	}
}

func TestAuthorizeWithoutBindingMiddlewareFails(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	u := location(t, e.do(http.MethodGet, PathAuthorize, authQuery(), "", nil))
	if gotErr, _ := redirectError(t, u); gotErr != "server_error" {
		t.Fatalf("without binding: %s, want server_error", u)
	}
}

// A form_post response is the page the callback renders: Complete sends
// the browser there, and only that browser, once completed, gets the page.
func TestCallbackNeedsSameBrowserAndCompletion(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	u := e.addUser(storage.UserActive)
	q := authQuery()
	q.Set("response_mode", "form_post")
	id := e.startLogin(q)
	cb, _ := url.Parse(e.p.CallbackURL(context.Background(), id))

	w := e.do(http.MethodGet, cb.Path, cb.Query(), testBind, nil)
	if gotErr, _ := redirectError(t, location(t, w)); gotErr != "interaction_required" {
		t.Fatalf("callback before Complete: %s", w.Header().Get("Location"))
	}
	if _, err := e.p.Complete(bindCtx("other"), id, u.ID, "s", e.clock.Now(), nil); !errors.Is(err, ErrBrowserMismatch) {
		t.Fatalf("Complete from another browser: %v", err)
	}
	next, err := e.p.Complete(bindCtx(testBind), id, u.ID, "s", e.clock.Now(), []string{"pwd"})
	if err != nil {
		t.Fatal(err)
	}
	if next != cb.String() {
		t.Fatalf("Complete of a form_post request sends the browser to %s, want the callback %s", next, cb)
	}
	if _, err := e.p.Complete(bindCtx(testBind), id, u.ID, "s", e.clock.Now(), []string{"pwd"}); !errors.Is(err, ErrRequestDone) {
		t.Fatalf("second Complete: %v, want ErrRequestDone", err)
	}
	w = e.do(http.MethodGet, cb.Path, cb.Query(), "other", nil)
	if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
		t.Fatalf("callback from another browser: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = e.do(http.MethodGet, cb.Path, cb.Query(), testBind, nil)
	code := formPostField(t, w.Body.String(), "code")
	if w.Code != http.StatusOK || code == "" || formPostField(t, w.Body.String(), "state") != q.Get("state") ||
		formPostField(t, w.Body.String(), ParamIss) != testIssuer {
		t.Fatalf("callback from the right browser: %d %s", w.Code, w.Body.String())
	}
	form := exchangeForm(code)
	if status, body := e.tokenResponse(form, ""); status != http.StatusOK {
		t.Fatalf("the form_post code does not redeem: %d %v", status, body)
	}
}

// Complete issues the code itself for a response in the query or the
// fragment: the login page's redirect goes straight to the client with
// code, state and iss, and the code redeems exactly once.
func TestCompleteIssuesTheCode(t *testing.T) {
	for _, mode := range []string{"", "query", "fragment"} {
		t.Run("mode="+mode, func(t *testing.T) {
			e := newTestEnv(t)
			e.addClient(storage.Client{Public: true})
			u := e.addUser(storage.UserActive)
			q := authQuery()
			if mode != "" {
				q.Set("response_mode", mode)
			}
			id := e.startLogin(q)
			next, err := e.p.Complete(bindCtx(testBind), id, u.ID, "s", e.clock.Now(), []string{"pwd"})
			if err != nil {
				t.Fatal(err)
			}
			back, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			params := back.Query()
			if mode == "fragment" {
				if back.RawQuery != "" {
					t.Fatalf("fragment response with a query: %s", next)
				}
				params, _ = url.ParseQuery(back.Fragment)
			}
			back.RawQuery, back.Fragment = "", ""
			if back.String() != testRedirect {
				t.Fatalf("Complete sends the browser to %s, want the client's %s", next, testRedirect)
			}
			if params.Get("state") != q.Get("state") || params.Get(ParamIss) != testIssuer || params.Get("code") == "" || len(params) != 3 {
				t.Fatalf("code response %s: want exactly code, state and iss=%s", next, testIssuer)
			}
			if _, err := e.p.Complete(bindCtx(testBind), id, u.ID, "s", e.clock.Now(), []string{"pwd"}); !errors.Is(err, ErrRequestDone) {
				t.Fatalf("second Complete: %v, want ErrRequestDone", err)
			}
			form := exchangeForm(params.Get("code"))
			status, body := e.tokenResponse(form, "")
			if status != http.StatusOK || str(body, "refresh_token") == "" {
				t.Fatalf("code exchange: %d %v", status, body)
			}
			// The callback replayed after the redemption issues nothing.
			cb, _ := url.Parse(e.p.CallbackURL(context.Background(), id))
			w := e.do(http.MethodGet, cb.Path, cb.Query(), testBind, nil)
			if gotErr, _ := redirectError(t, location(t, w)); gotErr != "invalid_request" {
				t.Fatalf("callback replayed after the redemption: %s", w.Header().Get("Location"))
			}
			if status, body := e.tokenResponse(form, ""); status != http.StatusBadRequest || str(body, "error") != "invalid_grant" {
				t.Fatalf("second exchange of the code: %d %v", status, body)
			}
		})
	}
}

// formPostField is the value of the hidden input name in a form_post page.
func formPostField(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`<input type="hidden" name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestRejectURL(t *testing.T) {
	for _, r := range []Rejection{AccessDenied, LoginRequired, ConsentRequired, InteractionRequired} {
		t.Run(string(r), func(t *testing.T) {
			e := newTestEnv(t)
			e.addClient(storage.Client{Public: true})
			id := e.startLogin(authQuery())
			raw, err := e.p.RejectURL(bindCtx(testBind), id, r)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(raw)
			if gotErr, state := redirectError(t, u); gotErr != string(r) || state != "st-123" || !strings.HasPrefix(raw, testRedirect+"?") {
				t.Fatalf("RejectURL = %s", raw)
			}
			if _, _, err := e.p.AuthRequest(bindCtx(testBind), id); err == nil {
				t.Fatal("rejected request still usable")
			}
		})
	}
	e := newTestEnv(t)
	if _, err := e.p.RejectURL(bindCtx(testBind), "x", "server_error"); err == nil {
		t.Fatal("unknown rejection accepted")
	}
}

func TestLoginURLIsAbsolute(t *testing.T) {
	e := newTestEnv(t)
	c := &client{opts: &e.p.opts}
	if got := c.LoginURL("a b"); got != testIssuer+"/login?authRequestID=a+b" {
		t.Fatalf("LoginURL = %s", got)
	}
	if got := e.p.CallbackURL(context.Background(), "x/y"); got != testIssuer+"/authorize/callback?id=x%2Fy" {
		t.Fatalf("CallbackURL = %s", got)
	}
}
