package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
)

// Paths of the registration pages.
const (
	registerPath = "/register"
	verifyPath   = account.PathVerify
	resendPath   = "/verify/resend"
	activatePath = account.PathActivate
)

// Pages of registration.
const (
	registerTemplate       = "register"
	registerDoneTemplate   = "register_done"
	registerClosedTemplate = "register_closed"
)

// signInParam on /login?authRequestID= shows the sign-in form even when
// the request asks for prompt=create (the registration page's "Sign in
// instead" link), so the two pages do not send the browser to each other
// for ever.
const signInParam = "signin"

// promptCreate asks for the registration page (OpenID Connect Prompt
// Create).
const promptCreate = "create"

// Registration is what the registration pages need from the account rules.
// *account.Registrar provides it.
type Registration interface {
	Settings(ctx context.Context) (account.RegistrationSettings, error)
	Register(ctx context.Context, in account.RegistrationInput, rc account.RegisterContext) (account.RegistrationOutcome, error)
	PeekLink(ctx context.Context, purpose, token string) (account.LinkInfo, error)
	ConfirmEmail(ctx context.Context, token, password, ip string) (account.Confirmation, error)
	SetInitialPassword(ctx context.Context, token, password, passwordConfirm, ip string) (account.Confirmation, error)
	ResendVerification(ctx context.Context, email string, rc account.RegisterContext) error
}

// ErrCaptchaFailed is what Captcha.Verify wraps for an answer that does
// not pass (missing, wrong, expired, reused): the user's mistake, shown on
// the form. Any other error is a failure of the service.
var ErrCaptchaFailed = errors.New("ui: captcha failed")

// Captcha is what the forms need from internal/captcha. The server adapts
// it: package ui renders the captcha through the "captcha" partial
// (templates/pages/_captcha.html) with the value View returns.
type Captcha interface {
	// Enabled reports whether forms show and check a captcha now.
	Enabled(ctx context.Context) bool
	// View returns the value the "captcha" partial renders for the form
	// on page (its "new image" link reloads page), after the previous
	// Verify error verr (nil at first). Every call makes a new challenge.
	View(ctx context.Context, page *url.URL, verr error) (any, error)
	// Verify checks, once, the captcha answer in a submitted form.
	Verify(ctx context.Context, form url.Values, remoteIP string) error
	// A Captcha may also implement CaptchaEndpoints (captcha_endpoints.go).
	// CSP lists the origins a vendor's widget needs in the page's
	// Content-Security-Policy; empty for the built-in image.
	CSP() CaptchaCSP
}

// CaptchaCSP are the sources a captcha widget needs, per directive.
type CaptchaCSP struct {
	Script, Frame, Connect, Style []string
}

// registerRoutes adds the registration pages; bound reads the browser
// binding of authorization requests.
func (u *UI) registerRoutes(r gin.IRouter, bound gin.HandlerFunc) {
	r.GET(registerPath, bound, u.registerPage)
	r.POST(registerPath, bound, u.registerSubmit)
	r.GET(verifyPath, bound, u.verifyPage)
	r.POST(verifyPath, bound, u.verifySubmit)
	r.GET(resendPath, bound, u.resendPage)
	r.POST(resendPath, bound, u.resendSubmit)
	r.GET(activatePath, bound, u.activatePage)
	r.POST(activatePath, bound, u.activateSubmit)
	u.captchaRoutes(r)                // captcha_endpoints.go
	u.verifyConfirmedRoutes(r, bound) // verify_confirmed.go
}

// registerPage serves GET /register: the configured form, or the page
// that says registration is disabled.
func (u *UI) registerPage(c *gin.Context) {
	if token := c.Query(invitationParam); token != "" && u.invitations != nil {
		u.invitationPage(c, token) // register_invite.go
		return
	}
	rs, ok := u.registrationSettings(c)
	if !ok {
		return
	}
	if rs.Mode == account.ModeInvite {
		u.Render(c, http.StatusOK, registerInviteOnlyTemplate, closedData{})
		return
	}
	if rs.Mode == account.ModeClosed {
		u.Render(c, http.StatusOK, registerClosedTemplate, closedData{})
		return
	}
	ar, ok := u.optionalAuthRequest(c, c.Query(authRequestParam))
	if !ok {
		return
	}
	f := u.newRegisterForm(c, rs, ar)
	u.renderRegister(c, http.StatusOK, rs, f, nil)
}

