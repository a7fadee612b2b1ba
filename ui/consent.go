package ui

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
)

// consentTemplate is the page that asks the user to allow a client.
const consentTemplate = "consent"

// The consent form's button: name and values.
const (
	consentActionField = "action"
	consentAllow       = "allow"
	consentDeny        = "deny"
)

// scopeKeys are the catalog keys that describe the standard scopes in
// words. Other scopes are shown by name with consentOtherScopeKey.
var scopeKeys = map[string]string{
	"openid":         "consent.scope.openid",
	"profile":        "consent.scope.profile",
	"email":          "consent.scope.email",
	"offline_access": "consent.scope.offline_access",
}

const consentOtherScopeKey = "consent.scope.other"

// scopeMessageKeys lists the catalog keys of the scope descriptions.
func scopeMessageKeys() []string {
	keys := []string{consentOtherScopeKey}
	for _, k := range scopeKeys {
		keys = append(keys, k)
	}
	return keys
}

// consentData is the .Data of the consent page.
type consentData struct {
	AuthRequestID string
	ClientName    string
	Account       string      // the signed-in user, as they know themselves
	Scopes        []scopeLine // what the client will be able to do
	// Switch is the "Not you? Switch account" form (switch_account.go).
	Switch switchAccount
}

// scopeLine is one requested scope, in words.
type scopeLine struct {
	Scope string // the scope's name
	Text  string // translated description
}

// consentPage serves GET /consent?authRequestID=ID: it asks the signed-in
// user to allow the client, unless nothing needs asking.
func (u *UI) consentPage(c *gin.Context) {
	ar, si, ok := u.consentContext(c, c.Query(authRequestParam))
	if !ok {
		return
	}
	need, err := u.needsConsent(c, ar, si.user.ID)
	if err != nil {
		u.fail(c, "check consent", err)
		return
	}
	if !need {
		u.complete(c, ar, si)
		return
	}
	if hasPrompt(ar, promptNone) {
		u.redirectError(c, ar, oauthConsentRequired)
		return
	}
	u.Render(c, http.StatusOK, consentTemplate, u.newConsentData(c, ar, si))
}

// consentSubmit serves POST /consent: Allow remembers the grant and
// completes the request; Deny sends the browser back to the client with
// access_denied.
func (u *UI) consentSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	ar, si, ok := u.consentContext(c, form.Get(authRequestParam))
	if !ok {
		return
	}
	switch form.Get(consentActionField) {
	case consentAllow:
		err := u.consents.Grant(c.Request.Context(), si.user.ID, ar.ClientID, ar.Scopes)
		if err != nil {
			u.fail(c, "grant consent", err)
			return
		}
		u.complete(c, ar, si)
	case consentDeny:
		u.redirectError(c, ar, oauthAccessDenied)
	default:
		u.RenderError(c, http.StatusBadRequest)
	}
}

// consentContext loads the authorization request (bound to this browser)
// and the session that may answer it. A browser without such a session is
// sent to sign in for the request first.
func (u *UI) consentContext(c *gin.Context, id string) (AuthRequestView, *signedIn, bool) {
	ar, ok := u.loadAuthRequest(c, id)
	if !ok {
		return AuthRequestView{}, nil, false
	}
	si, ok := u.currentSession(c)
	if !ok {
		return AuthRequestView{}, nil, false
	}
	if si == nil || !u.satisfiedBy(ar, si.session) {
		redirect(c, loginURL(ar.ID))
		return AuthRequestView{}, nil, false
	}
	return ar, si, true
}

func (u *UI) newConsentData(c *gin.Context, ar AuthRequestView, si *signedIn) consentData {
	return consentData{
		AuthRequestID: ar.ID,
		ClientName:    clientName(ar),
		Account:       accountName(si),
		Scopes:        u.describeScopes(u.lang(c), ar.Scopes),
		Switch:        switchAccount{AuthRequestID: ar.ID},
	}
}

// describeScopes puts the requested scopes in words, each once, in the
// order requested.
func (u *UI) describeScopes(lang string, scopes []string) []scopeLine {
	var seen []string
	lines := make([]scopeLine, 0, len(scopes))
	for _, s := range scopes {
		if s == "" || slices.Contains(seen, s) {
			continue
		}
		seen = append(seen, s)
		text := u.bundle.T(lang, consentOtherScopeKey, "scope", s)
		if key, ok := scopeKeys[s]; ok {
			text = u.bundle.T(lang, key)
		}
		lines = append(lines, scopeLine{Scope: s, Text: text})
	}
	return lines
}
