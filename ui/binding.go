package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// bindingSecretBytes is the entropy of a browser-binding secret; encoded,
// it is bindingSecretLen base64url characters.
const (
	bindingSecretBytes = 32
	bindingSecretLen   = 43
)

// BrowserBindingMiddleware binds authorization requests to the browser
// that starts them. Put it in front of the provider's /authorize: it reuses
// the browser's binding cookie, or sets a new random one (HttpOnly,
// SameSite=Lax, Path=/, Secure and __Host- with Options.Secure, ending
// with the browser), and passes the cookie's SHA-256 to
// Options.WithBrowserBinding, so the provider stores it as the request's
// BrowserHash. /login and /consent then refuse a request whose hash does
// not match the cookie presented, so a victim cannot be made to finish an
// authorization an attacker started.
//
// Without Options.WithBrowserBinding it refuses every request with the 500
// page: an unbound request could never be finished.
func (u *UI) BrowserBindingMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		if u.withBinding == nil {
			u.fail(c, "browser binding", errors.New("ui: Options.WithBrowserBinding is not set"))
			return
		}
		secret := cookieValue(c, u.BrowserBindingCookieName())
		if !validBindingSecret(secret) {
			secret = newBindingSecret()
			http.SetCookie(c.Writer, u.newCookie(BrowserBindingCookie, secret, 0))
		}
		c.Request = c.Request.WithContext(u.withBinding(c.Request.Context(), bindingHash(secret)))
		c.Next()
	}
}

// BrowserBindingReader passes the binding of the browser's cookie, when it
// has one, to Options.WithBrowserBinding without ever setting a cookie. It
// guards the pages and endpoints that continue an authorization request
// (/login, /consent, the provider's callback): only /authorize starts one.
func (u *UI) BrowserBindingReader() gin.HandlerFunc {
	return func(c *gin.Context) {
		if u.withBinding != nil {
			if secret := cookieValue(c, u.BrowserBindingCookieName()); validBindingSecret(secret) {
				c.Request = c.Request.WithContext(u.withBinding(c.Request.Context(), bindingHash(secret)))
			}
		}
		c.Next()
	}
}

// validBindingSecret accepts only values this middleware could have made,
// so a planted oversized or odd value is replaced rather than reused.
func validBindingSecret(s string) bool {
	if len(s) != bindingSecretLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

func newBindingSecret() string {
	b := make([]byte, bindingSecretBytes)
	_, _ = rand.Read(b) // never fails: crypto/rand aborts the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// bindingHash is what AuthRequestView.BrowserHash holds for secret.
func bindingHash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// boundToBrowser reports whether ar was started by this browser.
func (u *UI) boundToBrowser(c *gin.Context, ar AuthRequestView) bool {
	secret := cookieValue(c, u.BrowserBindingCookieName())
	if secret == "" || len(ar.BrowserHash) != sha256.Size {
		return false
	}
	return subtle.ConstantTimeCompare(bindingHash(secret), ar.BrowserHash) == 1
}

// loadAuthRequest returns the authorization request id names, provided it
// exists and this browser started it. Otherwise it renders the page that
// says the sign-in request is no longer valid (400, no redirect: the
// client's redirect URI is not to be trusted with an unbound request) or,
// on a failure, the 500 page, and returns false.
func (u *UI) loadAuthRequest(c *gin.Context, id string) (AuthRequestView, bool) {
	if u.authRequests == nil || id == "" || len(id) > maxIDLength {
		u.renderInvalidRequest(c)
		return AuthRequestView{}, false
	}
	ctx := c.Request.Context()
	ar, err := u.authRequests.Get(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		u.renderInvalidRequest(c)
		return AuthRequestView{}, false
	}
	if err != nil {
		u.fail(c, "read authorization request", err)
		return AuthRequestView{}, false
	}
	allowFormRedirect(c, ar.RedirectURI)
	if !u.boundToBrowser(c, ar) {
		u.log.WarnContext(ctx, "authorization request from another browser refused",
			slog.String("auth_request_id", ar.ID), slog.String("client_id", ar.ClientID),
			slog.String("request_id", c.GetString(requestIDKey)))
		u.renderInvalidRequest(c)
		return AuthRequestView{}, false
	}
	return ar, true
}

// maxIDLength bounds the authorization request ids passed on to the
// provider.
const maxIDLength = 256

// renderInvalidRequest is the 400 page for an authorization request that
// is unknown, expired or bound to another browser. The three look alike.
func (u *UI) renderInvalidRequest(c *gin.Context) {
	u.renderProblem(c, http.StatusBadRequest, "signin.request_invalid.title", "signin.request_invalid.message")
}

// renderProblem is the error page with a message of its own.
func (u *UI) renderProblem(c *gin.Context, status int, titleKey, messageKey string) {
	c.Abort()
	lang := u.lang(c)
	u.Render(c, status, errorPage, errorData{
		Status:    status,
		Title:     u.bundle.T(lang, titleKey),
		Message:   u.bundle.T(lang, messageKey),
		RequestID: c.GetString(requestIDKey),
	})
}

// allowFormRedirect widens the response's CSP form-action to the origin of
// the client's redirect URI. A sign-in or consent form's POST ends in a
// redirect chain to the client, and browsers check every hop against
// form-action; 'self' alone would block the last one.
func allowFormRedirect(c *gin.Context, redirectURI string) {
	src := formActionSource(redirectURI)
	h := c.Writer.Header()
	csp := h.Get("Content-Security-Policy")
	if src == "" || csp == "" {
		return
	}
	h.Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+src, 1))
}

// formActionSource is the CSP source expression for uri's origin
// ("https://app.example.com:8443", or "com.example.app:" for a native
// app's custom scheme), or "" when uri cannot be expressed safely.
func formActionSource(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || strings.ContainsAny(uri, " ;,'\"") {
		return ""
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return u.Scheme + ":"
	}
	if u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
