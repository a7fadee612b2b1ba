package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Errors of the fake Accounts, sorted by classifyTestError the way the
// server's classifier sorts internal/account's sentinels.
var (
	errBadCredentials  = errors.New("fake: invalid login or password")
	errNotVerified     = errors.New("fake: not verified")
	errPendingApproval = errors.New("fake: pending approval")
	errBlocked         = errors.New("fake: blocked")
	errRejected        = errors.New("fake: rejected")
	errNoSession       = errors.New("fake: no session")
	errDatabaseDown    = errors.New("fake: database down")
)

// throttledError carries a retry delay, like account.ThrottledError.
type throttledError struct{ retryAfter time.Duration }

func (e *throttledError) Error() string { return "fake: throttled" }

func classifyTestError(err error) SignInProblem {
	var te *throttledError
	switch {
	case errors.As(err, &te):
		return SignInProblem{Kind: SignInThrottled, RetryAfter: te.retryAfter}
	case errors.Is(err, errBadCredentials):
		return SignInProblem{Kind: SignInInvalidCredentials}
	case errors.Is(err, errNotVerified):
		return SignInProblem{Kind: SignInNotVerified}
	case errors.Is(err, errPendingApproval):
		return SignInProblem{Kind: SignInPendingApproval}
	case errors.Is(err, errBlocked):
		return SignInProblem{Kind: SignInBlocked}
	case errors.Is(err, errRejected):
		return SignInProblem{Kind: SignInRejected}
	case errors.Is(err, errNoSession):
		return SignInProblem{Kind: SignInNoSession}
	}
	return SignInProblem{Kind: SignInInternal}
}

// fakeUser is one account of fakeAccounts: a password and, for accounts
// that may not sign in, the error a correct password gets.
type fakeUser struct {
	user     storage.User
	password string
	err      error
}

// startCall records one StartSession.
type startCall struct {
	userID     string
	persistent bool
	amr        []string
	userAgent  string
	ip         string
}

// fakeAccounts keeps users and sessions in memory.
type fakeAccounts struct {
	mu          sync.Mutex
	now         func() time.Time
	users       map[string]fakeUser // by login
	sessions    map[string]storage.BrowserSession
	authCalls   int
	started     []startCall
	ended       []string
	nextSession int
	sessionErr  error // returned by SessionFromCookie when set
	endErr      error // returned by EndSession when set
}

func newFakeAccounts(now func() time.Time) *fakeAccounts {
	return &fakeAccounts{now: now, users: map[string]fakeUser{}, sessions: map[string]storage.BrowserSession{}}
}

func (f *fakeAccounts) addUser(login, password string, err error) storage.User {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := storage.User{ID: "user-" + login, Email: login + "@example.com", State: storage.UserActive}
	f.users[login] = fakeUser{user: u, password: password, err: err}
	return u
}

func (f *fakeAccounts) Authenticate(_ context.Context, login, password, _ string) (storage.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.authCalls++
	u, ok := f.users[login]
	if !ok || u.password != password {
		return storage.User{}, fmt.Errorf("authenticate: %w", errBadCredentials)
	}
	if u.err != nil {
		return storage.User{}, fmt.Errorf("authenticate: %w", u.err)
	}
	return u.user, nil
}

func (f *fakeAccounts) StartSession(_ context.Context, userID string, persistent bool, amr []string,
	userAgent, ip string) (string, storage.BrowserSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, startCall{userID, persistent, amr, userAgent, ip})
	secret, bs := f.newSessionLocked(userID, f.now(), amr)
	bs.Persistent = persistent
	if persistent {
		bs.ExpiresAt = f.now().Add(fakePersistentLifetime)
	}
	f.sessions[secret] = bs
	return secret, bs, nil
}

// fakePersistentLifetime is how long the fake's "remember me" sessions
// live (the session.lifetime setting of the real service); it differs
// from Options.SessionLifetime so tests see which one the cookie follows.
const fakePersistentLifetime = 14 * 24 * time.Hour

