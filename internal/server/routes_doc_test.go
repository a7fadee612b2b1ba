package server_test

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// routesDocs are the documents whose route tables name every route.
var routesDocs = []string{"../../README.md", "../../docs/routes.md", "../../docs/api.md",
	"../../docs/protocol.md", "../../docs/branding.md", "../../docs/groups.md"}

// documentedRoute matches a route cell: `GET /path`, `GET/POST /path/{id}`.
var documentedRoute = regexp.MustCompile("`((?:GET|POST|PUT|PATCH|DELETE)(?:/(?:GET|POST|PUT|PATCH|DELETE))*) (/[^` ?]*)")

// TestEveryRouteIsDocumented keeps the route tables true: every route the
// server registers (dev mode, so /dev/mail too) is named with its method.
func TestEveryRouteIsDocumented(t *testing.T) {
	documented := map[string]bool{} // "METHOD path" and "* path"
	for _, name := range routesDocs {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range documentedRoute.FindAllStringSubmatch(string(data), -1) {
			for _, method := range strings.Split(m[1], "/") {
				documented[method+" "+normalizeRoute(m[2])] = true
				documented["* "+normalizeRoute(m[2])] = true
			}
		}
	}
	srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_DEV": "true"}})
	routes := srv.Srv.Routes()
	// The provider's paths take every method (OPTIONS for CORS preflights)
	// and the library answers a wrong one; their rows name the method to use.
	provider := map[string]bool{}
	for _, r := range routes {
		if r.Method == "OPTIONS" {
			provider[r.Path] = true
		}
	}
	var missing []string
	for _, r := range routes {
		if r.Method == "HEAD" || r.Method == "OPTIONS" {
			continue
		}
		key := r.Method + " " + normalizeRoute(r.Path)
		if provider[r.Path] {
			key = "* " + normalizeRoute(r.Path)
		}
		if !documented[key] {
			missing = append(missing, r.Method+" "+r.Path)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("route %s is in no route table (%s)", m, strings.Join(routesDocs, ", "))
	}
}

var routeParam = regexp.MustCompile(`\{[^}]+\}|:[^/]+|\*[^/]*$|\.\.\.$`)

// normalizeRoute writes every path parameter as {}: gin's :id and *path,
// the documents' {id} and trailing ...
func normalizeRoute(p string) string {
	p = routeParam.ReplaceAllString(p, "{}")
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}
