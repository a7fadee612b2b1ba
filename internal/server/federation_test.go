package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// TestFederationSignUpAndSignInAgain: an upstream identity signs up at the
// downstream during an application's authorization request, which
// completes with a code whose ID token says amr fed; signing in again
// (another browser) reaches the same user.
func TestFederationSignUpAndSignInAgain(t *testing.T) {
	env := startFederation(t, fedOptions{trustEmail: true})
	secret := registerClient(t, env.down, "app", true, "authorization_code")

	subjects := make([]string, 2)
	for i := range subjects {
		b := env.browser(t)
		rp := b.rp("app", secret)
		f := rp.newFlow()
		_, status, body := b.until(f.url, "")
		if status != http.StatusOK {
			t.Fatalf("login page: %d\n%s", status, body)
		}
		callback := b.upstreamSignIn(startLink(t, body))
		_, status, body = b.until(callback, rpRedirect)
		m := continueRe.FindStringSubmatch(body)
		if status != http.StatusOK || m == nil {
			t.Fatalf("round %d: no continue page after the callback: %d\n%s", i, status, body)
		}
		loc, status, body := b.until(htmlUnescape(m[1]), rpRedirect)
		if loc == "" {
			t.Fatalf("round %d: callback did not reach the application: %d\n%s", i, status, body)
		}
		tok, err := rp.exchange(f, rp.codeFrom(f, loc))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		idt, claims := rp.verifyIDToken(tok, f.nonce)
		subjects[i] = idt.Subject
		amr, _ := claims["amr"].([]any)
		if len(amr) != 1 || amr[0] != "fed" {
			t.Errorf("amr = %v, want [fed]", claims["amr"])
		}
		// The account page names the provider, not its id (issue 12).
		if status, _, body := b.do(http.MethodGet, "/account", nil); status != http.StatusOK ||
			!strings.Contains(mainText(body), "Upstream") || strings.Contains(body, "<td>up</td>") {
			t.Errorf("account page: %d\n%s", status, mainText(body))
		}
	}
	if subjects[0] != subjects[1] {
		t.Fatalf("second sign-in reached another user: %s vs %s", subjects[0], subjects[1])
	}
	u := env.downUser(t, env.upEmail)
	if u.ID != subjects[0] || u.State != storage.UserActive || !u.EmailVerified || u.PasswordHash != "" {
		t.Fatalf("downstream user = %+v", u)
	}
	ids, err := env.down.Srv.Store().Identities().ListByUser(context.Background(), u.ID)
	if err != nil || len(ids) != 1 || ids[0].Provider != "up" || ids[0].Subject != env.upUser || ids[0].LastUsedAt.IsZero() {
		t.Fatalf("identities = %+v, %v", ids, err)
	}
	events := auditTypes(t, env, u.ID)
	for _, want := range []string{"identity.linked", "user.login_federated", "registration.submitted"} {
		if !slices.Contains(events, want) {
			t.Errorf("audit events %v lack %s", events, want)
		}
	}
}

var continueRe = regexp.MustCompile(`id="continue" href="([^"]+)"`)

func auditTypes(t *testing.T, env *fedEnv, userID string) []string {
	t.Helper()
	page, err := env.down.Srv.Store().Audit().List(context.Background(), storage.AuditFilter{UserID: userID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page.Items {
		out = append(out, e.Type)
	}
	return out
}

// TestFederationCallbackReplayForeignStateOtherBrowser: SECURITY 45.
func TestFederationCallbackReplayForeignStateOtherBrowser(t *testing.T) {
	env := startFederation(t, fedOptions{trustEmail: true})
	b := env.browser(t)
	_, _, body := b.do(http.MethodGet, "/login", nil)
	start := startLink(t, body)

	callback := b.upstreamSignIn(start)
	other := env.browser(t)
	if status, _, body := other.do(http.MethodGet, callback, nil); status != http.StatusBadRequest ||
		!strings.Contains(body, "another browser") {
		t.Fatalf("callback from another browser: %d\n%s", status, body)
	}

	callback = b.upstreamSignIn(start) // the upstream session answers at once
	u, _ := url.Parse(callback)
	q := u.Query()
	q.Set("state", "forged-"+random(t))
	u.RawQuery = q.Encode()
	if status, _, _ := b.do(http.MethodGet, u.String(), nil); status != http.StatusBadRequest {
		t.Fatalf("foreign state: status %d, want 400", status)
	}
	if status, loc, body := b.do(http.MethodGet, callback, nil); status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("genuine callback: %d %s\n%s", status, loc, body)
	}
	if status, _, _ := b.do(http.MethodGet, callback, nil); status != http.StatusBadRequest {
		t.Fatalf("replayed callback: status %d, want 400", status)
	}
}

// TestRegisterNamesTheConfiguredProviders: the sign-up link names the
// providers there are, not "Google, GitHub or another account" (issue 12).
func TestRegisterNamesTheConfiguredProviders(t *testing.T) {
	env := startFederation(t, fedOptions{})
	rp := newRelyingParty(t, env.down, "none", "")
	for lang, want := range map[string]string{"en": "Sign up with Upstream", "ru": "Зарегистрироваться через Upstream"} {
		status, _, body := rp.get("/register?lang=" + lang)
		if status != http.StatusOK || !strings.Contains(body, want) || strings.Contains(body, "Google") {
			t.Errorf("%s: %d, want %q:\n%s", lang, status, want, mainText(body))
		}
	}
}
