package ui

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func consentValues(id, action string) url.Values {
	return url.Values{"authRequestID": {id}, "action": {action}}
}

func TestConsentPage(t *testing.T) {
	tests := []struct {
		lang      string
		heading   string
		scopes    []string
		allow     string
		deny      string
		wantLines []string
	}{
		{"en", "Acme Notes wants to use your Acme ID account",
			[]string{"openid", "email", "profile", "offline_access", "notes:write", "email"}, "Allow", "Deny",
			[]string{"Know who you are when you sign in", "See your email address", "See your name and profile details",
				"Keep this access while you are not using it", "Use the permission “notes:write”"}},
		{"ru", "Acme Notes запрашивает доступ к вашей учётной записи Acme ID",
			[]string{"openid", "notes:write"}, "Разрешить", "Отказать",
			[]string{"Узнавать, кто вы, когда вы входите", "Использовать разрешение «notes:write»"}},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			id := e.addRequest("ar1", func(ar *AuthRequestView) { ar.Scopes = tc.scopes })
			cookie, _ := e.signedIn(testNow)
			res := e.do(request{target: "/consent?authRequestID=" + id + "&lang=" + tc.lang, cookies: []*http.Cookie{cookie}})
			if res.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", res.Code)
			}
			assertPageHeaders(t, res, tc.lang)
			if got := textOf(first(t, res.doc, byTag("h1"))); got != tc.heading {
				t.Errorf("h1 %q, want %q", got, tc.heading)
			}
			var lines []string
			for _, li := range findAll(first(t, first(t, res.doc, byTag("main")), byTag("ul")), byTag("li")) {
				lines = append(lines, textOf(li))
			}
			if !slices.Equal(lines, tc.wantLines) {
				t.Errorf("scopes %q, want %q", lines, tc.wantLines)
			}
			assertConsentForm(t, res.doc, id, tc.allow, tc.deny)
		})
	}
}

func assertConsentForm(t *testing.T, doc *html.Node, id, allow, deny string) {
	t.Helper()
	form := first(t, first(t, doc, byTag("main")), byTag("form"))
	if attr(form, "method") != "post" || attr(form, "action") != "/consent" {
		t.Errorf("form method=%q action=%q", attr(form, "method"), attr(form, "action"))
	}
	if got := attr(inputNamed(t, form, "authRequestID"), "value"); got != id {
		t.Errorf("authRequestID %q, want %q", got, id)
	}
	buttons := findAll(form, byTag("button"))
	if len(buttons) != 2 ||
		attr(buttons[0], "name") != "action" || attr(buttons[0], "value") != "allow" || textOf(buttons[0]) != allow ||
		attr(buttons[1], "name") != "action" || attr(buttons[1], "value") != "deny" || textOf(buttons[1]) != deny {
		t.Errorf("buttons: %s", render(form))
	}
}

func TestConsentAllow(t *testing.T) {
	e := newSignInEnv(t, nil)
	id := e.addRequest("ar1", nil)
	cookie, bs := e.signedIn(testNow)
	res := e.do(request{target: "/consent", form: consentValues(id, "allow"), cookies: []*http.Cookie{cookie}})
	assertSeeOther(t, res, "/authorize/callback?id="+id)
	if got := e.consents.granted("user-alice", testClientID); !slices.Equal(got, []string{"openid", "email"}) {
		t.Errorf("granted %v", got)
	}
	if c, ok := e.requests.completion(id); !ok || c.sessionID != bs.ID {
		t.Errorf("completion %+v, %v", c, ok)
	}

	// Remembered: the next request for the same scopes skips the page.
	next := e.addRequest("ar2", func(ar *AuthRequestView) { ar.Scopes = []string{"email"} })
	sso := e.do(request{target: "/login?authRequestID=" + next, cookies: []*http.Cookie{cookie}})
	assertOutcome(t, e, sso, next, "complete")

	// More scopes than remembered: asked again.
	more := e.addRequest("ar3", func(ar *AuthRequestView) { ar.Scopes = []string{"openid", "profile"} })
	assertOutcome(t, e, e.do(request{target: "/login?authRequestID=" + more, cookies: []*http.Cookie{cookie}}), more, "consent")

	// prompt=consent: asked even though remembered.
	again := e.addRequest("ar4", prompts("consent"))
	assertOutcome(t, e, e.do(request{target: "/login?authRequestID=" + again, cookies: []*http.Cookie{cookie}}), again, "consent")
	page := e.do(request{target: "/consent?authRequestID=" + again, cookies: []*http.Cookie{cookie}})
	if page.Code != http.StatusOK {
		t.Errorf("prompt=consent: consent page status %d, want 200", page.Code)
	}
}