// registerSubmit serves POST /register: check the captcha and every field,
// register, then show what happens next (or sign in at once, shape C).
func (u *UI) registerSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	if token := c.Request.PostForm.Get(invitationParam); token != "" && u.invitations != nil {
		u.invitationSubmit(c, token) // register_invite.go
		return
	}
	rs, ok := u.registrationSettings(c)
	if !ok {
		return
	}
	if rs.Mode == account.ModeInvite {
		u.Render(c, http.StatusForbidden, registerInviteOnlyTemplate, closedData{})
		return
	}
	if rs.Mode == account.ModeClosed {
		u.Render(c, http.StatusForbidden, registerClosedTemplate, closedData{})
		return
	}
	form := c.Request.PostForm
	ar, ok := u.optionalAuthRequest(c, form.Get(authRequestParam))
	if !ok {
		return
	}
	f := u.newRegisterForm(c, rs, ar)
	in := f.read(form)
	if newCaptchaRequested(c) {
		f.keepPasswords(form) // nothing was refused: the form as typed, a new image
		u.renderRegister(c, http.StatusOK, rs, f, nil)
		return
	}
	capErr, ok := u.checkCaptcha(c)
	if !ok {
		return
	}
	fieldErr := account.CheckRegistration(rs, in, u.bundle.Supported())
	if capErr != nil && fieldErr == nil {
		f.keepPasswords(form) // only the captcha was wrong
	}
	if capErr != nil || fieldErr != nil {
		u.refuseRegistration(c, rs, f, fieldErr, capErr)
		return
	}
	u.register(c, rs, f, in, ar)
}

// register submits the checked form.
func (u *UI) register(c *gin.Context, rs account.RegistrationSettings, f registerForm, in account.RegistrationInput, ar *AuthRequestView) {
	rc := account.RegisterContext{IP: c.ClientIP(), Locale: u.lang(c), AuthRequestID: f.AuthRequestID}
	out, err := u.registration.Register(c.Request.Context(), in, rc)
	switch {
	case errors.Is(err, account.ErrRegistrationClosed):
		u.Render(c, http.StatusForbidden, registerClosedTemplate, closedData{})
		return
	case errors.Is(err, account.ErrInvalid):
		u.refuseRegistration(c, rs, f, err, nil)
		return
	case err != nil:
		u.fail(c, "register", err)
		return
	}
	if out.Kind != account.OutcomeActive {
		u.Render(c, http.StatusOK, registerDoneTemplate, doneData{Kind: string(out.Kind), Email: out.Email})
		return
	}
	u.signInRegistered(c, out.UserID, ar)
}

// signInRegistered starts a session for a user active at once (shape C)
// and continues the authorization request, or goes to the start page.
func (u *UI) signInRegistered(c *gin.Context, userID string, ar *AuthRequestView) {
	si, ok := u.startSession(c, userWithID(userID), false, []string{amrPassword})
	if !ok {
		return
	}
	if ar != nil {
		u.proceed(c, *ar, si)
		return
	}
	redirect(c, "/")
}

// refuseRegistration shows the form again with a message per wrong field,
// keeping what was typed but the captcha answer, and the passwords unless
// f kept them (only the captcha was wrong).
func (u *UI) refuseRegistration(c *gin.Context, rs account.RegistrationSettings, f registerForm, fieldErr, capErr error) {
	f.setErrors(u, u.lang(c), rs.Password, fieldErr)
	u.renderRegister(c, http.StatusUnprocessableEntity, rs, f, capErr)
}

// renderRegister shows the registration form with a fresh captcha.
func (u *UI) renderRegister(c *gin.Context, status int, rs account.RegistrationSettings, f registerForm, capErr error) {
	page := &url.URL{Path: registerPath}
	if f.AuthRequestID != "" {
		page.RawQuery = url.Values{authRequestParam: {f.AuthRequestID}}.Encode()
	}
	view, ok := u.captchaView(c, page, capErr)
	if !ok {
		return
	}
	f.Captcha, f.CaptchaFailed = view, capErr != nil
	f.Audit = rs.Mode == account.ModeAudit
	f.FederationURL = u.federationSignupURLFor(f.AuthRequestID)
	f.FederationNames = u.providerNames(u.lang(c))
	f.fields = u.formFields(u.lang(c), rs, f)
	u.Render(c, status, registerTemplate, f)
}

// registrationSettings reads the settings, or renders the 500 page.
func (u *UI) registrationSettings(c *gin.Context) (account.RegistrationSettings, bool) {
	rs, err := u.registration.Settings(c.Request.Context())
	if err != nil {
		u.fail(c, "read registration settings", err)
		return account.RegistrationSettings{}, false
	}
	return rs, true
}

// closedData is the .Data of the page that says registration is disabled.
type closedData struct{}

// doneData is the .Data of the page after a registration.
type doneData struct {
	Kind  string // check_mail or awaiting_approval
	Email string // as typed
}

// CheckMail reports whether the page asks to follow the letter's link.
func (d doneData) CheckMail() bool { return d.Kind == string(account.OutcomeCheckMail) }

// registerURL is the registration page for an authorization request.
func registerURL(authRequestID string) string {
	return registerPath + "?" + url.Values{authRequestParam: {authRequestID}}.Encode()
}
