package server_test

import (
	"encoding/binary"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gatehouse/gatehouse/internal/captcha"
	"github.com/gatehouse/gatehouse/internal/instancekey"
	"github.com/gatehouse/gatehouse/internal/testharness"
)

// Issue 17 item 2: a captcha that does not punish.

// inputValue is the value attribute of the input named name in body.
func inputValue(t *testing.T, body, name string) string {
	t.Helper()
	re := regexp.MustCompile(`<input id="` + regexp.QuoteMeta(name) + `" name="` + regexp.QuoteMeta(name) + `"[^>]*>`)
	tag := re.FindString(body)
	if tag == "" {
		t.Fatalf("no input %s in\n%s", name, mainText(body))
	}
	m := regexp.MustCompile(` value="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// newImageURLOf is the formaction of the page's "New image" button.
func newImageURLOf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`id="captcha-new" formaction="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the page has no New image button:\n%s", mainText(body))
	}
	return html.UnescapeString(m[1])
}

// TestNewImageWithoutScriptKeepsTypedFields: without JavaScript "New image"
// posts the form to its page with captcha=new; the registration, sign-in
// and reset forms come back with a new challenge and everything typed
// (passwords included, as nothing was refused), with no error; then the
// form, answered, goes through.
func TestNewImageWithoutScriptKeepsTypedFields(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_FIELDS": fieldsA})
	rp := newRelyingParty(t, srv.Server, "none", "")

	_, _, body := rp.get("/register")
	typed := shapeAForm("ada", "ada@example.com", testPass)
	typed.Set("captcha_id", captchaIDOf(t, body))
	typed.Set("captcha", "half")
	target := newImageURLOf(t, body)
	if target != "/register?captcha=new" {
		t.Errorf("New image posts to %q", target)
	}
	status, _, again := rp.postForm(target, typed)
	if status != http.StatusOK || strings.Contains(again, `class="field-error"`) || strings.Contains(again, `role="alert"`) {
		t.Fatalf("new image: %d\n%s", status, mainText(again))
	}
	for _, name := range []string{"login", "email", "password", "password_confirm"} {
		if got := inputValue(t, again, name); got != typed.Get(name) {
			t.Errorf("%s = %q after New image, want %q", name, got, typed.Get(name))
		}
	}
	if inputValue(t, again, "captcha") != "" || captchaIDOf(t, again) == typed.Get("captcha_id") {
		t.Error("the answer was kept or the challenge not replaced")
	}
	if _, err := srv.userByEmail(t, "ada@example.com"); err == nil {
		t.Fatal("New image registered the account")
	}
	typed.Set("captcha_id", captchaIDOf(t, again))
	typed.Set("captcha", testCaptcha)
	if status, _, done := rp.postForm("/register", typed); status != http.StatusOK || !strings.Contains(done, "Check your email") {
		t.Fatalf("then registering: %d\n%s", status, mainText(done))
	}

	// Sign-in, once it asks for a captcha.
	srv.CreateUser(t, "kim@example.com", testPass)
	for range 3 {
		rp.postForm("/login", url.Values{"login": {"kim@example.com"}, "password": {"wrong password!"}})
	}
	_, _, body = rp.get("/login")
	form := url.Values{"login": {"kim@example.com"}, "password": {testPass}, "remember_me": {"1"}, "captcha_id": {captchaIDOf(t, body)}}
	status, _, again = rp.postForm(newImageURLOf(t, body), form)
	if status != http.StatusOK || inputValue(t, again, "login") != "kim@example.com" || inputValue(t, again, "password") != testPass ||
		captchaIDOf(t, again) == form.Get("captcha_id") || strings.Contains(again, `role="alert"`) {
		t.Fatalf("sign-in New image: %d\n%s", status, mainText(again))
	}

	// The reset request.
	_, _, body = rp.get("/reset")
	form = url.Values{"email": {"kim@example.com"}, "login": {"kim"}, "captcha_id": {captchaIDOf(t, body)}}
	status, _, again = rp.postForm(newImageURLOf(t, body), form)
	if status != http.StatusOK || inputValue(t, again, "email") != "kim@example.com" || captchaIDOf(t, again) == form.Get("captcha_id") {
		t.Fatalf("reset New image: %d\n%s", status, mainText(again))
	}
}

