package server_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// TestRegistrationClosed: the page says registration is disabled, a
// crafted POST is refused and creates nothing, existing users sign in.
func TestRegistrationClosed(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_MODE": "closed"})
	srv.CreateUser(t, "old@example.com", testPass)
	secret := registerClient(t, srv.Server, "closed-app", true)
	rp := newRelyingParty(t, srv.Server, "closed-app", secret)

	status, _, body := rp.get("/register")
	if status != http.StatusOK || !strings.Contains(mainText(body), "Registration is disabled on this instance") ||
		strings.Contains(body, "<form") {
		t.Fatalf("GET /register: %d\n%s", status, mainText(body))
	}
	form := shapeAForm("mallory", "mallory@example.com", testPass)
	form.Set("captcha", testCaptcha)
	status, _, _ = rp.postForm("/register", form)
	if status != http.StatusForbidden {
		t.Fatalf("crafted POST: %d, want 403", status)
	}
	if _, err := srv.userByEmail(t, "mallory@example.com"); err == nil {
		t.Fatal("a closed instance created a user")
	}
	f := rp.newFlow()
	if _, err := rp.exchange(f, rp.signIn(f, "old@example.com", testPass)); err != nil {
		t.Fatalf("an existing user cannot sign in: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // a letter, had one been queued, would be out by now
	if n := len(srv.sink.Messages()); n != 0 {
		t.Fatalf("%d letters sent", n)
	}
}

// TestRegistrationCaptchaRefused: missing, wrong, wrong-case, reused and
// expired answers are refused and create nothing; the right answer in its
// case passes.
func TestRegistrationCaptchaRefused(t *testing.T) {
	srv := startRegServer(t, nil)
	rp := newRelyingParty(t, srv.Server, "unused", "")
	live := plantChallenge(t, srv, "Ab3dE", time.Hour)
	expired := plantChallenge(t, srv, "Xy7zQ", -time.Second)
	_, _, page := rp.get("/register")
	used := captchaIDOf(t, page)
	if status, _, body := rp.postForm("/register", withCaptcha(shapeAForm("first", "first@example.com", testPass), used, testCaptcha)); status != http.StatusOK {
		t.Fatalf("a good answer: %d %v", status, fieldErrors(body))
	}
	for _, tc := range []struct{ name, id, answer string }{
		{"missing answer", live, ""},
		{"missing id", "", testCaptcha},
		{"wrong answer", plantChallenge(t, srv, "Ab3dE", time.Hour), "Ab3dF"},
		{"wrong case", plantChallenge(t, srv, "Ab3dE", time.Hour), "ab3de"},
		{"wrong case of the test answer", plantChallenge(t, srv, "Ab3dE", time.Hour), strings.ToLower(testCaptcha)},
		{"reused", used, testCaptcha},
		{"expired", expired, "Xy7zQ"},
		{"unknown id", "no-such-challenge", testCaptcha},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := strings.ReplaceAll(tc.name, " ", "-") + "@example.com"
			status, _, body := rp.postForm("/register", withCaptcha(shapeAForm("someone", email, testPass), tc.id, tc.answer))
			if status != http.StatusUnprocessableEntity || !slices.Contains(fieldErrors(body), "captcha") {
				t.Fatalf("status %d, errors %v", status, fieldErrors(body))
			}
			if !strings.Contains(body, `value="`+email+`"`) {
				t.Error("the typed address was lost")
			}
			if _, err := srv.userByEmail(t, email); err == nil {
				t.Fatal("a user was created")
			}
		})
	}
	// The missing answer was refused before the challenge was looked at,
	// so it is still live: its exact answer passes.
	if status, _, body := rp.postForm("/register", withCaptcha(shapeAForm("exact", "exact@example.com", testPass), live, "Ab3dE")); status != http.StatusOK {
		t.Fatalf("the exact answer: %d %v", status, fieldErrors(body))
	}
	if _, err := srv.userByEmail(t, "exact@example.com"); err != nil {
		t.Fatalf("the exact answer created no user: %v", err)
	}
}

