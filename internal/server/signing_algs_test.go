package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// jwtHeader decodes the protected header of a compact JWS.
func jwtHeader(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPerClientIDTokenAlgorithm: on an instance that signs with ES256,
// RS256 stays offered (discovery, one key per algorithm in JWKS); a client
// registered with id_token_signed_response_alg RS256 gets RS256 ID tokens
// (refreshed ones too) that go-oidc verifies, another client gets ES256
// ones, and a third asking for EdDSA gets EdDSA ones (its key is created
// on first use and published).
func TestPerClientIDTokenAlgorithm(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_SIGNING_ALGORITHM": "ES256"}})
	srv.CreateUser(t, "alg@example.com", testPass)

	ecSecret := registerClient(t, srv, "ec-app", true)
	rsSecret := srv.CreateClient(t, config.ClientConfig{ID: "rs-app", Name: "RS app", RedirectURIs: []string{rpRedirect},
		GrantTypes: []string{"authorization_code", "refresh_token"}, FirstParty: true, IDTokenSignedResponseAlg: "RS256"})
	edSecret := srv.CreateClient(t, config.ClientConfig{ID: "ed-app", Name: "Ed app", RedirectURIs: []string{rpRedirect},
		GrantTypes: []string{"authorization_code"}, FirstParty: true, IDTokenSignedResponseAlg: "EdDSA"})

	ec := newRelyingParty(t, srv, "ec-app", ecSecret)
	var disco struct {
		Algs []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := ec.provider.Claims(&disco); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(disco.Algs[:2], []string{"ES256", "RS256"}) {
		t.Fatalf("discovery algorithms = %v, want ES256 first and RS256 offered", disco.Algs)
	}

	signInWith := func(rp *relyingParty, algs ...string) (map[string]any, string, string) {
		t.Helper()
		rp.verifier = rp.provider.Verifier(&oidc.Config{ClientID: rp.oauth.ClientID, SupportedSigningAlgs: algs})
		f := rp.newFlow()
		tok, err := rp.exchange(f, rp.signIn(f, "alg@example.com", testPass))
		if err != nil {
			t.Fatal(err)
		}
		_, claims := rp.verifyIDToken(tok, f.nonce) // signature, at_hash
		raw, _ := tok.Extra("id_token").(string)
		return claims, jwtHeader(t, raw)["alg"].(string), tok.RefreshToken
	}

	if _, alg, _ := signInWith(ec, "ES256"); alg != "ES256" {
		t.Fatalf("ec-app ID token alg %s, want ES256", alg)
	}
	rs := newRelyingParty(t, srv, "rs-app", rsSecret)
	_, alg, refresh := signInWith(rs, "RS256")
	if alg != "RS256" {
		t.Fatalf("rs-app ID token alg %s, want RS256", alg)
	}
	// A refreshed ID token keeps the client's algorithm.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	next, err := rs.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	rawNext, _ := next.Extra("id_token").(string)
	if rawNext == "" || jwtHeader(t, rawNext)["alg"] != "RS256" {
		t.Fatalf("refreshed ID token not RS256: %q", rawNext)
	}
	if _, err := rs.verifier.Verify(ctx, rawNext); err != nil {
		t.Fatalf("refreshed ID token: %v", err)
	}

	ed := newRelyingParty(t, srv, "ed-app", edSecret)
	if _, alg, _ := signInWith(ed, "EdDSA"); alg != "EdDSA" {
		t.Fatalf("ed-app ID token alg %s, want EdDSA", alg)
	}

	// JWKS: one active key per algorithm in use, each with its alg.
	keys, err := srv.Srv.Store().SigningKeys().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	active := map[string]int{}
	for _, k := range keys {
		if k.State == storage.KeyActive {
			active[k.Algorithm]++
		}
	}
	if active["ES256"] != 1 || active["RS256"] != 1 || active["EdDSA"] != 1 {
		t.Fatalf("active keys by algorithm = %v, want one each", active)
	}
}

// TestJWTAccessTokenIsTypedAtJWT: RFC 9068. A JWT access token's header
// typ is at+jwt, and the token still verifies against JWKS, introspects as
// active, works at userinfo and at the management API's bearer check.
func TestJWTAccessTokenIsTypedAtJWT(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "typ@example.com", testPass)
	secret := registerClient(t, srv, "typ-app", true)
	rp := newRelyingParty(t, srv, "typ-app", secret)
	f := rp.newFlow()
	tok, err := rp.exchange(f, rp.signIn(f, "typ@example.com", testPass))
	if err != nil {
		t.Fatal(err)
	}
	rp.verifyIDToken(tok, f.nonce) // at_hash matches the final access token
	h := jwtHeader(t, tok.AccessToken)
	if h["typ"] != "at+jwt" {
		t.Fatalf("access token typ = %v, want at+jwt", h["typ"])
	}
	raw, _ := tok.Extra("id_token").(string)
	if typ := jwtHeader(t, raw)["typ"]; typ != "JWT" {
		t.Fatalf("ID token typ = %v, want JWT", typ)
	}

	// Signature against the published keys.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ks := oidc.NewRemoteKeySet(ctx, srv.URL+"/keys")
	if _, err := ks.VerifySignature(ctx, tok.AccessToken); err != nil {
		t.Fatalf("access token signature: %v", err)
	}

	if got := introspect(t, srv.URL, "typ-app", secret, tok.AccessToken); got["active"] != true {
		t.Fatalf("introspection: %v", got)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo: %d", resp.StatusCode)
	}

	// The management API's bearer check: a client-credentials JWT access
	// token (at+jwt) of an admin client is let in.
	admin := serviceToken(t, srv, "typ-ops", true)
	if typ := jwtHeader(t, admin)["typ"]; typ != "at+jwt" {
		t.Fatalf("client credentials access token typ = %v", typ)
	}
	apiCall(t, srv.URL, http.MethodGet, "/users", admin, nil).want(t, http.StatusOK)
}
