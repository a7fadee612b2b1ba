package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/federation"
	"github.com/gatehouse/gatehouse/storage"
)

// Federation is what the pages need of internal/federation;
// *federation.Service provides it.
type Federation interface {
	Providers() []*federation.Provider
	Provider(id string) *federation.Provider
	Begin(ctx context.Context, st federation.Start) (string, error)
	Grant(ctx context.Context, browserHash []byte) (string, error)
	Finish(ctx context.Context, cb federation.Callback) (federation.Result, error)
	Pending(ctx context.Context, token string, browserHash []byte) (federation.PendingSignup, error)
	CompleteSignup(ctx context.Context, token string, browserHash []byte, signup account.FederatedSignup, ip string) (federation.Result, error)
}

// LinkedIdentities lists and removes a user's linked identities;
// *account.Registrar provides it.
type LinkedIdentities interface {
	Identities(ctx context.Context, userID string) ([]storage.Identity, error)
	UnlinkIdentity(ctx context.Context, userID, identityID, ip string) error
}

// Paths and fields of federation (README: routes).
const (
	federationPrefix       = "/federation/"
	federationSignupPath   = "/federation/signup"
	federationContinuePath = "/federation/continue"
	identitiesPath         = "/account/identities"
	unlinkPath             = "/account/identities/unlink"
	purposeField           = "purpose"
	grantField             = "grant"
	identityField          = "identity"
)

// amrFederated is the method of a session from an upstream provider: the
// upstream's own acr and amr are not passed on.
const amrFederated = "fed"

// providerButton is one "Continue with ..." button.
type providerButton struct {
	ID   string
	Name string
	URL  string // GET start URL (sign-in and sign-up)
}

// federationRoutes adds the federation endpoints and pages.
func (u *UI) federationRoutes(r gin.IRouter, bound gin.HandlerFunc) {
	r.GET(federationSignupPath, bound, u.federationSignupPage)
	r.POST(federationSignupPath, bound, u.federationSignupSubmit)
	r.GET(federationContinuePath, bound, u.federationContinue)
	r.GET(federationCompletePath, bound, u.federationCompletePage)
	r.POST(federationCompletePath, bound, u.federationCompleteSubmit)
	r.GET("/federation/:id/start", bound, u.federationStart)
	r.POST("/federation/:id/start", bound, u.federationStart)
	r.GET("/federation/:id/callback", bound, u.federationCallback)
}

// identitiesRoutes adds the linked sign-in methods page; it works (lists
// and unlinks) also without configured providers.
func (u *UI) identitiesRoutes(r gin.IRouter) {
	r.GET(identitiesPath, u.identitiesPage)
	r.POST(unlinkPath, u.unlinkSubmit)
}

// providerButtons are the sign-in buttons, carrying the authorization
// request (and for sign-up the grant) along.
func (u *UI) providerButtons(purpose, authRequestID, grant string) []providerButton {
	if u.federation == nil {
		return nil
	}
	var out []providerButton
	for _, p := range u.federation.Providers() {
		q := url.Values{}
		if purpose != storage.FlowSignIn {
			q.Set(purposeField, purpose)
		}
		if authRequestID != "" {
			q.Set(authRequestParam, authRequestID)
		}
		if grant != "" {
			q.Set(grantField, grant)
		}
		target := federationPrefix + url.PathEscape(p.ID()) + "/start"
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		out = append(out, providerButton{ID: p.ID(), Name: p.Name(), URL: target})
	}
	return out
}

// ensureBinding returns the hash of the browser's binding cookie, setting
// a new cookie when it has none.
func (u *UI) ensureBinding(c *gin.Context) []byte {
	secret := cookieValue(c, u.BrowserBindingCookieName())
	if !validBindingSecret(secret) {
		secret = newBindingSecret()
		http.SetCookie(c.Writer, u.newCookie(BrowserBindingCookie, secret, 0))
	}
	return bindingHash(secret)
}

// presentedBinding is the hash of the browser's binding cookie, or nil.
func (u *UI) presentedBinding(c *gin.Context) []byte {
	if secret := cookieValue(c, u.BrowserBindingCookieName()); validBindingSecret(secret) {
		return bindingHash(secret)
	}
	return nil
}

// provider is the configured provider id, or nil.
func (u *UI) provider(id string) *federation.Provider {
	if u.federation == nil {
		return nil
	}
	return u.federation.Provider(id)
}

// federationStart serves GET (sign-in, sign-up) and POST (link, from the
// account page) /federation/{id}/start: store a flow bound to this
// browser and go to the upstream.
func (u *UI) federationStart(c *gin.Context) {
	p := u.federation.Provider(c.Param("id"))
	if p == nil {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	form := c.Request.URL.Query()
	if c.Request.Method == http.MethodPost {
		if !u.parseForm(c) {
			return
		}
		form = c.Request.PostForm
	}
	st := federation.Start{Provider: p.ID(), Purpose: form.Get(purposeField), Grant: form.Get(grantField)}
	switch st.Purpose {
	case "", storage.FlowSignIn:
		st.Purpose = storage.FlowSignIn
	case storage.FlowSignUp:
	case storage.FlowLink:
		if !u.startLink(c, &st) {
			return
		}
	default:
		u.RenderError(c, http.StatusBadRequest)
		return
	}
	if id := form.Get(authRequestParam); id != "" && st.Purpose != storage.FlowLink {
		if _, ok := u.loadAuthRequest(c, id); !ok {
			return
		}
		st.AuthRequestID = id
	}
	st.BrowserHash = u.ensureBinding(c)
	target, err := u.federation.Begin(c.Request.Context(), st)
	switch {
	case errors.Is(err, federation.ErrNoGrant):
		redirect(c, federationSignupURL(st.AuthRequestID))
	case err != nil:
		u.federationFailure(c, p, err)
	default:
		redirect(c, target)
	}
}

// startLink fills in the session a link flow is bound to (SECURITY 48);
// only a POST (protected against cross-site requests) may start one.
func (u *UI) startLink(c *gin.Context, st *federation.Start) bool {
	if c.Request.Method != http.MethodPost {
		u.RenderError(c, http.StatusMethodNotAllowed)
		return false
	}
	si, ok := u.currentSession(c)
	if !ok {
		return false
	}
	if si == nil {
		redirect(c, loginPath+"?"+url.Values{returnToParam: {identitiesPath}}.Encode())
		return false
	}
	st.SessionID, st.UserID = si.session.ID, si.user.ID
	return true
}

// federationCallback serves GET /federation/{id}/callback.
func (u *UI) federationCallback(c *gin.Context) {
	p := u.federation.Provider(c.Param("id"))
	if p == nil {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	si, ok := u.currentSession(c)
	if !ok {
		return
	}
	cb := federation.Callback{
		Provider: p.ID(), Query: c.Request.URL.Query(), BrowserHash: u.presentedBinding(c),
		IP: c.ClientIP(), Locale: u.lang(c),
	}
	if si != nil {
		cb.SessionID = si.session.ID
	}
	res, err := u.federation.Finish(c.Request.Context(), cb)
	if res.Flow.Purpose == storage.FlowLink {
		u.finishLink(c, p, err)
		return
	}
	u.finishSignIn(c, p, res, err)
}
