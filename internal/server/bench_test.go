package server_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// Benchmarks of the hot OIDC endpoints on the real HTTP stack (loopback,
// keep-alive client, SQLite): go test -bench . -run '^$' ./internal/server

func benchGet(b *testing.B, raw string) {
	client := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := client.Get(raw)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

func BenchmarkDiscovery(b *testing.B) {
	srv := testserver.Start(b, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_LOG_LEVEL": "warn"}})
	benchGet(b, srv.URL+"/.well-known/openid-configuration")
}

func BenchmarkJWKS(b *testing.B) {
	srv := testserver.Start(b, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_LOG_LEVEL": "warn"}})
	benchGet(b, srv.URL+"/keys")
}

// BenchmarkDiscoveryFloor is the floor under BenchmarkDiscovery: a bare
// net/http server (no router, no middleware) answering the same bytes of
// the same discovery document with the same headers on the same loopback
// stack. The difference between the two is what Gatehouse adds.
func BenchmarkDiscoveryFloor(b *testing.B) {
	srv := testserver.Start(b, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_LOG_LEVEL": "warn"}})
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("discovery: %d %v", resp.StatusCode, err)
	}
	header := resp.Header.Clone()
	header.Del("Date") // net/http adds its own
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for k, v := range header {
			h[k] = v
		}
		_, _ = w.Write(body)
	}))
	b.Cleanup(bare.Close)
	benchGet(b, bare.URL)
}

func postToken(b *testing.B, client *http.Client, base, id, secret string, form url.Values) {
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("token status %d", resp.StatusCode)
	}
}

func BenchmarkClientCredentialsToken(b *testing.B) {
	srv := testserver.Start(b, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_LOG_LEVEL": "warn"}})
	secret := srv.CreateClient(b, config.ClientConfig{ID: "bench", GrantTypes: []string{"client_credentials"}})
	client := &http.Client{}
	form := url.Values{"grant_type": {"client_credentials"}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		postToken(b, client, srv.URL, "bench", secret, form)
	}
}

// BenchmarkCodeExchange times the token request that redeems a code (the
// codes are issued outside the timer through a signed-in browser).
func BenchmarkCodeExchange(b *testing.B) {
	srv := testserver.Start(b, testserver.ServerOptions{Env: map[string]string{
		"GATEHOUSE_LOG_LEVEL": "warn", "GATEHOUSE_CODE_LIFETIME": "10m",
	}})
	srv.CreateUser(b, "bench@example.com", testPass)
	secret := registerClient(b, srv, "benchapp", true, "authorization_code")
	rp := newRelyingParty(b, srv, "benchapp", secret)
	first := rp.newFlow()
	rp.signIn(first, "bench@example.com", testPass)
	client := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		f := rp.newFlow()
		code := rp.codeFrom(f, mustFollowSSO(b, rp, f))
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}, "code_verifier": {f.verifier}}
		b.StartTimer()
		postToken(b, client, srv.URL, "benchapp", secret, form)
	}
}

// tokenPost is postToken returning the decoded answer.
func tokenPost(b *testing.B, client *http.Client, base, id, secret string, form url.Values) map[string]any {
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("token status %d: %v %v", resp.StatusCode, err, out)
	}
	return out
}

var benchAlgorithms = []string{"RS256", "ES256", "EdDSA"}

// BenchmarkClientCredentialsAlg times the client credentials grant with
// each signing algorithm; compare with BenchmarkSign (the raw signing
// cost of the same algorithm) to see what the rest of the request costs.
func BenchmarkClientCredentialsAlg(b *testing.B) {
	for _, alg := range benchAlgorithms {
		b.Run(alg, func(b *testing.B) {
			srv := testserver.Start(b, testserver.ServerOptions{Env: map[string]string{
				"GATEHOUSE_LOG_LEVEL": "warn", "GATEHOUSE_SIGNING_ALGORITHM": alg,
			}})
			secret := srv.CreateClient(b, config.ClientConfig{ID: "bench", GrantTypes: []string{"client_credentials"}})
			client := &http.Client{}
			form := url.Values{"grant_type": {"client_credentials"}}
			tok := tokenPost(b, client, srv.URL, "bench", secret, form)
			if h := benchJWTHeader(b, tok["access_token"]); h["alg"] != alg {
				b.Fatalf("access token signed with %v, want %s", h["alg"], alg)
			}
			b.ReportAllocs()
			for b.Loop() {
				postToken(b, client, srv.URL, "bench", secret, form)
			}
		})
	}
}

