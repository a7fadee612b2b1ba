package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// importCall posts JSON Lines to /api/v1/users/import.
func importCall(t *testing.T, base, token, query, body string) apiResp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/users/import"+query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := apiResp{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = jsonUnmarshal(raw, &r.body)
	return r
}

// TestImportUsersAPI: a file with one bad line imports nothing and the
// answer names the line; the corrected file imports, the imported bcrypt
// user signs in at the login page with the original password through a
// relying party and is rehashed to argon2id, and a second run is
// "unchanged".
func TestImportUsersAPI(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	admin := serviceToken(t, srv, "ops", true)
	bc, _ := bcrypt.GenerateFromPassword([]byte("imported password 1"), 4)
	good := `{"email":"imp@example.com","email_verified":true,"groups":["staff"],"password_hash":"` + string(bc) + `"}
{"email":"other@example.com","username":"other-user"}`
	bad := good + "\n" + `{"email":"third@example.com","email_verified":"yes"}`

	r := importCall(t, srv.URL, admin, "", bad).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, `"field":"line 3: line"`) || !strings.Contains(r.raw, "nothing was imported") {
		t.Fatalf("refused file: %s", r.raw)
	}
	if users := apiCall(t, srv.URL, http.MethodGet, "/users?q=example.com", admin, nil).want(t, http.StatusOK).items(); len(users) != 0 {
		t.Fatalf("a refused file imported %d users", len(users))
	}
	if groups := apiCall(t, srv.URL, http.MethodGet, "/groups", admin, nil).want(t, http.StatusOK).items(); len(groups) != 0 {
		t.Fatalf("a refused file created groups: %v", groups)
	}

	r = importCall(t, srv.URL, admin, "", good).want(t, http.StatusOK)
	if r.body["created"] != float64(2) {
		t.Fatalf("import: %s", r.raw)
	}
	r = importCall(t, srv.URL, admin, "", good).want(t, http.StatusOK)
	if r.body["unchanged"] != float64(2) || r.body["created"] != float64(0) {
		t.Fatalf("second import: %s", r.raw)
	}

	secret := registerClient(t, srv, "importapp", true)
	rp := newRelyingParty(t, srv, "importapp", secret)
	f := rp.newFlow()
	if _, err := rp.exchange(f, rp.signIn(f, "imp@example.com", "imported password 1")); err != nil {
		t.Fatalf("imported user's sign-in: %v", err)
	}
	u, err := srv.Srv.Store().Users().ByLogin(context.Background(), "imp@example.com")
	if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("after sign-in the hash is %.12s (%v), want argon2id", u.PasswordHash, err)
	}
	events := apiCall(t, srv.URL, http.MethodGet, "/audit-events?type=admin.users.import", admin, nil).want(t, http.StatusOK).items()
	if len(events) != 2 || events[0]["actor_id"] != "client:ops" {
		t.Fatalf("imports audited: %v", events)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
