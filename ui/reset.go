package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Paths and pages of password reset.
const (
	resetPath            = "/reset"
	resetPasswordPath    = account.PathResetPassword
	resetConfirmPath     = account.PathResetConfirm
	resetRequestTemplate = "reset_request"
	resetSentTemplate    = "reset_sent"
	resetNewTemplate     = "reset_password"
	resetConfirmTemplate = "reset_confirm"
	resetDoneTemplate    = "reset_done"
	resetProblemTemplate = "reset_problem"
)

// Passwords is what the reset and change-password pages need from the
// account rules; *account.Registrar provides it.
type Passwords interface {
	RequestReset(ctx context.Context, in account.ResetRequest, ip string) error
	PeekReset(ctx context.Context, purpose, token string) (account.LinkInfo, error)
	CompleteResetWithPassword(ctx context.Context, token, password, confirm, ip string) (account.ResetResult, error)
	CompleteResetWithGenerated(ctx context.Context, token, ip string) (account.ResetResult, error)
	ChangePassword(ctx context.Context, userID, sessionID string, in account.PasswordChange, ip string) error
}

// passwordRoutes adds the reset and change-password pages.
func (u *UI) passwordRoutes(r gin.IRouter, bound gin.HandlerFunc) {
	r.GET(resetPath, u.resetRequestPage)
	r.POST(resetPath, u.resetRequestSubmit)
	r.GET(resetPasswordPath, u.resetPasswordPage)
	r.POST(resetPasswordPath, u.resetPasswordSubmit)
	r.GET(resetConfirmPath, u.resetConfirmPage)
	r.POST(resetConfirmPath, u.resetConfirmSubmit)
	r.GET(changePasswordPath, bound, u.changePasswordPage)
	r.POST(changePasswordPath, bound, u.changePasswordSubmit)
}

// resetHeaders keep reset pages out of caches and their URLs (which hold
// tokens) out of Referer headers (SECURITY 20).
func resetHeaders(c *gin.Context) {
	noReferrer(c)
	c.Header("Cache-Control", "no-store")
}

// resetRequestForm is the .Data of the reset request page. What was typed
// is kept.
type resetRequestForm struct {
	AskLogin      bool
	Login, Email  string
	LoginError    string // translated
	EmailError    string // translated
	Captcha       any
	CaptchaFailed bool
}

// HasErrors reports whether the form shows an error.
func (f resetRequestForm) HasErrors() bool {
	return f.LoginError != "" || f.EmailError != "" || f.CaptchaFailed
}

// resetRequestPage serves GET /reset: the form the configured
// identification asks for, with the captcha.
func (u *UI) resetRequestPage(c *gin.Context) {
	resetHeaders(c)
	rs, ok := u.registrationSettings(c)
	if !ok {
		return
	}
	u.renderResetRequest(c, http.StatusOK, resetRequestForm{AskLogin: askLogin(rs)}, nil)
}

func askLogin(rs account.RegistrationSettings) bool {
	return rs.Reset.EffectiveIdentify() == account.IdentifyLoginAndEmail
}

// resetRequestSubmit serves POST /reset. Whether or not an account
// matches, the answer is the same page (SECURITY 17); only malformed
// input or a failed captcha shows the form again.
func (u *UI) resetRequestSubmit(c *gin.Context) {
	resetHeaders(c)
	if !u.parseForm(c) {
		return
	}
	rs, ok := u.registrationSettings(c)
	if !ok {
		return
	}
	form := c.Request.PostForm
	f := resetRequestForm{
		AskLogin: askLogin(rs),
		Login:    truncateUTF8(form.Get(account.FieldLogin), maxKeptValue),
		Email:    truncateUTF8(form.Get(account.FieldEmail), maxKeptValue),
	}
	if newCaptchaRequested(c) { // "New image" without JavaScript
		u.renderResetRequest(c, http.StatusOK, f, nil)
		return
	}
	capErr, ok := u.checkCaptcha(c)
	if !ok {
		return
	}
	in := account.ResetRequest{Login: f.Login, Email: f.Email}
	if !f.AskLogin {
		in.Login = ""
	}
	var err error
	if capErr == nil {
		err = u.passwords.RequestReset(c.Request.Context(), in, c.ClientIP())
		if err == nil {
			u.Render(c, http.StatusOK, resetSentTemplate, nil)
			return
		}
		if !errors.Is(err, account.ErrInvalid) {
			u.fail(c, "request password reset", err)
			return
		}
	}
	lang := u.lang(c)
	if r := fieldReasonOf(err, account.FieldLogin); r != nil {
		f.LoginError = u.bundle.T(lang, fieldErrorKey(account.FieldLogin, r))
	}
	if r := fieldReasonOf(err, account.FieldEmail); r != nil {
		f.EmailError = u.bundle.T(lang, fieldErrorKey(account.FieldEmail, r))
	}
	u.renderResetRequest(c, http.StatusUnprocessableEntity, f, capErr)
}

func (u *UI) renderResetRequest(c *gin.Context, status int, f resetRequestForm, capErr error) {
	view, ok := u.captchaView(c, &url.URL{Path: resetPath}, capErr)
	if !ok {
		return
	}
	f.Captcha, f.CaptchaFailed = view, capErr != nil
	u.Render(c, status, resetRequestTemplate, f)
}

// resetProblem is the .Data of the page for a reset link that does not
// work.
type resetProblem struct {
	Kind string // resultExpired, resultUsed or resultUnknown
}

