package server_test

import (
	"context"
	"net"
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
func startPasskeyServer(t *testing.T, databaseURL string) *regServer {
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
