package op

import (
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// TestClientCredentialsSignedOnce: the client_credentials grant answers with
// a JWT signed by the active key of each algorithm (typ at+jwt, its kid in
// the JWKS), carrying exactly the claims zop's draft carried, and the same
// response fields.
func TestClientCredentialsSignedOnce(t *testing.T) {
	for _, alg := range []string{AlgRS256, AlgES256, AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			e := newTestEnv(t, func(o *Options) { o.SigningAlgorithm = alg })
			c, secret := confidential(t, "svc")
			c.GrantTypes, c.RedirectURIs, c.PostLogoutRedirectURIs = []string{GrantClientCredentials}, []string{}, []string{}
			c.Scopes, c.AccessTokenFormat = []string{"orders:read", "orders:write"}, storage.AccessTokenJWT
			e.addClient(c)

			before := time.Now().Unix()
			status, body := e.tokenResponse(url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read orders:write"}}, "svc:"+secret)
			if status != http.StatusOK {
				t.Fatalf("client credentials: %d %v", status, body)
			}
			wantFields := []string{"access_token", "expires_in", "scope", "token_type"}
			if got := slices.Sorted(maps.Keys(body)); !slices.Equal(got, wantFields) {
				t.Fatalf("response fields %v, want %v", got, wantFields)
			}
			life := DefaultAccessTokenLifetime.Seconds()
			if body["token_type"] != "Bearer" || body["scope"] != "orders:read orders:write" ||
				math.Abs(body["expires_in"].(float64)-life) > 2 {
				t.Fatalf("response %v", body)
			}

			h, claims := e.verifyJWT(str(body, "access_token"))
			k, err := e.p.st.keys.signer(t.Context(), alg)
			if err != nil {
				t.Fatal(err)
			}
			if h.Algorithm != alg || h.KeyID != k.id || h.ExtraHeaders["typ"] != typAccessToken {
				t.Fatalf("header alg=%s kid=%s typ=%v, want %s %s %s", h.Algorithm, h.KeyID, h.ExtraHeaders["typ"], alg, k.id, typAccessToken)
			}
			wantClaims := []string{"aud", "client_id", "exp", "iat", "iss", "jti", "nbf", "scope", "sub"}
			if got := slices.Sorted(maps.Keys(claims)); !slices.Equal(got, wantClaims) {
				t.Fatalf("claims %v, want %v", got, wantClaims)
			}
			jti, _ := claims["jti"].(string)
			exp, ok := statelessExpiry(jti)
			aud, _ := claims["aud"].([]any)
			iat, _ := claims["iat"].(float64)
			if !ok || claims["exp"] != float64(exp.Unix()) || claims["iss"] != testIssuer || claims["sub"] != "svc" ||
				claims["client_id"] != "svc" || len(aud) != 1 || aud[0] != "svc" || claims["scope"] != "orders:read orders:write" ||
				int64(iat) < before || int64(iat) > time.Now().Unix() || claims["nbf"] != claims["iat"] {
				t.Fatalf("claims %v", claims)
			}
			if got := e.introspect(str(body, "access_token"), "svc", secret); got["active"] != true || got["scope"] != "orders:read orders:write" {
				t.Fatalf("introspection %v", got)
			}
		})
	}
}

// TestClientCredentialsErrors: the grant's refusals are zop's, with the
// same statuses and error codes, and the secret may come in the form.
func TestClientCredentialsErrors(t *testing.T) {
	e, secret, _ := statelessEnv(t)
	app, appSecret := confidential(t, "app") // a code-flow client
	e.addClient(app)
	post := func(form url.Values, basic string) (int, string) {
		form.Set("grant_type", "client_credentials")
		status, body := e.tokenResponse(form, basic)
		return status, str(body, "error")
	}
	if status, _ := post(url.Values{"client_id": {"svc"}, "client_secret": {secret}, "scope": {"orders:read"}}, ""); status != http.StatusOK {
		t.Fatalf("secret in the form: %d", status)
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		basic  string
		status int
		err    string
	}{
		{"wrong secret", url.Values{}, "svc:wrong", http.StatusUnauthorized, "invalid_client"},
		{"unknown client", url.Values{}, "nobody:" + secret, http.StatusUnauthorized, "invalid_client"},
		{"no client", url.Values{}, "", http.StatusUnauthorized, "invalid_client"},
		{"unregistered scope", url.Values{"scope": {"orders:write"}}, "svc:" + secret, http.StatusBadRequest, "invalid_scope"},
		{"user scope", url.Values{"scope": {"openid"}}, "svc:" + secret, http.StatusBadRequest, "invalid_scope"},
		{"grant not allowed", url.Values{}, "app:" + appSecret, http.StatusBadRequest, "unauthorized_client"},
	} {
		if status, got := post(tc.form, tc.basic); status != tc.status || got != tc.err {
			t.Errorf("%s: %d %q, want %d %q", tc.name, status, got, tc.status, tc.err)
		}
	}
}
