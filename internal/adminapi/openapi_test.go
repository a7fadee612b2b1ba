package adminapi

import (
	"strings"
	"testing"
)

func TestOpenAPIPath(t *testing.T) {
	for in, want := range map[string]string{
		"/users":                             "/users",
		"/users/:id":                         "/users/{id}",
		"/users/:id/identities/:identity_id": "/users/{id}/identities/{identity_id}",
	} {
		if got := OpenAPIPath(in); got != want {
			t.Errorf("OpenAPIPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every operation has a unique id, a summary, and problem responses; every
// request body names a schema that exists.
func TestDocumentOperations(t *testing.T) {
	a := &API{}
	doc := a.Document()
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	ids := map[string]bool{}
	for _, rt := range a.routes() {
		item := doc["paths"].(map[string]any)[Prefix+OpenAPIPath(rt.Path)].(map[string]any)
		op := item[strings.ToLower(rt.Method)].(map[string]any)
		id := op["operationId"].(string)
		if ids[id] || op["summary"] == "" {
			t.Errorf("%s %s: duplicate id %q or no summary", rt.Method, rt.Path, id)
		}
		ids[id] = true
		if _, ok := op["responses"].(map[string]any)["403"]; !ok {
			t.Errorf("%s %s: no 403 response", rt.Method, rt.Path)
		}
		if rt.Body != "" && schemas[rt.Body] == nil {
			t.Errorf("%s %s: schema %s missing", rt.Method, rt.Path, rt.Body)
		}
	}
}
