package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// landingTemplate is the page at /.
const landingTemplate = "landing"

// maxLandingApps bounds the applications the landing page lists.
const maxLandingApps = 50

// landingData is the .Data of the landing page. Signed out it offers
// "Sign in" and, unless registration is closed or by invitation only,
// "Create account". Signed in it names the user and lists the
// applications they used, each linking to its home page.
type landingData struct {
	Name        string // the signed-in user; empty when signed out
	AccountURL  string // the account page, when the pages have one
	AppsShown   bool   // the list of applications is shown (even if empty)
	Apps        []landingApp
	RegisterURL string // "Create account"; empty when registration is closed
}

// landingApp is one application the user used.
type landingApp struct {
	Name, URL string // URL is empty when the application has no web page
}

// landing serves GET / (and HEAD).
func (u *UI) landing(c *gin.Context) {
	var d landingData
	var si *signedIn
	if u.accounts != nil {
		var ok bool
		if si, ok = u.currentSession(c); !ok {
			return
		}
	}
	if si == nil {
		if !u.registrationClosed(c) {
			d.RegisterURL = registerPath
		}
		u.Render(c, http.StatusOK, landingTemplate, d)
		return
	}
	d.Name = displayName(si.user)
	if u.profiles != nil {
		d.AccountURL = accountPath
	}
	if u.console != nil {
		apps, err := u.console.ConnectedApps(c.Request.Context(), si.user.ID)
		if err != nil {
			u.fail(c, "list the applications for the landing page", err)
			return
		}
		d.AppsShown = true
		for _, a := range apps[:min(len(apps), maxLandingApps)] {
			d.Apps = append(d.Apps, landingApp{Name: a.Name, URL: a.HomePage})
		}
	}
	u.Render(c, http.StatusOK, landingTemplate, d)
}