// newSessionLocked makes a session; the caller holds f.mu.
func (f *fakeAccounts) newSessionLocked(userID string, authTime time.Time, amr []string) (string, storage.BrowserSession) {
	f.nextSession++
	secret := fmt.Sprintf("secret-%02d-%s", f.nextSession, strings.Repeat("x", 32))
	return secret, storage.BrowserSession{
		ID: fmt.Sprintf("session-%02d", f.nextSession), UserID: userID,
		AuthTime: authTime, AMR: amr, ExpiresAt: authTime.Add(24 * time.Hour),
	}
}

// addSession makes a live session for the user of login that signed in
// at authTime, and returns its cookie secret.
func (f *fakeAccounts) addSession(login string, authTime time.Time) (string, storage.BrowserSession) {
	f.mu.Lock()
	defer f.mu.Unlock()
	secret, bs := f.newSessionLocked(f.users[login].user.ID, authTime, []string{"pwd"})
	f.sessions[secret] = bs
	return secret, bs
}

func (f *fakeAccounts) SessionFromCookie(_ context.Context, secret string) (storage.BrowserSession, storage.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sessionErr != nil {
		return storage.BrowserSession{}, storage.User{}, f.sessionErr
	}
	bs, ok := f.sessions[secret]
	if !ok {
		return storage.BrowserSession{}, storage.User{}, fmt.Errorf("session: %w", errNoSession)
	}
	for _, u := range f.users {
		if u.user.ID == bs.UserID {
			return bs, u.user, nil
		}
	}
	return storage.BrowserSession{}, storage.User{}, fmt.Errorf("session user: %w", errNoSession)
}

func (f *fakeAccounts) EndSession(_ context.Context, sessionID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.endErr != nil {
		return f.endErr
	}
	f.ended = append(f.ended, sessionID)
	for secret, bs := range f.sessions {
		if bs.ID == sessionID {
			delete(f.sessions, secret)
		}
	}
	return nil
}

// completion records one AuthRequests.Complete.
type completion struct {
	userID    string
	sessionID string
	authTime  time.Time
	amr       []string
}

// fakeAuthRequests keeps authorization requests in memory.
type fakeAuthRequests struct {
	mu        sync.Mutex
	requests  map[string]AuthRequestView
	completed map[string]completion
	// doneElsewhere: requests another HTTP request completes between a
	// page's Get and its Complete; Complete then answers as the server's
	// adapter does (not found).
	doneElsewhere map[string]bool
}

func (f *fakeAuthRequests) Get(_ context.Context, id string) (AuthRequestView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ar, ok := f.requests[id]
	if !ok {
		return AuthRequestView{}, fmt.Errorf("auth request %s: %w", id, storage.ErrNotFound)
	}
	return ar, nil
}

func (f *fakeAuthRequests) Complete(_ context.Context, id, userID, sessionID string, authTime time.Time, amr []string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.requests[id]; !ok || f.doneElsewhere[id] {
		return "", fmt.Errorf("complete %s: %w", id, storage.ErrNotFound)
	}
	f.completed[id] = completion{userID, sessionID, authTime, amr}
	return "/authorize/callback?id=" + id, nil
}

func (f *fakeAuthRequests) ErrorURL(_ context.Context, id, oauthError string) (string, error) {
	return "https://rp.example/cb?error=" + oauthError + "&state=st-" + id, nil
}

func (f *fakeAuthRequests) completion(id string) (completion, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.completed[id]
	return c, ok
}

// fakeConsents keeps granted scopes per user and client.
type fakeConsents struct {
	mu     sync.Mutex
	grants map[string][]string
}

func consentKey(userID, clientID string) string { return userID + "|" + clientID }

func (f *fakeConsents) Has(_ context.Context, userID, clientID string, scopes []string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	granted := f.grants[consentKey(userID, clientID)]
	for _, s := range scopes {
		if !slices.Contains(granted, s) {
			return false, nil
		}
	}
	return true, nil
}

