package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// maxFormBytes bounds the body of the pages' forms, which hold a few short
// fields.
const maxFormBytes = 64 << 10

// Paths of the sign-in pages.
const (
	loginPath   = "/login"
	logoutPath  = "/logout"
	consentPath = "/consent"
)

// Parameter and field names shared by several pages.
const (
	authRequestParam = "authRequestID"
	returnToParam    = "return_to"
)

// maxReturnTo bounds a return_to path.
const maxReturnTo = 2048

// parseForm reads a POSTed form, bounded in size. On bad input it renders
// the error page (400, or 413 for too much) and returns false. Read the
// fields from c.Request.PostForm only, never the query.
func (u *UI) parseForm(c *gin.Context) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
	err := c.Request.ParseForm()
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		u.RenderError(c, http.StatusRequestEntityTooLarge)
	} else {
		u.RenderError(c, http.StatusBadRequest)
	}
	return false
}

// checked reads a checkbox: browsers send "on" unless the form gives a
// value; ours gives "1".
func checked(v string) bool {
	switch strings.ToLower(v) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

// redirect sends the browser to location with 303 See Other: after a POST
// the next request is a GET, and the credentials in the body are never
// resent (RFC 9700 §4.12). The response has no body and is never stored.
func redirect(c *gin.Context, location string) {
	c.Header("Location", location)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusSeeOther)
	c.Writer.WriteHeaderNow()
	c.Abort()
}

// safeReturnTo is p when it is a path on this site, else "". It must start
// with exactly one "/" (no "//host", no "/\host", which browsers read as
// "//host"), hold no backslash or control character, and parse as a bare
// path with an optional query.
func safeReturnTo(p string) string {
	if p == "" || len(p) > maxReturnTo || p[0] != '/' {
		return ""
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return ""
	}
	for _, r := range p {
		if r == '\\' || r < 0x20 || r == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Fragment != "" {
		return ""
	}
	return p
}

// afterSignIn is where a sign-in without an authorization request ends:
// return_to when it is safe, else the start page.
func afterSignIn(returnTo string) string {
	if p := safeReturnTo(returnTo); p != "" {
		return p
	}
	return "/"
}

// loginURL is the sign-in page for an authorization request.
func loginURL(authRequestID string) string {
	return loginPath + "?" + url.Values{authRequestParam: {authRequestID}}.Encode()
}

// consentURL is the consent page for an authorization request.
func consentURL(authRequestID string) string {
	return consentPath + "?" + url.Values{authRequestParam: {authRequestID}}.Encode()
}
