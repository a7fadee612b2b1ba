package ui

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// The page header knows who is there: every page rendered through Render
// gets a viewer in the shared view (.Viewer), so the layout shows the
// signed-in user's name with a menu (Account, Administration for
// administrators, Sign out) or, signed out, "Sign in". Handlers do nothing
// for it: the session a handler already read is reused, and a page that
// signs in or out in the same request shows the new state.

// Gin context keys of the header's session lookup.
const (
	// viewerSessionKey holds a sessionSeen: the session this request's
	// cookie named, as the handler found it. A nil value means unknown.
	viewerSessionKey = "ui.viewer_session"
	// viewerSecretKey holds the cookie secret of a session started during
	// this request, which the request's own cookie does not carry yet.
	viewerSecretKey = "ui.viewer_secret"
	// viewerChangedKey is true once this request signed in or out: what
	// handlers find afterwards is no longer noted.
	viewerChangedKey = "ui.viewer_changed"
)

// sessionSeen is what a handler found out about the browser's session;
// si is nil for "nobody".
type sessionSeen struct{ si *signedIn }

// viewer is the signed-in user as the page header shows them.
type viewer struct {
	Name       string // the user's name, else login, else email
	AccountURL string // the account page; empty when the pages have none
	AdminURL   string // the console; empty unless the user is an administrator
}

// headerLinks are the header's links for a signed-out browser.
type headerLinks struct {
	SignInURL string // empty when the instance has no sign-in pages
}

// noteSession remembers, for the page header, the session the handler
// found. Nothing is noted once a new session was started in this request.
func noteSession(c *gin.Context, si *signedIn) {
	if c.GetBool(viewerChangedKey) {
		return
	}
	c.Set(viewerSessionKey, sessionSeen{si: si})
}

// noteSignedIn: a session was started in this request; the header looks it
// up by its new secret.
func noteSignedIn(c *gin.Context, secret string) {
	c.Set(viewerChangedKey, true)
	c.Set(viewerSessionKey, nil)
	c.Set(viewerSecretKey, secret)
}

// noteSignedOut: the session cookie was dropped; the header shows nobody.
func noteSignedOut(c *gin.Context) {
	c.Set(viewerChangedKey, true)
	c.Set(viewerSecretKey, "")
	c.Set(viewerSessionKey, sessionSeen{})
}

// viewerOf is who the header shows for this request, or nil. It reuses what
// the handler found; otherwise it reads the session, except on a 5xx page,
// where the database may be what failed. A failure shows nobody: the
// header never turns a page into an error.
func (u *UI) viewerOf(c *gin.Context, status int) *viewer {
	if u.accounts == nil {
		return nil
	}
	if v, ok := c.Get(viewerSessionKey); ok {
		if seen, ok := v.(sessionSeen); ok {
			return u.newViewer(seen.si)
		}
	}
	if status >= http.StatusInternalServerError {
		return nil
	}
	secret := c.GetString(viewerSecretKey)
	if secret == "" && !c.GetBool(viewerChangedKey) {
		secret = cookieValue(c, u.SessionCookieName())
	}
	if secret == "" {
		return nil
	}
	bs, user, err := u.accounts.SessionFromCookie(c.Request.Context(), secret)
	if err != nil {
		if u.classify(err).Kind != SignInNoSession {
			u.log.WarnContext(c.Request.Context(), "read the session for the page header", u.logAttrs(c, err)...)
		}
		return nil
	}
	si := &signedIn{session: bs, user: user}
	c.Set(viewerSessionKey, sessionSeen{si: si})
	return u.newViewer(si)
}

func (u *UI) newViewer(si *signedIn) *viewer {
	if si == nil {
		return nil
	}
	v := &viewer{Name: displayName(si.user)}
	if u.profiles != nil {
		v.AccountURL = accountPath
	}
	if u.admin != nil && si.user.Role == storage.RoleAdmin {
		v.AdminURL = adminPath
	}
	return v
}

// headerLinksFor are the signed-out header's links.
func (u *UI) headerLinksFor() headerLinks {
	if u.accounts == nil {
		return headerLinks{}
	}
	return headerLinks{SignInURL: loginPath}
}

// displayName is how the header names a user: the full name, else the
// login, else the email address.
func displayName(user storage.User) string {
	if name := strings.TrimSpace(user.GivenName + " " + user.FamilyName); name != "" {
		return name
	}
	if user.Username != "" {
		return user.Username
	}
	return user.Email
}
