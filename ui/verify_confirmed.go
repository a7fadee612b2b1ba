package ui

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// After a confirmation link signs the user in, the browser lands on "Your
// address is confirmed" (GET /verify/confirmed), which continues to the
// application the registration came from (GET /verify/continue, which
// finishes its authorization request) or to the account page. Both are
// GETs after the POST, so a reload never posts the link again.
const (
	verifyConfirmedPath     = "/verify/confirmed"
	verifyContinuePath      = "/verify/continue"
	verifyConfirmedTemplate = "verify_confirmed"
)

// verifyConfirmedData is the .Data of the confirmation page.
type verifyConfirmedData struct {
	Email       string
	ContinueURL string
	AppName     string // the application to continue to; empty: the account
	ToAccount   bool   // ContinueURL is the account page
}

// verifyConfirmedRoutes adds the pages after a confirmation.
func (u *UI) verifyConfirmedRoutes(r gin.IRouter, bound gin.HandlerFunc) {
	r.GET(verifyConfirmedPath, bound, u.verifyConfirmedPage)
	if u.authRequests != nil {
		r.GET(verifyContinuePath, bound, u.verifyContinue)
	}
}

// confirmedURL is the confirmation page, remembering the authorization
// request the registration came from.
func confirmedURL(authRequestID string) string {
	if authRequestID == "" {
		return verifyConfirmedPath
	}
	return verifyConfirmedPath + "?" + url.Values{authRequestParam: {authRequestID}}.Encode()
}

// verifyConfirmedPage serves GET /verify/confirmed. Without a session (it
// ended, or the page was opened elsewhere) it sends the browser to sign in.
func (u *UI) verifyConfirmedPage(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	si, ok := u.currentSession(c)
	if !ok {
		return
	}
	ar, ok := u.optionalAuthRequest(c, boundedID(c.Query(authRequestParam)))
	if !ok {
		return
	}
	if si == nil {
		if ar != nil {
			redirect(c, loginURL(ar.ID))
			return
		}
		redirect(c, loginPath)
		return
	}
	d := verifyConfirmedData{Email: si.user.Email}
	switch {
	case ar != nil:
		d.AppName = clientName(*ar)
		d.ContinueURL = verifyContinuePath + "?" + url.Values{authRequestParam: {ar.ID}}.Encode()
	case u.profiles != nil:
		d.ContinueURL, d.ToAccount = accountPath, true
	default:
		d.ContinueURL = "/"
	}
	u.Render(c, http.StatusOK, verifyConfirmedTemplate, d)
}

// verifyContinue serves GET /verify/continue?authRequestID=...: the
// session the confirmation started finishes the application's request
// (consent, second factor and access rules as after any sign-in). A
// session that does not satisfy the request gets the sign-in page.
func (u *UI) verifyContinue(c *gin.Context) {
	id := boundedID(c.Query(authRequestParam))
	ar, ok := u.loadAuthRequest(c, id)
	if !ok {
		return
	}
	si, ok := u.currentSession(c)
	if !ok {
		return
	}
	if si == nil || !u.satisfiedBy(ar, si.session) {
		u.resumeAuthRequest(c, ar.ID)
		return
	}
	u.proceed(c, ar, si)
}
