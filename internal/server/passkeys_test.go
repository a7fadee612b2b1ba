package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// TestPasskeyCeremoniesAcrossReplicas: two servers share one Postgres
// database; a passkey registered with options from A and finished on B
// then signs in to an application with a ceremony started on A and
// finished on B (the challenge lives in the database).
func TestPasskeyCeremoniesAcrossReplicas(t *testing.T) {
	dbURL := testharness.PostgresURL(t)
	key := map[string]string{"GATEHOUSE_SECRET_KEY": strings.Repeat("passkey-replicas-key-", 2)}
	a := startPasskeyServer(t, dbURL, key)
	lnB, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, portB, _ := net.SplitHostPort(lnB.Addr().String())
	envB := map[string]string{"GATEHOUSE_ISSUER": a.URL, "GATEHOUSE_SECRET_KEY": key["GATEHOUSE_SECRET_KEY"], "GATEHOUSE_DEV": "true"}
	testserver.Start(t, testserver.ServerOptions{DatabaseURL: dbURL, Env: envB, Listener: lnB})
	b := "http://localhost:" + portB // cookies for localhost reach both

	userID := a.CreateUser(t, "ada@example.com", testPass)
	rp := newRelyingParty(t, a.Server, "replica-app", registerClient(t, a.Server, "replica-app", true))
	soft := testharness.NewSoftAuthenticator()
	signInForAccount(t, rp, "ada@example.com", testPass)
	registerPasskeyHTTP(t, rp, soft, a.URL, b, "Laptop")

	fresh := newRelyingParty(t, a.Server, "replica-app", rp.oauth.ClientSecret)
	f := fresh.newFlow()
	status, loc, body := passkeySignInHTTP(t, fresh, soft, f, a.URL, b)
	if status != http.StatusSeeOther {
		t.Fatalf("passkey sign-in on B: %d\n%s", status, mainText(body))
	}
	code := fresh.codeFrom(f, loc)
	tok, err := fresh.exchange(f, code)
	if err != nil {
		t.Fatal(err)
	}
	_, claims := fresh.verifyIDToken(tok, f.nonce)
	if amr := amrOf(claims); !slices.Contains(amr, "mfa") || claims["sub"] != userID || claims["acr"] != "mfa" {
		t.Fatalf("claims %v", claims)
	}
}

