package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestAccountNavigationOnPhone: on a 390 px wide screen every account page
// has the one navigation (Profile, Security, Sessions, Connected apps, API
// tokens, Activity) with its own section marked, and no page is wider than
// the screen; in Russian too.
func TestAccountNavigationOnPhone(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "pia@example.com", testPass)
	page.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	page.Navigate(srv.URL + "/account")
	signInOnPage(t, page, "pia@example.com", testPass)
	page.Navigate(srv.URL + "/account/tokens")
	page.Fill("#name", "a token with a rather long name for a narrow screen")
	page.Click("#scope-openid")
	page.ClickAndWait("#create-token")
	page.ClickAndWait("#tokens-done") // the list now has a row and its buttons
	for _, tc := range []struct{ path, current string }{
		{"/account", "/account"}, {"/account/edit", "/account"}, {"/account/identities", "/account"},
		{"/account/password", "/account/security"}, {"/account/sessions", "/account/sessions"},
		{"/account/apps", "/account/apps"}, {"/account/tokens", "/account/tokens"}, {"/account/activity", "/account/activity"},
	} {
		page.Navigate(srv.URL + tc.path)
		nav := page.Text("nav.account-nav")
		for _, want := range []string{"Profile", "Security", "Sessions", "Connected apps", "API tokens", "Activity"} {
			if !strings.Contains(nav, want) {
				t.Errorf("%s: the navigation lacks %q: %q", tc.path, want, nav)
			}
		}
		navWide, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](`document.querySelector('nav.account-nav ul').scrollWidth > document.querySelector('nav.account-nav ul').clientWidth`))
		if err != nil || navWide {
			t.Errorf("%s: the navigation does not fit the screen (%v)", tc.path, err)
		}
		if !page.Has(`nav.account-nav a[href="` + tc.current + `"][aria-current="page"]`) {
			t.Errorf("%s: %s is not marked current", tc.path, tc.current)
		}
		wide, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](`window.innerWidth != 390 || document.documentElement.scrollWidth > 390`))
		if err != nil {
			t.Fatal(err)
		}
		if wide {
			t.Errorf("%s is wider than a 390 px screen", tc.path)
		}
	}
	page.Navigate(srv.URL + "/account/tokens?lang=ru")
	if nav := page.Text("nav.account-nav"); !strings.Contains(nav, "API-токены") || !strings.Contains(nav, "Сеансы") {
		t.Errorf("Russian navigation: %q", nav)
	}
	if h := page.Text("h1"); h != "Личные API-токены" {
		t.Errorf("Russian tokens page: %q", h)
	}
}
