package ui

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func int64p(v int64) *int64 { return &v }

// firstParty makes a request from a first-party client (no consent).
func firstParty(ar *AuthRequestView) { ar.FirstParty = true }

func TestSSOCompletesWithoutPage(t *testing.T) {
	e := newSignInEnv(t, nil)
	id := e.addRequest("ar1", firstParty)
	authTime := testNow.Add(-2 * time.Hour)
	cookie, bs := e.signedIn(authTime)
	res := e.do(request{target: "/login?authRequestID=" + id, cookies: []*http.Cookie{cookie}})
	assertSeeOther(t, res, "/authorize/callback?id=ar1")
	got, ok := e.requests.completion(id)
	if !ok {
		t.Fatal("the request was not completed")
	}
	want := completion{userID: "user-alice", sessionID: bs.ID, authTime: authTime, amr: []string{"pwd"}}
	if got.userID != want.userID || got.sessionID != want.sessionID || !got.authTime.Equal(want.authTime) ||
		!slices.Equal(got.amr, want.amr) {
		t.Errorf("Complete got %+v, want %+v (auth_time is the session's sign-in)", got, want)
	}
	if len(res.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("single sign-on set cookies: %v", res.Header().Values("Set-Cookie"))
	}
}

func TestSSODecisions(t *testing.T) {
	tests := []struct {
		name     string
		request  func(*AuthRequestView)
		authTime time.Duration // before testNow; 0 means no session
		want     string        // "complete", "form", "consent" or an OAuth error
	}{
		{"no session shows the form", nil, 0, "form"},
		{"session completes", nil, time.Hour, "complete"},
		{"prompt=none without session", prompts("none"), 0, "login_required"},
		{"prompt=none with session", prompts("none"), time.Hour, "complete"},
		{"prompt=login with session", prompts("login"), time.Second, "form"},
		{"prompt=select_account with session", prompts("select_account"), time.Second, "form"},
		{"prompt as one spaced value", prompts("login consent"), time.Second, "form"},
		{"max_age=0", maxAge(0), time.Second, "form"},
		{"max_age exceeded", maxAge(300), 10 * time.Minute, "form"},
		{"max_age kept", maxAge(300), time.Minute, "complete"},
		{"max_age exactly", maxAge(300), 5 * time.Minute, "complete"},
		{"prompt=none, max_age exceeded", both(prompts("none"), maxAge(60)), time.Hour, "login_required"},
		{"prompt=none and prompt=login", prompts("none", "login"), time.Second, "login_required"},
		{"third party without consent", thirdParty, time.Hour, "consent"},
		{"prompt=none, consent missing", both(thirdParty, prompts("none")), time.Hour, "consent_required"},
		{"prompt=consent", both(thirdParty, prompts("consent")), time.Hour, "consent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			id := e.addRequest("ar1", both(firstParty, tc.request))
			req := request{target: "/login?authRequestID=" + id}
			if tc.authTime > 0 {
				c, _ := e.signedIn(testNow.Add(-tc.authTime))
				req.cookies = []*http.Cookie{c}
			}
			assertOutcome(t, e, e.do(req), id, tc.want)
		})
	}
}

// assertOutcome checks where a request for authorization request id went.
func assertOutcome(t *testing.T, e *signInEnv, res response, id, want string) {
	t.Helper()
	_, completed := e.requests.completion(id)
	switch want {
	case "complete":
		assertSeeOther(t, res, "/authorize/callback?id="+id)
	case "form":
		if res.Code != http.StatusOK || res.doc == nil {
			t.Fatalf("status %d, want the form", res.Code)
		}
		if got := attr(inputNamed(t, res.doc, "authRequestID"), "value"); got != id {
			t.Errorf("hidden authRequestID %q, want %q", got, id)
		}
	case "consent":
		assertSeeOther(t, res, "/consent?authRequestID="+id)
	default:
		assertSeeOther(t, res, "https://rp.example/cb?error="+want+"&state=st-"+id)
	}
	if completed != (want == "complete") {
		t.Errorf("completed=%v for outcome %s", completed, want)
	}
}

func prompts(values ...string) func(*AuthRequestView) {
	return func(ar *AuthRequestView) { ar.Prompt = values }
}

func maxAge(seconds int64) func(*AuthRequestView) {
	return func(ar *AuthRequestView) { ar.MaxAge = int64p(seconds) }
}

func thirdParty(ar *AuthRequestView) { ar.FirstParty = false }

// both applies each change in turn; nil changes are skipped.
func both(changes ...func(*AuthRequestView)) func(*AuthRequestView) {
	return func(ar *AuthRequestView) {
		for _, c := range changes {
			if c != nil {
				c(ar)
			}
		}
	}
}

// prompt=login shows the form even to a signed-in browser; signing in
// there completes the request with a new session and a new auth_time.
func TestPromptLoginGivesNewAuthTime(t *testing.T) {
	e := newSignInEnv(t, nil)
	id := e.addRequest("ar1", both(firstParty, prompts("login")))
	old, oldSession := e.signedIn(testNow.Add(-time.Hour))
	page := e.do(request{target: "/login?authRequestID=" + id, cookies: []*http.Cookie{old}})
	assertOutcome(t, e, page, id, "form")

	res := e.do(request{target: "/login", cookies: []*http.Cookie{old},
		form: loginValues("alice", testPassword, "authRequestID", id)})
	assertSeeOther(t, res, "/authorize/callback?id="+id)
	got, _ := e.requests.completion(id)
	if !got.authTime.Equal(testNow) {
		t.Errorf("auth_time %v, want the new sign-in at %v", got.authTime, testNow)
	}
	if got.sessionID == oldSession.ID || !slices.Contains(e.accounts.ended, oldSession.ID) {
		t.Errorf("completed with session %s; old %s ended: %v", got.sessionID, oldSession.ID, e.accounts.ended)
	}
	if c := sessionCookie(res, testSessionName); c == nil || c.Value == old.Value {
		t.Error("no new session cookie")
	}
}

