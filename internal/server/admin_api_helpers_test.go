package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// apiResp is one management API answer.
type apiResp struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// apiCall sends method path (under /api/v1) with a bearer token (none
// when empty) and a JSON body (none when nil).
func apiCall(t testing.TB, base, method, path, token string, body any) apiResp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, base+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := apiResp{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// want fails unless the answer has status.
func (r apiResp) want(t testing.TB, status int) apiResp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// items returns the "items" of a list answer.
func (r apiResp) items() []map[string]any {
	list, _ := r.body["items"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

// serviceToken registers a client_credentials client (an admin client
// when admin, as `gatehouse clients create --admin` does) and returns an
// access token it gets by client credentials.
func serviceToken(t testing.TB, srv *testserver.Server, id string, admin bool) string {
	t.Helper()
	scope := "orders:read"
	cc := config.ClientConfig{ID: id, GrantTypes: []string{"client_credentials"}, Admin: admin, Scopes: []string{"orders:read"}}
	if admin {
		scope = "gatehouse:admin"
	}
	secret := srv.CreateClient(t, cc)
	status, tok, _ := tokenRequest(t, srv.URL, id, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {scope}})
	if status != http.StatusOK {
		t.Fatalf("client credentials for %s: %d %v", id, status, tok)
	}
	access, _ := tok["access_token"].(string)
	return access
}

// createUserWith creates a user in any state with a password, straight in
// the database.
func createUserWith(t testing.TB, srv *testserver.Server, email string, state storage.UserState, role storage.Role) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svc := account.New(srv.Srv.Store(), server.AccountOptions(srv.Config, nil))
	hash, err := svc.Hasher().Hash(ctx, testPass)
	if err != nil {
		t.Fatal(err)
	}
	u := storage.User{Email: email, EmailVerified: state != storage.UserPendingVerification, PasswordHash: hash,
		GivenName: "Test", Role: role, State: state}
	if err := srv.Srv.Store().Users().Create(ctx, &u); err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u.ID
}

// userAccessToken signs email in through the authorization code flow of a
// client that may ask for scopes, and returns the token response (or the
// exchange error).
func userAccessToken(t testing.TB, srv *testserver.Server, clientID, email string, scopes ...string) (string, string, error) {
	t.Helper()
	secret := srv.CreateClient(t, config.ClientConfig{ID: clientID, RedirectURIs: []string{rpRedirect}, FirstParty: true,
		GrantTypes: []string{"authorization_code", "refresh_token"}, Scopes: append([]string{"openid", "offline_access"}, scopes...)})
	rp := newRelyingParty(t, srv, clientID, secret)
	rp.oauth.Scopes = append([]string{"openid", "offline_access"}, scopes...)
	f := rp.newFlow()
	code := rp.signIn(f, email, testPass)
	tok, err := rp.exchange(f, code)
	if err != nil {
		return "", "", err
	}
	return tok.AccessToken, tok.RefreshToken, nil
}

// storedUser reads a user from the server's database.
func storedUser(t testing.TB, srv *testserver.Server, id string) storage.User {
	t.Helper()
	u, err := srv.Srv.Store().Users().ByID(context.Background(), id)
	if err != nil {
		t.Fatalf("read user %s: %v", id, err)
	}
	return u
}
