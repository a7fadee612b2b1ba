package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// TestEveryPageOnAPhone tours the hosted pages a person can reach, signed
// out, as a user and as an administrator, in English and Russian, on a
// 390 px wide screen: no page scrolls sideways, each gets the automatic
// axe-core scan of testharness (no violations), and each leaves a
// screenshot in GATEHOUSE_TEST_ARTIFACTS/phone-tour.
func TestEveryPageOnAPhone(t *testing.T) {
	page := testharness.NewPageTimeout(t, 3*time.Minute)
	srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{
		"GATEHOUSE_DEV": "true", "GATEHOUSE_CAPTCHA_TEST_ANSWER": testCaptcha}}) // letters captured: /dev/mail
	userID := srv.CreateUser(t, "tour@example.com", testPass)
	createUserWith(t, srv, "boss@example.com", storage.UserActive, storage.RoleAdmin)
	createUserWith(t, srv, "waiting@example.com", storage.UserPendingApproval, storage.RoleUser)
	srv.CreateClient(t, config.ClientConfig{ID: "tourapp", Name: "Tour App", Secret: "tour-secret-0123456789-abcdefghijklmnop",
		RedirectURIs: []string{"https://app.example.com/callback"}, GrantTypes: []string{"authorization_code", "refresh_token"}})
	shots := filepath.Join(os.Getenv(testharness.EnvArtifacts), "phone-tour")
	if os.Getenv(testharness.EnvArtifacts) == "" {
		shots = filepath.Join(t.TempDir(), "phone-tour")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	page.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))

	visit := func(lang, path string) { // page is read at each call
		t.Helper()
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		page.Navigate(srv.URL + path + sep + "lang=" + lang)
		wide, err := chromedp.Run(page.Ctx, chromedp.Evaluate[string](`(() => {
			const s = document.scrollingElement;
			return s.scrollWidth > s.clientWidth ? s.scrollWidth + " > " + s.clientWidth : "";
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if wide != "" {
			t.Errorf("%s (%s) scrolls sideways at 390 px: %s", path, lang, wide)
		}
		png, err := chromedp.Run(page.Ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot of %s: %v", path, err)
		}
		name := fmt.Sprintf("%s-%s.png", lang, strings.Trim(strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_").Replace(path), "_"))
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	signedOut := []string{
		"/", "/login", "/register", "/reset", "/device", "/verify?token=not-a-token",
		"/no-such-page", "/authorize?client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example%2F&response_type=code&scope=openid",
		"/dev/mail",
	}
	user := []string{
		"/", "/account", "/account/edit", "/account/email", "/account/password", "/account/security",
		"/account/sessions", "/account/apps", "/account/tokens", "/account/activity", "/account/identities",
		"/account/delete", "/device",
	}
	admin := []string{
		"/admin", "/admin/users", "/admin/users/" + userID, "/admin/pending", "/admin/clients",
		"/admin/clients/new", "/admin/clients/tourapp", "/admin/groups", "/admin/invitations",
		"/admin/audit", "/admin/settings",
	}
	for _, lang := range []string{"en", "ru"} {
		for _, p := range signedOut {
			visit(lang, p)
		}
	}
	page.Navigate(srv.URL + "/login?return_to=/account")
	signInOnPage(t, page, "tour@example.com", testPass)
	for _, lang := range []string{"en", "ru"} {
		for _, p := range user {
			visit(lang, p)
		}
	}
	// The administrator in a browser of their own.
	page = testharness.NewPageTimeout(t, 3*time.Minute)
	page.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	page.Navigate(srv.URL + "/login?return_to=/admin")
	signInOnPage(t, page, "boss@example.com", testPass)
	for _, lang := range []string{"en", "ru"} {
		for _, p := range admin {
			visit(lang, p)
		}
	}
}
