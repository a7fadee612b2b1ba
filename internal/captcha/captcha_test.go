package captcha

import (
	"net/url"
	"strings"
	"testing"
)

func TestNoneNeedsNothingAndPassesEverything(t *testing.T) {
	c, err := New(Options{Provider: None}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Enabled() {
		t.Error("Enabled() = true for none")
	}
	ch, err := c.Challenge(t.Context())
	if err != nil || ch != (Challenge{Provider: None}) {
		t.Errorf("Challenge() = %+v, %v", ch, err)
	}
	for _, form := range []url.Values{nil, {}, answerForm("x", "y")} {
		if err := c.Verify(t.Context(), form, "192.0.2.1"); err != nil {
			t.Errorf("Verify(%v) = %v", form, err)
		}
	}
	if s, f, cn := c.CSPSources(); s != nil || f != nil || cn != nil {
		t.Errorf("CSPSources() = %v %v %v, want none", s, f, cn)
	}
}

func TestBuiltinIsTheDefault(t *testing.T) {
	c, err := New(Options{}, newMemStore())
	if err != nil {
		t.Fatal(err)
	}
	if c.Provider() != Builtin || !c.Enabled() {
		t.Errorf("provider %q, enabled %v", c.Provider(), c.Enabled())
	}
	if s, f, cn := c.CSPSources(); s != nil || f != nil || cn != nil || c.CSPStyleSources() != nil {
		t.Errorf("builtin needs no CSP sources, got %v %v %v", s, f, cn)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	cases := map[string]Options{
		"unknown provider":  {Provider: "friendlycaptcha"},
		"vendor no secret":  {Provider: HCaptcha, SiteKey: "k"},
		"vendor no sitekey": {Provider: Turnstile, Secret: "s"},
		"verify URL scheme": {Provider: ReCaptcha, SiteKey: "k", Secret: "s", VerifyURL: "ftp://x/y"},
		"verify URL host":   {Provider: ReCaptcha, SiteKey: "k", Secret: "s", VerifyURL: "/siteverify"},
	}
	for name, opts := range cases {
		if _, err := New(opts, newMemStore()); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := New(Options{Provider: Builtin}, nil); err == nil {
		t.Error("builtin without a store: New succeeded")
	}
}

func TestTestAnswerInDevMode(t *testing.T) {
	log, buf := logBuffer()
	f := newBuiltinFixture(t, Options{Dev: true, TestAnswer: "letmein", Logger: log})
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "CAPTCHA_TEST_ANSWER") {
		t.Errorf("New logged %q, want a warning about the test answer", buf.String())
	}
	if strings.Contains(buf.String(), "letmein") {
		t.Error("the test answer itself was logged")
	}

	ch := f.challenge(t)
	wantPass(t, f.c.Verify(t.Context(), answerForm(ch.ID, "letmein"), ""), "test answer")
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, "letmein"), ""), "test answer again")
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "real answer after the test answer")

	ch = f.challenge(t)
	wantPass(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "real answer still works")
	wantFailed(t, f.c.Verify(t.Context(), answerForm(storageIDForTest, "letmein"), ""), "test answer without a challenge")
	wantFailed(t, f.c.Verify(t.Context(), answerForm(f.challenge(t).ID, "LETMEIN"), ""), "test answer in the wrong case")
}

const storageIDForTest = "AAAAAAAAAAAAAAAAAAAAAA"

func TestTestAnswerIgnoredOutsideDevMode(t *testing.T) {
	log, buf := logBuffer()
	f := newBuiltinFixture(t, Options{TestAnswer: "letmein", Logger: log})
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "ignored") {
		t.Errorf("New logged %q, want a warning that the test answer is ignored", buf.String())
	}
	ch := f.challenge(t)
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, "letmein"), ""), "test answer outside dev mode")
}

func TestTestAnswerIgnoredForVendors(t *testing.T) {
	log, buf := logBuffer()
	c, err := New(Options{Provider: HCaptcha, SiteKey: "k", Secret: "s", Dev: true, TestAnswer: "letmein", Logger: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "ignored") {
		t.Errorf("New logged %q, want a warning that the test answer is ignored", buf.String())
	}
	form := url.Values{"h-captcha-response": {"letmein"}, FieldAnswer: {"letmein"}}
	c.backend.(*vendorClient).verifyURL = "http://127.0.0.1:1/unreachable"
	wantFailed(t, c.Verify(t.Context(), form, ""), "test answer with a vendor")
}

func TestNoWarningWithoutTestAnswer(t *testing.T) {
	log, buf := logBuffer()
	newBuiltinFixture(t, Options{Dev: true, Logger: log})
	if buf.String() != "" {
		t.Errorf("New logged %q", buf.String())
	}
}
