package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
)

// The change-password page.
const (
	changePasswordPath      = "/account/password"
	changePasswordTemplate  = "password_change"
	passwordChangedTemplate = "password_changed"
	currentIncorrectKey     = "password_change.error.current_incorrect"
)

// changePasswordForm is the .Data of the change-password page. Passwords
// are never written back.
type changePasswordForm struct {
	setPasswordForm
	// Forced: the user signed in with a one-time or temporary password
	// and must choose one before anything else; the current password is
	// not asked for again.
	Forced       bool
	CurrentError string // translated
	Alert        string // translated, about the whole attempt
}

// SetPasswordForm is the new-password part, for the shared fields.
func (f changePasswordForm) SetPasswordForm() setPasswordForm { return f.setPasswordForm }

// HasErrors reports whether the page shows an error.
func (f changePasswordForm) HasErrors() bool {
	return f.CurrentError != "" || f.Alert != "" || f.setPasswordForm.HasErrors()
}

// changePasswordURL is the change-password page, continuing the
// authorization request arID when not empty.
func changePasswordURL(arID string) string {
	if arID == "" {
		return changePasswordPath
	}
	return changePasswordPath + "?" + url.Values{authRequestParam: {arID}}.Encode()
}

// requireSignedIn returns the browser's session, or sends the browser to
// the sign-in page, which returns to returnTo (and renders nothing else).
func (u *UI) requireSignedIn(c *gin.Context, returnTo string) (*signedIn, bool) {
	si, ok := u.currentSession(c)
	if !ok {
		return nil, false
	}
	if si == nil {
		redirect(c, loginPath+"?"+url.Values{returnToParam: {returnTo}}.Encode())
		return nil, false
	}
	return si, true
}

// changePasswordPage serves GET /account/password.
func (u *UI) changePasswordPage(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	arID := boundedID(c.Query(authRequestParam))
	si, ok := u.requireSignedIn(c, changePasswordURL(arID))
	if !ok {
		return
	}
	f, ok := u.newChangePasswordForm(c, si, arID)
	if !ok {
		return
	}
	u.Render(c, http.StatusOK, changePasswordTemplate, f)
}

func (u *UI) newChangePasswordForm(c *gin.Context, si *signedIn, arID string) (changePasswordForm, bool) {
	rs, ok := u.registrationSettings(c)
	if !ok {
		return changePasswordForm{}, false
	}
	if arID != "" {
		// Continuing the request redirects to the client: the page's
		// form-action must allow its origin.
		if _, ok := u.optionalAuthRequest(c, arID); !ok {
			return changePasswordForm{}, false
		}
	}
	f := changePasswordForm{
		setPasswordForm: u.newSetPasswordForm(u.lang(c), rs, "", arID, si.user.Email),
		Forced:          si.user.PasswordChangeRequired,
	}
	return f, true
}

// changePasswordSubmit serves POST /account/password: with the current
// password, set a new one; other sessions end, this one stays. A forced
// change then continues the authorization request it interrupted.
func (u *UI) changePasswordSubmit(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	arID := boundedID(form.Get(authRequestParam))
	si, ok := u.requireSignedIn(c, changePasswordURL(arID))
	if !ok {
		return
	}
	in := account.PasswordChange{
		Current: form.Get(account.FieldCurrentPassword), New: form.Get(account.FieldPassword),
		Confirm: form.Get(account.FieldPasswordConfirm),
	}
	err := u.passwords.ChangePassword(c.Request.Context(), si.user.ID, si.session.ID, in, c.ClientIP())
	if err != nil {
		u.refuseChange(c, si, arID, err)
		return
	}
	si.user.PasswordChangeRequired = false
	if arID != "" {
		if ar, ok := u.optionalAuthRequest(c, arID); !ok || ar != nil {
			if ar != nil {
				u.proceed(c, *ar, si)
			}
			return
		}
	}
	u.Render(c, http.StatusOK, passwordChangedTemplate, nil)
}

// refuseChange shows the form again with what went wrong.
func (u *UI) refuseChange(c *gin.Context, si *signedIn, arID string, err error) {
	f, ok := u.newChangePasswordForm(c, si, arID)
	if !ok {
		return
	}
	lang := u.lang(c)
	status := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, account.ErrThrottled):
		if te, ok := errors.AsType[*account.ThrottledError](err); ok && te.RetryAfter > 0 {
			c.Header("Retry-After", strconv.FormatInt(durationSeconds(te.RetryAfter), 10))
		}
		f.Alert, status = u.bundle.T(lang, verifyThrottledKey), http.StatusTooManyRequests
	case errors.Is(err, account.ErrInvalid):
		rs, ok := u.registrationSettings(c)
		if !ok {
			return
		}
		u.passwordErrors(lang, err, rs.Password, &f.setPasswordForm)
		switch fieldReasonOf(err, account.FieldCurrentPassword) {
		case nil:
		case account.ErrIncorrect:
			f.CurrentError = u.bundle.T(lang, currentIncorrectKey)
		default:
			f.CurrentError = u.bundle.T(lang, fieldErrorKey(account.FieldCurrentPassword, account.ErrRequired))
		}
	case errors.Is(err, account.ErrSessionRequired):
		redirect(c, loginPath+"?"+url.Values{returnToParam: {changePasswordURL(arID)}}.Encode())
		return
	default:
		u.fail(c, "change password", err)
		return
	}
	u.Render(c, status, changePasswordTemplate, f)
}

// passwordMessageKeys lists the catalog keys the reset and password pages
// build in Go.
func passwordMessageKeys() []string {
	return []string{currentIncorrectKey, temporaryUsedKey, temporaryExpiredKey}
}
