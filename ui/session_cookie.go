package ui

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// Cookie names. With Options.Secure every cookie the sign-in pages set
// carries the __Host- prefix, which makes browsers insist on Secure, Path=/
// and no Domain: a sibling subdomain cannot plant or shadow it.
const (
	SessionCookie        = "gatehouse_session"
	BrowserBindingCookie = "gatehouse_authreq"
	HostCookiePrefix     = "__Host-"
)

// maxCookieSecret bounds the cookie values passed on to Accounts: secrets
// are 43 characters; anything much longer is garbage.
const maxCookieSecret = 128

// SessionCookieName is the name of the browser-session cookie:
// __Host-gatehouse_session with Options.Secure, else gatehouse_session.
func (u *UI) SessionCookieName() string { return u.cookieName(SessionCookie) }

// BrowserBindingCookieName is the name of the cookie that binds
// authorization requests to the browser.
func (u *UI) BrowserBindingCookieName() string { return u.cookieName(BrowserBindingCookie) }

func (u *UI) cookieName(base string) string {
	if u.secure {
		return HostCookiePrefix + base
	}
	return base
}

// setSessionCookie hands the browser a new session secret for bs. A
// persistent ("remember me") cookie lives as long as the session does (its
// ExpiresAt, which follows the session.lifetime setting; SessionLifetime
// when the session has none); any other ends with the browser.
func (u *UI) setSessionCookie(c *gin.Context, secret string, bs storage.BrowserSession) {
	maxAge := 0
	if bs.Persistent {
		maxAge = int(u.sessionLifetime.Seconds())
		if !bs.ExpiresAt.IsZero() {
			maxAge = max(1, int(bs.ExpiresAt.Sub(u.now()).Seconds()))
		}
	}
	http.SetCookie(c.Writer, u.newCookie(SessionCookie, secret, maxAge))
	noteSignedIn(c, secret) // the page header (viewer.go)
}

// clearSessionCookie makes the browser drop the session cookie.
func (u *UI) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, u.newCookie(SessionCookie, "", -1))
	noteSignedOut(c) // the page header (viewer.go)
}

// newCookie is a host-only, HttpOnly, SameSite=Lax cookie for the whole
// site, Secure with Options.Secure.
func (u *UI) newCookie(base, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     u.cookieName(base),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   u.secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// cookieValue is the value of the named cookie, or "" when it is absent or
// implausibly long.
func cookieValue(c *gin.Context, name string) string {
	v, err := c.Cookie(name)
	if err != nil || len(v) > maxCookieSecret {
		return ""
	}
	return v
}

// signedIn is the browser's current session, if any.
type signedIn struct {
	session storage.BrowserSession
	user    storage.User
}

// currentSession looks up the session the cookie names. ok is false only
// on a failure, after the 500 page was rendered; a missing, expired or
// unknown session is (nil, true).
func (u *UI) currentSession(c *gin.Context) (s *signedIn, ok bool) {
	secret := cookieValue(c, u.SessionCookieName())
	if secret == "" {
		noteSession(c, nil)
		return nil, true
	}
	bs, user, err := u.accounts.SessionFromCookie(c.Request.Context(), secret)
	if err == nil {
		si := &signedIn{session: bs, user: user}
		noteSession(c, si) // the page header (viewer.go)
		return si, true
	}
	if u.classify(err).Kind == SignInNoSession {
		noteSession(c, nil)
		return nil, true
	}
	u.fail(c, "read session", err)
	return nil, false
}

// endPresentedSession ends the session the browser presents, if any, so a
// sign-in never leaves an old or planted session alive behind the new one.
// Failures are logged, not fatal: the new session replaces the cookie
// either way.
func (u *UI) endPresentedSession(c *gin.Context) {
	secret := cookieValue(c, u.SessionCookieName())
	if secret == "" {
		return
	}
	ctx := c.Request.Context()
	bs, _, err := u.accounts.SessionFromCookie(ctx, secret)
	if err != nil {
		if u.classify(err).Kind != SignInNoSession {
			u.log.WarnContext(ctx, "read the previous session at sign-in", u.logAttrs(c, err)...)
		}
		return
	}
	if err := u.accounts.EndSession(ctx, bs.ID); err != nil {
		u.log.WarnContext(ctx, "end the previous session at sign-in", u.logAttrs(c, err)...)
	}
}

// fail logs err and renders the 500 page, or the 503 "temporarily
// unavailable, try again" page when the database could not be reached.
func (u *UI) fail(c *gin.Context, msg string, err error) {
	if errors.Is(err, storage.ErrUnavailable) {
		u.log.WarnContext(c.Request.Context(), msg+": database unavailable", u.logAttrs(c, err)...)
		u.RenderUnavailable(c)
		return
	}
	u.log.ErrorContext(c.Request.Context(), msg, u.logAttrs(c, err)...)
	u.RenderError(c, http.StatusInternalServerError)
}

func (u *UI) logAttrs(c *gin.Context, err error) []any {
	return []any{
		slog.Any("error", err),
		slog.String("path", c.Request.URL.Path),
		slog.String("request_id", c.GetString(requestIDKey)),
	}
}
