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
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if https {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
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
