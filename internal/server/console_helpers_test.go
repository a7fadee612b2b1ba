package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// Helpers of the account console tests (issue 14).

var tokenTextRe = regexp.MustCompile(`gth_[0-9A-Za-z]{49}`)

// browserOn is a cookie-keeping browser signed in to srv as login (just
// now, so sensitive actions need no password confirmation).
func browserOn(t *testing.T, srv *testserver.Server, login string) *relyingParty {
	t.Helper()
	rp := newRelyingParty(t, srv, "none", "")
	status, loc, body := rp.postForm("/login", url.Values{"login": {login}, "password": {testPass}, "return_to": {"/account"}})
	if status != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("sign-in of %s: %d %s\n%s", login, status, loc, mainText(body))
	}
	return rp
}

// createToken creates a personal token through the tokens page and
// returns its text.
func createToken(t *testing.T, rp *relyingParty, name string, days string, scopes ...string) string {
	t.Helper()
	status, _, body := rp.postForm("/account/tokens", url.Values{"name": {name}, "scopes": scopes, "expires_days": {days}})
	tok := tokenTextRe.FindString(body)
	if status != http.StatusCreated || tok == "" {
		t.Fatalf("create token %q: %d\n%s", name, status, mainText(body))
	}
	return tok
}

// bearerGet calls raw with the bearer token and returns the status and the
// decoded JSON body.
func bearerGet(t *testing.T, raw, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, raw, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

// tokenIDOf is the id of the token row named name on the tokens page.
func tokenIDOf(t *testing.T, rp *relyingParty, name string) string {
	t.Helper()
	_, _, body := rp.get("/account/tokens")
	m := regexp.MustCompile(`<tr id="token-([^"]+)"><th scope="row">` + regexp.QuoteMeta(name) + `</th>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token %q on the page:\n%s", name, mainText(body))
	}
	return m[1]
}

// confirmPost posts path without and then with the confirmation: the first
// answer must be the confirmation page, the second a redirect.
func confirmPost(t *testing.T, rp *relyingParty, path string) (int, string) {
	t.Helper()
	status, _, body := rp.postForm(path, url.Values{})
	if status != http.StatusOK || !strings.Contains(body, `name="confirm" value="1"`) {
		t.Fatalf("%s without confirmation: %d\n%s", path, status, mainText(body))
	}
	status, loc, _ := rp.postForm(path, url.Values{"confirm": {"1"}})
	return status, loc
}
