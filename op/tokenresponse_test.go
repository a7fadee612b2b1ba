package op

import (
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/storage"
)

// draftTokenResponse posts form to the token endpoint the way every grant
// was answered before it signed its own JWTs: zop's own grant handling
// with draft JWTs, then serveTokenSigned signing them again
// (draftpath_test.go).
func (e *testEnv) draftTokenResponse(form url.Values, basic string) (int, map[string]any) {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodPost, testIssuer+PathToken, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id, secret, ok := strings.Cut(basic, ":"); ok {
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	if err := r.ParseForm(); err != nil {
		e.t.Fatal(err)
	}
	ctx := withUserMemo(r.Context())
	if form.Get("grant_type") == GrantAuthorizationCode {
		ctx = withCodeVerifier(ctx, form.Get("code_verifier"))
	}
	w := httptest.NewRecorder()
	e.p.serveTokenSigned(e.p.zop.ServeHTTP)(w, r.WithContext(ctx))
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body
}

// volatileClaims differ between two tokens of the same grant.
var volatileClaims = []string{"iat", "nbf", "exp", "jti", "at_hash", "c_hash"}

// sameToken compares a JWT of the direct path with the draft path's:
// header and claims alike but for the volatile ones.
func (e *testEnv) sameToken(what, direct, draft string) (jose.Header, map[string]any) {
	e.t.Helper()
	h1, c1 := e.verifyJWT(direct)
	h2, c2 := e.verifyJWT(draft)
	if h1.Algorithm != h2.Algorithm || h1.KeyID != h2.KeyID || h1.ExtraHeaders["typ"] != h2.ExtraHeaders["typ"] {
		e.t.Errorf("%s header %s %s %v, draft path %s %s %v", what, h1.Algorithm, h1.KeyID, h1.ExtraHeaders["typ"], h2.Algorithm, h2.KeyID, h2.ExtraHeaders["typ"])
	}
	if k1, k2 := slices.Sorted(maps.Keys(c1)), slices.Sorted(maps.Keys(c2)); !slices.Equal(k1, k2) {
		e.t.Errorf("%s claims %v, draft path %v", what, k1, k2)
	}
	for k, v := range c1 {
		if slices.Contains(volatileClaims, k) {
			continue
		}
		if a, b := mustJSON(e.t, v), mustJSON(e.t, c2[k]); a != b {
			e.t.Errorf("%s claim %s = %s, draft path %s", what, k, a, b)
		}
	}
	return h1, c1
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameResponse compares two token responses and their tokens; it returns
// the direct path's ID token header and claims.
func (e *testEnv) sameResponse(what string, direct, draft map[string]any, jwtAccess bool) (jose.Header, map[string]any) {
	e.t.Helper()
	if k1, k2 := slices.Sorted(maps.Keys(direct)), slices.Sorted(maps.Keys(draft)); !slices.Equal(k1, k2) {
		e.t.Fatalf("%s response fields %v, draft path %v", what, k1, k2)
	}
	if direct["token_type"] != draft["token_type"] || direct["scope"] != draft["scope"] ||
		math.Abs(direct["expires_in"].(float64)-draft["expires_in"].(float64)) > 2 {
		e.t.Errorf("%s response %v, draft path %v", what, direct, draft)
	}
	at := str(direct, "access_token")
	if jwtAccess {
		h, _ := e.sameToken(what+" access token", at, str(draft, "access_token"))
		if h.ExtraHeaders["typ"] != typAccessToken {
			e.t.Errorf("%s access token typ %v", what, h.ExtraHeaders["typ"])
		}
	} else if strings.Count(at, ".") == 2 {
		e.t.Errorf("%s: opaque access token expected, got a JWT", what)
	}
	h, c := e.sameToken(what+" ID token", str(direct, "id_token"), str(draft, "id_token"))
	if want, _ := oidc.ClaimHash(at, jose.SignatureAlgorithm(h.Algorithm)); c["at_hash"] != want {
		e.t.Errorf("%s at_hash %v, want %s (the final access token, %s)", what, c["at_hash"], want, h.Algorithm)
	}
	return h, c
}

// TestDirectTokenResponsesMatchDraftPath: the code exchange and the
// refresh answered by tokenresponse.go give the same response fields, the
// same headers and the same claims as zop's handling with re-signed drafts,
// for every algorithm, a client with its own ID token algorithm and a
// client with opaque access tokens; at_hash and c_hash are those of the
// final access token and the code under the ID token's algorithm.
func TestDirectTokenResponsesMatchDraftPath(t *testing.T) {
	cases := []struct {
		name, alg, idAlg string
		format           string
	}{
		{"RS256", AlgRS256, "", storage.AccessTokenJWT},
		{"ES256", AlgES256, "", storage.AccessTokenJWT},
		{"EdDSA", AlgEdDSA, "", storage.AccessTokenJWT},
		{"ES256 with RS256 ID tokens", AlgES256, AlgRS256, storage.AccessTokenJWT},
		{"opaque access tokens", AlgES256, "", storage.AccessTokenOpaque},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, func(o *Options) { o.SigningAlgorithm = tc.alg })
			c, secret := confidential(t, "app")
			c.AccessTokenFormat, c.IDTokenSignedResponseAlg = tc.format, tc.idAlg
			e.addClient(c)
			basic := "app:" + secret
			u := e.addUser(storage.UserActive)
			jwtAccess := tc.format == storage.AccessTokenJWT

			code := e.codeFor(authQuery(), u)
			status, direct := e.tokenResponse(exchangeForm(code), basic)
			draftStatus, draft := e.draftTokenResponse(exchangeForm(e.codeFor(authQuery(), u)), basic)
			if status != http.StatusOK || draftStatus != http.StatusOK {
				t.Fatalf("code exchange %d %v; draft path %d %v", status, direct, draftStatus, draft)
			}
			h, claims := e.sameResponse("code exchange", direct, draft, jwtAccess)
			wantAlg := tc.alg
			if tc.idAlg != "" {
				wantAlg = tc.idAlg
			}
			if h.Algorithm != wantAlg {
				t.Errorf("ID token alg %s, want %s", h.Algorithm, wantAlg)
			}
			if want, _ := oidc.ClaimHash(code, jose.SignatureAlgorithm(h.Algorithm)); claims["c_hash"] != want {
				t.Errorf("c_hash %v, want %s", claims["c_hash"], want)
			}

			form := func(rt string) url.Values {
				return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
			}
			status, rDirect := e.tokenResponse(form(str(direct, "refresh_token")), basic)
			draftStatus, rDraft := e.draftTokenResponse(form(str(draft, "refresh_token")), basic)
			if status != http.StatusOK || draftStatus != http.StatusOK {
				t.Fatalf("refresh %d %v; draft path %d %v", status, rDirect, draftStatus, rDraft)
			}
			e.sameResponse("refresh", rDirect, rDraft, jwtAccess)
			if str(rDirect, "refresh_token") == str(direct, "refresh_token") {
				t.Error("the refresh token was not rotated")
			}
		})
	}
}