func (f *fakeConsents) Grant(_ context.Context, userID, clientID string, scopes []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := consentKey(userID, clientID)
	for _, s := range scopes {
		if !slices.Contains(f.grants[k], s) {
			f.grants[k] = append(f.grants[k], s)
		}
	}
	return nil
}

func (f *fakeConsents) granted(userID, clientID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.grants[consentKey(userID, clientID)])
}

// bindingCtxKey is where the test's WithBrowserBinding puts the hash.
type bindingCtxKey struct{}

// testNow is the fixed time of the sign-in tests.
var testNow = time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)

// signInEnv is a UI with fake services behind a test engine.
type signInEnv struct {
	t        *testing.T
	ui       *UI
	h        http.Handler
	accounts *fakeAccounts
	requests *fakeAuthRequests
	consents *fakeConsents
	binding  string // this browser's binding cookie value
}

const (
	testPassword    = "correct horse battery"
	testLifetime    = 7 * 24 * time.Hour
	testUserAgent   = "TestBrowser/1.0"
	testClientID    = "client-app"
	testClientName  = "Acme Notes"
	testRequestAge  = time.Minute // how long before testNow requests are made
	testSessionName = "gatehouse_session"
)

// newSignInEnv builds the environment; change adjusts the options first.
func newSignInEnv(t *testing.T, change func(*Options)) *signInEnv {
	t.Helper()
	now := func() time.Time { return testNow }
	e := &signInEnv{
		t:        t,
		accounts: newFakeAccounts(now),
		requests: &fakeAuthRequests{requests: map[string]AuthRequestView{}, completed: map[string]completion{}},
		consents: &fakeConsents{grants: map[string][]string{}},
		binding:  newBindingSecret(),
	}
	opts := Options{
		Accounts:            e.accounts,
		ClassifySignInError: classifyTestError,
		SessionLifetime:     testLifetime,
		AuthRequests:        e.requests,
		Consents:            e.consents,
		WithBrowserBinding: func(ctx context.Context, hash []byte) context.Context {
			return context.WithValue(ctx, bindingCtxKey{}, hash)
		},
		Now: now,
	}
	if change != nil {
		change(&opts)
	}
	e.ui = newTestUI(t, opts)
	e.h = newTestEngine(t, e.ui)
	e.accounts.addUser("alice", testPassword, nil)
	return e
}

// addRequest stores an authorization request made by this browser a
// minute ago; change adjusts it first. It returns the id.
func (e *signInEnv) addRequest(id string, change func(*AuthRequestView)) string {
	ar := AuthRequestView{
		ID: id, ClientID: testClientID, ClientName: testClientName,
		Scopes: []string{"openid", "email"}, BrowserHash: bindingHash(e.binding),
		CreatedAt: testNow.Add(-testRequestAge),
	}
	if change != nil {
		change(&ar)
	}
	e.requests.mu.Lock()
	defer e.requests.mu.Unlock()
	e.requests.requests[id] = ar
	return id
}

// bindingCookie is the browser-binding cookie of this browser.
func (e *signInEnv) bindingCookie() *http.Cookie {
	return &http.Cookie{Name: e.ui.BrowserBindingCookieName(), Value: e.binding}
}

// signedIn gives alice a session that signed in at authTime and returns
// its cookie and session.
func (e *signInEnv) signedIn(authTime time.Time) (*http.Cookie, storage.BrowserSession) {
	secret, bs := e.accounts.addSession("alice", authTime)
	return &http.Cookie{Name: e.ui.SessionCookieName(), Value: secret}, bs
}

// do serves req with this browser's binding cookie added.
func (e *signInEnv) do(req request) response {
	e.t.Helper()
	req.cookies = append(req.cookies, e.bindingCookie())
	if req.header == nil {
		req.header = map[string]string{}
	}
	if _, ok := req.header["User-Agent"]; !ok {
		req.header["User-Agent"] = testUserAgent
	}
	return do(e.t, e.h, req)
}

// sessionCookie is the session cookie a response set, or nil.
func sessionCookie(res response, name string) *http.Cookie {
	for _, c := range res.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
