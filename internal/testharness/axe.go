package testharness

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

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
	if _, err := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](`typeof window.axe === "object" || (function(){`+axeSource+`
;return true})()`)); err != nil {
		return nil, fmt.Errorf("load axe-core: %w", err)
	}
	raw, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`axe.run(document, `+axeRunOptions+`).then(r => JSON.stringify(r.violations.map(v => ({
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
	vs, err := p.Accessibility()
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
	key, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`document.querySelector('link[rel=stylesheet][href*="/static/gatehouse"]') ?
		location.pathname + "|" + document.title + "|" + document.documentElement.lang + "|" + document.getElementsByTagName("*").length : ""`))
	if err != nil || key == "" {
		return
	}
	if _, seen := scanned.LoadOrStore(fmt.Sprintf("%d|%s", status, key), true); seen {
		return
	}
	p.CheckAccessibility()
}
