package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// startPasskeyServer starts a server whose issuer is http://localhost:PORT:
// browsers refuse an IP address as a WebAuthn relying party ID, so the
// passkey tests use the loopback name. databaseURL, when set, is shared
// (two replicas).
func startPasskeyServer(t *testing.T, databaseURL string, extra map[string]string) *regServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	issuer := "http://localhost:" + port
	sink := testharness.NewSMTPSink(t)
	env := map[string]string{
		"GATEHOUSE_DEV":                 "true",
		"GATEHOUSE_SMTP_URL":            sink.URL(),
		"GATEHOUSE_MAIL_FROM":           "Gatehouse <no-reply@example.test>",
		"GATEHOUSE_CAPTCHA_TEST_ANSWER": testCaptcha,
		"GATEHOUSE_ISSUER":              issuer,
	}
	for k, v := range extra {
		env[k] = v
	}
	srv := testserver.Start(t, testserver.ServerOptions{Env: env, Listener: ln, DatabaseURL: databaseURL})
	srv.URL = issuer
	return &regServer{Server: srv, sink: sink}
}

// addVirtualAuthenticator gives the page's browser a CTAP2 platform
// authenticator with resident keys and user verification (a passkey
// provider that always verifies the user).
func addVirtualAuthenticator(t *testing.T, page *testharness.Page) webauthn.AuthenticatorID {
	t.Helper()
	res, err := chromedp.Run(page.Ctx, func(ctx context.Context, tg *chromedp.Target) (webauthn.AddVirtualAuthenticatorResult, error) {
		off := false
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{EnableUI: &off}); err != nil {
			return webauthn.AddVirtualAuthenticatorResult{}, err
		}
		return cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol:                    webauthn.AuthenticatorProtocolCtap2,
				Ctap2version:                webauthn.Ctap2versionCtap21,
				Transport:                   webauthn.AuthenticatorTransportInternal,
				HasResidentKey:              true,
				HasUserVerification:         true,
				IsUserVerified:              true,
				AutomaticPresenceSimulation: true,
			},
		})
	})
	if err != nil {
		t.Fatalf("virtual authenticator: %v", err)
	}
	return res.AuthenticatorID
}

// addPasskeyOnPage adds a passkey named name from the security page the
// page shows.
func addPasskeyOnPage(t *testing.T, page *testharness.Page, name string) {
	t.Helper()
	page.WaitVisible("#passkey-add-button")
	page.Fill("#passkey-name", name)
	page.ClickAndWait("#passkey-add-button")
	if !strings.Contains(page.Text("#passkey-list"), name) {
		t.Fatalf("passkey %q not listed:\n%s", name, mainText(page.HTML()))
	}
}

// withoutConditionalUI makes the page's browser report that it cannot
// offer passkeys in autofill (as browsers without conditional mediation
// do), so only the button starts a passkey sign-in; the returned func
// undoes it for documents loaded afterwards.
func withoutConditionalUI(t *testing.T, page *testharness.Page) func() {
	t.Helper()
	res, err := chromedp.Run(page.Ctx, func(ctx context.Context, tg *chromedp.Target) (cdppage.AddScriptToEvaluateOnNewDocumentResult, error) {
		return cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
			Source: `PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);`,
		})
	})
	if err != nil {
		t.Fatalf("hide conditional mediation: %v", err)
	}
	return func() {
		_, err := chromedp.Run(page.Ctx, func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
			return cdp.Call(ctx, tg, cdppage.RemoveScriptToEvaluateOnNewDocument,
				cdppage.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: res.Identifier})
		})
		if err != nil {
			t.Fatalf("restore conditional mediation: %v", err)
		}
	}
}

// postJSON posts body (JSON; nil for none) to raw and returns status and
// the answer.
func (rp *relyingParty) postJSON(raw string, body any) (int, []byte) {
	rp.t.Helper()
	var r io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			rp.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(http.MethodPost, rp.absolute(raw), r)
	if err != nil {
		rp.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := rp.browser.Do(req)
	if err != nil {
		rp.t.Fatalf("POST %s: %v", raw, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// signInForAccount signs rp's browser in with a password (no
// authorization request).
func signInForAccount(t *testing.T, rp *relyingParty, login, password string) {
	t.Helper()
	status, loc, body := rp.postForm("/login", url.Values{"login": {login}, "password": {password}, "return_to": {"/account/security"}})
	if status != http.StatusSeeOther || loc != "/account/security" {
		t.Fatalf("password sign-in: %d %s\n%s", status, loc, mainText(body))
	}
}

// registerPasskeyHTTP adds a passkey of a to the signed-in user: options
// from optionsBase, the answer to finishBase (another replica, or the
// same server).
func registerPasskeyHTTP(t *testing.T, rp *relyingParty, a *testharness.SoftAuthenticator, optionsBase, finishBase, name string) {
	t.Helper()
	status, opts := rp.postJSON(optionsBase+"/account/passkeys/options", nil)
	if status != http.StatusOK {
		t.Fatalf("registration options: %d %s", status, opts)
	}
	cred, err := a.Register(opts, "localhost", rp.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	status, res := rp.postJSON(finishBase+"/account/passkeys", map[string]any{"name": name, "credential": json.RawMessage(cred)})
	if status != http.StatusCreated {
		t.Fatalf("registration: %d %s", status, res)
	}
}

// passkeyChallenge asks optionsURL for ceremony options and returns the
// challenge.
func passkeyChallenge(t *testing.T, rp *relyingParty, optionsURL string) string {
	t.Helper()
	status, opts := rp.postJSON(optionsURL, nil)
	if status != http.StatusOK {
		t.Fatalf("options %s: %d %s", optionsURL, status, opts)
	}
	ch, err := testharness.Challenge(opts)
	if err != nil || ch == "" {
		t.Fatalf("options without a challenge: %s", opts)
	}
	return ch
}

// loginPageID follows the flow to the login page and returns the
// authorization request id.
func loginPageID(t *testing.T, rp *relyingParty, f authFlow) string {
	t.Helper()
	loc, status, body := rp.follow(f.url)
	m := authRequestIDRe.FindStringSubmatch(body)
	if loc != "" || status != http.StatusOK || m == nil {
		t.Fatalf("expected the login page: %s %d\n%s", loc, status, mainText(body))
	}
	return m[1]
}

// passkeySignInHTTP signs in to flow f with a's passkey: options from
// optionsBase, the assertion posted to finishBase. It returns status,
// Location and body of the POST.
func passkeySignInHTTP(t *testing.T, rp *relyingParty, a *testharness.SoftAuthenticator, f authFlow, optionsBase, finishBase string) (int, string, string) {
	t.Helper()
	id := loginPageID(t, rp, f)
	ch := passkeyChallenge(t, rp, optionsBase+"/login/passkey/options")
	cred, err := a.Assert(ch, "localhost", rp.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return rp.postForm(finishBase+"/login/passkey", url.Values{"credential": {string(cred)}, "authRequestID": {id}})
}
