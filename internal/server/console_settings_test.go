package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestConsoleSettings: the account console's settings through the
// management API (validated field by field) and the admin console form;
// every change is audited and applies within seconds: tokens.scopes and
// tokens.max_lifetime shape the token form, notify.new_device turns the
// "new sign-in" letter off.
func TestConsoleSettings(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "lee@example.com", testPass)
	admin, rootID := adminRP(t, srv)
	adminTok := createToken(t, admin, "ops", "30", "gatehouse:admin")

	r := apiCall(t, srv.URL, http.MethodGet, "/settings", adminTok, nil).want(t, http.StatusOK)
	if r.body["tokens_max_lifetime"] != "365d" || r.body["notify_new_device"] != true || r.body["self_delete"] != true ||
		!strings.Contains(r.raw, `"tokens_scopes":["openid","profile","email"]`) {
		t.Fatalf("defaults: %s", r.raw)
	}
	r = apiCall(t, srv.URL, http.MethodPatch, "/settings", adminTok, map[string]any{"tokens_max_lifetime": "forever"}).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, `"field":"tokens_max_lifetime"`) {
		t.Errorf("bad lifetime: %s", r.raw)
	}
	apiCall(t, srv.URL, http.MethodPatch, "/settings", adminTok, map[string]any{"tokens_scopes": []string{"openid", "root"}}).want(t, http.StatusBadRequest)
	r = apiCall(t, srv.URL, http.MethodPatch, "/settings", adminTok, map[string]any{"tokens_scopes": []string{"profile"}, "tokens_max_lifetime": "30d"}).want(t, http.StatusOK)
	if r.body["tokens_max_lifetime"] != "30d" || !strings.Contains(r.raw, `"tokens_scopes":["profile"]`) || r.body["registration_mode"] != "open" {
		t.Fatalf("patched: %s", r.raw)
	}

	user := browserOn(t, srv.Server, "lee@example.com")
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, _, body := user.get("/account/tokens")
		if !strings.Contains(body, `id="scope-email"`) && !strings.Contains(body, `<option value="90"`) {
			if !strings.Contains(body, `id="scope-profile"`) || !strings.Contains(body, `<option value="30"`) {
				t.Fatalf("the form lost its choices:\n%s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the token form still offers what the settings removed")
		}
		time.Sleep(200 * time.Millisecond)
	}
	status, _, body := user.postForm("/account/tokens", url.Values{"name": {"long"}, "scopes": {"profile"}, "expires_days": {"90"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(body), "offered lifetimes") {
		t.Fatalf("a lifetime beyond tokens.max_lifetime: %d\n%s", status, mainText(body))
	}
	status, _, _ = user.postForm("/account/tokens", url.Values{"name": {"mail"}, "scopes": {"email"}, "expires_days": {"7"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("a scope tokens.scopes removed: %d", status)
	}

	// The console form: a bad value is named and kept; a good one saved.
	form := url.Values{"registration_mode": {"open"}, "registration_fields": {"login, email, password, password_confirm"},
		"verify_email": {"1"}, "terms_url": {""}, "captcha_provider": {"builtin"}, "reset_style": {"link"}, "reset_identify": {""},
		"password_min_length": {"8"}, "session_lifetime": {"720h"}, "session_max_lifetime": {"12h"}, "session_idle_timeout": {"2h"},
		"console_settings": {"1"}, "tokens_scopes": {"openid profile email"}, "tokens_max_lifetime": {"9999d"}, "self_delete": {"1"}}
	_, body = consolePost(t, admin, "/admin/settings", form, http.StatusUnprocessableEntity)
	if strings.Join(fieldErrors(body), ",") != "tokens_max_lifetime" || !strings.Contains(body, `value="9999d"`) {
		t.Fatalf("bad console settings: %v\n%s", fieldErrors(body), mainText(body))
	}
	form.Set("tokens_max_lifetime", "180d")
	consolePost(t, admin, "/admin/settings", form, http.StatusSeeOther)
	r = apiCall(t, srv.URL, http.MethodGet, "/settings", adminTok, nil).want(t, http.StatusOK)
	if r.body["tokens_max_lifetime"] != "180d" || r.body["notify_new_device"] != false || r.body["self_delete"] != true {
		t.Fatalf("after the form: %s", r.raw)
	}
	if _, _, body := admin.get("/admin/audit?type=admin.settings.update"); !strings.Contains(body, rootID) || !strings.Contains(body, "tokens.max_lifetime") {
		t.Errorf("the change is not audited:\n%s", mainText(body))
	}

	// notify.new_device is off: a new browser gets no letter.
	time.Sleep(account5s)
	browserOn(t, srv.Server, "lee@example.com")
	time.Sleep(time.Second)
	for _, m := range srv.sink.Messages() {
		if strings.Contains(m.Subject, "New sign-in") {
			t.Errorf("a new sign-in letter with notify.new_device off")
		}
	}
}

// account5s is the settings cache lifetime (account.MaxSettingsTTL).
const account5s = 5 * time.Second

// TestResetRevokesPersonalTokens: the reset letter says that completing
// the reset revokes the personal tokens, and it does.
func TestResetRevokesPersonalTokens(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ray@example.com", testPass)
	tok := createToken(t, browserOn(t, srv.Server, "ray@example.com"), "cron", "7", "profile")
	anon := newRelyingParty(t, srv.Server, "none", "")
	_, _, page := anon.get("/reset")
	form := url.Values{"email": {"ray@example.com"}}
	if id := captchaIDOf(t, page); id != "" {
		form.Set("captcha_id", id)
		form.Set("captcha", testCaptcha)
	}
	if status, _, body := anon.postForm("/reset", form); status >= 400 {
		t.Fatalf("reset request: %d\n%s", status, mainText(body))
	}
	m := srv.letter(t, "ray@example.com", "password")
	if !strings.Contains(m.TextBody, "revokes your personal API tokens") {
		t.Fatalf("the reset letter does not say so:\n%s", m.TextBody)
	}
	link := srv.link(t, m, "/reset/password")
	_, _, body := anon.get(link)
	token := regexpFind(body, `name="token" value="([^"]+)"`)
	status, _, body := anon.postForm("/reset/password", url.Values{"token": {token}, "password": {"a brand new passphrase"}, "password_confirm": {"a brand new passphrase"}})
	if status >= 400 {
		t.Fatalf("complete reset: %d\n%s", status, mainText(body))
	}
	if status, _ := bearerGet(t, srv.URL+"/userinfo", tok); status != http.StatusUnauthorized {
		t.Errorf("a personal token after the reset: %d", status)
	}
}
