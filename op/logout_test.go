package op

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func TestLogoutWithHint(t *testing.T) {
	for _, alg := range []string{AlgES256, AlgEdDSA} { // EdDSA hints need the verifier option
		t.Run(alg, func(t *testing.T) {
			e := newTestEnv(t, func(o *Options) { o.SigningAlgorithm = alg })
			e.addClient(storage.Client{Public: true})
			u := e.addUser(storage.UserActive)
			body := e.tokens(u, "")
			w := e.do(http.MethodGet, PathEndSession, url.Values{
				"id_token_hint": {str(body, "id_token")}, "post_logout_redirect_uri": {testLogout}, "state": {"bye-1"},
			}, "", nil)
			if got := location(t, w).String(); got != testLogout+"?state=bye-1" {
				t.Fatalf("redirected to %s", got)
			}
			if _, ok := e.f.sessions["sess-"+u.ID]; ok {
				t.Fatal("browser session not ended")
			}
			if status, _ := e.refresh(str(body, "refresh_token"), ""); status == http.StatusOK {
				t.Fatal("refresh token of the ended session still works")
			}
		})
	}
}

func TestLogoutWithHintWithoutRedirectShowsSignedOut(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	body := e.tokens(e.addUser(storage.UserActive), "")
	w := e.do(http.MethodGet, PathEndSession, url.Values{"id_token_hint": {str(body, "id_token")}}, "", nil)
	if got := location(t, w).String(); got != testIssuer+DefaultLogoutPath+"?done=1" {
		t.Fatalf("redirected to %s", got)
	}
}

func TestLogoutRefusesUnregisteredRedirect(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	body := e.tokens(e.addUser(storage.UserActive), "")
	for _, uri := range []string{testLogout + "/", "https://attacker.example/bye", testLogout + "?x=1"} {
		w := e.do(http.MethodGet, PathEndSession, url.Values{"id_token_hint": {str(body, "id_token")}, "post_logout_redirect_uri": {uri}}, "", nil)
		if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
			t.Errorf("%s: %d %q, want 400 and no redirect", uri, w.Code, w.Header().Get("Location"))
		}
	}
}

func TestLogoutWithoutHintAsksForConfirmation(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	u := e.addUser(storage.UserActive)
	w := e.do(http.MethodGet, PathEndSession, url.Values{
		"client_id": {"app"}, "post_logout_redirect_uri": {testLogout}, "state": {"s1"}, "ui_locales": {"de"},
	}, "", nil)
	got := location(t, w)
	if got.Scheme+"://"+got.Host+got.Path != testIssuer+DefaultLogoutPath {
		t.Fatalf("redirected to %s, want the confirmation page", got)
	}
	q := got.Query()
	if q.Get("client_id") != "app" || q.Get("post_logout_redirect_uri") != testLogout || q.Get("state") != "s1" || q.Get("ui_locales") != "de" {
		t.Fatalf("confirmation page query %v", q)
	}
	if _, ok := e.f.sessions["sess-"+u.ID]; !ok {
		t.Fatal("session ended without confirmation")
	}

	// Without client_id the redirect URI cannot be checked: it is dropped.
	w = e.do(http.MethodGet, PathEndSession, url.Values{"post_logout_redirect_uri": {"https://attacker.example/"}}, "", nil)
	if got := location(t, w).String(); got != testIssuer+DefaultLogoutPath {
		t.Fatalf("redirected to %s", got)
	}
}

func TestPostLogoutURL(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	ctx := context.Background()
	if got, err := e.p.PostLogoutURL(ctx, "app", testLogout, "s 1"); err != nil || got != testLogout+"?state=s+1" {
		t.Fatalf("PostLogoutURL = %q, %v", got, err)
	}
	if got, err := e.p.PostLogoutURL(ctx, "app", "", "x"); err != nil || got != "" {
		t.Fatalf("empty uri: %q, %v", got, err)
	}
	if _, err := e.p.PostLogoutURL(ctx, "app", "https://attacker.example/", ""); !errors.Is(err, ErrPostLogoutURI) {
		t.Fatalf("unregistered: %v", err)
	}
	if _, err := e.p.PostLogoutURL(ctx, "nobody", testLogout, ""); err == nil {
		t.Fatal("unknown client accepted")
	}
}
