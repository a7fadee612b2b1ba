package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
