package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// clientKey is a relying party's signing key and its public JWKS.
type clientKey struct {
	key  *ecdsa.PrivateKey
	kid  string
	jwks string
}

func newClientKey(t *testing.T) clientKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid := random(t)
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return clientKey{key: k, kid: kid, jwks: string(b)}
}

// assertion signs a client assertion (RFC 7523) for clientID with aud.
func (k clientKey) assertion(t *testing.T, clientID, aud string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"iss": clientID, "sub": clientID, "aud": aud, "jti": random(t),
		"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix()})
	jws, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// postForm posts form to base+path without client credentials in headers
// and returns the status and JSON answer.
func postClientForm(t *testing.T, base, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(base+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func withAssertion(form url.Values, assertion string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	out.Set("client_assertion", assertion)
	return out
}

// TestPrivateKeyJWT: a client registered with jwks and private_key_jwt gets
// tokens with an assertion whose aud is the token endpoint, and
// introspects with one whose aud is the issuer; a replayed assertion, a
// wrong aud, a foreign key and its own secret are refused. Discovery says
// so, and introspection also takes client_secret_post.
func TestPrivateKeyJWT(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	key := newClientKey(t)
	secret := srv.CreateClient(t, config.ClientConfig{ID: "keyed", GrantTypes: []string{"client_credentials"},
		Scopes: []string{"orders:read"}, TokenEndpointAuthMethod: "private_key_jwt", JWKS: key.jwks})
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}

	first := key.assertion(t, "keyed", srv.URL+"/oauth/token")
	status, tok := postClientForm(t, srv.URL, "/oauth/token", withAssertion(cc, first))
	access, _ := tok["access_token"].(string)
	if status != http.StatusOK || access == "" {
		t.Fatalf("private_key_jwt at the token endpoint: %d %v", status, tok)
	}
	if status, body := postClientForm(t, srv.URL, "/oauth/token", withAssertion(cc, first)); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("replayed assertion: %d %v", status, body)
	}
	if status, body := postClientForm(t, srv.URL, "/oauth/token", withAssertion(cc, key.assertion(t, "keyed", "https://other.example/oauth/token"))); status != http.StatusUnauthorized {
		t.Errorf("wrong aud: %d %v", status, body)
	}
	if status, body := postClientForm(t, srv.URL, "/oauth/token", withAssertion(cc, newClientKey(t).assertion(t, "keyed", srv.URL))); status != http.StatusUnauthorized {
		t.Errorf("assertion signed by another key: %d %v", status, body)
	}
	if status, body, _ := tokenRequest(t, srv.URL, "keyed", secret, cc); status != http.StatusUnauthorized && status != http.StatusBadRequest {
		t.Errorf("a private_key_jwt client's secret was accepted: %d %v", status, body)
	}
	if status, body := postClientForm(t, srv.URL, "/oauth/token", withAssertion(cc, key.assertion(t, "keyed", srv.URL))); status != http.StatusOK {
		t.Errorf("aud = issuer: %d %v", status, body)
	}

	q := url.Values{"token": {access}}
	status, info := postClientForm(t, srv.URL, "/oauth/introspect", withAssertion(q, key.assertion(t, "keyed", srv.URL)))
	if status != http.StatusOK || info["active"] != true {
		t.Errorf("introspection with private_key_jwt: %d %v", status, info)
	}

	other := srv.CreateClient(t, config.ClientConfig{ID: "poster", GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
	post := url.Values{"token": {access}, "client_id": {"poster"}, "client_secret": {other}}
	if status, info := postClientForm(t, srv.URL, "/oauth/introspect", post); status != http.StatusOK || info["active"] == nil {
		t.Errorf("introspection with client_secret_post: %d %v", status, info)
	}
	post.Set("client_secret", "wrong-"+other)
	if status, _ := postClientForm(t, srv.URL, "/oauth/introspect", post); status == http.StatusOK {
		t.Error("introspection with a wrong posted secret succeeded")
	}

	rv := url.Values{"token": {access}, "token_type_hint": {"access_token"}}
	if status, body := postClientForm(t, srv.URL, "/revoke", withAssertion(rv, key.assertion(t, "keyed", srv.URL+"/revoke"))); status != http.StatusOK {
		t.Errorf("revocation with private_key_jwt: %d %v", status, body)
	}
	if _, info := postClientForm(t, srv.URL, "/oauth/introspect", withAssertion(q, key.assertion(t, "keyed", srv.URL))); info["active"] != false {
		t.Errorf("the revoked token is still active: %v", info)
	}

	var disco map[string]any
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&disco)
	resp.Body.Close()
	for _, k := range []string{"token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported"} {
		if b, _ := json.Marshal(disco[k]); !strings.Contains(string(b), "private_key_jwt") {
			t.Errorf("discovery %s = %s", k, b)
		}
	}
	if b, _ := json.Marshal(disco["introspection_endpoint_auth_methods_supported"]); !strings.Contains(string(b), "client_secret_post") {
		t.Errorf("discovery introspection methods = %s", b)
	}
}

// TestPrivateKeyJWTWithJWKSURI: keys are fetched from jwks_uri; a loopback
// URL works for a dev client and is refused for any other.
func TestPrivateKeyJWTWithJWKSURI(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	key := newClientKey(t)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(key.jwks))
	}))
	t.Cleanup(jwks.Close)
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}
	for _, tc := range []struct {
		id   string
		dev  bool
		want int
	}{{"devkeys", true, http.StatusOK}, {"prodkeys", false, http.StatusUnauthorized}} {
		srv.CreateClient(t, config.ClientConfig{ID: tc.id, GrantTypes: []string{"client_credentials"}, Dev: tc.dev,
			Scopes: []string{"orders:read"}, TokenEndpointAuthMethod: "private_key_jwt", JWKSURI: jwks.URL + "/jwks.json"})
		status, body := postClientForm(t, srv.URL, "/oauth/token", withAssertion(cc, key.assertion(t, tc.id, srv.URL+"/oauth/token")))
		if status != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.id, status, body, tc.want)
		}
	}
}

