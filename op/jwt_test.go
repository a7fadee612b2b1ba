package op

import (
	"encoding/json"
	"net/http"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/storage"
)

// verifyJWT checks tok against the published JWKS, as a relying party
// would, and returns its header and claims.
func (e *testEnv) verifyJWT(tok string) (jose.Header, map[string]any) {
	e.t.Helper()
	w := e.do(http.MethodGet, PathKeys, nil, "", nil)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil {
		e.t.Fatal(err)
	}
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		e.t.Fatalf("parse JWT: %v", err)
	}
	h := jws.Signatures[0].Header
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		e.t.Fatalf("kid %q: %d keys in JWKS", h.KeyID, len(keys))
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		e.t.Fatalf("JWT does not verify with the JWKS: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		e.t.Fatal(err)
	}
	return h, claims
}

// tokens runs the code flow for u with client "app" (public unless basic
// is "app:secret") and returns the token response.
func (e *testEnv) tokens(u storage.User, basic string) map[string]any {
	e.t.Helper()
	code := e.codeFor(authQuery(), u)
	status, body := e.tokenResponse(exchangeForm(code), basic)
	if status != http.StatusOK {
		e.t.Fatalf("token exchange: %d %v", status, body)
	}
	return body
}

func (e *testEnv) refresh(rt, basic string) (int, map[string]any) {
	e.t.Helper()
	return e.tokenResponse(map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"app"}}, basic)
}

// userinfo calls /userinfo with a bearer token.
func (e *testEnv) userinfo(at string) (int, map[string]any) {
	e.t.Helper()
	w := e.do(http.MethodGet, PathUserinfo, nil, "", http.Header{"Authorization": {"Bearer " + at}})
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body
}

// introspect calls /oauth/introspect authenticated as id:secret.
func (e *testEnv) introspect(tok, id, secret string) map[string]any {
	e.t.Helper()
	r, _ := http.NewRequest(http.MethodPost, "/", nil)
	r.SetBasicAuth(id, secret)
	w := e.do(http.MethodPost, PathIntrospect, map[string][]string{"token": {tok}}, "", http.Header{"Authorization": {r.Header.Get("Authorization")}})
	if w.Code != http.StatusOK {
		e.t.Fatalf("introspect: %d %s", w.Code, w.Body)
	}
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return body
}
