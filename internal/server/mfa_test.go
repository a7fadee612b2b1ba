package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// TestMFASignInCodesOnceAndClaims: after the password, a user with TOTP
// gets the second step and no session; a wrong code, a code used before
// and a code two steps old are refused; the right code gives the
// application an ID token with amr pwd, otp, mfa and acr mfa; a recovery
// code works once and its use is mailed with the number left.
func TestMFASignInCodesOnceAndClaims(t *testing.T) {
	srv := startRegServer(t, nil)
	id := srv.CreateUser(t, "ada@example.com", testPass)
	secret, recovery := enrolTOTP(t, srv.Server, id)
	client := registerClient(t, srv.Server, "mfa-app", true)

	rp := newRelyingParty(t, srv.Server, "mfa-app", client)
	f := rp.newFlow()
	loc := passwordStep(t, rp, f, "ada@example.com", testPass)
	wantSecondStep(t, rp, loc)
	if n := signedInSessions(t, srv.Server, id); n != 0 {
		t.Fatalf("%d sessions before the second step", n)
	}
	if status, _, body := codeStep(t, rp, loc, "000001"); status != http.StatusUnprocessableEntity || !strings.Contains(mainText(body), "not right") {
		t.Fatalf("wrong code: %d\n%s", status, mainText(body))
	}
	if status, _, body := codeStep(t, rp, loc, ""); status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="code-error"`) {
		t.Fatalf("empty code: %d\n%s", status, mainText(body))
	}
	code := totpCode(t, secret, 0)
	status, next, body := codeStep(t, rp, loc, code)
	if status != http.StatusSeeOther {
		t.Fatalf("right code: %d\n%s", status, mainText(body))
	}
	tok, err := rp.exchange(f, rp.codeFrom(f, next))
	if err != nil {
		t.Fatal(err)
	}
	_, claims := rp.verifyIDToken(tok, f.nonce)
	wantMFAClaims(t, claims, "pwd")
	if claims["auth_time"] == nil {
		t.Error("no auth_time")
	}
	// A refreshed ID token keeps amr and acr.
	status, refreshed, _ := tokenRequest(t, srv.URL, "mfa-app", client, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	raw, _ := refreshed["id_token"].(string)
	if status != http.StatusOK || raw == "" {
		t.Fatalf("refresh: %d %v", status, refreshed)
	}
	idt, err := rp.verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	var refreshedClaims map[string]any
	_ = idt.Claims(&refreshedClaims)
	wantMFAClaims(t, refreshedClaims, "pwd")

	again := newRelyingParty(t, srv.Server, "mfa-app", client)
	g := again.newFlow()
	loc = passwordStep(t, again, g, "ada@example.com", testPass)
	if status, _, body := codeStep(t, again, loc, code); status != http.StatusUnprocessableEntity {
		t.Fatalf("a code used before: %d\n%s", status, mainText(body))
	}
	if status, _, body := codeStep(t, again, loc, totpCode(t, secret, -2)); status != http.StatusUnprocessableEntity {
		t.Fatalf("a code two steps old: %d\n%s", status, mainText(body))
	}
	status, next, body = codeStep(t, again, loc, strings.ToUpper(recovery[2]))
	if status != http.StatusSeeOther {
		t.Fatalf("recovery code: %d\n%s", status, mainText(body))
	}
	tok, err = again.exchange(g, again.codeFrom(g, next))
	if err != nil {
		t.Fatal(err)
	}
	_, claims = again.verifyIDToken(tok, g.nonce)
	wantMFAClaims(t, claims, "pwd")
	m := srv.letter(t, "ada@example.com", "recovery code was used")
	if !strings.Contains(m.TextBody, "Recovery codes left: 9") {
		t.Errorf("the letter does not say how many are left:\n%s", m.TextBody)
	}

	third := newRelyingParty(t, srv.Server, "mfa-app", client)
	h := third.newFlow()
	loc = passwordStep(t, third, h, "ada@example.com", testPass)
	if status, _, body := codeStep(t, third, loc, recovery[2]); status != http.StatusUnprocessableEntity {
		t.Fatalf("a recovery code used twice: %d\n%s", status, mainText(body))
	}
}

// TestMFAParallelCodeOneSession: 50 parallel submissions of one fresh
// code for one pending sign-in give exactly one session, on SQLite and on
// Postgres.
func TestMFAParallelCodeOneSession(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			srv := testserver.Start(t, testserver.ServerOptions{Postgres: pg})
			id := srv.CreateUser(t, "ada@example.com", testPass)
			secret, _ := enrolTOTP(t, srv, id)
			rp := newRelyingParty(t, srv, "none", "")
			status, loc, body := rp.postForm("/login", url.Values{"login": {"ada@example.com"}, "password": {testPass}})
			if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/mfa") {
				t.Fatalf("password: %d %s\n%s", status, loc, mainText(body))
			}
			code := totpCode(t, secret, 1)
			// Every submission carries the same pending sign-in cookie, as
			// 50 tabs (or replays) of one browser would; no shared jar, so
			// the winner's new cookies do not change the others' requests.
			u, _ := url.Parse(srv.URL)
			cookies := rp.browser.Jar.Cookies(u)
			plain := &http.Client{Timeout: 20 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			form := url.Values{"code": {code}}.Encode()
			var wg sync.WaitGroup
			var mu sync.Mutex
			won, lost := 0, 0
			start := make(chan struct{})
			for range 50 {
				wg.Go(func() {
					<-start
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/login/mfa", strings.NewReader(form))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					for _, c := range cookies {
						req.AddCookie(c)
					}
					resp, err := plain.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					mu.Lock()
					defer mu.Unlock()
					switch resp.StatusCode {
					case http.StatusSeeOther:
						won++
					case http.StatusUnprocessableEntity, http.StatusTooManyRequests:
						lost++ // a spent code counts as a wrong one, so the throttle may answer
					default:
						t.Errorf("status %d", resp.StatusCode)
					}
				})
			}
			close(start)
			wg.Wait()
			if won != 1 || lost != 49 {
				t.Fatalf("%d won, %d refused; want 1 and 49", won, lost)
			}
			if n := signedInSessions(t, srv, id); n != 1 {
				t.Fatalf("%d sessions, want 1", n)
			}
		})
	}
}

// TestMFANotSkippedByResetOrFederation: after a password reset of each
// style, the new password (link), the generated password and the
// temporary password each lead to the second step and no session; so
// does a federated sign-in (SECURITY 23).
func TestMFANotSkippedByResetOrFederation(t *testing.T) {
	newPass := "lunar tulip harbor"
	for _, style := range []string{"link", "generated", "temporary"} {
		t.Run(style, func(t *testing.T) {
			srv := startRegServer(t, map[string]string{"GATEHOUSE_RESET_STYLE": style})
			id := srv.CreateUser(t, "ada@example.com", testPass)
			setUsername(t, srv, id, "ada")
			enrolTOTP(t, srv.Server, id)
			client := registerClient(t, srv.Server, "reset-app", true)
			rp := newRelyingParty(t, srv.Server, "reset-app", client)
			form := url.Values{"email": {"ada@example.com"}}
			if style == "generated" {
				form.Set("login", "ada")
			}
			if status, body := requestReset(t, rp, form); status != http.StatusOK {
				t.Fatalf("request: %d\n%s", status, mainText(body))
			}
			password := newPass
			switch style {
			case "link":
				link, _ := url.Parse(srv.link(t, srv.letter(t, "ada@example.com", "Reset your"), "/reset/password"))
				f := url.Values{"token": {link.Query().Get("token")}, "password": {newPass}, "password_confirm": {newPass}}
				if status, _, body := rp.postForm("/reset/password", f); status != http.StatusOK {
					t.Fatalf("reset: %d\n%s", status, mainText(body))
				}
			case "generated":
				link, _ := url.Parse(srv.link(t, srv.letter(t, "ada@example.com", "Confirm your"), "/reset/confirm"))
				status, _, body := rp.postForm("/reset/confirm", url.Values{"token": {link.Query().Get("token")}})
				password = htmlUnescape(regexpFind(body, `id="generated-password"[^>]*value="([^"]+)"`))
				if status != http.StatusOK || password == "" {
					t.Fatalf("confirm: %d\n%s", status, mainText(body))
				}
			case "temporary":
				m := temporaryPasswordRe.FindStringSubmatch(srv.letter(t, "ada@example.com", "temporary").TextBody)
				if m == nil {
					t.Fatal("no temporary password in the letter")
				}
				password = m[1]
			}
			f := rp.newFlow()
			loc := passwordStep(t, rp, f, "ada@example.com", password)
			wantSecondStep(t, rp, loc)
			if n := signedInSessions(t, srv.Server, id); n != 0 {
				t.Fatalf("%d sessions after the %s reset's password without the second step", n, style)
			}
			if status, loc, _ := rp.get("/account"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
				t.Fatalf("the account page opened without the second step: %d %s", status, loc)
			}
		})
	}
	t.Run("federated", func(t *testing.T) {
		env := startFederation(t, fedOptions{trustEmail: true})
		localID := env.down.CreateUser(t, env.upEmail, testPass)
		secret, _ := enrolTOTP(t, env.down, localID)
		b, status, loc, body := federatedSignIn(t, env)
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/mfa") {
			t.Fatalf("federated sign-in: %d %s\n%s", status, loc, mainText(body))
		}
		if n := signedInSessions(t, env.down, localID); n != 0 {
			t.Fatalf("%d sessions after the upstream without the second step", n)
		}
		status, loc, body = b.do(http.MethodPost, "/login/mfa", url.Values{"code": {totpCode(t, secret, 0)}})
		if status != http.StatusSeeOther || loc != "/" {
			t.Fatalf("second step: %d %s\n%s", status, loc, mainText(body))
		}
		list, _ := env.down.Srv.Store().Sessions().ListByUser(context.Background(), localID, time.Now())
		if len(list) != 1 || strings.Join(list[0].AMR, " ") != "fed otp mfa" {
			t.Fatalf("sessions %+v, want one with amr fed otp mfa", list)
		}
	})
}

