package testharness

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (npm package axe-core, MPL-2.0, see axe/LICENSE and
// axe/VERSION), vendored so that accessibility checks run offline.
//
//go:embed axe/axe.min.js
var axeSource string

// EnvAxe turns the automatic accessibility scan off when set to 0 (for a
// quicker local run); CI leaves it on.
const EnvAxe = "GATEHOUSE_TEST_AXE"

// axeRunOptions limits axe to the WCAG 2.x A and AA rules plus its best
// practices, which is what the hosted pages promise.
const axeRunOptions = `{runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}, resultTypes: ["violations"]}`

// AxeViolation is one failed axe rule on a page, with the selectors of the
// offending elements.
type AxeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// Accessibility runs axe-core on the current document and returns its
// violations. The script is evaluated through the DevTools protocol, which
// the pages' strict Content-Security-Policy does not govern, so nothing on
// the page changes to allow it.
func (p *Page) Accessibility() ([]AxeViolation, error) {
	p.t.Helper()
	return p.accessibility("")
}

// pageStateJS names the state of a page Gatehouse rendered (one that links
// its stylesheet) by path, title, language and element count; "" for any
// other document.
const pageStateJS = `(document.querySelector('link[rel=stylesheet][href*="/static/gatehouse"]') ?
	location.pathname + "|" + document.title + "|" + document.documentElement.lang + "|" + document.getElementsByTagName("*").length : "")`

// accessibility runs axe-core; with a non-empty state it runs only while the
// document is still in that state, so that a scan never lands on another
// document (a redirect to an application) than the one it was meant for.
func (p *Page) accessibility(state string) ([]AxeViolation, error) {
	if _, err := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](`typeof window.axe === "object" || (function(){`+axeSource+`
;return true})()`)); err != nil {
		return nil, fmt.Errorf("load axe-core: %w", err)
	}
	guard := "false"
	if state != "" {
		guard = pageStateJS + " !== " + jsString(state)
	}
	raw, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`(`+guard+`) ? Promise.resolve("[]") : axe.run(document, `+axeRunOptions+`).then(r => JSON.stringify(r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help,
		targets: v.nodes.map(n => n.target.join(" "))
	}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var out []AxeViolation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("axe-core result: %w", err)
	}
	return out, nil
}

// CheckAccessibility fails the test when axe-core finds violations on the
// current document.
func (p *Page) CheckAccessibility() {
	p.t.Helper()
	p.checkAccessibility("")
}

func (p *Page) checkAccessibility(state string) {
	p.t.Helper()
	vs, err := p.accessibility(state)
	if err != nil {
		p.fail("accessibility scan", err)
		return
	}
	if len(vs) > 0 {
		loc := p.CurrentURL()
		for _, v := range vs {
			p.t.Errorf("accessibility: %s on %s", v, loc)
		}
	}
}

// scanned remembers page states already scanned in this test process, so
// that the automatic scan after each navigation looks at each state once.
var scanned sync.Map

// scanAfterLoad runs the accessibility scan on a document Gatehouse rendered
// (one that links its stylesheet), once per distinct page state: path,
// title, status and element count. Every browser test thereby checks every
// page it reaches, error pages and the console included.
func (p *Page) scanAfterLoad(status int) {
	p.t.Helper()
	if os.Getenv(EnvAxe) == "0" {
		return
	}
	key, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](pageStateJS))
	if err != nil || key == "" {
		return
	}
	if _, seen := scanned.LoadOrStore(fmt.Sprintf("%d|%s", status, key), true); seen {
		return
	}
	if !p.budget.Pause() {
		return // the test's time is up; its own next step reports that
	}
	defer p.budget.Resume()
	ctx, cancel := context.WithTimeout(p.browserCtx, axeTimeout)
	defer cancel()
	scanPage := *p
	scanPage.Ctx = ctx
	scanPage.checkAccessibility(key)
}

// axeTimeout bounds one scan; the scans do not count against a test's
// browser timeout.
const axeTimeout = 60 * time.Second