func benchJWTHeader(b *testing.B, tok any) map[string]any {
	s, _ := tok.(string)
	head, _, ok := strings.Cut(s, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	var h map[string]any
	if !ok || err != nil || json.Unmarshal(raw, &h) != nil {
		b.Fatalf("not a JWT: %.40q", s)
	}
	return h
}

// BenchmarkSign is the raw cost of one JWS signature per algorithm (go-jose,
// the keys and a claim set of the size the token endpoint signs).
func BenchmarkSign(b *testing.B) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys := map[string]jose.SigningKey{
		"RS256": {Algorithm: jose.RS256, Key: rsaKey},
		"ES256": {Algorithm: jose.ES256, Key: ecKey},
		"EdDSA": {Algorithm: jose.EdDSA, Key: edKey},
	}
	claims := []byte(`{"iss":"http://127.0.0.1:40000","sub":"bench","aud":["bench"],"exp":1900000000,"iat":1800000000,"nbf":1800000000,"jti":"V1StGXR8_Z5jdHi6B-myT","client_id":"bench","scope":"openid"}`)
	for _, alg := range benchAlgorithms {
		b.Run(alg, func(b *testing.B) {
			signer, err := jose.NewSigner(keys[alg], (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", "k1"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				jws, err := signer.Sign(claims)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := jws.CompactSerialize(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchSignedIn is a relying party whose browser holds a session of a fresh
// user, and that user's first tokens.
func benchSignedIn(b *testing.B, srv *testserver.Server) (*relyingParty, string, map[string]any) {
	srv.CreateUser(b, "bench@example.com", testPass)
	secret := registerClient(b, srv, "benchapp", true)
	rp := newRelyingParty(b, srv, "benchapp", secret)
	f := rp.newFlow()
	code := rp.signIn(f, "bench@example.com", testPass)
	tok := tokenPost(b, &http.Client{}, srv.URL, "benchapp", secret, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}, "code_verifier": {f.verifier},
	})
	return rp, secret, tok
}

func benchServer(b *testing.B) *testserver.Server {
	return testserver.Start(b, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_LOG_LEVEL": "warn"}})
}

// BenchmarkRefresh times one refresh grant of a chain (rotation: a new
// access, ID and refresh token each time).
func BenchmarkRefresh(b *testing.B) {
	srv := benchServer(b)
	_, secret, tok := benchSignedIn(b, srv)
	client := &http.Client{}
	refresh, _ := tok["refresh_token"].(string)
	b.ReportAllocs()
	for b.Loop() {
		out := tokenPost(b, client, srv.URL, "benchapp", secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
		refresh, _ = out["refresh_token"].(string)
	}
}

func BenchmarkUserinfo(b *testing.B) {
	srv := benchServer(b)
	_, _, tok := benchSignedIn(b, srv)
	access, _ := tok["access_token"].(string)
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("userinfo status %d", resp.StatusCode)
		}
	}
}

func BenchmarkIntrospection(b *testing.B) {
	srv := benchServer(b)
	_, secret, tok := benchSignedIn(b, srv)
	access, _ := tok["access_token"].(string)
	client := &http.Client{}
	body := url.Values{"token": {access}}.Encode()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/introspect", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("benchapp", secret)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			Active bool `json:"active"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || !out.Active {
			b.Fatalf("introspection status %d: %v active=%v", resp.StatusCode, err, out.Active)
		}
	}
}

// BenchmarkSSOCodeFlow times a whole flow for a browser that already has a
// session: /authorize, the redirects to the code, the code exchange.
func BenchmarkSSOCodeFlow(b *testing.B) {
	srv := benchServer(b)
	rp, secret, _ := benchSignedIn(b, srv)
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		f := rp.newFlow()
		code := rp.codeFrom(f, mustFollowSSO(b, rp, f))
		postToken(b, client, srv.URL, "benchapp", secret, url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}, "code_verifier": {f.verifier},
		})
	}
}

// BenchmarkPasswordSignIn times a whole flow for a new browser: /authorize,
// the login page, the password (argon2id), the code exchange.
func BenchmarkPasswordSignIn(b *testing.B) {
	srv := benchServer(b)
	rp, secret, _ := benchSignedIn(b, srv)
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		rp.browser.Jar, _ = cookiejar.New(nil)
		f := rp.newFlow()
		code := rp.signIn(f, "bench@example.com", testPass)
		postToken(b, client, srv.URL, "benchapp", secret, url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}, "code_verifier": {f.verifier},
		})
	}
}