// TestMFAPolicyRequiredLeadsToEnrolment: with mfa.policy=required, a user
// without TOTP is led to enrolment right after the password; the
// application gets its code only after it, with amr otp.
func TestMFAPolicyRequiredLeadsToEnrolment(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	if _, err := srv.registrar(t).SetSetting(context.Background(), "mfa.policy", json.RawMessage(`"required"`), "test"); err != nil {
		t.Fatal(err)
	}
	client := registerClient(t, srv.Server, "policy-app", true)
	rp := newRelyingParty(t, srv.Server, "policy-app", client)
	f := rp.newFlow()
	loc := passwordStep(t, rp, f, "ada@example.com", testPass)
	if loc, status, _ := rp.follow(loc); loc != "" || status != http.StatusOK {
		t.Fatalf("the application got an answer before enrolment: %s", loc)
	}
	status, loc, _ := rp.get(f.url)
	loc2, _, body := rp.follow(loc)
	if loc2 != "" || !strings.Contains(body, `action="/account/totp"`) || !strings.Contains(body, `id="totp-required"`) {
		t.Fatalf("not led to enrolment (%d):\n%s", status, mainText(body))
	}
	secret := strings.ReplaceAll(htmlUnescape(regexpFind(body, `id="totp-secret"[^>]*>([^<]+)</textarea>`)), " ", "")
	arID := regexpFind(body, `name="authRequestID" value="([^"]+)"`)
	if secret == "" || arID == "" || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page lacks the key, the request or the QR code:\n%s", body)
	}
	status, _, body = rp.postForm("/account/totp", url.Values{"code": {"12345"}, "authRequestID": {arID}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(body), "not right") {
		t.Fatalf("wrong enrolment code: %d\n%s", status, mainText(body))
	}
	status, _, body = rp.postForm("/account/totp", url.Values{"code": {totpCode(t, secret, 0)}, "authRequestID": {arID}})
	if status != http.StatusOK || !strings.Contains(body, `id="recovery-codes"`) || !strings.Contains(body, `download="recovery-codes.txt"`) {
		t.Fatalf("enrolment: %d\n%s", status, mainText(body))
	}
	next := htmlUnescape(regexpFind(body, `id="codes-continue" href="([^"]+)"`))
	tok, err := rp.exchange(f, rp.codeFrom(f, next))
	if err != nil {
		t.Fatal(err)
	}
	_, claims := rp.verifyIDToken(tok, f.nonce)
	wantMFAClaims(t, claims, "pwd")
	srv.letter(t, "ada@example.com", "Two-step verification is on")

	// Signing in again on the way to enrolment (a stale session) keeps the
	// application's request.
	srv.CreateUser(t, "grace@example.com", testPass)
	back := "/account/totp?authRequestID=" + arID
	status, loc, _ = newRelyingParty(t, srv.Server, "none", "").postForm("/login", url.Values{"login": {"grace@example.com"}, "password": {testPass}, "return_to": {back}})
	if status != http.StatusSeeOther || loc != back {
		t.Fatalf("sign-in on the way to enrolment: %d %s", status, loc)
	}
	status, loc, _ = newRelyingParty(t, srv.Server, "none", "").postForm("/login", url.Values{"login": {"grace@example.com"}, "password": {testPass}, "return_to": {"/account"}})
	if status != http.StatusSeeOther || loc != "/account/totp" {
		t.Fatalf("sign-in of a user who must enrol: %d %s", status, loc)
	}
}

