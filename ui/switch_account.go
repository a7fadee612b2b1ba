package ui

import (
	"net/url"

	"github.com/gin-gonic/gin"
)

// "Not you? Switch account": pages that act as the signed-in user on the
// way to an application (consent, the device flow's confirmation) offer
// to sign out and sign in as someone else. The button POSTs
// /login/switch with the authorization request (authRequestID) or the
// page to come back to (return_to); the session ends and the browser goes
// to the sign-in form of the same request. A GET signs nobody out.
const switchAccountPath = "/login/switch"

// switchAccount is the .Data part of the switch form: one of the two is set.
type switchAccount struct {
	AuthRequestID string
	ReturnTo      string
}

// switchAccountRoutes adds POST /login/switch.
func (u *UI) switchAccountRoutes(r gin.IRouter, bound gin.HandlerFunc) {
	r.POST(switchAccountPath, bound, u.switchAccountSubmit)
}

// switchAccountSubmit serves POST /login/switch.
func (u *UI) switchAccountSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	next := loginPath
	if id := form.Get(authRequestParam); id != "" {
		// Only a request of this browser: another's id gets the error page
		// and signs nobody out.
		ar, ok := u.loadAuthRequest(c, boundedID(id))
		if !ok {
			return
		}
		next = loginURL(ar.ID) + "&" + url.Values{signInParam: {"1"}}.Encode()
	} else if p := safeReturnTo(form.Get(returnToParam)); p != "" {
		next = loginPath + "?" + url.Values{returnToParam: {p}}.Encode()
	}
	u.clearSessionCookie(c)
	if !u.endCurrentSession(c) {
		return
	}
	redirect(c, next)
}