// plantChallenge stores a built-in challenge whose answer the test knows,
// expiring after ttl (negative: already expired), and returns its id.
func plantChallenge(t *testing.T, srv *regServer, answer string, ttl time.Duration) string {
	t.Helper()
	sum := sha256.Sum256([]byte(answer))
	now := time.Now()
	c := storage.CaptchaChallenge{ID: storage.NewID(), AnswerHash: sum[:], CreatedAt: now.Add(-time.Minute), ExpiresAt: now.Add(ttl)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Srv.Store().Captchas().Create(ctx, &c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func withCaptcha(form url.Values, id, answer string) url.Values {
	form.Set("captcha_id", id)
	form.Set("captcha", answer)
	return form
}

// TestRegistrationExistingEmail: an address that has an account gets the
// same status and page as a new one; its owner gets a warning and keeps
// the account as it was (SECURITY 9).
func TestRegistrationExistingEmail(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "owner@example.com", testPass)
	rp := newRelyingParty(t, srv.Server, "unused", "")

	newStatus, _, newBody := registerHTTP(t, rp, shapeAForm("newcomer", "newcomer@example.com", "breezy chapel orbit"))
	oldStatus, _, oldBody := registerHTTP(t, rp, shapeAForm("intruder", "Owner@Example.com", "rustic meteor ballad"))
	if newStatus != http.StatusOK || oldStatus != newStatus {
		t.Fatalf("status %d for a new address, %d for an existing one", newStatus, oldStatus)
	}
	if strings.ReplaceAll(newBody, "newcomer@example.com", "X") != strings.ReplaceAll(oldBody, "Owner@Example.com", "X") {
		t.Fatalf("the pages differ:\nnew: %s\nold: %s", mainText(newBody), mainText(oldBody))
	}
	warning := srv.letter(t, "owner@example.com", "Someone tried to register")
	if !strings.Contains(warning.TextBody, srv.URL+"/reset") {
		t.Errorf("the warning does not offer a reset: %s", warning.TextBody)
	}
	srv.letter(t, "newcomer@example.com", "Confirm your email address")
	if _, err := srv.userByEmail(t, "intruder"); err == nil {
		t.Fatal("the duplicate registration created a user")
	}
	u, err := srv.userByEmail(t, "owner@example.com")
	if err != nil || u.State != storage.UserActive {
		t.Fatalf("owner: %+v %v", u.State, err)
	}
}

// TestRegistrationGetConfirmsNothing: fetching the link (as mail scanners
// do) leaves the account unconfirmed; only the Confirm button's POST
// confirms it, once.
func TestRegistrationGetConfirmsNothing(t *testing.T) {
	srv := startRegServer(t, nil)
	rp := newRelyingParty(t, srv.Server, "unused", "")
	registerHTTP(t, rp, shapeAForm("ada", "ada@example.com", testPass))
	link := srv.link(t, srv.letter(t, "ada@example.com", "Confirm"), "/verify")
	if status, _, body := rp.get("/dev/mail"); status != http.StatusOK || !strings.Contains(body, "Confirm your email address") {
		t.Errorf("dev mode lists the letter at /dev/mail: %d", status)
	}
	for range 3 {
		status, _, body := rp.get(link)
		if status != http.StatusOK || !strings.Contains(body, `id="confirm"`) || !strings.Contains(body, `name="password"`) {
			t.Fatalf("GET: %d %s", status, mainText(body))
		}
	}
	req, _ := http.NewRequest(http.MethodHead, link, nil)
	rp.do(req)
	if u, _ := srv.userByEmail(t, "ada@example.com"); u.State != storage.UserPendingVerification || u.EmailVerified {
		t.Fatalf("GETs confirmed the account: %s", u.State)
	}
	token, _ := url.Parse(link)
	status, _, body := rp.postForm("/verify", url.Values{"token": {token.Query().Get("token")}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(body), "not the password chosen at registration") {
		t.Fatalf("POST without the password: %d %s", status, mainText(body))
	}
	if u, _ := srv.userByEmail(t, "ada@example.com"); u.State != storage.UserPendingVerification {
		t.Fatalf("confirmed without the password: %s", u.State)
	}
	status, loc, body := rp.postForm("/verify", url.Values{"token": {token.Query().Get("token")}, "password": {testPass}})
	if status != http.StatusSeeOther || loc != "/verify/confirmed" {
		t.Fatalf("POST: %d %q %s", status, loc, mainText(body))
	}
	if u, _ := srv.userByEmail(t, "ada@example.com"); u.State != storage.UserActive || !u.EmailVerified {
		t.Fatalf("after the POST: %s", u.State)
	}
	status, _, body = rp.get(link)
	if status != http.StatusGone || !strings.Contains(mainText(body), "already been used") {
		t.Fatalf("GET after use: %d %s", status, mainText(body))
	}
}

// TestRegistrationSMTPDown: with SMTP down the user sees the same page;
// the letter arrives once SMTP is back (the outbox retries).
func TestRegistrationSMTPDown(t *testing.T) {
	srv := startRegServer(t, nil)
	rp := newRelyingParty(t, srv.Server, "unused", "")
	_, _, upBody := registerHTTP(t, rp, shapeAForm("early", "early@example.com", testPass))
	srv.letter(t, "early@example.com", "Confirm")

	srv.sink.SetDown(true)
	status, _, downBody := registerHTTP(t, rp, shapeAForm("late", "late@example.com", testPass))
	if status != http.StatusOK || strings.ReplaceAll(downBody, "late@example.com", "X") != strings.ReplaceAll(upBody, "early@example.com", "X") {
		t.Fatalf("with SMTP down: status %d, page %s", status, mainText(downBody))
	}
	deadline := time.Now().Add(letterWait)
	for srv.sink.Refused() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if srv.sink.Refused() == 0 {
		t.Fatal("no delivery was attempted while SMTP was down")
	}
	if slices.ContainsFunc(srv.sink.Messages(), testharness.SentTo("late@example.com")) {
		t.Fatal("a letter arrived while SMTP was down")
	}
	srv.sink.SetDown(false)
	m := srv.letter(t, "late@example.com", "Confirm")
	srv.link(t, m, "/verify")
}

// TestRegistrationPreHijack (SECURITY 12): an attacker registers the
// victim's address with password A. The victim, following the letter,
// cannot confirm without A; registering the address themselves with B
// replaces A and voids the attacker's link; confirming with B signs them
// in; A no longer signs in, B does.
func TestRegistrationPreHijack(t *testing.T) {
	srv := startRegServer(t, nil)
	secret := registerClient(t, srv.Server, "hijack-app", true)
	attacker := newRelyingParty(t, srv.Server, "hijack-app", secret)
	victim := newRelyingParty(t, srv.Server, "hijack-app", secret)
	registerHTTP(t, attacker, shapeAForm("attacker", "victim@example.com", "hollow tiger canvas"))
	first := srv.link(t, srv.letter(t, "victim@example.com", "Confirm"), "/verify")
	srv.sink.Reset()
	firstToken := tokenParam(t, first)

	status, _, page := victim.get(first)
	if status != http.StatusOK || !strings.Contains(page, `name="password"`) || !strings.Contains(mainText(page), "I did not create this account") {
		t.Fatalf("the victim's GET: %d %s", status, mainText(page))
	}
	for _, pw := range []string{"", "copper island melody"} {
		status, _, body := victim.postForm("/verify", url.Values{"token": {firstToken}, "password": {pw}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `name="password"`) {
			t.Fatalf("confirming the attacker's link with %q: %d %s", pw, status, mainText(body))
		}
	}
	if u, _ := srv.userByEmail(t, "victim@example.com"); u.State != storage.UserPendingVerification || u.EmailVerified {
		t.Fatalf("confirmed without A: %s", u.State)
	}

	registerHTTP(t, victim, shapeAForm("victim", "victim@example.com", "copper island melody"))
	second := srv.link(t, srv.letter(t, "victim@example.com", "Confirm"), "/verify")
	if status, _, _ := attacker.postForm("/verify", url.Values{"token": {firstToken}, "password": {"hollow tiger canvas"}}); status != http.StatusBadRequest {
		t.Fatalf("the attacker's link after the owner registered: %d, want 400", status)
	}
	if status, _, _ := attacker.postForm("/verify", url.Values{"token": {tokenParam(t, second)}, "password": {"hollow tiger canvas"}}); status != http.StatusUnprocessableEntity {
		t.Fatalf("the owner's link with A: %d, want 422", status)
	}
	status, loc, body := victim.postForm("/verify", url.Values{"token": {tokenParam(t, second)}, "password": {"copper island melody"}})
	if status != http.StatusSeeOther || loc != "/verify/confirmed" {
		t.Fatalf("the owner confirming with B: %d %q %s", status, loc, mainText(body))
	}
	if u, _ := srv.userByEmail(t, "victim@example.com"); u.State != storage.UserActive || !u.EmailVerified || u.Username != "victim" {
		t.Fatalf("after confirming: %+v", u)
	}

	f := attacker.newFlow()
	loc, _, page = attacker.follow(f.url)
	id := regexpFind(page, `name="authRequestID" value="([^"]+)"`)
	if loc != "" || id == "" {
		t.Fatal("no login page")
	}
	status, _, _ = attacker.postForm("/login", url.Values{"login": {"victim@example.com"}, "password": {"hollow tiger canvas"}, "authRequestID": {id}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("A after the owner confirmed: status %d, want 422", status)
	}
	// B signs in. This address has failed several times by now, so the
	// form asks for the captcha as well.
	f = attacker.newFlow()
	_, _, page = attacker.follow(f.url)
	form := url.Values{
		"login": {"victim"}, "password": {"copper island melody"},
		"authRequestID": {regexpFind(page, `name="authRequestID" value="([^"]+)"`)},
		"captcha_id":    {captchaIDOf(t, page)}, "captcha": {testCaptcha},
	}
	status, loc, _ = attacker.postForm("/login", form)
	if status != http.StatusSeeOther {
		t.Fatalf("B: sign-in status %d", status)
	}
	if _, err := attacker.exchange(f, attacker.codeFrom(f, loc)); err != nil {
		t.Fatalf("B: %v", err)
	}
}

// tokenParam is the token a link carries.
func tokenParam(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("link %q has no token", link)
	}
	return u.Query().Get("token")
}