// TestMFAStepUpKeepsSession: a client with require_mfa, and a request with
// acr_values=mfa, each give a password-only session the second step
// without asking for the password again; acr is mfa afterwards. Without
// them the same session answers at once with acr pwd.
func TestMFAStepUpKeepsSession(t *testing.T) {
	srv := startRegServer(t, nil)
	id := srv.CreateUser(t, "ada@example.com", testPass)
	plain := registerClient(t, srv.Server, "plain-app", true)
	strict := srv.CreateClient(t, config.ClientConfig{ID: "strict-app", Name: "Strict", RedirectURIs: []string{rpRedirect},
		GrantTypes: []string{"authorization_code"}, FirstParty: true, RequireMFA: true})

	// Two browsers sign in with the password before TOTP is turned on.
	first := newRelyingParty(t, srv.Server, "plain-app", plain)
	second := newRelyingParty(t, srv.Server, "strict-app", strict)
	for _, rp := range []*relyingParty{first, second} {
		if status, _, _ := rp.postForm("/login", url.Values{"login": {"ada@example.com"}, "password": {testPass}}); status != http.StatusSeeOther {
			t.Fatal("password sign-in failed")
		}
	}
	secret, _ := enrolTOTP(t, srv.Server, id)

	f := first.newFlow()
	tok, err := first.exchange(f, first.codeFrom(f, f.url))
	if err != nil {
		t.Fatal(err)
	}
	if _, claims := first.verifyIDToken(tok, f.nonce); claims["acr"] != "pwd" {
		t.Fatalf("plain request: acr %v, want pwd", claims["acr"])
	}

	stepUp := func(rp *relyingParty, f authFlow, code string) {
		t.Helper()
		_, loc, _ := rp.get(f.url)
		for !strings.HasPrefix(loc, "/login/mfa") {
			var status int
			status, loc, _ = rp.get(loc)
			if status != http.StatusSeeOther {
				t.Fatalf("no step-up: %d %s", status, loc)
			}
		}
		body := wantSecondStep(t, rp, loc)
		if !strings.Contains(body, `id="mfa-step-up"`) {
			t.Errorf("the step-up page does not say the session stays:\n%s", mainText(body))
		}
		status, next, body := codeStep(t, rp, loc, code)
		if status != http.StatusSeeOther {
			t.Fatalf("step-up code: %d\n%s", status, mainText(body))
		}
		tok, err := rp.exchange(f, rp.codeFrom(f, next))
		if err != nil {
			t.Fatal(err)
		}
		_, claims := rp.verifyIDToken(tok, f.nonce)
		wantMFAClaims(t, claims, "pwd")
	}
	stepUp(first, first.newFlow(oauth2.SetAuthURLParam("acr_values", "mfa")), totpCode(t, secret, 0))
	stepUp(second, second.newFlow(), totpCode(t, secret, 1))

	// The stepped-up session now answers require_mfa at once.
	g := second.newFlow()
	if _, err := second.exchange(g, second.codeFrom(g, g.url)); err != nil {
		t.Fatalf("single sign-on after the step-up: %v", err)
	}
}

