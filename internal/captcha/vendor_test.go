package captcha

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeVendor is a local siteverify endpoint that records what it got.
type fakeVendor struct {
	srv   *httptest.Server
	mu    sync.Mutex
	forms []url.Values
	ctype string
	reply func(w http.ResponseWriter, r *http.Request)
}

func newFakeVendor(t *testing.T, reply func(w http.ResponseWriter, r *http.Request)) *fakeVendor {
	t.Helper()
	f := &fakeVendor{reply: reply}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.forms = append(f.forms, r.PostForm)
		f.ctype = r.Header.Get("Content-Type")
		f.mu.Unlock()
		f.reply(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeVendor) calls() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.forms...)
}

func replyJSON(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func newVendorCaptcha(t *testing.T, provider, verifyURL string) *Captcha {
	t.Helper()
	c, err := New(Options{Provider: provider, SiteKey: "site-key", Secret: "the-secret", VerifyURL: verifyURL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVendorSuccessSendsSecretTokenAndAddress(t *testing.T) {
	for _, p := range []string{HCaptcha, Turnstile, ReCaptcha} {
		t.Run(p, func(t *testing.T) {
			fv := newFakeVendor(t, replyJSON(200, `{"success": true, "hostname": "id.example"}`))
			c := newVendorCaptcha(t, p, fv.srv.URL)
			ch, _ := c.Challenge(t.Context())
			form := url.Values{ch.ResponseField: {"token-123"}}
			wantPass(t, c.Verify(t.Context(), form, "203.0.113.7"), "valid token")
			calls := fv.calls()
			if len(calls) != 1 {
				t.Fatalf("%d calls to the vendor", len(calls))
			}
			got := calls[0]
			want := url.Values{"secret": {"the-secret"}, "response": {"token-123"}, "remoteip": {"203.0.113.7"}}
			if p == HCaptcha {
				want.Set("sitekey", "site-key")
			}
			if got.Encode() != want.Encode() {
				t.Errorf("vendor got %v, want %v", got, want)
			}
			if fv.ctype != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type %q", fv.ctype)
			}
		})
	}
}

func TestVendorWithoutAddressSendsNone(t *testing.T) {
	fv := newFakeVendor(t, replyJSON(200, `{"success": true}`))
	c := newVendorCaptcha(t, Turnstile, fv.srv.URL)
	wantPass(t, c.Verify(t.Context(), url.Values{"cf-turnstile-response": {"t"}}, ""), "no address")
	if _, ok := fv.calls()[0]["remoteip"]; ok {
		t.Error("remoteip sent though unknown")
	}
}

func TestVendorRejection(t *testing.T) {
	log, buf := logBuffer()
	fv := newFakeVendor(t, replyJSON(200, `{"success": false, "error-codes": ["invalid-input-response"]}`))
	c, err := New(Options{Provider: HCaptcha, SiteKey: "k", Secret: "s", VerifyURL: fv.srv.URL, Logger: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Verify(t.Context(), url.Values{"h-captcha-response": {"bad"}}, "")
	wantFailed(t, err, "rejected token")
	if errors.Is(err, ErrUnavailable) {
		t.Errorf("a rejection is not unavailability: %v", err)
	}
	if buf.String() != "" {
		t.Errorf("a user's bad token was logged as a problem: %q", buf.String())
	}
}

func TestVendorRejectingOurKeysIsLogged(t *testing.T) {
	log, buf := logBuffer()
	fv := newFakeVendor(t, replyJSON(200, `{"success": false, "error-codes": ["invalid-input-secret"]}`))
	c, err := New(Options{Provider: ReCaptcha, SiteKey: "k", Secret: "s", VerifyURL: fv.srv.URL, Logger: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantFailed(t, c.Verify(t.Context(), url.Values{"g-recaptcha-response": {"tok"}}, ""), "bad secret")
	if !strings.Contains(buf.String(), "level=ERROR") || strings.Contains(buf.String(), "=s ") {
		t.Errorf("log %q: want an error about the keys, without the secret", buf.String())
	}
}

func TestVendorUnavailableFailsClosed(t *testing.T) {
	cases := map[string]func(http.ResponseWriter, *http.Request){
		"500":             replyJSON(500, `{"success": true}`),
		"garbage":         replyJSON(200, `<html>not json</html>`),
		"no success":      replyJSON(200, `{"hostname": "x"}`),
		"success string":  replyJSON(200, `{"success": "true"}`),
		"redirect":        func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) },
		"oversized reply": replyJSON(200, `{"success": true, "x": "`+strings.Repeat("a", maxVerifyBody)+`"}`),
	}
	for name, reply := range cases {
		t.Run(name, func(t *testing.T) {
			log, buf := logBuffer()
			fv := newFakeVendor(t, reply)
			c, err := New(Options{Provider: HCaptcha, SiteKey: "k", Secret: "the-secret", VerifyURL: fv.srv.URL, Logger: log}, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Verify(t.Context(), url.Values{"h-captcha-response": {"tok"}}, "")
			wantFailed(t, err, name)
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("err = %v, want ErrUnavailable too", err)
			}
			if !strings.Contains(buf.String(), "level=ERROR") || strings.Contains(buf.String(), "the-secret") {
				t.Errorf("log %q: want an error, without the secret", buf.String())
			}
		})
	}
}

func TestVendorTimeoutFailsClosed(t *testing.T) {
	release := make(chan struct{})
	fv := newFakeVendor(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := newVendorCaptcha(t, Turnstile, fv.srv.URL)
	c.backend.(*vendorClient).timeout = 100 * time.Millisecond
	start := time.Now()
	err := c.Verify(t.Context(), url.Values{"cf-turnstile-response": {"tok"}}, "")
	wantFailed(t, err, "slow vendor")
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Verify took %v", d)
	}
}

func TestVendorDefaultClientIsBounded(t *testing.T) {
	c := newVendorCaptcha(t, HCaptcha, "")
	v := c.backend.(*vendorClient)
	if v.client.Timeout != verifyTimeout || v.timeout != verifyTimeout {
		t.Errorf("client timeout %v, call timeout %v, want %v", v.client.Timeout, v.timeout, verifyTimeout)
	}
}

func TestVendorMissingOrOverlongTokenIsNotSent(t *testing.T) {
	fv := newFakeVendor(t, replyJSON(200, `{"success": true}`))
	c := newVendorCaptcha(t, ReCaptcha, fv.srv.URL)
	for name, form := range map[string]url.Values{
		"none":           {},
		"blank":          {"g-recaptcha-response": {"  "}},
		"other vendor's": {"h-captcha-response": {"tok"}},
		"builtin field":  {FieldAnswer: {"tok"}},
		"overlong":       {"g-recaptcha-response": {strings.Repeat("t", maxResponseToken+1)}},
	} {
		wantFailed(t, c.Verify(t.Context(), form, ""), name)
	}
	if n := len(fv.calls()); n != 0 {
		t.Errorf("%d calls to the vendor", n)
	}
}

func TestVendorChallengeAndDefaults(t *testing.T) {
	cases := []struct {
		provider, verifyURL, scriptURL, field, class string
	}{
		{HCaptcha, "https://api.hcaptcha.com/siteverify", "https://js.hcaptcha.com/1/api.js", "h-captcha-response", "h-captcha"},
		{Turnstile, "https://challenges.cloudflare.com/turnstile/v0/siteverify", "https://challenges.cloudflare.com/turnstile/v0/api.js", "cf-turnstile-response", "cf-turnstile"},
		{ReCaptcha, "https://www.google.com/recaptcha/api/siteverify", "https://www.google.com/recaptcha/api.js", "g-recaptcha-response", "g-recaptcha"},
	}
	for _, tc := range cases {
		c := newVendorCaptcha(t, tc.provider, "")
		if got := c.backend.(*vendorClient).verifyURL; got != tc.verifyURL {
			t.Errorf("%s verify URL %q, want %q", tc.provider, got, tc.verifyURL)
		}
		ch, err := c.Challenge(t.Context())
		want := Challenge{Provider: tc.provider, SiteKey: "site-key", ScriptURL: tc.scriptURL, ResponseField: tc.field}
		if err != nil || ch != want {
			t.Errorf("%s challenge %+v, %v; want %+v", tc.provider, ch, err, want)
		}
		if ch.WidgetClass() != tc.class || !ch.IsVendor() || ch.IsBuiltin() {
			t.Errorf("%s widget class %q", tc.provider, ch.WidgetClass())
		}
		script, frame, _ := c.CSPSources()
		if !allowedBy(tc.scriptURL, script) {
			t.Errorf("%s script %s not allowed by %v", tc.provider, tc.scriptURL, script)
		}
		if len(frame) == 0 {
			t.Errorf("%s: no frame-src sources", tc.provider)
		}
		if style := c.CSPStyleSources(); (tc.provider == HCaptcha) != (len(style) > 0) {
			t.Errorf("%s: style-src sources %v", tc.provider, style)
		}
	}
}

// allowedBy reports whether a CSP source list (host sources with an
// optional "*." and a path prefix ending in "/") allows u.
func allowedBy(raw string, sources []string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for _, s := range sources {
		src, err := url.Parse(strings.Replace(s, "*.", "wildcard.", 1))
		if err != nil || src.Scheme != u.Scheme {
			continue
		}
		host := src.Host == u.Host ||
			strings.HasPrefix(src.Host, "wildcard.") && strings.HasSuffix(u.Host, strings.TrimPrefix(src.Host, "wildcard"))
		if host && strings.HasPrefix(u.Path, src.Path) {
			return true
		}
	}
	return false
}
