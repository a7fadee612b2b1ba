package op

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/storage"
)

func TestCodeFlowTokens(t *testing.T) {
	for _, alg := range []string{AlgRS256, AlgES256, AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			e := newTestEnv(t, func(o *Options) { o.SigningAlgorithm = alg })
			e.addClient(storage.Client{Public: true})
			u := e.addUser(storage.UserActive)
			authTime := e.clock.Now()
			body := e.tokens(u, "")
			at, idt := str(body, "access_token"), str(body, "id_token")
			if at == "" || idt == "" || str(body, "refresh_token") == "" || str(body, "token_type") != "Bearer" {
				t.Fatalf("token response %v", body)
			}
			if got := str(body, "scope"); got != "openid profile email offline_access" {
				t.Fatalf("scope %q", got)
			}

			h, c := e.verifyJWT(idt)
			if h.Algorithm != alg {
				t.Fatalf("ID token alg %s, want %s", h.Algorithm, alg)
			}
			wantHash, _ := oidc.ClaimHash(at, jose.SignatureAlgorithm(h.Algorithm))
			want := map[string]any{
				"iss": testIssuer, "sub": u.ID, "nonce": "n-456", "azp": "app", "at_hash": wantHash,
				"sid": "sess-" + u.ID, "auth_time": float64(storage.Time(authTime).Unix()),
				"email": u.Email, "email_verified": true, "name": "Ada Lovelace", "given_name": "Ada",
				"family_name": "Lovelace", "preferred_username": "ada", "locale": "en-GB",
			}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("ID token %s = %v, want %v", k, c[k], v)
				}
			}
			if aud, _ := c["aud"].([]any); !slices.Contains(aud, any("app")) {
				t.Errorf("ID token aud %v lacks the client", c["aud"])
			}
			if amr, _ := c["amr"].([]any); len(amr) != 1 || amr[0] != "pwd" {
				t.Errorf("amr %v", c["amr"])
			}

			_, ac := e.verifyJWT(at)
			if ac["sub"] != u.ID || ac["client_id"] != "app" || ac["scope"] != "openid profile email offline_access" || ac["sid"] != "sess-"+u.ID {
				t.Errorf("access token claims %v", ac)
			}
			if _, ok := e.f.access[ac["jti"].(string)]; !ok {
				t.Error("access token jti is not a stored token")
			}

			status, info := e.userinfo(at)
			if status != http.StatusOK || info["sub"] != u.ID || info["email"] != u.Email {
				t.Fatalf("userinfo %d %v", status, info)
			}
		})
	}
}

func TestTokenResponseHeaders(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	code := e.codeFor(authQuery(), e.addUser(storage.UserActive))
	w := e.do(http.MethodPost, PathToken, exchangeForm(code), "", nil)
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Pragma") != "no-cache" {
		t.Fatalf("status %d headers %v", w.Code, w.Header())
	}
}

func TestOpaqueAccessToken(t *testing.T) {
	e := newTestEnv(t)
	c, secret := confidential(t, "app")
	c.AccessTokenFormat = storage.AccessTokenOpaque
	e.addClient(c)
	u := e.addUser(storage.UserActive)
	body := e.tokens(u, "app:"+secret)
	at := str(body, "access_token")
	if strings.Count(at, ".") == 2 {
		t.Fatalf("access token %q looks like a JWT", at)
	}
	// zop only drafts the ID token (keys.go): with no JWT access token to
	// sign, the ID token must still be signed with the real key.
	if _, claims := e.verifyJWT(str(body, "id_token")); claims["sub"] != u.ID {
		t.Fatalf("ID token claims %v", claims)
	}
	if status, info := e.userinfo(at); status != http.StatusOK || info["sub"] != u.ID {
		t.Fatalf("userinfo %d %v", status, info)
	}
	got := e.introspect(at, "app", secret)
	if got["active"] != true || got["sub"] != u.ID || got["client_id"] != "app" || got["scope"] != "openid profile email offline_access" {
		t.Fatalf("introspection %v", got)
	}
}

func TestCodeExchangeChecks(t *testing.T) {
	tests := []struct {
		name      string
		mod       func(e *testEnv, f url.Values)
		basic     string
		wantError string
	}{
		{"wrong verifier", func(_ *testEnv, f url.Values) { f.Set("code_verifier", testVerifier+"x") }, "", "invalid_grant"},
		{"missing verifier", func(_ *testEnv, f url.Values) { f.Del("code_verifier") }, "", "invalid_grant"},
		{"other client", func(e *testEnv, f url.Values) {
			e.addClient(storage.Client{ID: "app2", Public: true})
			f.Set("client_id", "app2")
		}, "", "invalid_grant"},
		{"other redirect_uri", func(_ *testEnv, f url.Values) { f.Set("redirect_uri", testRedirect+"/x") }, "", "invalid_grant"},
		{"expired code", func(e *testEnv, _ url.Values) { e.clock.Advance(DefaultCodeLifetime) }, "", "invalid_grant"},
		{"unknown code", func(_ *testEnv, f url.Values) { f.Set("code", "nope") }, "", "invalid_grant"},
		{"password grant", func(_ *testEnv, f url.Values) { f.Set("grant_type", "password") }, "", "unsupported_grant_type"},
		{"jwt bearer grant", func(_ *testEnv, f url.Values) { f.Set("grant_type", string(oidc.GrantTypeBearer)) }, "", "unsupported_grant_type"},
		{"device grant", func(_ *testEnv, f url.Values) { f.Set("grant_type", string(oidc.GrantTypeDeviceCode)) }, "", "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.addClient(storage.Client{Public: true})
			form := exchangeForm(e.codeFor(authQuery(), e.addUser(storage.UserActive)))
			tt.mod(e, form)
			status, body := e.tokenResponse(form, tt.basic)
			if status != http.StatusBadRequest || str(body, "error") != tt.wantError {
				t.Fatalf("status %d body %v, want 400 %s", status, body, tt.wantError)
			}
		})
	}
}

