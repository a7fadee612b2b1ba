package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// responseParams returns the authorization response parameters of a
// redirect to the client (fragment when they are there, else the query).
func responseParams(t *testing.T, loc string) url.Values {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if u.Fragment != "" {
		v, err := url.ParseQuery(u.Fragment)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return u.Query()
}

// TestAuthorizationResponsesCarryIss: RFC 9207. Every authorization
// response, code (query, fragment, form_post) or error (access_denied from
// the consent page, login_required for prompt=none, invalid_scope from
// /authorize itself), carries iss; discovery says so.
func TestAuthorizationResponsesCarryIss(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "iss@example.com", testPass)
	secret := registerClient(t, srv, "issapp", true)
	rp := newRelyingParty(t, srv, "issapp", secret)

	var disco map[string]any
	if err := rp.provider.Claims(&disco); err != nil {
		t.Fatal(err)
	}
	if disco["authorization_response_iss_parameter_supported"] != true {
		t.Fatalf("discovery: authorization_response_iss_parameter_supported = %v", disco["authorization_response_iss_parameter_supported"])
	}

	checkIss := func(what, loc string, wantParam string) {
		t.Helper()
		p := responseParams(t, loc)
		if p.Get(wantParam) == "" {
			t.Fatalf("%s: no %s in %s", what, wantParam, loc)
		}
		if got := p.Get("iss"); got != srv.URL {
			t.Fatalf("%s: iss = %q, want %q (%s)", what, got, srv.URL, loc)
		}
	}

	// Code, query mode: and the code still works.
	f := rp.newFlow()
	if _, err := rp.exchange(f, rp.signIn(f, "iss@example.com", testPass)); err != nil {
		t.Fatal(err)
	}
	f2 := rp.newFlow()
	loc := mustFollowSSO(t, rp, f2)
	checkIss("code (query)", loc, "code")
	if _, err := rp.exchange(f2, rp.codeFrom(f2, loc)); err != nil {
		t.Fatal(err)
	}

	// Code, fragment mode.
	f3 := rp.newFlow(oauth2.SetAuthURLParam("response_mode", "fragment"))
	loc, status, body := rp.follow(f3.url)
	if loc == "" {
		t.Fatalf("fragment: status %d\n%s", status, body)
	}
	checkIss("code (fragment)", loc, "code")

	// Code, form_post: the page's form carries iss.
	f4 := rp.newFlow(oauth2.SetAuthURLParam("response_mode", "form_post"))
	loc, status, body = rp.follow(f4.url)
	if loc != "" || status != http.StatusOK || !strings.Contains(body, `name="code"`) {
		t.Fatalf("form_post: %q %d\n%s", loc, status, body)
	}
	if !strings.Contains(body, `<input type="hidden" name="iss" value="`+srv.URL+`"/>`) {
		t.Fatalf("form_post page without iss:\n%s", body)
	}

	// login_required: prompt=none in a browser without a session.
	stranger := newRelyingParty(t, srv, "issapp", secret)
	f5 := stranger.newFlow(oauth2.SetAuthURLParam("prompt", "none"))
	loc, status, _ = stranger.follow(f5.url)
	if loc == "" {
		t.Fatalf("prompt=none: status %d", status)
	}
	checkIss("login_required", loc, "error")
	if responseParams(t, loc).Get("error") != "login_required" {
		t.Fatalf("prompt=none: %s", loc)
	}

	// An error zop answers at /authorize itself (an unknown scope value is
	// dropped, so use an unsupported response_type).
	bad := strings.Replace(f5.url, "response_type=code", "response_type=token", 1)
	loc, status, _ = stranger.follow(bad)
	if loc == "" {
		t.Fatalf("unsupported response_type: status %d", status)
	}
	checkIss("authorize error", loc, "error")

	// access_denied: the user declines on the consent page.
	tpSecret := registerClient(t, srv, "issthird", false)
	tp := newRelyingParty(t, srv, "issthird", tpSecret)
	f6 := tp.newFlow()
	loc, _, body = tp.follow(f6.url)
	m := authRequestIDRe.FindStringSubmatch(body)
	if loc != "" || m == nil {
		t.Fatal("expected the login page")
	}
	if status, loc, _ = tp.postForm("/login", url.Values{"login": {"iss@example.com"}, "password": {testPass}, "authRequestID": {m[1]}}); status != http.StatusSeeOther {
		t.Fatalf("login: %d", status)
	}
	if _, status, _ = tp.follow(loc); status != http.StatusOK {
		t.Fatalf("consent page: %d", status)
	}
	status, loc, _ = tp.postForm("/consent", url.Values{"authRequestID": {m[1]}, "action": {"deny"}})
	if status != http.StatusSeeOther {
		t.Fatalf("consent deny: %d", status)
	}
	checkIss("access_denied", loc, "error")
	if p := responseParams(t, loc); p.Get("error") != "access_denied" || p.Get("state") != f6.state {
		t.Fatalf("deny: %s", loc)
	}
}
