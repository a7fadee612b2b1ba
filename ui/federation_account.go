package ui

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/federation"
	"github.com/gatehouse/gatehouse/storage"
)

// identitiesTemplate is the "Linked sign-in methods" page.
const identitiesTemplate = "federation_identities"

// identitiesData is the .Data of the page.
type identitiesData struct {
	Linked    []linkedRow
	Available []providerButton // providers not linked yet: "Link" buttons
	Notice    string           // translated: what just happened
	Alert     string           // translated: what went wrong
}

// linkedRow is one linked identity.
type linkedRow struct {
	ID       string
	Provider string // the provider's name
	Email    string
	Linked   string // date linked
	LastUsed string // date last used; empty when never
}

// identitiesNotices are the messages of ?done=.
var identitiesNotices = map[string]string{
	"linked":   "federation.identities.linked",
	"unlinked": "federation.identities.unlinked",
}

func identitiesMessageKeys() []string {
	return []string{"federation.identities.linked", "federation.identities.unlinked",
		"federation.identities.last_method", "federation.identities.not_found"}
}

// identitiesPage serves GET /account/identities.
func (u *UI) identitiesPage(c *gin.Context) {
	si, ok := u.requireSession(c)
	if !ok {
		return
	}
	d := identitiesData{}
	if key, ok := identitiesNotices[c.Query("done")]; ok {
		d.Notice = u.bundle.T(u.lang(c), key)
	}
	u.renderIdentities(c, http.StatusOK, si, d)
}

// unlinkSubmit serves POST /account/identities/unlink.
func (u *UI) unlinkSubmit(c *gin.Context) {
	si, ok := u.requireSession(c)
	if !ok || !u.parseForm(c) {
		return
	}
	err := u.identities.UnlinkIdentity(c.Request.Context(), si.user.ID, c.Request.PostForm.Get(identityField), c.ClientIP())
	switch {
	case err == nil:
		redirect(c, identitiesPath+"?"+url.Values{"done": {"unlinked"}}.Encode())
	case errors.Is(err, account.ErrLastSignInMethod):
		u.renderIdentities(c, http.StatusConflict, si, identitiesData{Alert: u.bundle.T(u.lang(c), "federation.identities.last_method")})
	case errors.Is(err, storage.ErrNotFound):
		u.renderIdentities(c, http.StatusNotFound, si, identitiesData{Alert: u.bundle.T(u.lang(c), "federation.identities.not_found")})
	default:
		u.fail(c, "unlink identity", err)
	}
}

// requireSession returns the signed-in browser's session, or sends it to
// the sign-in page (ok false).
func (u *UI) requireSession(c *gin.Context) (*signedIn, bool) {
	si, ok := u.currentSession(c)
	if !ok {
		return nil, false
	}
	if si == nil {
		redirect(c, loginPath+"?"+url.Values{returnToParam: {identitiesPath}}.Encode())
		return nil, false
	}
	return si, true
}

// renderIdentities lists the user's identities and the providers to link.
func (u *UI) renderIdentities(c *gin.Context, status int, si *signedIn, d identitiesData) {
	list, err := u.identities.Identities(c.Request.Context(), si.user.ID)
	if err != nil {
		u.fail(c, "list identities", err)
		return
	}
	linked := map[string]bool{}
	for _, id := range list {
		linked[id.Provider] = true
		row := linkedRow{ID: id.ID, Provider: u.providerName(id.Provider), Email: id.Email, Linked: formatDate(id.CreatedAt), LastUsed: formatDate(id.LastUsedAt)}
		d.Linked = append(d.Linked, row)
	}
	for _, p := range u.providers() {
		if linked[p.ID()] {
			continue
		}
		d.Available = append(d.Available, providerButton{ID: p.ID(), Name: p.Name(), URL: federationPrefix + url.PathEscape(p.ID()) + "/start"})
		for _, origin := range p.FormOrigins() {
			allowFormRedirect(c, origin)
		}
	}
	u.Render(c, status, identitiesTemplate, d)
}

// providers lists the configured providers; none without federation.
func (u *UI) providers() []*federation.Provider {
	if u.federation == nil {
		return nil
	}
	return u.federation.Providers()
}

// formatDate is a date for the list, in UTC; "" for the zero time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
