package op

import (
	"net/http"
	"strconv"
	"testing"
)

// TestPublicDocumentsHaveLength: discovery and JWKS announce their length
// (no chunked encoding), for GET and HEAD alike.
func TestPublicDocumentsHaveLength(t *testing.T) {
	e := newTestEnv(t)
	for _, path := range []string{PathDiscovery, PathKeys} {
		get := e.do(http.MethodGet, path, nil, "", nil)
		if get.Code != http.StatusOK || get.Body.Len() == 0 {
			t.Fatalf("GET %s: %d", path, get.Code)
		}
		want := strconv.Itoa(get.Body.Len())
		if got := get.Header().Get("Content-Length"); got != want {
			t.Errorf("GET %s: Content-Length %q, want %s", path, got, want)
		}
		head := e.do(http.MethodHead, path, nil, "", nil)
		if got := head.Header().Get("Content-Length"); head.Code != http.StatusOK || got != want || head.Body.Len() != 0 {
			t.Errorf("HEAD %s: %d, Content-Length %q, body %d bytes", path, head.Code, got, head.Body.Len())
		}
	}
}
