package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestProviderErrorPages: what the OpenID Provider shows the browser
// itself, rather than redirecting it to the client (an unknown client_id,
// an unregistered redirect_uri, a callback for a request that does not
// exist, a logout with a forged id_token_hint), is the styled error page in the browser's language, with a
// title, the lang attribute, the phone viewport and the request id, as
// 400 with no redirect; never the library's English text/plain line.
func TestProviderErrorPages(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateClient(t, clientWithRedirect("known", "https://app.example.com/cb"))
	cases := []struct {
		name, path string
	}{
		{"unknown client_id", "/authorize?" + authorizeQuery("nobody", "https://app.example.com/cb").Encode()},
		{"unregistered redirect_uri", "/authorize?" + authorizeQuery("known", "https://evil.example/cb").Encode()},
		{"callback of an unknown request", "/authorize/callback?id=no-such-request"},
		{"logout with a forged id_token_hint", "/end_session?id_token_hint=not.a.token&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F"},
	}
	langs := []struct {
		lang, acceptLanguage, title string
	}{
		{"en", "en-GB,en;q=0.9", "This sign-in request cannot be used"},
		{"ru", "ru-RU,ru;q=0.9,en;q=0.5", "Этот запрос на вход нельзя использовать"},
	}
	for _, tc := range cases {
		for _, l := range langs {
			t.Run(tc.name+"/"+l.lang, func(t *testing.T) {
				resp, body := browserGet(t, srv.URL+tc.path, l.acceptLanguage)
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("status %d, want 400", resp.StatusCode)
				}
				if loc := resp.Header.Get("Location"); loc != "" {
					t.Errorf("redirected to %s", loc)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Fatalf("Content-Type %q, want the HTML page:\n%s", ct, body)
				}
				rid := resp.Header.Get("X-Request-ID")
				for _, want := range []string{
					`<html lang="` + l.lang + `"`,
					`<meta name="viewport" content="width=device-width, initial-scale=1">`,
					"<title>" + l.title,
					`<h1 id="error-heading">` + l.title + "</h1>",
					`href="/static/`,
				} {
					if !strings.Contains(body, want) {
						t.Errorf("the page lacks %q:\n%s", want, body)
					}
				}
				if rid == "" || !strings.Contains(body, rid) {
					t.Errorf("the page does not show the request id %q", rid)
				}
				if strings.Contains(body, "unable to retrieve") || strings.Contains(body, "redirect_uri is missing") {
					t.Error("the page shows the library's raw English error")
				}
			})
		}
	}
}

// browserGet is a GET as a browser navigation in a language, not following
// redirects.
func browserGet(t *testing.T, raw, acceptLanguage string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	req.Header.Set("Accept-Language", acceptLanguage)
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
