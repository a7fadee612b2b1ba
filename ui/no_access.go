package ui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// noAccessData is the .Data of the no-access page.
type noAccessData struct {
	App     string // the application's name
	BackURL string // the client's redirect URI with error=access_denied
}

// renderNoAccess explains that the account may not use the application
// (a client with allowed groups the user is in none of) instead of issuing
// a code. The request is ended now; the page's link returns to the
// application with error=access_denied.
func (u *UI) renderNoAccess(c *gin.Context, ar AuthRequestView) {
	back, err := u.authRequests.ErrorURL(c.Request.Context(), ar.ID, oauthAccessDenied)
	if errors.Is(err, storage.ErrNotFound) {
		u.renderInvalidRequest(c)
		return
	}
	if err != nil {
		u.fail(c, "end authorization request without access", err)
		return
	}
	app := ar.ClientName
	if app == "" {
		app = ar.ClientID
	}
	c.Header("Cache-Control", "no-store")
	u.Render(c, http.StatusForbidden, "no_access", noAccessData{App: app, BackURL: back})
}