// TestPrivateKeyJWTCodeFlow: a web application that authenticates with
// private_key_jwt redeems its authorization code and refreshes with
// assertions.
func TestPrivateKeyJWTCodeFlow(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "kim@example.com", testPass)
	key := newClientKey(t)
	srv.CreateClient(t, config.ClientConfig{ID: "keyedweb", RedirectURIs: []string{rpRedirect}, FirstParty: true,
		GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "private_key_jwt", JWKS: key.jwks})
	rp := newRelyingParty(t, srv, "keyedweb", "")
	f := rp.newFlow()
	code := rp.signIn(f, "kim@example.com", testPass)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect},
		"code_verifier": {f.verifier}, "client_id": {"keyedweb"}}
	status, tok := postClientForm(t, srv.URL, "/oauth/token", withAssertion(form, key.assertion(t, "keyedweb", srv.URL+"/oauth/token")))
	refresh, _ := tok["refresh_token"].(string)
	if status != http.StatusOK || tok["id_token"] == nil || refresh == "" {
		t.Fatalf("code exchange with private_key_jwt: %d %v", status, tok)
	}
	rf := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	if status, tok := postClientForm(t, srv.URL, "/oauth/token", withAssertion(rf, key.assertion(t, "keyedweb", srv.URL))); status != http.StatusOK {
		t.Fatalf("refresh with private_key_jwt: %d %v", status, tok)
	}
	if status, _ := postClientForm(t, srv.URL, "/oauth/token", rf); status == http.StatusOK {
		t.Fatal("refresh without client authentication succeeded")
	}
}

// TestClientAuthFieldsInAPIAndConsole: the management API takes jwks as a
// JSON object and shows it back; a private key set is refused; the
// console form keeps a refused key set and names the field.
func TestClientAuthFieldsInAPIAndConsole(t *testing.T) {
	srv := startRegServer(t, nil)
	admin := serviceToken(t, srv.Server, "ca-admin", true)
	key := newClientKey(t)
	var set map[string]any
	_ = json.Unmarshal([]byte(key.jwks), &set)
	created := apiCall(t, srv.URL, http.MethodPost, "/clients", admin, map[string]any{"id": "apikeyed",
		"grant_types": []string{"client_credentials"}, "scopes": []string{"orders:read"},
		"token_endpoint_auth_method": "private_key_jwt", "jwks": set}).want(t, http.StatusCreated).body
	if created["token_endpoint_auth_method"] != "private_key_jwt" || created["jwks"] == nil {
		t.Fatalf("created client: %v", created)
	}
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}
	if status, body := postClientForm(t, srv.URL, "/oauth/token", withAssertion(cc, key.assertion(t, "apikeyed", srv.URL))); status != http.StatusOK {
		t.Fatalf("client registered by the API: %d %v", status, body)
	}
	private := map[string]any{"keys": []any{map[string]any{"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ"}}}
	bad := apiCall(t, srv.URL, http.MethodPatch, "/clients/apikeyed", admin, map[string]any{"jwks": private})
	bad.want(t, http.StatusBadRequest)
	if !strings.Contains(bad.raw, "jwks") {
		t.Errorf("the refusal does not name jwks: %s", bad.raw)
	}

	rp, _ := adminRP(t, srv)
	form := url.Values{"id": {"formkeyed"}, "name": {"Keyed"}, "grant_types": {"client_credentials"}, "scopes": {"orders:read"},
		"access_token_format": {"jwt"}, "token_endpoint_auth_method": {"private_key_jwt"}, "jwks": {`{"keys": "nope"}`}}
	_, body := consolePost(t, rp, "/admin/clients/new", form, http.StatusUnprocessableEntity)
	if !strings.Contains(body, `id="jwks-error"`) || !strings.Contains(body, "{&#34;keys&#34;: &#34;nope&#34;}</textarea>") {
		t.Fatalf("bad key set in the console:\n%s", mainText(body))
	}
	form.Set("jwks", key.jwks)
	consolePost(t, rp, "/admin/clients/new", form, http.StatusOK)
	if status, body := postClientForm(t, srv.URL, "/oauth/token", withAssertion(cc, key.assertion(t, "formkeyed", srv.URL))); status != http.StatusOK {
		t.Fatalf("client registered in the console: %d %v", status, body)
	}
}
