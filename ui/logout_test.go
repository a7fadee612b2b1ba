package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestLogoutPageConfirms(t *testing.T) {
	tests := []struct {
		lang, heading, button string
	}{
		{"en", "Sign out of Acme ID?", "Sign out"},
		{"ru", "Выйти из Acme ID?", "Выйти"},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			cookie, _ := e.signedIn(testNow)
			res := e.do(request{target: "/logout", cookies: []*http.Cookie{cookie},
				header: map[string]string{"Accept-Language": tc.lang}})
			if res.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", res.Code)
			}
			assertPageHeaders(t, res, tc.lang)
			if got := textOf(first(t, res.doc, byTag("h1"))); got != tc.heading {
				t.Errorf("h1 %q, want %q", got, tc.heading)
			}
			if !strings.Contains(textOf(res.doc), "alice@example.com") {
				t.Error("the page does not say who is signed in")
			}
			form := first(t, res.doc, byTag("form"))
			if attr(form, "method") != "post" || attr(form, "action") != "/logout" {
				t.Errorf("form method=%q action=%q", attr(form, "method"), attr(form, "action"))
			}
			if got := textOf(first(t, form, byTag("button"))); got != tc.button {
				t.Errorf("button %q, want %q", got, tc.button)
			}
			if len(e.accounts.ended) != 0 || len(res.Header().Values("Set-Cookie")) != 0 {
				t.Error("GET /logout signed out")
			}
		})
	}
}

func TestLogoutPageCarriesLogoutRequest(t *testing.T) {
	e := newSignInEnv(t, nil)
	res := e.do(request{target: "/logout?logout_request=opaque-123"})
	if got := attr(inputNamed(t, res.doc, "logout_request"), "value"); got != "opaque-123" {
		t.Errorf("logout_request %q, want opaque-123", got)
	}
	if textOf(first(t, res.doc, byTag("h1"))) != "Sign out of Acme ID?" {
		t.Error("not the confirmation page")
	}
}

func TestLogoutPageWithoutSession(t *testing.T) {
	e := newSignInEnv(t, nil)
	res := e.do(request{target: "/logout"})
	if res.Code != http.StatusOK || textOf(first(t, res.doc, byTag("h1"))) != "You are signed out" {
		t.Errorf("status %d, h1 %q; want the signed-out page", res.Code, textOf(first(t, res.doc, byTag("h1"))))
	}
}

func TestLogoutSubmit(t *testing.T) {
	tests := []struct {
		name     string
		secure   bool
		complete func(context.Context, string) (string, error)
		form     url.Values
		wantTo   string // "" for the signed-out page
	}{
		{name: "signed-out page", form: url.Values{}},
		{name: "https", secure: true, form: url.Values{}},
		{name: "logout request without LogoutCompleteURL", form: url.Values{"logout_request": {"tok"}}},
		{name: "logout request", form: url.Values{"logout_request": {"tok"}},
			complete: func(_ context.Context, tok string) (string, error) { return "https://rp.example/bye?t=" + tok, nil },
			wantTo:   "https://rp.example/bye?t=tok"},
		{name: "bad logout request", form: url.Values{"logout_request": {"forged"}},
			complete: func(context.Context, string) (string, error) { return "", errors.New("bad signature") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, func(o *Options) { o.Secure = tc.secure; o.LogoutCompleteURL = tc.complete })
			cookie, bs := e.signedIn(testNow)
			res := e.do(request{target: "/logout", form: tc.form, cookies: []*http.Cookie{cookie}})
			if tc.wantTo != "" {
				assertSeeOther(t, res, tc.wantTo)
			} else if res.Code != http.StatusOK || textOf(first(t, res.doc, byTag("h1"))) != "You are signed out" {
				t.Fatalf("status %d; want the signed-out page", res.Code)
			}
			if !slices.Equal(e.accounts.ended, []string{bs.ID}) {
				t.Errorf("ended %v, want [%s]", e.accounts.ended, bs.ID)
			}
			cleared := sessionCookie(res, e.ui.SessionCookieName())
			if cleared == nil || cleared.MaxAge >= 0 || cleared.Value != "" {
				t.Fatalf("the cookie was not cleared: %v", res.Header().Values("Set-Cookie"))
			}
			assertSessionCookieFlags(t, &http.Cookie{Value: "x", Path: cleared.Path, HttpOnly: cleared.HttpOnly,
				SameSite: cleared.SameSite, Secure: cleared.Secure}, tc.secure)

			// The replayed cookie no longer signs anyone in (SECURITY 31).
			replay := e.do(request{target: "/logout", cookies: []*http.Cookie{cookie}})
			if textOf(first(t, replay.doc, byTag("h1"))) != "You are signed out" {
				t.Error("the old cookie still names a session")
			}
		})
	}
}

// When the session cannot be ended the user is told so, not that they
// are signed out.
func TestLogoutFailure(t *testing.T) {
	e := newSignInEnv(t, nil)
	cookie, _ := e.signedIn(testNow)
	e.accounts.endErr = errDatabaseDown
	res := e.do(request{target: "/logout", form: url.Values{}, cookies: []*http.Cookie{cookie}})
	if res.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", res.Code)
	}
}
