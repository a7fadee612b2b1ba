package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminAPICreateUserAndDelete: a created user is active without a
// password and gets a set-your-password link; deleting removes them.
func TestAdminAPICreateUserAndDelete(t *testing.T) {
	srv := startRegServer(t, nil)
	bot := serviceToken(t, srv.Server, "ops-bot", true)

	r := apiCall(t, srv.URL, http.MethodPost, "/users", bot, map[string]any{"email": "new@example.com", "password": "x"}).want(t, http.StatusBadRequest)
	checkProblem(t, r, http.StatusBadRequest, "urn:gatehouse:problem:validation")
	apiCall(t, srv.URL, http.MethodPost, "/users", bot, map[string]any{"email": "new@example.com", "role": "admin"}).want(t, http.StatusForbidden)
	r = apiCall(t, srv.URL, http.MethodPost, "/users", bot, map[string]any{"email": "new@example.com", "given_name": "Nia"}).want(t, http.StatusCreated)
	id, _ := r.body["id"].(string)
	if r.body["state"] != "active" || r.body["has_password"] != false || id == "" {
		t.Fatalf("created user: %s", r.raw)
	}
	m := srv.letter(t, "new@example.com", "")
	if len(m.Links()) == 0 || !strings.Contains(strings.Join(m.Links(), " "), srv.URL+"/reset") {
		t.Errorf("no set-your-password link in %q: %v", m.Subject, m.Links())
	}
	r = apiCall(t, srv.URL, http.MethodPost, "/users", bot, map[string]any{"email": "NEW@example.com"}).want(t, http.StatusConflict)
	checkProblem(t, r, http.StatusConflict, "urn:gatehouse:problem:duplicate")

	apiCall(t, srv.URL, http.MethodPost, "/users/"+id+"/reset-password", bot, nil).want(t, http.StatusAccepted)
	apiCall(t, srv.URL, http.MethodPost, "/users/"+id+"/resend-verification", bot, nil).want(t, http.StatusConflict)
	apiCall(t, srv.URL, http.MethodGet, "/users/"+id+"/identities", bot, nil).want(t, http.StatusOK)
	apiCall(t, srv.URL, http.MethodDelete, "/users/"+id+"/identities/none", bot, nil).want(t, http.StatusNotFound)
	apiCall(t, srv.URL, http.MethodDelete, "/users/"+id+"/sessions", bot, nil).want(t, http.StatusNoContent)
	apiCall(t, srv.URL, http.MethodDelete, "/users/"+id, bot, nil).want(t, http.StatusNoContent)
	apiCall(t, srv.URL, http.MethodGet, "/users/"+id, bot, nil).want(t, http.StatusNotFound)
	r = apiCall(t, srv.URL, http.MethodGet, "/audit-events?user="+id, bot, nil).want(t, http.StatusOK)
	for _, want := range []string{"admin.user.create", "admin.user.reset_password", "admin.user.sessions_ended", "admin.user.delete"} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("audit lacks %s: %s", want, r.raw)
		}
	}

	pending := createUserWith(t, srv.Server, "unconfirmed@example.com", storage.UserPendingVerification, storage.RoleUser)
	apiCall(t, srv.URL, http.MethodPost, "/users/"+pending+"/resend-verification", bot, nil).want(t, http.StatusAccepted)
	srv.letter(t, "unconfirmed@example.com", "")
}

// TestAdminAPIClients: create (secret once), validation as the CLI,
// patch, rotate the secret (the old one stops working), delete.
func TestAdminAPIClients(t *testing.T) {
	srv := startRegServer(t, nil)
	bot := serviceToken(t, srv.Server, "ops-bot", true)

	r := apiCall(t, srv.URL, http.MethodPost, "/clients", bot, map[string]any{"id": "shop", "redirect_uris": []string{"http://evil.example/cb"}}).want(t, http.StatusBadRequest)
	checkProblem(t, r, http.StatusBadRequest, "urn:gatehouse:problem:validation")
	r = apiCall(t, srv.URL, http.MethodPost, "/clients", bot, map[string]any{"id": "shop", "grant_types": []string{"client_credentials"},
		"scopes": []string{"orders:read"}}).want(t, http.StatusCreated)
	secret, _ := r.body["secret"].(string)
	if secret == "" || r.body["public"] != false {
		t.Fatalf("created client: %s", r.raw)
	}
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}
	if status, _, _ := tokenRequest(t, srv.URL, "shop", secret, cc); status != http.StatusOK {
		t.Fatalf("new client's credentials: %d", status)
	}
	assertAuditIP(t, srv.Server, "admin.client.create", "client:ops-bot")
	r = apiCall(t, srv.URL, http.MethodGet, "/clients/shop", bot, nil).want(t, http.StatusOK)
	if strings.Contains(r.raw, secret) || strings.Contains(r.raw, `"secret"`) { // "client_secret_basic" is a method name, not a secret
		t.Errorf("GET shows the secret: %s", r.raw)
	}
	r = apiCall(t, srv.URL, http.MethodPatch, "/clients/shop", bot, map[string]any{"name": "Shop", "scopes": []string{"orders:read", "orders:write"}}).want(t, http.StatusOK)
	if r.body["name"] != "Shop" {
		t.Errorf("patched client: %s", r.raw)
	}
	apiCall(t, srv.URL, http.MethodPatch, "/clients/shop", bot, map[string]any{"secret_hash": "x"}).want(t, http.StatusBadRequest)
	r = apiCall(t, srv.URL, http.MethodPost, "/clients/shop/secret", bot, nil).want(t, http.StatusOK)
	newSecret, _ := r.body["secret"].(string)
	if newSecret == "" || newSecret == secret {
		t.Fatalf("rotated secret: %s", r.raw)
	}
	if status, _, _ := tokenRequest(t, srv.URL, "shop", secret, cc); status == http.StatusOK {
		t.Error("the old secret still works after rotation")
	}
	if status, _, _ := tokenRequest(t, srv.URL, "shop", newSecret, cc); status != http.StatusOK {
		t.Errorf("the new secret fails: %d", status)
	}
	r = apiCall(t, srv.URL, http.MethodGet, "/clients?limit=1", bot, nil).want(t, http.StatusOK)
	if len(r.items()) != 1 || r.body["next_cursor"] == nil {
		t.Errorf("client list page: %s", r.raw)
	}
	apiCall(t, srv.URL, http.MethodDelete, "/clients/shop", bot, nil).want(t, http.StatusNoContent)
	if status, _, _ := tokenRequest(t, srv.URL, "shop", newSecret, cc); status == http.StatusOK {
		t.Error("a deleted client still gets tokens")
	}
	r = apiCall(t, srv.URL, http.MethodGet, "/audit-events?type=admin.client.secret_rotated", bot, nil).want(t, http.StatusOK)
	if len(r.items()) != 1 {
		t.Errorf("audit of the rotation: %s", r.raw)
	}
}
