package testharness

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// The helpers below are thin wrappers over chromedp on p.Ctx. Selectors are
// CSS selectors. Each fails the test with the selector and the current URL
// when chromedp returns an error (including the Page's timeout).

// Do runs chromedp actions on the page.
func (p *Page) Do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.Ctx, steps...); err != nil {
		p.fail("chromedp actions", err)
	}
}

// Navigate loads url, waits for the document, and returns its HTTP status.
func (p *Page) Navigate(url string) int {
	p.t.Helper()
	resp, err := chromedp.Run(p.Ctx, chromedp.NavigateResponse(url))
	if err != nil {
		p.fail("navigate to "+url, err)
	}
	if resp == nil {
		return 0
	}
	p.scanAfterLoad(int(resp.Status))
	return int(resp.Status)
}

// Text is the visible text of the first element matching sel (waits for it
// to be visible).
func (p *Page) Text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.fail("text of "+sel, err)
	}
	return s
}

// Value is the current value of the form field matching sel.
func (p *Page) Value(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.Ctx, chromedp.Value(chromedp.CSS(sel), chromedp.NodeReady))
	if err != nil {
		p.fail("value of "+sel, err)
	}
	return s
}

// Fill empties the input or textarea matching sel (waits for it to be
// visible) and types value into it.
func (p *Page) Fill(sel, value string) {
	p.t.Helper()
	err := chromedp.Do(p.Ctx, chromedp.WaitVisible(chromedp.CSS(sel)))
	if err == nil {
		err = p.setValue(sel, "")
	}
	if err == nil {
		err = chromedp.Do(p.Ctx, chromedp.SendKeys(chromedp.CSS(sel), value))
	}
	if err != nil {
		p.fail("fill "+sel, err)
	}
}

// SetValue sets the value of the field matching sel without typing, and fires
// input and change (for a select, or a field that is not visible).
func (p *Page) SetValue(sel, value string) {
	p.t.Helper()
	err := chromedp.Do(p.Ctx, chromedp.WaitReady(chromedp.CSS(sel)))
	if err == nil {
		err = p.setValue(sel, value)
	}
	if err != nil {
		p.fail("set value of "+sel, err)
	}
}

// setValue works in JavaScript: chromedp.SetValue (v0.23.0) cannot set "".
func (p *Page) setValue(sel, value string) error {
	got, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`((sel, v) => {
		const e = document.querySelector(sel);
		if (!e) throw new Error("no element matches " + sel);
		e.value = v;
		e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true}));
		return e.value;
	})(`+jsString(sel)+`, `+jsString(value)+`)`))
	if err == nil && got != value {
		err = fmt.Errorf("value is %q after setting %q", got, value)
	}
	return err
}

// Click clicks the first element matching sel (waits for it to be visible).
// It does not wait for a navigation; see ClickAndWait.
func (p *Page) Click(sel string) {
	p.t.Helper()
	if err := chromedp.Do(p.Ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		p.fail("click "+sel, err)
	}
}

// ClickAndWait clicks an element that causes a navigation (a link, a submit
// button), waits until the new document loads, and returns its HTTP status.
// If no navigation happens it fails when the Page's timeout ends.
func (p *Page) ClickAndWait(sel string) int {
	p.t.Helper()
	resp, err := chromedp.RunResponse(p.Ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		p.fail("click and wait "+sel, err)
	}
	if resp == nil {
		return 0
	}
	p.scanAfterLoad(int(resp.Status))
	return int(resp.Status)
}

// WaitVisible waits until an element matching sel is visible.
func (p *Page) WaitVisible(sel string) {
	p.t.Helper()
	if err := chromedp.Do(p.Ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		p.fail("wait for "+sel, err)
	}
}

// Has reports whether an element matches sel now (no waiting).
func (p *Page) Has(sel string) bool {
	p.t.Helper()
	ok, err := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](`document.querySelector(`+jsString(sel)+`) !== null`))
	if err != nil {
		p.fail("look for "+sel, err)
	}
	return ok
}

// CurrentURL is the URL of the document in the tab.
func (p *Page) CurrentURL() string {
	p.t.Helper()
	u, err := chromedp.Run(p.Ctx, chromedp.Location())
	if err != nil {
		p.fail("current URL", err)
	}
	return u
}

// Title is the document title.
func (p *Page) Title() string {
	p.t.Helper()
	s, err := chromedp.Run(p.Ctx, chromedp.Title())
	if err != nil {
		p.fail("title", err)
	}
	return s
}

// HTML is the serialized document.
func (p *Page) HTML() string {
	p.t.Helper()
	s, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		p.fail("page HTML", err)
	}
	return s
}

func (p *Page) fail(what string, err error) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.Ctx), 2*time.Second)
	defer cancel()
	loc, lerr := chromedp.Run(ctx, chromedp.Location())
	if lerr != nil {
		loc = "?"
	}
	p.t.Fatalf("testharness: browser: %s (at %s): %v", what, loc, err)
}
