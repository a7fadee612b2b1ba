package ui

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/federation"
)

// A sign-up through a provider (a "Continue with ..." button on the sign-in
// page, or the sign-up page's) does not create the user at the callback
// when the browser has not solved the registration captcha or the
// instance requires fields the upstream did not supply: the callback sends
// the browser here, and the user is created only once this form passes.
const (
	federationCompletePath     = "/federation/complete"
	federationCompleteTemplate = "federation_complete"
	pendingField               = "pending"
)

// completeForm is the .Data of the completion page: the registration
// form's machinery (fields, what was typed, errors, captcha) for the
// fields still needed, with the pending sign-up's token and who it is.
type completeForm struct {
	registerForm
	Pending  string // the pending sign-up's token (hidden field)
	Provider string // the provider's name
	Email    string // the address the upstream gave
}

// federationSignupPending sends the browser to the completion page of the
// pending sign-up the callback produced. The redirect stays on this
// origin, which the upstream's form-action already allows.
func federationSignupPending(c *gin.Context, ps *federation.PendingSignup) {
	redirect(c, federationCompletePath+"?"+url.Values{pendingField: {ps.Token}}.Encode())
}

// federationCompletePage serves GET /federation/complete?pending=.
func (u *UI) federationCompletePage(c *gin.Context) {
	ps, ok := u.pendingSignup(c, c.Query(pendingField))
	if !ok {
		return
	}
	rs, ok := u.registrationSettings(c)
	if !ok {
		return
	}
	f := completeForm{registerForm: registerForm{values: map[string]string{}, errs: map[string]string{}}}
	u.renderComplete(c, http.StatusOK, rs, ps, f, nil)
}

// federationCompleteSubmit serves POST /federation/complete: the captcha
// (unless solved before going upstream) and the fields; only when both
// pass is the user created and signed in. A wrong answer shows the form
// again with what was typed.
func (u *UI) federationCompleteSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	ps, ok := u.pendingSignup(c, form.Get(pendingField))
	if !ok {
		return
	}
	rs, ok := u.registrationSettings(c)
	if !ok {
		return
	}
	need := account.FederatedSignupSettings(rs, ps.Identity)
	f := completeForm{registerForm: registerForm{values: map[string]string{}, errs: map[string]string{}}}
	in := f.read(form)
	if newCaptchaRequested(c) && !ps.Identity.CaptchaSolved { // "New image" without JavaScript
		u.renderComplete(c, http.StatusOK, rs, ps, f, nil)
		return
	}
	var capErr error
	if !ps.Identity.CaptchaSolved {
		if capErr, ok = u.checkCaptcha(c); !ok {
			return
		}
	}
	fieldErr := account.CheckRegistration(need, in, u.bundle.Supported())
	if capErr != nil || fieldErr != nil {
		f.setErrors(u, u.lang(c), rs.Password, fieldErr)
		u.renderComplete(c, http.StatusUnprocessableEntity, rs, ps, f, capErr)
		return
	}
	signup := account.FederatedSignup{GivenName: in.GivenName, FamilyName: in.FamilyName,
		Company: in.Company, Country: in.Country, AcceptTerms: in.AcceptTerms}
	res, err := u.federation.CompleteSignup(c.Request.Context(), ps.Token, u.presentedBinding(c), signup, c.ClientIP())
	if re, isReg := errors.AsType[*account.RegistrationError](err); isReg { // settings changed meanwhile
		f.setErrors(u, u.lang(c), rs.Password, re)
		ps.Identity.CaptchaSolved = true // solved just now; the pending sign-up is kept
		u.renderComplete(c, http.StatusUnprocessableEntity, rs, ps, f, nil)
		return
	}
	u.finishSignIn(c, ps.Provider, res, err)
}

// pendingSignup reads the pending sign-up token names for this browser, or
// renders the "no longer valid" page.
func (u *UI) pendingSignup(c *gin.Context, token string) (federation.PendingSignup, bool) {
	ps, err := u.federation.Pending(c.Request.Context(), token, u.presentedBinding(c))
	if errors.Is(err, federation.ErrInvalidFlow) {
		lang := u.lang(c)
		u.Render(c, http.StatusBadRequest, federationTemplate, noticeData{
			Title:    u.bundle.T(lang, "federation.error.title"),
			Message:  u.bundle.T(lang, "federation.error.invalid_state"),
			LoginURL: loginPath, Error: true,
		})
		return ps, false
	}
	if err != nil {
		u.fail(c, "read pending federated sign-up", err)
		return ps, false
	}
	return ps, true
}

// renderComplete shows the completion form: the fields still needed, and
// a fresh captcha unless it was solved already.
func (u *UI) renderComplete(c *gin.Context, status int, rs account.RegistrationSettings,
	ps federation.PendingSignup, f completeForm, capErr error) {
	f.Pending, f.Provider, f.Email = ps.Token, ps.Provider.Name(), ps.Identity.Email
	if !ps.Identity.CaptchaSolved {
		page := &url.URL{Path: federationCompletePath, RawQuery: url.Values{pendingField: {ps.Token}}.Encode()}
		view, ok := u.captchaView(c, page, capErr)
		if !ok {
			return
		}
		f.Captcha, f.CaptchaFailed = view, capErr != nil
	}
	c.Header("Referrer-Policy", "no-referrer") // the page's address names the pending sign-up
	f.fields = u.formFields(u.lang(c), account.FederatedSignupSettings(rs, ps.Identity), f.registerForm)
	u.Render(c, status, federationCompleteTemplate, f)
}
