package testharness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Environment variables that control the browser tests.
const (
	// EnvChromium overrides the browser binary (a path or a name on PATH).
	EnvChromium = "GATEHOUSE_TEST_CHROMIUM"
	// EnvRequireBrowser, when true, turns a missing browser into a failure.
	EnvRequireBrowser = "GATEHOUSE_TEST_REQUIRE_BROWSER"
	// EnvArtifacts is where failure screenshots go (default
	// os.TempDir()/gatehouse-test-artifacts).
	EnvArtifacts = "GATEHOUSE_TEST_ARTIFACTS"
)

// DefaultBrowserTimeout bounds everything a test does with its browser.
const DefaultBrowserTimeout = 60 * time.Second

const browserStartTimeout = 30 * time.Second

// Page is one headless Chromium, started for one test. Ctx is the chromedp
// context of its tab, bounded by the test's timeout; use it with chromedp
// directly, or through the helpers, which fail the test on error and must be
// called from the test's goroutine.
type Page struct {
	Ctx context.Context
	t   testing.TB

	// browserCtx is the tab without the test's bound; budget is that bound,
	// paused while an accessibility scan runs so that the scans do not
	// count against the test's own time.
	browserCtx context.Context
	budget     *pausableTimer
}

// pausableTimer cancels a context when its time runs out; Pause and Resume
// stop the clock in between.
type pausableTimer struct {
	mu       sync.Mutex
	timer    *time.Timer
	deadline time.Time
	left     time.Duration
	limit    time.Time // never extended past this (the test's own deadline)
}

func newPausableTimer(d time.Duration, limit time.Time, cancel func()) *pausableTimer {
	return &pausableTimer{timer: time.AfterFunc(d, cancel), deadline: time.Now().Add(d), limit: limit}
}

// Pause stops the clock; it reports false when the time had already run out.
func (pt *pausableTimer) Pause() bool {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if !pt.timer.Stop() {
		return false
	}
	pt.left = time.Until(pt.deadline)
	return true
}

// Resume restarts the clock with the time that was left at Pause.
func (pt *pausableTimer) Resume() {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	left := pt.left
	if !pt.limit.IsZero() && time.Until(pt.limit) < left {
		left = time.Until(pt.limit)
	}
	pt.deadline = time.Now().Add(left)
	pt.timer.Reset(left)
}

// Browser returns the chromedp context of a fresh headless Chromium for this
// test (see NewPage).
func Browser(t testing.TB) context.Context {
	t.Helper()
	return NewPage(t).Ctx
}

// NewPage starts a headless Chromium with a fresh profile for this test,
// bounded by DefaultBrowserTimeout. Without a browser the test is skipped
// loudly, or fails when GATEHOUSE_TEST_REQUIRE_BROWSER=1. If the test fails,
// a full-page screenshot and the page's HTML are written to
// $GATEHOUSE_TEST_ARTIFACTS.
func NewPage(t testing.TB) *Page {
	t.Helper()
	return NewPageTimeout(t, DefaultBrowserTimeout)
}

// NewPageTimeout is NewPage with another bound than DefaultBrowserTimeout.
func NewPageTimeout(t testing.TB, timeout time.Duration) *Page {
	t.Helper()
	exe := chromiumPath(t)
	profile := filepath.Join(t.TempDir(), "chromium-profile")
	output := &limitedBuffer{max: 16 << 10}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless, // --headless (+ --hide-scrollbars --mute-audio)
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(output),
	)
	var finished atomic.Bool // t.Logf panics once the test is over
	logf := func(format string, args ...any) {
		if !finished.Load() {
			t.Logf("chromedp: "+format, args...)
		}
	}
	browserCtx, browserCancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))

	began := time.Now()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(browserCtx) }() // starts browser and tab
	var err error
	select {
	case err = <-started:
	case <-time.After(browserStartTimeout):
		err = fmt.Errorf("no answer within %s", browserStartTimeout)
	}
	if err != nil {
		browserCancel()
		allocCancel()
		t.Fatalf("testharness: start %s: %v\nbrowser output:\n%s", exe, err, output.String())
	}
	t.Logf("testharness: started %s in %s", exe, time.Since(began).Round(time.Millisecond))

	if dl, ok := testDeadline(t); ok {
		if left := time.Until(dl) - 5*time.Second; left > 0 && left < timeout {
			timeout = left
		}
	}
	var limit time.Time
	if dl, ok := testDeadline(t); ok {
		limit = dl.Add(-5 * time.Second)
	}
	ctx, cancel := context.WithCancel(browserCtx)
	p := &Page{Ctx: ctx, t: t, browserCtx: browserCtx, budget: newPausableTimer(timeout, limit, cancel)}
	t.Cleanup(func() {
		if t.Failed() {
			p.saveArtifacts(browserCtx)
		}
		finished.Store(true)
		cancel()
		closeCtx, closeCancel := context.WithTimeout(browserCtx, 10*time.Second)
		_ = chromedp.Cancel(closeCtx) // graceful close, bounded
		closeCancel()
		browserCancel()
		waitBounded(allocCancel, 10*time.Second) // kills and reaps the process
		removeAllRetry(profile, 2*time.Second)
	})
	return p
}

// chromiumPath finds the browser, or skips / fails the test.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if v := os.Getenv(EnvChromium); v != "" {
		p, err := exec.LookPath(v)
		if err != nil {
			t.Fatalf("testharness: %s=%q: %v", EnvChromium, v, err)
		}
		return p
	}
	if isExecutable("/usr/bin/chromium") {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	reason := "no Chromium found at /usr/bin/chromium or as chromium, chromium-browser, google-chrome on PATH"
	if envTrue(EnvRequireBrowser) {
		t.Fatalf("BROWSER TESTS REQUIRED (%s=1) but %s", EnvRequireBrowser, reason)
	}
	msg := fmt.Sprintf("BROWSER TESTS SKIPPED: %s. To run them, install Chromium "+
		"(apt-get install chromium) or set %s to a Chrome/Chromium binary; set %s=1 to make this a failure.",
		reason, EnvChromium, EnvRequireBrowser)
	browserLoudOnce.Do(func() { fmt.Fprintf(os.Stderr, "\n*** %s\n\n", msg) })
	t.Skip(msg)
	return ""
}

var browserLoudOnce sync.Once

// saveArtifacts writes a full-page screenshot and the HTML of the page.
func (p *Page) saveArtifacts(browserCtx context.Context) {
	dir := os.Getenv(EnvArtifacts)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "gatehouse-test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Logf("testharness: artifacts dir: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(browserCtx, 10*time.Second)
	defer cancel()
	base := filepath.Join(dir, artifactName(p.t.Name()))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(base+".png", png, 0o644)
	}
	if err != nil {
		p.t.Logf("testharness: failure screenshot: %v", err)
	} else {
		p.t.Logf("testharness: failure screenshot of %s: %s.png", loc, base)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		if os.WriteFile(base+".html", []byte(html), 0o644) == nil {
			p.t.Logf("testharness: failure page HTML: %s.html", base)
		}
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func artifactName(testName string) string { return unsafeName.ReplaceAllString(testName, "_") }

func testDeadline(t testing.TB) (time.Time, bool) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		return d.Deadline()
	}
	return time.Time{}, false
}

func waitBounded(f func(), d time.Duration) {
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// removeAllRetry removes dir, retrying while late browser processes still
// write into it.
func removeAllRetry(dir string, d time.Duration) {
	deadline := time.Now().Add(d)
	for os.RemoveAll(dir) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
