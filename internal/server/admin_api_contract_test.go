package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/adminapi"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminAPIOpenAPIMatchesRoutes: every /api/v1 route of the router is
// in openapi.json and every operation of the document is a route.
func TestAdminAPIOpenAPIMatchesRoutes(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	engine, ok := srv.Srv.Handler().(*gin.Engine)
	if !ok {
		t.Fatalf("handler is %T, not *gin.Engine", srv.Srv.Handler())
	}
	var routes []string
	for _, r := range engine.Routes() {
		if strings.HasPrefix(r.Path, "/api/") {
			routes = append(routes, r.Method+" "+adminapi.OpenAPIPath(r.Path))
		}
	}
	doc := apiCall(t, srv.URL, http.MethodGet, "/openapi.json", "", nil).want(t, http.StatusOK)
	if doc.body["openapi"] != "3.1.0" {
		t.Fatalf("openapi version: %v", doc.body["openapi"])
	}
	paths, _ := doc.body["paths"].(map[string]any)
	var documented []string
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+p)
		}
	}
	slices.Sort(routes)
	slices.Sort(documented)
	if len(routes) < 20 || !slices.Equal(routes, documented) {
		t.Fatalf("routes and document differ:\nroutes:     %v\ndocumented: %v", routes, documented)
	}
}

// TestAdminAPIUserPatchRules: passwords and hashes can never be written,
// unknown fields are refused with field errors, a service client cannot
// set a role and an administrator user can; nothing changes on refusal.
func TestAdminAPIUserPatchRules(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	bot := serviceToken(t, srv, "ops-bot", true)
	id := createUserWith(t, srv, "erin@example.com", storage.UserActive, storage.RoleUser)
	before := storedUser(t, srv, id)

	for _, body := range []map[string]any{
		{"password": "new password 123"}, {"password_hash": "$argon2id$v=19$x"}, {"given_name": "Eve", "password": "x"},
	} {
		r := apiCall(t, srv.URL, http.MethodPatch, "/users/"+id, bot, body).want(t, http.StatusBadRequest)
		checkProblem(t, r, http.StatusBadRequest, "urn:gatehouse:problem:validation")
		if !strings.Contains(r.raw, `"field":"password`) {
			t.Errorf("no field error for the password field: %s", r.raw)
		}
	}
	r := apiCall(t, srv.URL, http.MethodPatch, "/users/"+id, bot, map[string]any{"shoe_size": 44}).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, `"field":"shoe_size","detail":"unknown field"`) {
		t.Errorf("unknown field: %s", r.raw)
	}
	r = apiCall(t, srv.URL, http.MethodPatch, "/users/"+id, bot, map[string]any{"role": "admin", "given_name": "Eve"}).want(t, http.StatusForbidden)
	checkProblem(t, r, http.StatusForbidden, "urn:gatehouse:problem:forbidden")
	r = apiCall(t, srv.URL, http.MethodPatch, "/users/"+id, bot, map[string]any{"email": "not an address"}).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, `"field":"email"`) {
		t.Errorf("bad email: %s", r.raw)
	}
	if after := storedUser(t, srv, id); after.Role != before.Role || after.PasswordHash != before.PasswordHash || after.GivenName != before.GivenName || after.Email != before.Email {
		t.Fatalf("a refused PATCH changed the user: %+v", after)
	}

	r = apiCall(t, srv.URL, http.MethodPatch, "/users/"+id, bot, map[string]any{"given_name": "Erin", "company": "Example"}).want(t, http.StatusOK)
	if r.body["given_name"] != "Erin" || r.body["company"] != "Example" || r.body["role"] != "user" {
		t.Errorf("profile patch: %s", r.raw)
	}
	createUserWith(t, srv, "root@example.com", storage.UserActive, storage.RoleAdmin)
	adminUser, _, err := userAccessToken(t, srv, "console", "root@example.com", "gatehouse:admin")
	if err != nil {
		t.Fatal(err)
	}
	r = apiCall(t, srv.URL, http.MethodPatch, "/users/"+id, adminUser, map[string]any{"role": "admin"}).want(t, http.StatusOK)
	if r.body["role"] != "admin" || storedUser(t, srv, id).Role != storage.RoleAdmin {
		t.Errorf("an admin user could not set the role: %s", r.raw)
	}
	r = apiCall(t, srv.URL, http.MethodGet, "/audit-events?user="+id+"&type=admin.user.update", bot, nil).want(t, http.StatusOK)
	if len(r.items()) != 2 {
		t.Errorf("audit of the updates: %s", r.raw)
	}
	apiCall(t, srv.URL, http.MethodGet, "/users/nobody", bot, nil).want(t, http.StatusNotFound)
	r = apiCall(t, srv.URL, http.MethodGet, "/audit-events?type=admin.api.signin", bot, nil).want(t, http.StatusOK)
	if len(r.items()) != 2 {
		t.Errorf("admin sign-ins (the service client and the admin user, once each): %s", r.raw)
	}
}