func TestConfidentialClientNeedsItsSecret(t *testing.T) {
	e := newTestEnv(t)
	c, secret := confidential(t, "app")
	e.addClient(c)
	u := e.addUser(storage.UserActive)
	form := exchangeForm(e.codeFor(authQuery(), u))
	if status, body := e.tokenResponse(form, "app:"+secret+"x"); status != http.StatusUnauthorized || str(body, "error") != "invalid_client" {
		t.Fatalf("wrong secret: %d %v", status, body)
	}
	form = exchangeForm(e.codeFor(authQuery(), u))
	form.Set("client_secret", secret) // client_secret_post
	if status, body := e.tokenResponse(form, ""); status != http.StatusOK {
		t.Fatalf("client_secret_post: %d %v", status, body)
	}
}

func TestTokenEndpointIsPostOnly(t *testing.T) {
	e := newTestEnv(t)
	if w := e.do(http.MethodGet, PathToken, url.Values{"grant_type": {"client_credentials"}}, "", nil); w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /oauth/token: %d", w.Code)
	}
}

// SECURITY 39: of 20 parallel exchanges exactly one succeeds; a later
// reuse revokes what the code issued.
func TestCodeClaimedOnce(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	u := e.addUser(storage.UserActive)
	form := exchangeForm(e.codeFor(authQuery(), u))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok []map[string]any
	for range 20 {
		wg.Go(func() {
			status, body := e.tokenResponse(form, "")
			if status == http.StatusOK {
				mu.Lock()
				ok = append(ok, body)
				mu.Unlock()
			} else if str(body, "error") != "invalid_grant" {
				t.Errorf("loser got %d %v, want invalid_grant", status, body)
			}
		})
	}
	wg.Wait()
	if len(ok) != 1 {
		t.Fatalf("%d exchanges succeeded, want exactly 1", len(ok))
	}
	// The losers were reuses: whatever the interleaving, the winner's
	// tokens are revoked (RFC 6749 §4.1.2).
	if status, _ := e.userinfo(str(ok[0], "access_token")); status == http.StatusOK {
		t.Fatal("parallel reuse left the winner's access token valid")
	}

	if status, body := e.tokenResponse(form, ""); status != http.StatusBadRequest || str(body, "error") != "invalid_grant" {
		t.Fatalf("later reuse: %d %v", status, body)
	}
	if status, _ := e.userinfo(str(ok[0], "access_token")); status == http.StatusOK {
		t.Fatal("access token still valid after the code was reused")
	}
	if status, _ := e.refresh(str(ok[0], "refresh_token"), ""); status == http.StatusOK {
		t.Fatal("refresh token still valid after the code was reused")
	}
}

func TestCodeReuseRevokesIssuedTokens(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	form := exchangeForm(e.codeFor(authQuery(), e.addUser(storage.UserActive)))
	status, body := e.tokenResponse(form, "")
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, body)
	}
	if status, _ := e.userinfo(str(body, "access_token")); status != http.StatusOK {
		t.Fatal("fresh access token refused")
	}
	if status, again := e.tokenResponse(form, ""); status != http.StatusBadRequest || str(again, "error") != "invalid_grant" {
		t.Fatalf("reuse: %d %v", status, again)
	}
	if status, _ := e.userinfo(str(body, "access_token")); status == http.StatusOK {
		t.Fatal("access token still valid after the code was reused")
	}
	if status, _ := e.refresh(str(body, "refresh_token"), ""); status == http.StatusOK {
		t.Fatal("refresh token still valid after the code was reused")
	}
}

func TestNonActiveUserGetsNoToken(t *testing.T) {
	for _, state := range []storage.UserState{storage.UserPendingVerification, storage.UserPendingApproval, storage.UserBlocked, storage.UserRejected} {
		t.Run(string(state), func(t *testing.T) {
			e := newTestEnv(t)
			e.addClient(storage.Client{Public: true})
			u := e.addUser(state)
			id := e.startLogin(authQuery())
			if _, err := e.p.Complete(bindCtx(testBind), id, u.ID, "s", e.clock.Now(), nil); err == nil {
				t.Fatal("Complete accepted a user who is not active")
			}

			e.setUserState(u.ID, storage.UserActive) // active at login, then not
			form := exchangeForm(e.codeFor(authQuery(), u))
			e.setUserState(u.ID, state)
			if status, body := e.tokenResponse(form, ""); status != http.StatusBadRequest || str(body, "error") != "invalid_grant" {
				t.Fatalf("code exchange: %d %v", status, body)
			}

			e.setUserState(u.ID, storage.UserActive)
			body := e.tokens(u, "")
			e.setUserState(u.ID, state)
			if status, b := e.refresh(str(body, "refresh_token"), ""); status != http.StatusBadRequest || str(b, "error") != "invalid_grant" {
				t.Fatalf("refresh: %d %v", status, b)
			}
			if status, _ := e.userinfo(str(body, "access_token")); status == http.StatusOK {
				t.Fatal("userinfo answered for a user who is not active")
			}
		})
	}
}

func TestAdminScopeNeedsAdminUser(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true, Scopes: []string{"openid", ScopeAdmin}})
	u := e.addUser(storage.UserActive)
	q := authQuery()
	q.Set("scope", "openid "+ScopeAdmin)
	id := e.startLogin(q)
	if _, err := e.p.Complete(bindCtx(testBind), id, u.ID, "s", time.Now(), nil); err == nil {
		t.Fatal("a non-admin completed a request for gatehouse:admin")
	}
}