// renderResetProblem explains a reset link that does not work and offers
// a new request.
func (u *UI) renderResetProblem(c *gin.Context, state account.LinkState) {
	p, status := resetProblem{Kind: resultUnknown}, http.StatusBadRequest
	switch state {
	case account.LinkExpired:
		p.Kind, status = resultExpired, http.StatusGone
	case account.LinkUsed:
		p.Kind, status = resultUsed, http.StatusGone
	}
	u.Render(c, status, resetProblemTemplate, p)
}

// resetLinkFailed explains a link error, or renders the 500 page.
func (u *UI) resetLinkFailed(c *gin.Context, err error) {
	switch {
	case errors.Is(err, account.ErrLinkExpired):
		u.renderResetProblem(c, account.LinkExpired)
	case errors.Is(err, account.ErrLinkUsed):
		u.renderResetProblem(c, account.LinkUsed)
	case errors.Is(err, account.ErrLinkInvalid):
		u.renderResetProblem(c, account.LinkUnknown)
	default:
		u.fail(c, "reset password", err)
	}
}

// peekReset shows the problem page for a link of purpose that does not
// work; ok means it works.
func (u *UI) peekReset(c *gin.Context, purpose, token string) (account.LinkInfo, bool) {
	info, err := u.passwords.PeekReset(c.Request.Context(), purpose, token)
	if err != nil {
		u.fail(c, "read reset link", err)
		return info, false
	}
	if info.State != account.LinkValid {
		u.renderResetProblem(c, info.State)
		return info, false
	}
	return info, true
}

// resetPasswordPage serves GET /reset/password?token= (link style): the
// set-new-password form. A GET never uses the link.
func (u *UI) resetPasswordPage(c *gin.Context) {
	resetHeaders(c)
	token := c.Query(tokenParam)
	info, ok := u.peekReset(c, storage.PurposeResetPassword, token)
	if !ok {
		return
	}
	rs, ok := u.registrationSettings(c)
	if !ok {
		return
	}
	u.Render(c, http.StatusOK, resetNewTemplate, u.newSetPasswordForm(u.lang(c), rs, token, "", info.Email))
}

// resetPasswordSubmit serves POST /reset/password: set the new password,
// which signs the user out everywhere.
func (u *UI) resetPasswordSubmit(c *gin.Context) {
	resetHeaders(c)
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	token := form.Get(tokenParam)
	_, err := u.passwords.CompleteResetWithPassword(c.Request.Context(), token,
		form.Get(account.FieldPassword), form.Get(account.FieldPasswordConfirm), c.ClientIP())
	if errors.Is(err, account.ErrInvalid) {
		rs, ok := u.registrationSettings(c)
		if !ok {
			return
		}
		lang := u.lang(c)
		f := u.newSetPasswordForm(lang, rs, token, "", truncateUTF8(form.Get(account.FieldEmail), maxKeptValue))
		u.passwordErrors(lang, err, rs.Password, &f)
		u.Render(c, http.StatusUnprocessableEntity, resetNewTemplate, f)
		return
	}
	if err != nil {
		u.resetLinkFailed(c, err)
		return
	}
	u.signedOutByReset(c)
	u.Render(c, http.StatusOK, resetDoneTemplate, resetDone{})
}

// passwordErrors translates the new-password errors of err into f.
func (u *UI) passwordErrors(lang string, err error, p account.PasswordPolicy, f *setPasswordForm) {
	if fe := fieldErrorOf(err, account.FieldPassword); fe != nil {
		f.PasswordError = u.fieldMessage(lang, fe, p)
	}
	if r := fieldReasonOf(err, account.FieldPasswordConfirm); r != nil {
		f.ConfirmError = u.bundle.T(lang, fieldErrorKey(account.FieldPasswordConfirm, r))
	}
}

// signedOutByReset drops this browser's session cookie: the reset ended
// every session of the user anyway.
func (u *UI) signedOutByReset(c *gin.Context) {
	if cookieValue(c, u.SessionCookieName()) != "" {
		u.clearSessionCookie(c)
	}
}

// resetDone is the .Data of the page after a reset: the generated
// password, shown once, in the generated style.
type resetDone struct {
	Password string
}

// resetConfirmData is the .Data of the generated style's confirm page.
type resetConfirmData struct {
	Token, Email string
}

// resetConfirmPage serves GET /reset/confirm?token= (generated style): a
// page with the Confirm button. A GET never uses the link.
func (u *UI) resetConfirmPage(c *gin.Context) {
	resetHeaders(c)
	token := c.Query(tokenParam)
	info, ok := u.peekReset(c, storage.PurposeResetGenerated, token)
	if !ok {
		return
	}
	u.Render(c, http.StatusOK, resetConfirmTemplate, resetConfirmData{Token: token, Email: info.Email})
}

// resetConfirmSubmit serves POST /reset/confirm: generate the new password
// and show it once (the response is never stored: no-store).
func (u *UI) resetConfirmSubmit(c *gin.Context) {
	resetHeaders(c)
	if !u.parseForm(c) {
		return
	}
	res, err := u.passwords.CompleteResetWithGenerated(c.Request.Context(), c.Request.PostForm.Get(tokenParam), c.ClientIP())
	if err != nil {
		u.resetLinkFailed(c, err)
		return
	}
	u.signedOutByReset(c)
	u.Render(c, http.StatusOK, resetDoneTemplate, resetDone{Password: res.Password})
}