// TestMFADiscoveryAdvertisesACR: discovery lists acr_values_supported and
// the acr claim.
func TestMFADiscoveryAdvertisesACR(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		ACR    []string `json:"acr_values_supported"`
		Claims []string `json:"claims_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if strings.Join(doc.ACR, " ") != "mfa pwd" || !strings.Contains(strings.Join(doc.Claims, " "), " acr ") {
		t.Fatalf("acr_values_supported %v, claims %v", doc.ACR, doc.Claims)
	}
}

// TestMFAAdminResetThroughAPI: an administrator turns a user's MFA off
// through the API (audited, the user mailed); the user then signs in with
// the password alone.
func TestMFAAdminResetThroughAPI(t *testing.T) {
	srv := startRegServer(t, nil)
	id := srv.CreateUser(t, "ada@example.com", testPass)
	enrolTOTP(t, srv.Server, id)
	token := serviceToken(t, srv.Server, "ops", true)
	if r := apiCall(t, srv.URL, http.MethodGet, "/users/"+id, token, nil).want(t, http.StatusOK); r.body["mfa_enabled"] != true {
		t.Fatalf("mfa_enabled = %v", r.body["mfa_enabled"])
	}
	apiCall(t, srv.URL, http.MethodDelete, "/users/"+id+"/mfa", token, nil).want(t, http.StatusNoContent)
	apiCall(t, srv.URL, http.MethodDelete, "/users/nobody/mfa", token, nil).want(t, http.StatusNotFound)
	if r := apiCall(t, srv.URL, http.MethodGet, "/users/"+id, token, nil).want(t, http.StatusOK); r.body["mfa_enabled"] != false {
		t.Fatalf("mfa_enabled after reset = %v", r.body["mfa_enabled"])
	}
	ev := apiCall(t, srv.URL, http.MethodGet, "/audit-events?type=user.mfa_disabled", token, nil).want(t, http.StatusOK).items()
	if len(ev) != 1 || ev[0]["actor_id"] != "client:ops" {
		t.Fatalf("audit: %v", ev)
	}
	m := srv.letter(t, "ada@example.com", "Two-step verification is off")
	if !strings.Contains(m.TextBody, "An administrator turned it off") {
		t.Errorf("the letter does not say an administrator did it:\n%s", m.TextBody)
	}
	client := registerClient(t, srv.Server, "after-reset", true)
	rp := newRelyingParty(t, srv.Server, "after-reset", client)
	f := rp.newFlow()
	if _, err := rp.exchange(f, rp.signIn(f, "ada@example.com", testPass)); err != nil {
		t.Fatal(err)
	}
}

// TestMFAChangesNeedRecentSignIn: enrolling, removing and regenerating
// with a sign-in older than five minutes send the browser to sign in
// again (password, then the code) and back.
func TestMFAChangesNeedRecentSignIn(t *testing.T) {
	srv := startRegServer(t, nil)
	id := srv.CreateUser(t, "ada@example.com", testPass)
	rp := newRelyingParty(t, srv.Server, "none", "")
	if status, _, _ := rp.postForm("/login", url.Values{"login": {"ada@example.com"}, "password": {testPass}}); status != http.StatusSeeOther {
		t.Fatal("sign-in failed")
	}
	age := func() {
		t.Helper()
		// The test server runs on SQLite: times are unix milliseconds.
		if _, err := srv.Srv.Store().DB().ExecContext(context.Background(),
			`UPDATE browser_sessions SET auth_time = ? WHERE user_id = ?`, time.Now().Add(-6*time.Minute).UnixMilli(), id); err != nil {
			t.Fatal(err)
		}
	}
	age()
	if status, loc, _ := rp.get("/account/totp"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?") || !strings.Contains(loc, "return_to=%2Faccount%2Ftotp") {
		t.Fatalf("stale enrolment: %d %s", status, loc)
	}
	if status, loc, _ := rp.postForm("/account/totp", url.Values{"code": {"123456"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?") {
		t.Fatalf("stale enrolment POST: %d %s", status, loc)
	}
	secret, _ := enrolTOTP(t, srv.Server, id)
	for _, path := range []string{"/account/totp/remove", "/account/recovery-codes"} {
		if status, loc, _ := rp.postForm(path, url.Values{"confirm": {"1"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?") {
			t.Fatalf("stale POST %s: %d %s", path, status, loc)
		}
	}
	if on, _ := srv.Srv.SecondFactors().Enabled(context.Background(), id); !on {
		t.Fatal("a stale session turned TOTP off")
	}
	// Signing in again (password and code) makes the session fresh.
	status, loc, _ := rp.postForm("/login", url.Values{"login": {"ada@example.com"}, "password": {testPass}, "return_to": {"/account/recovery-codes"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/mfa") {
		t.Fatalf("re-authentication: %d %s", status, loc)
	}
	status, loc, _ = rp.postForm("/login/mfa", url.Values{"code": {totpCode(t, secret, 0)}, "return_to": {"/account/recovery-codes"}})
	if status != http.StatusSeeOther || loc != "/account/recovery-codes" {
		t.Fatalf("second step: %d %s", status, loc)
	}
	status, _, body := rp.postForm("/account/recovery-codes", nil)
	if status != http.StatusOK || !strings.Contains(body, `id="recovery-codes"`) {
		t.Fatalf("regenerate: %d\n%s", status, mainText(body))
	}
	srv.letter(t, "ada@example.com", "New recovery codes")
	if status, loc, _ := rp.postForm("/account/totp/remove", url.Values{"confirm": {"1"}}); status != http.StatusSeeOther || loc != "/account/security?notice=removed" {
		t.Fatalf("remove: %d %s", status, loc)
	}
	srv.letter(t, "ada@example.com", "Two-step verification is off")
	if status, _, body := rp.get("/account/security"); status != http.StatusOK || !strings.Contains(body, `id="totp-enrol"`) {
		t.Fatalf("security page after removal: %d\n%s", status, mainText(body))
	}
}

// TestMFAPolicyAndRequireMFAThroughAPI: mfa_policy in GET/PATCH /settings
// (an unknown value refused), require_mfa on POST/PATCH /clients.
func TestMFAPolicyAndRequireMFAThroughAPI(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	token := serviceToken(t, srv, "ops", true)
	if r := apiCall(t, srv.URL, http.MethodGet, "/settings", token, nil).want(t, http.StatusOK); r.body["mfa_policy"] != "optional" {
		t.Fatalf("default mfa_policy %v", r.body["mfa_policy"])
	}
	apiCall(t, srv.URL, http.MethodPatch, "/settings", token, map[string]any{"mfa_policy": "sometimes"}).want(t, http.StatusBadRequest)
	if r := apiCall(t, srv.URL, http.MethodPatch, "/settings", token, map[string]any{"mfa_policy": "required"}).want(t, http.StatusOK); r.body["mfa_policy"] != "required" {
		t.Fatalf("patched mfa_policy %v", r.body["mfa_policy"])
	}
	r := apiCall(t, srv.URL, http.MethodPost, "/clients", token, map[string]any{"id": "strict", "redirect_uris": []string{rpRedirect},
		"require_mfa": true}).want(t, http.StatusCreated)
	if r.body["require_mfa"] != true {
		t.Fatalf("created client: %v", r.body)
	}
	if r = apiCall(t, srv.URL, http.MethodPatch, "/clients/strict", token, map[string]any{"require_mfa": false}).want(t, http.StatusOK); r.body["require_mfa"] != false {
		t.Fatalf("patched client: %v", r.body)
	}
}

// TestMFAMaxAgeAsksOnlyTheCode: a session with both factors whose last
// factor is older than the request's max_age is asked only for a code;
// the session stays, and auth_time is the code's time.
func TestMFAMaxAgeAsksOnlyTheCode(t *testing.T) {
	srv := startRegServer(t, nil)
	id := srv.CreateUser(t, "ada@example.com", testPass)
	secret, _ := enrolTOTP(t, srv.Server, id)
	client := registerClient(t, srv.Server, "maxage-app", true)
	rp := newRelyingParty(t, srv.Server, "maxage-app", client)
	f := rp.newFlow()
	loc := passwordStep(t, rp, f, "ada@example.com", testPass)
	status, next, _ := codeStep(t, rp, loc, totpCode(t, secret, 0))
	if status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", status)
	}
	rp.codeFrom(f, next)
	// Both factors ten minutes ago (the test server runs on SQLite).
	old := time.Now().Add(-10 * time.Minute).UnixMilli()
	if _, err := srv.Srv.Store().DB().ExecContext(context.Background(),
		`UPDATE browser_sessions SET auth_time = ?, mfa_time = ? WHERE user_id = ?`, old, old, id); err != nil {
		t.Fatal(err)
	}
	before, _ := srv.Srv.Store().Sessions().ListByUser(context.Background(), id, time.Now())
	g := rp.newFlow(oauth2.SetAuthURLParam("max_age", "300"))
	_, loc, _ = rp.get(g.url)
	for !strings.HasPrefix(loc, "/login/mfa") {
		var st int
		if st, loc, _ = rp.get(loc); st != http.StatusSeeOther {
			t.Fatalf("max_age did not ask for the code: %d %s", st, loc)
		}
	}
	wantSecondStep(t, rp, loc)
	status, next, body := codeStep(t, rp, loc, totpCode(t, secret, 1))
	if status != http.StatusSeeOther {
		t.Fatalf("code: %d\n%s", status, mainText(body))
	}
	tok, err := rp.exchange(g, rp.codeFrom(g, next))
	if err != nil {
		t.Fatal(err)
	}
	idt, claims := rp.verifyIDToken(tok, g.nonce)
	wantMFAClaims(t, claims, "pwd")
	authTime, _ := claims["auth_time"].(float64)
	if time.Since(time.Unix(int64(authTime), 0)) > time.Minute {
		t.Fatalf("auth_time %v is not the code's time (token %v)", authTime, idt.IssuedAt)
	}
	after, _ := srv.Srv.Store().Sessions().ListByUser(context.Background(), id, time.Now())
	if len(before) != 1 || len(after) != 1 || after[0].ID == before[0].ID || !after[0].AuthTime.Equal(before[0].AuthTime) {
		t.Fatalf("sessions before %+v, after %+v: want one session with a new id (SECURITY 29) and the same password time", before, after)
	}
}

// TestMFAPagesWithoutSignIn: the second step without a pending sign-in
// and the security pages without a session send the browser to sign in;
// an altered pending cookie counts as none; Russian pages are translated.
func TestMFAPagesWithoutSignIn(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	rp := newRelyingParty(t, srv, "none", "")
	for _, path := range []string{"/login/mfa", "/account/security", "/account/totp", "/account/totp/remove", "/account/recovery-codes"} {
		if status, loc, _ := rp.get(path); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("GET %s: %d %s", path, status, loc)
		}
	}
	if status, loc, _ := rp.postForm("/login/mfa", url.Values{"code": {"123456"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("POST /login/mfa without a pending sign-in: %d %s", status, loc)
	}
	u, _ := url.Parse(srv.URL)
	rp.browser.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_mfa", Value: "bm90LWEtc2VhbGVkLXRva2Vu", Path: "/"}})
	if status, loc, _ := rp.get("/login/mfa"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("forged pending cookie: %d %s", status, loc)
	}
	id := srv.CreateUser(t, "ada@example.com", testPass)
	enrolTOTP(t, srv, id)
	ru := newRelyingParty(t, srv, "none", "")
	status, loc, _ := ru.postForm("/login", url.Values{"login": {"ada@example.com"}, "password": {testPass}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/mfa") {
		t.Fatalf("password: %d %s", status, loc)
	}
	if status, _, body := ru.get("/login/mfa?lang=ru"); status != http.StatusOK || !strings.Contains(body, "Введите код подтверждения") {
		t.Fatalf("Russian second step: %d\n%s", status, mainText(body))
	}
}

// TestMFAPolicyForAdminsGuardsTheConsole: with required_for_admins, an
// administrator without a second factor is sent to enrolment after the
// password and from the console; a session made before enrolling must
// sign in again with the code; a user is not affected.
func TestMFAPolicyForAdminsGuardsTheConsole(t *testing.T) {
	srv := startRegServer(t, nil)
	adminID := createUserWith(t, srv.Server, "root@example.com", storage.UserActive, storage.RoleAdmin)
	srv.CreateUser(t, "ada@example.com", testPass)
	if _, err := srv.registrar(t).SetSetting(context.Background(), "mfa.policy", json.RawMessage(`"required_for_admins"`), "test"); err != nil {
		t.Fatal(err)
	}
	user := newRelyingParty(t, srv.Server, "none", "")
	if status, loc, _ := user.postForm("/login", url.Values{"login": {"ada@example.com"}, "password": {testPass}, "return_to": {"/account"}}); status != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("a user is led elsewhere: %d %s", status, loc)
	}
	admin := newRelyingParty(t, srv.Server, "none", "")
	status, loc, _ := admin.postForm("/login", url.Values{"login": {"root@example.com"}, "password": {testPass}, "return_to": {"/admin"}})
	if status != http.StatusSeeOther || loc != "/account/totp" {
		t.Fatalf("administrator after the password: %d %s", status, loc)
	}
	if status, loc, _ := admin.get("/admin"); status != http.StatusSeeOther || loc != "/account/totp" {
		t.Fatalf("console without a second factor: %d %s", status, loc)
	}
	secret, _ := enrolTOTP(t, srv.Server, adminID)
	if status, loc, _ := admin.get("/admin"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?return_to=") {
		t.Fatalf("console with a password-only session: %d %s", status, loc)
	}
	status, loc, _ = admin.postForm("/login", url.Values{"login": {"root@example.com"}, "password": {testPass}, "return_to": {"/admin"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/mfa") {
		t.Fatalf("sign-in again: %d %s", status, loc)
	}
	if status, loc, _ = admin.postForm("/login/mfa", url.Values{"code": {totpCode(t, secret, 0)}, "return_to": {"/admin"}}); status != http.StatusSeeOther || loc != "/admin" {
		t.Fatalf("code: %d %s", status, loc)
	}
	if status, _, _ := admin.get("/admin"); status != http.StatusOK {
		t.Fatalf("console with both factors: %d", status)
	}
}