// checkProblem checks the RFC 9457 shape of an error answer.
func checkProblem(t *testing.T, r apiResp, status int, typ string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q", ct)
	}
	if r.body["type"] != typ || r.body["status"] != float64(status) || r.body["title"] == "" || r.body["title"] == nil {
		t.Errorf("problem %s, want type %s status %d", r.raw, typ, status)
	}
}

// TestAdminAPIListPaginationAndFilters: a cursor walks every user once;
// state, q and created_after filter.
func TestAdminAPIListPaginationAndFilters(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	bot := serviceToken(t, srv, "ops-bot", true)
	var ids []string
	for i := range 5 {
		state := storage.UserActive
		if i%2 == 1 {
			state = storage.UserPendingApproval
		}
		ids = append(ids, createUserWith(t, srv, fmt.Sprintf("user%d@example.com", i), state, storage.RoleUser))
	}
	var seen []string
	path := "/users?limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the cursor does not end")
		}
		r := apiCall(t, srv.URL, http.MethodGet, path, bot, nil).want(t, http.StatusOK)
		if len(r.items()) > 2 {
			t.Fatalf("page larger than the limit: %s", r.raw)
		}
		for _, it := range r.items() {
			seen = append(seen, it["id"].(string))
		}
		next, _ := r.body["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/users?limit=2&cursor=" + next
	}
	if !slices.Equal(seen, ids) {
		t.Fatalf("cursor walk saw %v, want %v", seen, ids)
	}
	if r := apiCall(t, srv.URL, http.MethodGet, "/users?state=pending_approval", bot, nil).want(t, http.StatusOK); len(r.items()) != 2 {
		t.Errorf("state filter: %s", r.raw)
	}
	if r := apiCall(t, srv.URL, http.MethodGet, "/users?q=USER3", bot, nil).want(t, http.StatusOK); len(r.items()) != 1 || r.items()[0]["id"] != ids[3] {
		t.Errorf("q filter: %s", r.raw)
	}
	created := storedUser(t, srv, ids[2]).CreatedAt.Add(-time.Millisecond).UTC().Format(time.RFC3339Nano)
	if r := apiCall(t, srv.URL, http.MethodGet, "/users?limit=2&created_after="+created, bot, nil).want(t, http.StatusOK); len(r.items()) != 2 || r.items()[0]["id"] != ids[2] || r.body["next_cursor"] == nil {
		t.Errorf("created_after filter with a page: %s", r.raw)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if r := apiCall(t, srv.URL, http.MethodGet, "/users?created_after="+future, bot, nil).want(t, http.StatusOK); len(r.items()) != 0 {
		t.Errorf("created_after filter: %s", r.raw)
	}
	r := apiCall(t, srv.URL, http.MethodGet, "/users?state=sleeping&limit=0", bot, nil).want(t, http.StatusBadRequest)
	checkProblem(t, r, http.StatusBadRequest, "urn:gatehouse:problem:validation")
	r = apiCall(t, srv.URL, http.MethodGet, "/no-such-thing", bot, nil).want(t, http.StatusNotFound)
	checkProblem(t, r, http.StatusNotFound, "urn:gatehouse:problem:not-found")
	r = apiCall(t, srv.URL, http.MethodPut, "/users", bot, nil).want(t, http.StatusMethodNotAllowed)
	checkProblem(t, r, http.StatusMethodNotAllowed, "urn:gatehouse:problem:method-not-allowed")
	r = apiCall(t, srv.URL, http.MethodGet, "/audit-events?since=yesterday", bot, nil).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, `"field":"since"`) {
		t.Errorf("bad since: %s", r.raw)
	}
}
