package ui

import (
	"net/http"
	"strings"
	"testing"
)

func TestSafeReturnTo(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/account", "/account"},
		{"/account?x=1&y=%2F%2F", "/account?x=1&y=%2F%2F"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"", ""},
		{"//evil.example", ""},
		{"///evil.example", ""},
		{`/\evil.example`, ""},
		{`\\evil.example`, ""},
		{"https://evil.example", ""},
		{"HTTPS://evil.example", ""},
		{"javascript:alert(1)", ""},
		{"account", ""},
		{"/a#frag", ""},
		{"/a\x00b", ""},
		{"/a\x7fb", ""},
		{"/\t/evil.example", ""},
		{"/" + string(make([]byte, maxReturnTo)), ""},
	}
	for _, tc := range tests {
		if got := safeReturnTo(tc.in); got != tc.want {
			t.Errorf("safeReturnTo(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLoginReturnTo(t *testing.T) {
	tests := []struct {
		name, returnTo, want string
	}{
		{"local path", "/account/sessions", "/account/sessions"},
		{"local path with query", "/account?tab=mfa", "/account?tab=mfa"},
		{"none", "", "/"},
		{"protocol-relative", "//evil.example/x", "/"},
		{"backslash", `/\evil.example`, "/"},
		{"backslash later", `/a\b`, "/"},
		{"absolute URL", "https://evil.example/", "/"},
		{"javascript", "javascript:alert(1)", "/"},
		{"relative", "account", "/"},
		{"tab trick", "/\t/evil.example", "/"},
		{"newline", "/a\nLocation: x", "/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, nil)
			res := e.do(request{target: "/login", form: loginValues("alice", testPassword, "return_to", tc.returnTo)})
			assertSeeOther(t, res, tc.want)
		})
	}
}

// GET /login?return_to= carries only a safe path into the form.
func TestLoginPageKeepsOnlySafeReturnTo(t *testing.T) {
	e := newSignInEnv(t, nil)
	good := e.do(request{target: "/login?return_to=%2Faccount"})
	if got := attr(inputNamed(t, good.doc, "return_to"), "value"); got != "/account" {
		t.Errorf("return_to %q, want /account", got)
	}
	bad := e.do(request{target: "/login?return_to=%2F%2Fevil.example"})
	if hasInput(bad.doc, "return_to") {
		t.Error("an unsafe return_to reached the form")
	}
}

func TestLoginRejectsOversizedForm(t *testing.T) {
	e := newSignInEnv(t, nil)
	res := e.do(request{target: "/login", form: loginValues("alice", strings.Repeat("x", maxFormBytes+1))})
	if res.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", res.Code)
	}
	if e.accounts.authCalls != 0 {
		t.Error("Authenticate was called")
	}
}
