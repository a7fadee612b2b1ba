package ui

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// federationSignupTemplate is the page that shows the captcha first and,
// once it is solved, the provider buttons for sign-up.
const federationSignupTemplate = "federation_signup"

// signupData is the .Data of the sign-up page.
type signupData struct {
	AuthRequestID string
	Captcha       any  // the captcha partial's value while unsolved
	CaptchaFailed bool // the previous answer did not pass
	Providers     []providerButton
	RegisterURL   string
}

// federationSignupURLFor is the link on the registration page: empty
// without providers or without federation.
func (u *UI) federationSignupURLFor(authRequestID string) string {
	if u.federation == nil || len(u.federation.Providers()) == 0 {
		return ""
	}
	return federationSignupURL(authRequestID)
}

// federationSignupPage serves GET /federation/signup: the captcha, or,
// without one, the buttons at once.
func (u *UI) federationSignupPage(c *gin.Context) {
	u.renderSignup(c, c.Query(authRequestParam), http.StatusOK, nil, false)
}

// federationSignupSubmit serves POST /federation/signup: a correct captcha
// gives this browser a single-use grant to start one sign-up flow.
func (u *UI) federationSignupSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	if newCaptchaRequested(c) { // "New image" without JavaScript
		u.renderSignup(c, c.Request.PostForm.Get(authRequestParam), http.StatusOK, nil, false)
		return
	}
	capErr, ok := u.checkCaptcha(c)
	if !ok {
		return
	}
	status := http.StatusOK
	if capErr != nil {
		status = http.StatusUnprocessableEntity
	}
	u.renderSignup(c, c.Request.PostForm.Get(authRequestParam), status, capErr, capErr == nil)
}

// renderSignup shows the captcha (until solved) or the buttons.
func (u *UI) renderSignup(c *gin.Context, authRequestID string, status int, capErr error, solved bool) {
	rs, ok := u.registrationSettings(c)
	if !ok {
		return
	}
	if rs.Mode == account.ModeClosed || rs.Mode == account.ModeInvite {
		u.Render(c, http.StatusOK, registerClosedTemplate, closedData{})
		return
	}
	if ar, ok := u.optionalAuthRequest(c, authRequestID); !ok {
		return
	} else if ar == nil {
		authRequestID = ""
	}
	d := signupData{AuthRequestID: authRequestID, RegisterURL: registerPath}
	if authRequestID != "" {
		d.RegisterURL = registerURL(authRequestID)
	}
	if !solved {
		page := &url.URL{Path: federationSignupPath, RawQuery: url.Values{authRequestParam: {authRequestID}}.Encode()}
		view, ok := u.captchaView(c, page, capErr)
		if !ok {
			return
		}
		d.Captcha, d.CaptchaFailed = view, capErr != nil
		if view == nil {
			solved = true // no captcha configured
		}
	}
	if solved {
		grant, err := u.federation.Grant(c.Request.Context(), u.ensureBinding(c))
		if err != nil {
			u.fail(c, "federation sign-up grant", err)
			return
		}
		d.Providers = u.providerButtons(storage.FlowSignUp, authRequestID, grant)
	}
	u.Render(c, status, federationSignupTemplate, d)
}
