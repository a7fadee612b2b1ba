package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// fedEnv is a downstream Gatehouse whose provider "up" is a second
// Gatehouse (the upstream). The upstream answers at localhost and the
// downstream at 127.0.0.1, so their cookies do not mix in one browser.
type fedEnv struct {
	up, down *testserver.Server
	upUser   string // the upstream user's id: the subject downstream
	upEmail  string
}

// fedOptions tune startFederation.
type fedOptions struct {
	downEnv    map[string]string
	trustEmail bool
	extraYAML  string // more providers, appended to the list
}

func startFederation(t *testing.T, o fedOptions) *fedEnv {
	t.Helper()
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	upURL := "http://localhost:" + portOf(upLn)
	up := testserver.Start(t, testserver.ServerOptions{Listener: upLn, Env: map[string]string{"GATEHOUSE_ISSUER": upURL}})
	env := &fedEnv{up: up, upEmail: "fed-" + strings.ToLower(random(t)[:6]) + "@example.test"}
	env.upUser = up.CreateUser(t, env.upEmail, testPass)

	downLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + downLn.Addr().String()
	secret := up.CreateClient(t, config.ClientConfig{
		ID: "downstream", Name: "Downstream", FirstParty: true,
		RedirectURIs: []string{downURL + "/federation/up/callback"}, GrantTypes: []string{"authorization_code"},
	})
	yaml := fmt.Sprintf(`federation:
  providers:
    - id: up
      name: Upstream
      type: oidc
      issuer: %s
      client_id: downstream
      client_secret: %s
      allow_private_addresses: true
      trust_email: %v
      timeout: 5s
%s`, upURL, secret, o.trustEmail, o.extraYAML)
	file := filepath.Join(t.TempDir(), "gatehouse.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	denv := map[string]string{"GATEHOUSE_CONFIG": file, "GATEHOUSE_CAPTCHA": "none"}
	for k, v := range o.downEnv {
		denv[k] = v
	}
	env.down = testserver.Start(t, testserver.ServerOptions{Listener: downLn, Env: denv})
	return env
}

func portOf(ln net.Listener) string { return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port) }

// fedBrowser is a browser-like client (cookies, no automatic redirects)
// across both servers.
type fedBrowser struct {
	t      *testing.T
	env    *fedEnv
	client *http.Client
}

func (e *fedEnv) browser(t *testing.T) *fedBrowser {
	jar, _ := cookiejar.New(nil)
	return &fedBrowser{t: t, env: e, client: &http.Client{
		Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// rp is a relying party of the downstream that uses this browser.
func (b *fedBrowser) rp(clientID, secret string) *relyingParty {
	rp := newRelyingParty(b.t, b.env.down, clientID, secret)
	rp.browser = b.client
	return rp
}

func (b *fedBrowser) do(method, raw string, form url.Values) (int, string, string) {
	b.t.Helper()
	rp := &relyingParty{t: b.t, srv: b.env.down, browser: b.client}
	if method == http.MethodPost {
		return rp.postForm(raw, form)
	}
	return rp.get(raw)
}

// until follows redirects from raw until a page is shown, or the browser
// is sent to a URL starting with stop (returned as location; raw itself
// when it does).
func (b *fedBrowser) until(raw, stop string) (location string, status int, body string) {
	b.t.Helper()
	if stop != "" && strings.HasPrefix(raw, stop) {
		return raw, http.StatusSeeOther, ""
	}
	for range 12 {
		status, loc, body := b.do(http.MethodGet, raw, nil)
		if status < 300 || status >= 400 {
			return "", status, body
		}
		if stop != "" && strings.HasPrefix(loc, stop) {
			return loc, status, body
		}
		raw = b.resolve(raw, loc)
	}
	b.t.Fatal("too many redirects")
	return "", 0, ""
}

func (b *fedBrowser) resolve(base, loc string) string {
	if strings.HasPrefix(loc, "/") {
		u, _ := url.Parse(b.env.down.URL)
		if bu, err := url.Parse(base); err == nil && bu.Host != "" {
			u = bu
		}
		return u.Scheme + "://" + u.Host + loc
	}
	return loc
}

var (
	providerLinkRe = regexp.MustCompile(`href="(/federation/up/start[^"]*)"`)
	upAuthReqRe    = regexp.MustCompile(`name="authRequestID" value="([^"]+)"`)
)

// startLink is the "Continue with Upstream" link of a downstream page.
func startLink(t *testing.T, body string) string {
	t.Helper()
	m := providerLinkRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no Continue with Upstream link on the page:\n%s", body)
	}
	return htmlUnescape(m[1])
}

// upstreamSignIn walks from a downstream start URL through the upstream's
// login form (when the upstream has no session yet) and returns the
// downstream callback URL, not yet visited.
func (b *fedBrowser) upstreamSignIn(start string) string {
	b.t.Helper()
	callback := b.env.down.URL + "/federation/up/callback"
	loc, status, body := b.until(b.env.down.URL+start, callback)
	if loc != "" {
		return loc // the upstream session answered at once
	}
	m := upAuthReqRe.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		b.t.Fatalf("expected the upstream login page: status %d\n%s", status, body)
	}
	form := url.Values{"login": {b.env.upEmail}, "password": {testPass}, "authRequestID": {m[1]}}
	status, loc, body = b.do(http.MethodPost, b.env.up.Config.Issuer+"/login", form)
	if status != http.StatusSeeOther {
		b.t.Fatalf("upstream login: status %d\n%s", status, body)
	}
	loc, status, body = b.until(b.resolve(b.env.up.Config.Issuer+"/login", loc), callback)
	if loc == "" {
		b.t.Fatalf("upstream did not return to the downstream callback: %d\n%s", status, body)
	}
	return loc
}

// downUser reads the downstream user with email.
func (e *fedEnv) downUser(t *testing.T, email string) storage.User {
	t.Helper()
	u, err := e.down.Srv.Store().Users().ByLogin(context.Background(), email)
	if err != nil {
		t.Fatalf("downstream user %s: %v", email, err)
	}
	return u
}

// signInLocally signs the browser in at the downstream with a password.
func (b *fedBrowser) signInLocally(login string) {
	b.t.Helper()
	status, _, body := b.do(http.MethodPost, "/login", url.Values{"login": {login}, "password": {testPass}})
	if status != http.StatusSeeOther {
		b.t.Fatalf("local sign-in: status %d\n%s", status, body)
	}
}