func TestLoginPageForAuthRequest(t *testing.T) {
	e := newSignInEnv(t, nil)
	id := e.addRequest("ar1", func(ar *AuthRequestView) { ar.LoginHint = "alice@example.com" })
	res := e.do(request{target: "/login?authRequestID=" + id})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", res.Code)
	}
	if got := attr(inputNamed(t, res.doc, "login"), "value"); got != "alice@example.com" {
		t.Errorf("login %q, want the login_hint", got)
	}
	if !strings.Contains(textOf(res.doc), "to continue to "+testClientName) {
		t.Error("the page does not name the application")
	}
	if !hasAttr(inputNamed(t, res.doc, "password"), "autofocus") {
		t.Error("with the login filled in, the password should have the focus")
	}
}

func TestLoginSubmitForAuthRequest(t *testing.T) {
	tests := []struct {
		name    string
		request func(*AuthRequestView)
		want    string
	}{
		{"first party completes", firstParty, "complete"},
		{"third party asks consent", nil, "consent"},
		{"prompt=consent asks consent", both(prompts("consent")), "consent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			id := e.addRequest("ar1", tc.request)
			res := e.do(request{target: "/login", form: loginValues("alice", testPassword, "authRequestID", id,
				"return_to", "/ignored")})
			assertOutcome(t, e, res, id, tc.want)
			if sessionCookie(res, testSessionName) == nil {
				t.Error("no session cookie")
			}
		})
	}
}

func TestLoginRefusesForeignAuthRequest(t *testing.T) {
	foreign := &http.Cookie{Name: BrowserBindingCookie, Value: newBindingSecret()}
	tests := []struct {
		name    string
		binding *http.Cookie // the binding cookie presented; nil: this browser's
		id      string
		request func(*AuthRequestView)
	}{
		{"no binding cookie", &http.Cookie{Name: "unrelated", Value: "1"}, "ar1", nil},
		{"another browser's cookie", foreign, "ar1", nil},
		{"request without a hash", nil, "ar1", func(ar *AuthRequestView) { ar.BrowserHash = nil }},
		{"unknown request", nil, "nope", nil},
		{"oversized id", nil, strings.Repeat("a", maxIDLength+1), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			e.addRequest("ar1", both(firstParty, tc.request))
			session, _ := e.signedIn(testNow.Add(-time.Minute))
			binding := tc.binding
			if binding == nil {
				binding = e.bindingCookie()
			}
			cookies := []*http.Cookie{session, binding}
			get := do(t, e.h, request{target: "/login?authRequestID=" + tc.id, cookies: cookies})
			post := do(t, e.h, request{target: "/login", cookies: cookies,
				form: loginValues("alice", testPassword, "authRequestID", tc.id)})
			for _, res := range []response{get, post} {
				assertInvalidRequestPage(t, res)
			}
			if _, ok := e.requests.completion("ar1"); ok {
				t.Error("the request was completed")
			}
			if e.accounts.authCalls != 0 || len(e.accounts.started) != 0 {
				t.Error("credentials were checked for a foreign request")
			}
		})
	}
}

// TestLoginCompletedElsewhere: a request another HTTP request completes
// between the page's look at it and its own completion (two tabs
// submitting at once) gets the invalid-request page, not the error page,
// both for a password sign-in and for a browser that already has a
// session.
func TestLoginCompletedElsewhere(t *testing.T) {
	t.Run("password", func(t *testing.T) {
		e := newSignInEnv(t, nil)
		e.addRequest("ar1", firstParty)
		e.requests.doneElsewhere = map[string]bool{"ar1": true}
		res := do(t, e.h, request{target: "/login", cookies: []*http.Cookie{e.bindingCookie()},
			form: loginValues("alice", testPassword, "authRequestID", "ar1")})
		assertInvalidRequestPage(t, res)
		if e.accounts.authCalls != 1 {
			t.Errorf("password checked %d times, want 1", e.accounts.authCalls)
		}
	})
	t.Run("session", func(t *testing.T) {
		e := newSignInEnv(t, nil)
		e.addRequest("ar1", firstParty)
		e.requests.doneElsewhere = map[string]bool{"ar1": true}
		session, _ := e.signedIn(testNow.Add(-time.Minute))
		res := do(t, e.h, request{target: "/login?authRequestID=ar1", cookies: []*http.Cookie{session, e.bindingCookie()}})
		assertInvalidRequestPage(t, res)
	})
}

// assertInvalidRequestPage checks the 400 page for an unusable
// authorization request: no redirect anywhere.
func assertInvalidRequestPage(t *testing.T, res response) {
	t.Helper()
	if res.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", res.Code)
	}
	if res.Header().Get("Location") != "" {
		t.Errorf("redirected to %q", res.Header().Get("Location"))
	}
	if got := textOf(first(t, res.doc, byTag("h1"))); got != "This sign-in link is no longer valid" {
		t.Errorf("h1 %q", got)
	}
}

func TestSessionLookupFailureFailsClosed(t *testing.T) {
	e := newSignInEnv(t, nil)
	id := e.addRequest("ar1", both(firstParty, prompts("none")))
	cookie, _ := e.signedIn(testNow)
	e.accounts.sessionErr = errDatabaseDown
	res := e.do(request{target: "/login?authRequestID=" + id, cookies: []*http.Cookie{cookie}})
	if res.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 (not login_required, not the form)", res.Code)
	}
	if _, ok := e.requests.completion(id); ok {
		t.Error("the request was completed")
	}
}
