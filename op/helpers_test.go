package op

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/storage"
)

const (
	testIssuer   = "https://id.example.test"
	testRedirect = "https://app.example.test/cb"
	testLogout   = "https://app.example.test/bye"
	testVerifier = "a-very-long-code-verifier-with-enough-entropy-0123456789"
	testBind     = "browser-secret-1"
)

// testClock is a settable clock for the store-side logic (zop itself uses
// the real time for JWT iat/exp).
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type testEnv struct {
	t     *testing.T
	p     *Provider
	f     *fakeStore
	clock *testClock
	h     http.Handler // p.Handler with the browser binding middleware
}

// TestMain silences zop, which logs through slog.Default.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

func testOptions() Options {
	return Options{
		Issuer:           testIssuer,
		CryptoKey:        [32]byte{1},
		KeyEncryptionKey: [32]byte{2},
		SigningAlgorithm: AlgES256, // fast to generate; RS256 has its own tests
		Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func newTestEnv(t *testing.T, mods ...func(*Options)) *testEnv {
	t.Helper()
	o := testOptions()
	for _, m := range mods {
		m(&o)
	}
	f := newFakeStore()
	p, err := New(context.Background(), o, f)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	clock := &testClock{now: time.Now()}
	p.st.now = clock.Now
	e := &testEnv{t: t, p: p, f: f, clock: clock}
	e.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("bind"); err == nil {
			r = r.WithContext(WithBrowserBinding(r.Context(), bindHash(c.Value)))
		}
		p.Handler().ServeHTTP(w, r)
	})
	return e
}

func bindHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func bindCtx(secret string) context.Context {
	return WithBrowserBinding(context.Background(), bindHash(secret))
}

// addClient stores c after filling defaults; it must pass ValidateClient.
func (e *testEnv) addClient(c storage.Client) storage.Client {
	e.t.Helper()
	if c.ID == "" {
		c.ID = "app"
	}
	if c.RedirectURIs == nil {
		c.RedirectURIs = []string{testRedirect}
	}
	if c.PostLogoutRedirectURIs == nil {
		c.PostLogoutRedirectURIs = []string{testLogout}
	}
	if c.GrantTypes == nil {
		c.GrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken}
	}
	if c.AccessTokenFormat == "" {
		c.AccessTokenFormat = storage.AccessTokenJWT
	}
	if err := ValidateClient(c); err != nil {
		e.t.Fatalf("test client invalid: %v", err)
	}
	e.f.mu.Lock()
	e.f.clients[c.ID] = c
	e.f.mu.Unlock()
	return c
}

// confidential returns a confidential client with secret "s3cr3t..." .
func confidential(t *testing.T, id string) (storage.Client, string) {
	t.Helper()
	secret := GenerateClientSecret()
	h, err := HashClientSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return storage.Client{ID: id, SecretHash: h}, secret
}

func (e *testEnv) addUser(state storage.UserState) storage.User {
	u := storage.User{ID: storage.NewID(), Email: "ada@example.test", EmailVerified: true, GivenName: "Ada",
		FamilyName: "Lovelace", Username: "ada", Locale: "en-GB", Role: storage.RoleUser, State: state}
	e.f.mu.Lock()
	defer e.f.mu.Unlock()
	e.f.users[u.ID] = u
	e.f.sessions["sess-"+u.ID] = storage.BrowserSession{ID: "sess-" + u.ID, UserID: u.ID}
	return u
}

func (e *testEnv) setUserState(id string, state storage.UserState) {
	e.f.mu.Lock()
	defer e.f.mu.Unlock()
	u := e.f.users[id]
	u.State = state
	e.f.users[id] = u
}

// authQuery is a valid authorization request for client "app".
func authQuery() url.Values {
	return url.Values{
		"client_id":             {"app"},
		"redirect_uri":          {testRedirect},
		"response_type":         {"code"},
		"scope":                 {"openid profile email offline_access"},
		"state":                 {"st-123"},
		"nonce":                 {"n-456"},
		"code_challenge":        {oidc.NewSHACodeChallenge(testVerifier)},
		"code_challenge_method": {"S256"},
	}
}

// do sends a request through the handler with the browser cookie bind
// (none when empty).
func (e *testEnv) do(method, path string, form url.Values, bind string, hdr http.Header) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	target := testIssuer + path
	if method == http.MethodGet && form != nil {
		target += "?" + form.Encode()
	} else if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		r.Header[k] = v
	}
	if bind != "" {
		r.AddCookie(&http.Cookie{Name: "bind", Value: bind})
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// location parses the Location of a redirect.
func location(t *testing.T, w *httptest.ResponseRecorder) *url.URL {
	t.Helper()
	if w.Code != http.StatusFound && w.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want a redirect; body %q", w.Code, w.Body.String())
	}
	u, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// startLogin runs /authorize and returns the auth request id from the
// login URL.
func (e *testEnv) startLogin(q url.Values) string {
	e.t.Helper()
	u := location(e.t, e.do(http.MethodGet, PathAuthorize, q, testBind, nil))
	if got := u.Scheme + "://" + u.Host + u.Path; got != testIssuer+DefaultLoginPath {
		e.t.Fatalf("redirected to %s, want the login page", u)
	}
	return u.Query().Get("authRequestID")
}

// codeFor runs the whole browser part for user and returns the code.
func (e *testEnv) codeFor(q url.Values, u storage.User) string {
	e.t.Helper()
	id := e.startLogin(q)
	next, err := e.p.Complete(bindCtx(testBind), id, u.ID, "sess-"+u.ID, e.clock.Now(), []string{"pwd"})
	if err != nil {
		e.t.Fatalf("Complete: %v", err)
	}
	back, err := url.Parse(next)
	if err != nil {
		e.t.Fatal(err)
	}
	if back.Query().Get("state") != q.Get("state") {
		e.t.Fatalf("code redirect %s lost the state", back)
	}
	code := back.Query().Get("code")
	if code == "" {
		e.t.Fatalf("no code in %s", back)
	}
	return code
}

// tokenResponse posts to the token endpoint; basic is "id:secret" or "".
func (e *testEnv) tokenResponse(form url.Values, basic string) (int, map[string]any) {
	e.t.Helper()
	hdr := http.Header{}
	if id, secret, ok := strings.Cut(basic, ":"); ok {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		hdr.Set("Authorization", r.Header.Get("Authorization"))
	}
	w := e.do(http.MethodPost, PathToken, form, "", hdr)
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body
}

func exchangeForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"client_id": {"app"}, "code_verifier": {testVerifier}}
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}
