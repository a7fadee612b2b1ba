package httpbase

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// ContentSecurityPolicy allows no inline script or style and no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// SecurityHeaders sets the headers every response carries. With https it
// adds Strict-Transport-Security.
func SecurityHeaders(https bool) gin.HandlerFunc {
	// The values are built once and shared by every response: a header
	// map's slices are only read by net/http, and an Add appends to a
	// slice whose capacity is its length, so it copies.
	type header struct {
		key   string
		value []string
	}
	headers := []header{
		{"Content-Security-Policy", []string{ContentSecurityPolicy}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Referrer-Policy", []string{"same-origin"}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
		{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=(), payment=()"}},
	}
	if https {
		headers = append(headers, header{"Strict-Transport-Security", []string{"max-age=63072000; includeSubDomains"}})
	}
	return func(c *gin.Context) {
		h := c.Writer.Header()
		for _, x := range headers {
			h[x.key] = x.value
		}
		c.Next()
	}
}

// CrossOrigin rejects cross-origin state-changing requests from browsers
// with net/http's CrossOriginProtection (Sec-Fetch-Site, then Origin against
// Host). Safe methods always pass. Paths in bypass (exact paths or
// ServeMux patterns) are exempt: endpoints that cross-origin clients call by
// design, such as the OAuth token endpoint.
func CrossOrigin(page ErrorPage, bypass ...string) gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	for _, p := range bypass {
		cop.AddInsecureBypassPattern(p)
	}
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			page(c, http.StatusForbidden)
			c.Abort()
			return
		}
		c.Next()
	}
}
