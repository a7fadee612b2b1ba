package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Pages of the sign-out flow.
const (
	logoutTemplate    = "logout"     // "Sign out of <instance>?"
	signedOutTemplate = "signed_out" // "You are signed out"
)

// logoutRequestParam carries the provider's opaque end-session state from
// /end_session through the confirmation page.
const logoutRequestParam = "logout_request"

// maxLogoutRequest bounds the opaque logout_request passed through.
const maxLogoutRequest = 4096

// logoutData is the .Data of the confirmation page.
type logoutData struct {
	LogoutRequest string // hidden; empty when signing out from the pages
	Account       string // the signed-in user; empty when none
}

// logoutPage serves GET /logout: the confirmation, whose button POSTs. A
// GET never signs out, so a link or image elsewhere cannot do it. A
// browser with no session and nothing to confirm sees the signed-out page.
func (u *UI) logoutPage(c *gin.Context) {
	lr := boundedParam(c.Query(logoutRequestParam), maxLogoutRequest)
	si, ok := u.currentSession(c)
	if !ok {
		return
	}
	if si == nil && lr == "" {
		u.Render(c, http.StatusOK, signedOutTemplate, nil)
		return
	}
	data := logoutData{LogoutRequest: lr}
	if si != nil {
		data.Account = accountName(si)
	}
	u.Render(c, http.StatusOK, logoutTemplate, data)
}

// logoutSubmit serves POST /logout: it ends the browser's session and
// drops the cookie, then goes where the provider's end_session asked
// (Options.LogoutCompleteURL) or shows the signed-out page.
func (u *UI) logoutSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	lr := boundedParam(c.Request.PostForm.Get(logoutRequestParam), maxLogoutRequest)
	u.clearSessionCookie(c)
	if !u.endCurrentSession(c) {
		return
	}
	if location := u.logoutLocation(c, lr); location != "" {
		redirect(c, location)
		return
	}
	u.Render(c, http.StatusOK, signedOutTemplate, nil)
}

// endCurrentSession ends the session the browser presents, if any. On a
// failure it renders the 500 page and returns false: the user must not
// believe a session is over that may still work.
func (u *UI) endCurrentSession(c *gin.Context) bool {
	si, ok := u.currentSession(c)
	if !ok {
		return false
	}
	if si == nil {
		return true
	}
	if err := u.accounts.EndSession(c.Request.Context(), si.session.ID); err != nil {
		u.fail(c, "end session", err)
		return false
	}
	return true
}

// logoutLocation is where the provider wants the browser after sign-out,
// or "" for the signed-out page.
func (u *UI) logoutLocation(c *gin.Context, logoutRequest string) string {
	if logoutRequest == "" || u.logoutComplete == nil {
		return ""
	}
	location, err := u.logoutComplete(c.Request.Context(), logoutRequest)
	if err != nil {
		u.log.WarnContext(c.Request.Context(), "finish end-session request", u.logAttrs(c, err)...)
		return ""
	}
	return location
}

// accountName is how the pages name the signed-in user.
func accountName(si *signedIn) string {
	if si.user.Email != "" {
		return si.user.Email
	}
	return si.user.Username
}

// boundedParam is v, or "" when it is longer than limit.
func boundedParam(v string, limit int) string {
	if len(v) > limit {
		return ""
	}
	return v
}
