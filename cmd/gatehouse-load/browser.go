package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// redirectURI is registered for the load client and never contacted: the
// browser reads redirects to it instead of following them.
const redirectURI = "http://127.0.0.1:9/callback"

// target is the server under load and the HTTP transport every worker
// shares (keep-alive connections, one per worker).
type target struct {
	base      string
	transport http.RoundTripper
}

func (t *target) client(jar http.CookieJar) *http.Client {
	return &http.Client{
		Transport: t.transport, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// browser is one user agent with its own cookies.
type browser struct {
	t    *target
	http *http.Client
}

func newBrowser(t *target) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, http: t.client(jar)}
}

func (t *target) abs(raw string) string {
	if strings.HasPrefix(raw, "/") {
		return t.base + raw
	}
	return raw
}

// send does req and returns status, Location and body.
func send(c *http.Client, req *http.Request) (int, string, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", nil, err
	}
	return resp.StatusCode, resp.Header.Get("Location"), body, nil
}

func (b *browser) get(ctx context.Context, raw string) (int, string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.t.abs(raw), nil)
	if err != nil {
		return 0, "", nil, err
	}
	return send(b.http, req)
}

func (b *browser) postForm(ctx context.Context, raw string, form url.Values) (int, string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.t.abs(raw), strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(b.http, req)
}

// flow is one authorization request of the load client.
type flow struct {
	state, verifier string
	url             string
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func newFlow(base, clientID string) flow {
	f := flow{state: randomString(), verifier: randomString() + randomString()}
	sum := sha256.Sum256([]byte(f.verifier))
	q := url.Values{
		"client_id": {clientID}, "response_type": {"code"}, "redirect_uri": {redirectURI},
		"scope": {"openid profile email offline_access"}, "state": {f.state}, "nonce": {randomString()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	f.url = base + "/authorize?" + q.Encode()
	return f
}

var authRequestIDRe = regexp.MustCompile(`name="authRequestID" value="([^"]+)"`)

// follow walks redirects from raw until the browser is sent to the
// redirect URI (returned) or a page is shown (its status and body).
func (b *browser) follow(ctx context.Context, raw string) (string, int, []byte, error) {
	for range 10 {
		status, loc, body, err := b.get(ctx, raw)
		if err != nil {
			return "", 0, nil, err
		}
		if status < 300 || status >= 400 {
			return "", status, body, nil
		}
		if strings.HasPrefix(loc, redirectURI) {
			return loc, status, nil, nil
		}
		raw = loc
	}
	return "", 0, nil, errors.New("too many redirects")
}

// codeFrom checks the state of the redirect to the client and returns the
// code.
func codeFrom(f flow, loc string) (string, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return "", err
	}
	q := u.Query()
	if q.Get("state") != f.state || q.Get("code") == "" {
		return "", fmt.Errorf("redirect without code or with another state: %s", redact(loc))
	}
	return q.Get("code"), nil
}

// redact drops the query of a URL for error messages (it may hold a code).
func redact(loc string) string {
	if i := strings.IndexByte(loc, '?'); i >= 0 {
		return loc[:i] + "?..."
	}
	return loc
}

// signIn runs an authorization request through the login form and returns
// the code; with an existing session (sso) the login form must not appear.
func (b *browser) signIn(ctx context.Context, f flow, login, password string) (string, error) {
	loc, status, body, err := b.follow(ctx, f.url)
	if err != nil {
		return "", err
	}
	if loc != "" {
		return codeFrom(f, loc)
	}
	m := authRequestIDRe.FindSubmatch(body)
	if status != http.StatusOK || m == nil {
		return "", fmt.Errorf("expected the login page, got status %d", status)
	}
	if login == "" {
		return "", errors.New("the session was not reused: the login page was shown")
	}
	status, loc, _, err = b.postForm(ctx, "/login", url.Values{"login": {login}, "password": {password}, "authRequestID": {string(m[1])}})
	if err != nil {
		return "", err
	}
	if status != http.StatusSeeOther {
		return "", fmt.Errorf("login: status %d (want 303)", status)
	}
	if !strings.HasPrefix(loc, redirectURI) {
		if loc, status, _, err = b.follow(ctx, loc); err != nil {
			return "", err
		}
		if loc == "" {
			return "", fmt.Errorf("after login: status %d instead of a redirect to the client", status)
		}
	}
	return codeFrom(f, loc)
}

// tokens is a token endpoint answer.
type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// tokenRequest posts form to the token endpoint with basic client auth.
func (t *target) tokenRequest(ctx context.Context, c *http.Client, id, secret string, form url.Values) (tokens, error) {
	var tok tokens
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return tok, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	status, _, body, err := send(c, req)
	if err != nil {
		return tok, err
	}
	if status != http.StatusOK {
		return tok, fmt.Errorf("token endpoint (%s): status %d: %.200s", form.Get("grant_type"), status, body)
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		return tok, fmt.Errorf("token endpoint: %w", err)
	}
	return tok, nil
}

// redeem exchanges a code of flow f for tokens.
func (t *target) redeem(ctx context.Context, c *http.Client, cl loadClient, f flow, code string) (tokens, error) {
	return t.tokenRequest(ctx, c, cl.ID, cl.Secret, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {f.verifier},
	})
}
