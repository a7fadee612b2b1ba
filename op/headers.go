package op

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/cors"
)

// Paths served by the provider, relative to the issuer.
const (
	PathDiscovery  = "/.well-known/openid-configuration"
	PathKeys       = "/keys"
	PathAuthorize  = "/authorize"
	PathCallback   = "/authorize/callback"
	PathToken      = "/oauth/token"
	PathIntrospect = "/oauth/introspect"
	PathUserinfo   = "/userinfo"
	PathRevoke     = "/revoke"
	PathEndSession = "/end_session"
)

// corsPaths may be called from any origin, without credentials: what a
// browser-based client fetches itself. /authorize and /end_session are
// navigations, introspection is for servers.
var corsPaths = []string{PathDiscovery, PathKeys, PathToken, PathUserinfo, PathRevoke}

// publicPaths are the same for every caller and change rarely: cached.
var publicPaths = []string{PathDiscovery, PathKeys}

// withCORS answers CORS on corsPaths only. zop's own CORS (every origin,
// with credentials) is switched off with WithCORSOptions(nil).
func withCORS(next http.Handler) http.Handler {
	c := cors.New(cors.Options{
		AllowOriginVaryRequestFunc: func(r *http.Request, _ string) (bool, []string) {
			return slices.Contains(corsPaths, r.URL.Path), nil
		},
		AllowedMethods:   []string{http.MethodGet, http.MethodHead, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept", "Accept-Language"},
		AllowCredentials: false,
		MaxAge:           600,
	})
	return c.Handler(next)
}

// withNoStore marks every response except the public documents
// Cache-Control: no-store (RFC 6749 §5.1 for tokens; userinfo,
// introspection and redirects carrying codes alike). The public documents
// set their own header once they know they succeeded.
func withNoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(publicPaths, r.URL.Path) {
			setNoStore(w)
		}
		next.ServeHTTP(w, r)
	})
}

// Shared header values (net/http only reads them; an Add copies).
var (
	noStoreValue = []string{"no-store"}
	noCacheValue = []string{"no-cache"}
)

func setNoStore(w http.ResponseWriter) {
	h := w.Header()
	h["Cache-Control"] = noStoreValue
	h["Pragma"] = noCacheValue
}

func setPublicCache(w http.ResponseWriter, maxAge time.Duration) {
	if maxAge < 0 {
		w.Header().Set("Cache-Control", "no-cache")
		return
	}
	w.Header()["Cache-Control"] = []string{"public, max-age=" + strconv.Itoa(int(maxAge.Seconds()))}
}

// allowMethods answers 405 unless r uses one of methods.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}