// TestPasskeyOrTOTPAtSecondStep: a user with TOTP and a passkey who signs
// in with the password may finish the second step with either.
func TestPasskeyOrTOTPAtSecondStep(t *testing.T) {
	srv := startPasskeyServer(t, "", nil)
	userID := srv.CreateUser(t, "ada@example.com", testPass)
	secret := registerClient(t, srv.Server, "mfa-passkey-app", true)
	rp := newRelyingParty(t, srv.Server, "mfa-passkey-app", secret)
	soft := testharness.NewSoftAuthenticator()
	signInForAccount(t, rp, "ada@example.com", testPass)
	registerPasskeyHTTP(t, rp, soft, srv.URL, srv.URL, "Key")
	totpSecret, _ := enrolTOTP(t, srv.Server, userID)

	// The passkey.
	withPasskey := newRelyingParty(t, srv.Server, "mfa-passkey-app", secret)
	f := withPasskey.newFlow()
	loc := passwordStep(t, withPasskey, f, "ada@example.com", testPass)
	page := wantSecondStep(t, withPasskey, loc)
	if !strings.Contains(page, `id="passkey-second"`) || !strings.Contains(page, `name="code"`) {
		t.Fatalf("the second step offers not both:\n%s", page)
	}
	ch := passkeyChallenge(t, withPasskey, "/login/mfa/passkey/options")
	cred, err := soft.Assert(ch, "localhost", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	arID, _ := url.Parse(loc)
	status, next, body := withPasskey.postForm("/login/mfa", url.Values{"passkey": {string(cred)}, "authRequestID": {arID.Query().Get("authRequestID")}})
	if status != http.StatusSeeOther {
		t.Fatalf("passkey second step: %d\n%s", status, mainText(body))
	}
	tok, err := withPasskey.exchange(f, withPasskey.codeFrom(f, next))
	if err != nil {
		t.Fatal(err)
	}
	_, claims := withPasskey.verifyIDToken(tok, f.nonce)
	amr := amrOf(claims)
	if !slices.Contains(amr, "pwd") || !slices.Contains(amr, "hwk") || !slices.Contains(amr, "mfa") || claims["acr"] != "mfa" {
		t.Fatalf("passkey second step: amr %v acr %v", amr, claims["acr"])
	}

	// The TOTP code.
	withCode := newRelyingParty(t, srv.Server, "mfa-passkey-app", secret)
	f = withCode.newFlow()
	loc = passwordStep(t, withCode, f, "ada@example.com", testPass)
	wantSecondStep(t, withCode, loc)
	status, next, body = codeStep(t, withCode, loc, totpCode(t, totpSecret, 0))
	if status != http.StatusSeeOther {
		t.Fatalf("code second step: %d\n%s", status, mainText(body))
	}
	tok, err = withCode.exchange(f, withCode.codeFrom(f, next))
	if err != nil {
		t.Fatal(err)
	}
	_, claims = withCode.verifyIDToken(tok, f.nonce)
	wantMFAClaims(t, claims, "pwd")

	// A wrong passkey answer at the second step is refused with a message.
	refused := newRelyingParty(t, srv.Server, "mfa-passkey-app", secret)
	f = refused.newFlow()
	loc = passwordStep(t, refused, f, "ada@example.com", testPass)
	wantSecondStep(t, refused, loc)
	other := testharness.NewSoftAuthenticator()
	other.UserHandle = []byte(userID)
	cred, _ = other.Assert(passkeyChallenge(t, refused, "/login/mfa/passkey/options"), "localhost", srv.URL)
	arID, _ = url.Parse(loc)
	status, _, body = refused.postForm("/login/mfa", url.Values{"passkey": {string(cred)}, "authRequestID": {arID.Query().Get("authRequestID")}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "not accepted") {
		t.Fatalf("unknown passkey at the second step: %d\n%s", status, mainText(body))
	}
}

// TestPasskeyLastWayToSignInIsKept: a user without a password who signs
// in with a passkey cannot remove the last one; with a second passkey
// the first can go (with a letter).
func TestPasskeyLastWayToSignInIsKept(t *testing.T) {
	srv := startPasskeyServer(t, "", nil)
	userID := srv.CreateUser(t, "ada@example.com", testPass)
	secret := registerClient(t, srv.Server, "passwordless", true)
	rp := newRelyingParty(t, srv.Server, "passwordless", secret)
	first := testharness.NewSoftAuthenticator()
	signInForAccount(t, rp, "ada@example.com", testPass)
	registerPasskeyHTTP(t, rp, first, srv.URL, srv.URL, "First")
	ctx := context.Background()
	u, err := srv.Srv.Store().Users().ByID(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = ""
	if err := srv.Srv.Store().Users().Update(ctx, &u); err != nil {
		t.Fatal(err)
	}

	pl := newRelyingParty(t, srv.Server, "passwordless", secret)
	f := pl.newFlow()
	status, loc, body := passkeySignInHTTP(t, pl, first, f, srv.URL, srv.URL)
	if status != http.StatusSeeOther {
		t.Fatalf("passwordless sign-in: %d\n%s", status, mainText(body))
	}
	pl.codeFrom(f, loc)
	list, err := srv.Srv.Passkeys().List(ctx, userID)
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	status, _, body = pl.postForm("/account/passkeys/"+list[0].ID+"/remove", url.Values{})
	if status != http.StatusConflict || !strings.Contains(body, "last way to sign in") {
		t.Fatalf("removing the last passkey: %d\n%s", status, mainText(body))
	}
	second := testharness.NewSoftAuthenticator()
	registerPasskeyHTTP(t, pl, second, srv.URL, srv.URL, "Second")
	status, loc, body = pl.postForm("/account/passkeys/"+list[0].ID+"/remove", url.Values{})
	if status != http.StatusSeeOther || !strings.Contains(loc, "passkey_removed") {
		t.Fatalf("removing one of two: %d %s\n%s", status, loc, mainText(body))
	}
	srv.letter(t, "ada@example.com", "A passkey was removed")
	status, _, body = pl.get("/account/security")
	if status != http.StatusOK || strings.Contains(body, ">First<") || !strings.Contains(body, ">Second<") {
		t.Fatalf("security page after removal: %d\n%s", status, mainText(body))
	}
	// The removed passkey no longer signs in.
	again := newRelyingParty(t, srv.Server, "passwordless", secret)
	status, _, body = passkeySignInHTTP(t, again, first, again.newFlow(), srv.URL, srv.URL)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "not accepted") {
		t.Fatalf("removed passkey: %d\n%s", status, mainText(body))
	}
}

// TestPasskeyBlockedUserGetsNoSession: a blocked account's passkey gives
// no session.
func TestPasskeyBlockedUserGetsNoSession(t *testing.T) {
	srv := startPasskeyServer(t, "", nil)
	userID := srv.CreateUser(t, "ada@example.com", testPass)
	secret := registerClient(t, srv.Server, "blocked-app", true)
	rp := newRelyingParty(t, srv.Server, "blocked-app", secret)
	soft := testharness.NewSoftAuthenticator()
	signInForAccount(t, rp, "ada@example.com", testPass)
	registerPasskeyHTTP(t, rp, soft, srv.URL, srv.URL, "Key")
	ctx := context.Background()
	u, err := srv.Srv.Store().Users().ByID(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	u.State = storage.UserBlocked
	if err := srv.Srv.Store().Users().Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	before := signedInSessions(t, srv.Server, userID)
	other := newRelyingParty(t, srv.Server, "blocked-app", secret)
	status, _, body := passkeySignInHTTP(t, other, soft, other.newFlow(), srv.URL, srv.URL)
	if status != http.StatusForbidden || signedInSessions(t, srv.Server, userID) > before {
		t.Fatalf("blocked user: %d, sessions %d -> %d\n%s", status, before, signedInSessions(t, srv.Server, userID), mainText(body))
	}
}

// TestPasskeyStepUp: a session made with the password alone, whose user
// then added a passkey, is stepped up with the passkey when an
// application asks for acr mfa; the token says hwk and mfa, not otp.
func TestPasskeyStepUp(t *testing.T) {
	srv := startPasskeyServer(t, "", nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	rp := newRelyingParty(t, srv.Server, "stepup-app", registerClient(t, srv.Server, "stepup-app", true))
	soft := testharness.NewSoftAuthenticator()
	signInForAccount(t, rp, "ada@example.com", testPass)
	registerPasskeyHTTP(t, rp, soft, srv.URL, srv.URL, "Key")

	f := rp.newFlow(oauth2.SetAuthURLParam("acr_values", "mfa"))
	loc, status, body := rp.follow(f.url)
	if loc != "" || status != http.StatusOK || !strings.Contains(body, `id="passkey-second"`) {
		t.Fatalf("no step-up page: %s %d\n%s", loc, status, mainText(body))
	}
	m := regexp.MustCompile(`data-auth-request-id="([^"]+)"`).FindStringSubmatch(body)
	if m == nil || strings.Contains(body, `name="code"`) {
		t.Fatalf("the passkey-only second step:\n%s", body)
	}
	cred, err := soft.Assert(passkeyChallenge(t, rp, "/login/mfa/passkey/options"), "localhost", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	status, next, body := rp.postForm("/login/mfa", url.Values{"passkey": {string(cred)}, "authRequestID": {m[1]}})
	if status != http.StatusSeeOther {
		t.Fatalf("passkey step-up: %d\n%s", status, mainText(body))
	}
	tok, err := rp.exchange(f, rp.codeFrom(f, next))
	if err != nil {
		t.Fatal(err)
	}
	_, claims := rp.verifyIDToken(tok, f.nonce)
	amr := amrOf(claims)
	if !slices.Contains(amr, "pwd") || !slices.Contains(amr, "hwk") || !slices.Contains(amr, "mfa") || slices.Contains(amr, "otp") || claims["acr"] != "mfa" {
		t.Fatalf("step-up amr %v acr %v", amr, claims["acr"])
	}
}

// TestPasskeyForms: adding needs a recent sign-in and a name; renaming
// keeps what was typed when the name is refused; renaming is mailed.
func TestPasskeyForms(t *testing.T) {
	srv := startPasskeyServer(t, "", nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	rp := newRelyingParty(t, srv.Server, "none", "")

	// Not signed in: the options say where to sign in.
	status, body := rp.postJSON("/account/passkeys/options", nil)
	if status != http.StatusUnauthorized || !strings.Contains(string(body), `"location":"/login?`) {
		t.Fatalf("options without a session: %d %s", status, body)
	}
	signInForAccount(t, rp, "ada@example.com", testPass)
	soft := testharness.NewSoftAuthenticator()
	status, opts := rp.postJSON("/account/passkeys/options", nil)
	if status != http.StatusOK {
		t.Fatalf("options: %d %s", status, opts)
	}
	cred, err := soft.Register(opts, "localhost", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	status, body = rp.postJSON("/account/passkeys", map[string]any{"name": "   ", "credential": json.RawMessage(cred)})
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "1 to 64 characters") {
		t.Fatalf("blank name: %d %s", status, body)
	}
	status, body = rp.postJSON("/account/passkeys", map[string]any{"name": "Laptop", "credential": "not a credential"})
	if status != http.StatusUnprocessableEntity && status != http.StatusBadRequest {
		t.Fatalf("garbage credential: %d %s", status, body)
	}
	registerPasskeyHTTP(t, rp, soft, srv.URL, srv.URL, "Laptop")
	srv.letter(t, "ada@example.com", "A passkey was added")

	list, err := srv.Srv.Passkeys().List(context.Background(), storedUserID(t, srv, "ada@example.com"))
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	target := "/account/passkeys/" + list[0].ID
	status, _, page := rp.get(target)
	if status != http.StatusOK || !strings.Contains(page, `value="Laptop"`) {
		t.Fatalf("passkey page: %d\n%s", status, mainText(page))
	}
	long := strings.Repeat("x", 65)
	status, _, page = rp.postForm(target+"/rename", url.Values{"name": {long}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `value="`+long+`"`) || !strings.Contains(page, `aria-invalid="true"`) {
		t.Fatalf("too long a name: %d\n%s", status, mainText(page))
	}
	status, loc, page := rp.postForm(target+"/rename", url.Values{"name": {"Work laptop"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "passkey_renamed") {
		t.Fatalf("rename: %d %s\n%s", status, loc, mainText(page))
	}
	srv.letter(t, "ada@example.com", "was renamed")
	if status, _, page = rp.get("/account/security"); !strings.Contains(page, "Work laptop") {
		t.Fatalf("security page: %d\n%s", status, mainText(page))
	}
	status, _, _ = rp.get("/account/passkeys/unknown")
	if status != http.StatusNotFound {
		t.Fatalf("unknown passkey page: %d", status)
	}
}

func storedUserID(t *testing.T, srv *regServer, email string) string {
	t.Helper()
	u, err := srv.Srv.Store().Users().ByLogin(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
