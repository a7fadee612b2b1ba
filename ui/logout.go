package ui

import (
	"net/http"
	"net/url"

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

// logoutDoneParam marks the provider's redirect after a logout that already
// ended the session (id_token_hint without a post-logout redirect URI).
const logoutDoneParam = "done"

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
	lr := boundedParam(logoutRequest(c), maxLogoutRequest)
	si, ok := u.currentSession(c)
	if !ok {
		return
	}
	if (si == nil && lr == "") || c.Query(logoutDoneParam) != "" {
		u.Render(c, http.StatusOK, signedOutTemplate, nil)
		return
	}
	if q, err := url.ParseQuery(lr); err == nil {
		// The POST may end at the client's post-logout URI (checked by the
		// provider before the redirect).
		allowFormRedirect(c, q.Get("post_logout_redirect_uri"))
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

// logoutRequest is what the provider's end_session passed: an explicit
// logout_request, or else the whole query it redirected with (client_id,
// post_logout_redirect_uri, state, ...), handed back to
// Options.LogoutCompleteURL after the confirmation.
func logoutRequest(c *gin.Context) string {
	if lr := c.Query(logoutRequestParam); lr != "" {
		return lr
	}
	q := c.Request.URL.Query()
	q.Del("lang")
	if len(q) == 0 {
		return ""
	}
	return q.Encode()
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
