package server_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestBrandingInBrowserOnPhone: on a 390 px screen the sign-in page shows
// the uploaded logo (the image loads, under the strict CSP), the display
// name, and the primary button in the branding colour; the page is not
// wider than the screen. A screenshot is kept in the artifacts folder.
func TestBrandingInBrowserOnPhone(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, nil)
	brandServer(t, srv.Server, "Acme Identity", "#0f766e")
	page.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	if status := page.Navigate(srv.URL + "/login"); status != 200 {
		t.Fatalf("GET /login: %d", status)
	}
	if name := page.Text(".brand span"); name != "Acme Identity" {
		t.Errorf("header name %q", name)
	}
	loaded, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](
		`(async () => { const img = document.querySelector('img.brand-logo'); if (!img) return false;
		  if (!img.complete) await new Promise(r => { img.onload = r; img.onerror = r; });
		  return img.naturalWidth === 120 && img.naturalHeight === 40; })()`,
		chromedp.EvalAwaitPromise))
	if err != nil || !loaded {
		t.Errorf("the logo did not load (%v)", err)
	}
	bg, err := chromedp.Run(page.Ctx, chromedp.Evaluate[string](
		`getComputedStyle(document.querySelector('main button[type="submit"]')).backgroundColor`))
	if err != nil || bg != "rgb(15, 118, 110)" {
		t.Errorf("primary button background %q (%v), want rgb(15, 118, 110)", bg, err)
	}
	fg, err := chromedp.Run(page.Ctx, chromedp.Evaluate[string](
		`getComputedStyle(document.querySelector('main button[type="submit"]')).color`))
	if err != nil || fg != "rgb(255, 255, 255)" {
		t.Errorf("primary button text %q (%v), want white", fg, err)
	}
	wide, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth > 390`))
	if err != nil || wide {
		t.Errorf("the page is wider than 390 px (%v)", err)
	}
	shot, err := chromedp.Run(page.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv(testharness.EnvArtifacts)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "gatehouse-test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		name := filepath.Join(dir, "branding-signin-390.png")
		if err := os.WriteFile(name, shot, 0o644); err == nil {
			t.Logf("screenshot: %s", name)
		}
	}
}