// TestWrongCaptchaKeepsPasswordsOnlyWhenAlone: a wrong answer with good
// fields keeps every field, the passwords too (on a no-store page); a wrong
// answer beside another error keeps all but the passwords. The sign-in
// form keeps its password on a wrong captcha.
func TestWrongCaptchaKeepsPasswordsOnlyWhenAlone(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_FIELDS": fieldsA})
	rp := newRelyingParty(t, srv.Server, "none", "")
	status, _, body := registerHTTP(t, rp, func() url.Values {
		f := shapeAForm("ada", "ada@example.com", testPass)
		f.Set("captcha", "wrong1")
		return f
	}())
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="captcha-error"`) {
		t.Fatalf("wrong captcha: %d\n%s", status, mainText(body))
	}
	for _, name := range []string{"login", "email", "password", "password_confirm"} {
		if inputValue(t, body, name) == "" {
			t.Errorf("%s not kept after a wrong captcha", name)
		}
	}
	f := shapeAForm("ada", "ada@example.com", testPass)
	f.Set("password_confirm", "something else entirely")
	f.Set("captcha", "wrong1")
	status, _, body = registerHTTP(t, rp, f)
	if status != http.StatusUnprocessableEntity || inputValue(t, body, "login") != "ada" || inputValue(t, body, "password") != "" {
		t.Fatalf("wrong captcha and mismatch: %d, login %q password %q", status, inputValue(t, body, "login"), inputValue(t, body, "password"))
	}

	srv.CreateUser(t, "kim@example.com", testPass)
	for range 3 {
		rp.postForm("/login", url.Values{"login": {"kim@example.com"}, "password": {"wrong password!"}})
	}
	_, _, page := rp.get("/login")
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/login", strings.NewReader(url.Values{
		"login": {"kim@example.com"}, "password": {testPass}, "captcha_id": {captchaIDOf(t, page)}, "captcha": {"wrong1"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := rp.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity || inputValue(t, string(raw), "password") != testPass {
		t.Errorf("sign-in wrong captcha: %d, password kept %v", resp.StatusCode, inputValue(t, string(raw), "password") != "")
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("a page with the password has Cache-Control %q", cc)
	}
}

// audioKeyOf is the server's audio key, derived from its instance key.
func audioKeyOf(t *testing.T, srv *regServer) []byte {
	t.Helper()
	key, err := instancekey.FromSecret(srv.Config.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	return key.Derive(captcha.AudioKeyPurpose, 32)
}

// TestCaptchaAudioAlternative: each challenge links its spoken digits,
// served as audio/wav (RIFF, PCM) in English and Russian, no-store; typing
// the digits instead of the characters registers. GET /captcha/new gives a
// fresh challenge as JSON. Both endpoints stop a flood from one address.
func TestCaptchaAudioAlternative(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_FIELDS": fieldsA,
		"GATEHOUSE_CAPTCHA_TEST_ANSWER": ""}) // no shortcut: only the real answers
	rp := newRelyingParty(t, srv.Server, "none", "")
	_, _, body := rp.get("/register")
	id := captchaIDOf(t, body)
	audioURL := "/captcha/audio?id=" + url.QueryEscape(id)
	if !strings.Contains(body, `<audio id="captcha-audio" controls preload="none" src="`+html.EscapeString(audioURL)+`"`) {
		t.Fatalf("no audio player for %s:\n%s", audioURL, body)
	}
	for _, lang := range []string{"en", "ru"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+audioURL, nil)
		req.Header.Set("Accept-Language", lang) // as the page was negotiated
		resp, err := rp.browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		wav, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "audio/wav" ||
			resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Language") != lang {
			t.Fatalf("%s: %d %q %q %q", lang, resp.StatusCode, resp.Header.Get("Content-Type"),
				resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Language"))
		}
		if len(wav) < 44 || string(wav[:4]) != "RIFF" || string(wav[8:16]) != "WAVEfmt " || binary.LittleEndian.Uint16(wav[20:22]) != 1 ||
			int(binary.LittleEndian.Uint32(wav[4:8])) < len(wav)-9 {
			t.Fatalf("%s: not a PCM WAV file: % x", lang, wav[:min(len(wav), 44)])
		}
	}
	f := shapeAForm("ada", "ada@example.com", testPass)
	f.Set("captcha_id", id)
	f.Set("captcha", captcha.AudioAnswer(audioKeyOf(t, srv), id))
	if status, _, done := rp.postForm("/register", f); status != http.StatusOK || !strings.Contains(done, "Check your email") {
		t.Fatalf("registering with the spoken digits: %d\n%s", status, mainText(done))
	}

	// The script's endpoint: a new challenge, then that challenge's digits pass.
	status, _, js := rp.get("/captcha/new")
	var ch captcha.ChallengeJSON
	if status != http.StatusOK || json.Unmarshal([]byte(js), &ch) != nil || ch.ID == "" ||
		!strings.HasPrefix(ch.Image, "data:image/png;base64,") || ch.AudioURL != "/captcha/audio?id="+url.QueryEscape(ch.ID) {
		t.Fatalf("/captcha/new: %d %s", status, js)
	}
	f = shapeAForm("bob", "bob@example.com", testPass)
	f.Set("captcha_id", ch.ID)
	f.Set("captcha", captcha.AudioAnswer(audioKeyOf(t, srv), ch.ID))
	if status, _, done := rp.postForm("/register", f); status != http.StatusOK || !strings.Contains(done, "Check your email") {
		t.Fatalf("registering with a fetched challenge: %d\n%s", status, mainText(done))
	}

	limited := false
	for range 25 {
		if status, _, _ := rp.get("/captcha/new"); status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("25 new challenges a minute from one address were all served")
	}
}

// TestNewImageKeepsTypedFieldsInBrowser: with JavaScript, "New image"
// replaces the image and the challenge without leaving the page; the
// typed login, email and password stay, and Enter in the answer field
// submits the form (not another "New image"). At 390 px.
func TestNewImageKeepsTypedFieldsInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_FIELDS": fieldsA})
	page.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	page.Navigate(srv.URL + "/register")
	page.Fill("#login", "ada")
	page.Fill("#email", "ada@example.com")
	page.Fill("#password", testPass)
	page.Fill("#password_confirm", testPass)
	oldID, oldImage := page.Value("#captcha-id"), captchaJS(t, page, `document.querySelector("#captcha-image").src`)
	page.Click("#captcha-new")
	captchaWaitFor(t, func() bool { return page.Value("#captcha-id") != oldID })
	if got := captchaJS(t, page, `document.querySelector("#captcha-image").src`); got == oldImage || !strings.HasPrefix(got, "data:image/png;base64,") {
		t.Error("the image did not change")
	}
	if !strings.HasSuffix(page.CurrentURL(), "/register") {
		t.Errorf("the page was left: %s", page.CurrentURL())
	}
	for sel, want := range map[string]string{"#login": "ada", "#email": "ada@example.com", "#password": testPass, "#password_confirm": testPass} {
		if got := page.Value(sel); got != want {
			t.Errorf("%s = %q after New image, want %q", sel, got, want)
		}
	}
	if got := captchaJS(t, page, `document.querySelector("#captcha-audio").src`); !strings.HasSuffix(got, "/captcha/audio?id="+url.QueryEscape(page.Value("#captcha-id"))) {
		t.Errorf("the audio still speaks the old challenge: %s", got)
	}
	if wide := captchaJS(t, page, `String(document.scrollingElement.scrollWidth > 390)`); wide != "false" {
		t.Error("the registration page scrolls sideways at 390 px")
	}
	captchaScreenshot(t, page, "captcha-new-image-390")
	page.Fill("#captcha", testCaptcha)
	if _, err := chromedp.RunResponse(page.Ctx, chromedp.SendKeys(chromedp.CSS("#captcha"), kb.Enter)); err != nil {
		t.Fatalf("Enter in the answer field: %v", err)
	}
	if got := page.Text("h1"); got != "Check your email" {
		t.Fatalf("after Enter: %q\n%s", got, mainText(page.HTML()))
	}
}

// captchaJS evaluates a JavaScript expression giving a string.
func captchaJS(t *testing.T, page *testharness.Page, expr string) string {
	t.Helper()
	s, err := chromedp.Run(page.Ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return s
}

// captchaWaitFor polls cond until it holds, failing after 15 seconds.
func captchaWaitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 150 {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the condition never held")
}

// captchaScreenshot saves a screenshot of the page beside the harness's
// failure artifacts (GATEHOUSE_TEST_ARTIFACTS).
func captchaScreenshot(t *testing.T, page *testharness.Page, name string) {
	t.Helper()
	dir := os.Getenv(testharness.EnvArtifacts)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "gatehouse-test-artifacts")
	}
	png, err := chromedp.Run(page.Ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", filepath.Join(dir, name+".png"))
}

// TestFederationSignUpNewImageWithoutScript: the provider sign-up page's
// "New image" shows a new challenge with no error and no provider buttons.
func TestFederationSignUpNewImageWithoutScript(t *testing.T) {
	env := startFederation(t, fedOptions{trustEmail: true, downEnv: map[string]string{
		"GATEHOUSE_CAPTCHA": "builtin", "GATEHOUSE_CAPTCHA_TEST_ANSWER": testCaptcha, "GATEHOUSE_DEV": "true",
	}})
	b := env.browser(t)
	_, _, page := b.do(http.MethodGet, "/federation/signup", nil)
	old := captchaIDOf(t, page)
	status, _, again := b.do(http.MethodPost, newImageURLOf(t, page), url.Values{"captcha_id": {old}})
	if status != http.StatusOK || captchaIDOf(t, again) == old || strings.Contains(again, `id="captcha-error"`) ||
		strings.Contains(again, "/federation/up/start") {
		t.Fatalf("New image: %d\n%s", status, mainText(again))
	}
}
