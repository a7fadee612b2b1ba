package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// totpCode is the code of secret for the time step offset steps from now,
// as an authenticator app computes it (pquerna/otp).
func totpCode(t testing.TB, secret string, offset int) string {
	t.Helper()
	at := time.Now().Add(time.Duration(offset*mfa.Period) * time.Second)
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: mfa.Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolTOTP turns TOTP on for the user through the server's rules,
// confirming with the previous step's code, so that this step's and the
// next step's codes are still unused. It returns the secret and the
// recovery codes.
func enrolTOTP(t testing.TB, srv *testserver.Server, userID string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	f := srv.Srv.SecondFactors()
	u, err := srv.Srv.Store().Users().ByID(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	e, err := f.BeginTOTP(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := f.ConfirmTOTP(ctx, userID, totpCode(t, e.Secret, -1), "")
	if err != nil {
		t.Fatalf("confirm totp: %v", err)
	}
	return e.Secret, codes
}

var mfaFormRe = regexp.MustCompile(`action="/login/mfa"`)

// wantSecondStep checks that loc is the second-step page, which asks for
// a code and no password, and returns its body.
func wantSecondStep(t testing.TB, rp *relyingParty, loc string) string {
	t.Helper()
	if !strings.HasPrefix(loc, "/login/mfa") {
		t.Fatalf("sent to %q, want the second step /login/mfa", loc)
	}
	status, _, body := rp.get(loc)
	if status != http.StatusOK || !mfaFormRe.MatchString(body) || strings.Contains(body, `name="password"`) {
		t.Fatalf("second step page: %d\n%s", status, mainText(body))
	}
	return body
}

// passwordStep posts the password for the flow's authorization request
// and returns where the browser is sent.
func passwordStep(t testing.TB, rp *relyingParty, f authFlow, login, password string) string {
	t.Helper()
	loc, status, body := rp.follow(f.url)
	m := authRequestIDRe.FindStringSubmatch(body)
	if loc != "" || status != http.StatusOK || m == nil {
		t.Fatalf("expected the login page: %s %d\n%s", loc, status, mainText(body))
	}
	status, loc, body = rp.postForm("/login", url.Values{"login": {login}, "password": {password}, "authRequestID": {m[1]}})
	if status != http.StatusSeeOther {
		t.Fatalf("login POST: %d\n%s", status, mainText(body))
	}
	return loc
}

// codeStep posts code on the second-step page at loc and returns status,
// Location and body.
func codeStep(t testing.TB, rp *relyingParty, loc, code string) (int, string, string) {
	t.Helper()
	form := url.Values{"code": {code}}
	if u, err := url.Parse(loc); err == nil && u.Query().Get("authRequestID") != "" {
		form.Set("authRequestID", u.Query().Get("authRequestID"))
	}
	return rp.postForm("/login/mfa", form)
}

// amrOf returns the amr claim.
func amrOf(claims map[string]any) []string {
	var out []string
	list, _ := claims["amr"].([]any)
	for _, v := range list {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// wantMFAClaims checks amr (pwd or fed, otp, mfa) and acr mfa.
func wantMFAClaims(t testing.TB, claims map[string]any, first string) {
	t.Helper()
	amr := amrOf(claims)
	if !slices.Contains(amr, first) || !slices.Contains(amr, "otp") || !slices.Contains(amr, "mfa") || claims["acr"] != "mfa" {
		t.Fatalf("amr %v, acr %v; want %s, otp and mfa with acr mfa", amr, claims["acr"], first)
	}
}

// signedInSessions counts the user's live browser sessions.
func signedInSessions(t testing.TB, srv *testserver.Server, userID string) int {
	t.Helper()
	list, err := srv.Srv.Store().Sessions().ListByUser(context.Background(), userID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}