func TestConsentDeny(t *testing.T) {
	e := newSignInEnv(t, nil)
	id := e.addRequest("ar1", nil)
	cookie, _ := e.signedIn(testNow)
	res := e.do(request{target: "/consent", form: consentValues(id, "deny"), cookies: []*http.Cookie{cookie}})
	assertSeeOther(t, res, "https://rp.example/cb?error=access_denied&state=st-"+id)
	if _, ok := e.requests.completion(id); ok {
		t.Error("a denied request was completed")
	}
	if got := e.consents.granted("user-alice", testClientID); len(got) != 0 {
		t.Errorf("granted %v after deny", got)
	}
}

func TestConsentRefusals(t *testing.T) {
	tests := []struct {
		name     string
		req      func(e *signInEnv, id string) request
		request  func(*AuthRequestView)
		authTime time.Duration // before testNow; <0 for no session
		want     string        // "login", "bad", "invalid", "complete"
	}{
		{"no session", getConsent, nil, -1, "login"},
		{"no session on POST", postConsent("allow"), nil, -1, "login"},
		{"prompt=login, session from before the request", getConsent, prompts("login"), 2 * time.Hour, "login"},
		{"prompt=login, session after the request", getConsent, prompts("login"), 0, "page"},
		{"max_age exceeded", postConsent("allow"), maxAge(60), time.Hour, "login"},
		{"unknown action", postConsent("maybe"), nil, 0, "bad"},
		{"first party needs no consent", getConsent, firstParty, 0, "complete"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			id := e.addRequest("ar1", tc.request)
			req := tc.req(e, id)
			if tc.authTime >= 0 {
				c, _ := e.signedIn(testNow.Add(-tc.authTime))
				req.cookies = []*http.Cookie{c}
			}
			res := e.do(req)
			switch tc.want {
			case "login":
				assertSeeOther(t, res, "/login?authRequestID="+id)
			case "bad":
				if res.Code != http.StatusBadRequest {
					t.Errorf("status %d, want 400", res.Code)
				}
			case "page":
				if res.Code != http.StatusOK {
					t.Errorf("status %d, want the consent page", res.Code)
				}
			case "complete":
				assertSeeOther(t, res, "/authorize/callback?id="+id)
			}
			if _, ok := e.requests.completion(id); ok != (tc.want == "complete") {
				t.Errorf("completed=%v", ok)
			}
		})
	}
}

func getConsent(_ *signInEnv, id string) request {
	return request{target: "/consent?authRequestID=" + id}
}

func postConsent(action string) func(*signInEnv, string) request {
	return func(_ *signInEnv, id string) request {
		return request{target: "/consent", form: consentValues(id, action)}
	}
}

func TestConsentRefusesForeignAuthRequest(t *testing.T) {
	e := newSignInEnv(t, nil)
	id := e.addRequest("ar1", nil)
	session, _ := e.signedIn(testNow)
	foreign := &http.Cookie{Name: BrowserBindingCookie, Value: newBindingSecret()}
	for _, req := range []request{
		{target: "/consent?authRequestID=" + id},
		{target: "/consent", form: consentValues(id, "allow")},
	} {
		req.cookies = []*http.Cookie{session, foreign}
		assertInvalidRequestPage(t, do(t, e.h, req))
	}
	if _, ok := e.requests.completion(id); ok {
		t.Error("the request was completed")
	}
	if got := e.consents.granted("user-alice", testClientID); len(got) != 0 {
		t.Errorf("granted %v", got)
	}
}
