package server_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestLandingPageInBrowser drives headless Chromium through the landing page
// in English and Russian, switching with the footer links.
func TestLandingPageInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_INSTANCE_NAME": "Acme ID"}})

	if status := page.Navigate(srv.URL + "/"); status != 200 {
		t.Fatalf("landing status %d", status)
	}
	if h := page.Text("h1"); h != "Acme ID" {
		t.Errorf("heading = %q", h)
	}
	if !strings.Contains(page.Text("main"), "Sign in") || !strings.Contains(page.Text("main"), "Create account") {
		t.Errorf("English landing lacks its links: %q", page.Text("main"))
	}
	if !strings.Contains(page.Title(), "Acme ID") {
		t.Errorf("title = %q", page.Title())
	}

	page.ClickAndWait(`footer a[hreflang="ru"]`)
	if !strings.Contains(page.Text("main"), "Войти") || !strings.Contains(page.Text("main"), "Создать учётную запись") {
		t.Errorf("Russian landing: %q", page.Text("main"))
	}
	// The choice sticks: the cookie carries it to the next page load.
	page.Navigate(srv.URL + "/")
	if !strings.Contains(page.Text("main"), "Войти") {
		t.Errorf("language did not stick: %q", page.Text("main"))
	}
	page.ClickAndWait(`footer a[hreflang="en"]`)
	if !strings.Contains(page.Text("main"), "Sign in") {
		t.Errorf("back to English: %q", page.Text("main"))
	}
	if !page.Has(`link[rel="stylesheet"]`) {
		t.Error("stylesheet link missing")
	}
}
