package ui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// setPasswordTemplate is the page where a profile-first registration
// (shape B) sets its password.
const setPasswordTemplate = "set_password"

// setPasswordForm is the .Data of the set-password page. Passwords are
// never written back.
type setPasswordForm struct {
	Token         string
	AuthRequestID string
	Email         string
	PasswordError string // translated
	ConfirmError  string // translated
	PolicyHint    string // translated: which passwords are accepted
	Live          *passwordLive
}

// HasErrors reports whether the page shows an error.
func (f setPasswordForm) HasErrors() bool { return f.PasswordError != "" || f.ConfirmError != "" }

// PasswordDescribedby is the aria-describedby of the password field.
func (f setPasswordForm) PasswordDescribedby() string {
	if f.PasswordError != "" {
		return "password-help password-error"
	}
	return "password-help"
}

// activatePage serves GET /activate?token=: the set-password form. A GET
// never uses the link.
func (u *UI) activatePage(c *gin.Context) {
	noReferrer(c)
	token, arID := c.Query(tokenParam), boundedID(c.Query(authRequestParam))
	info, err := u.registration.PeekLink(c.Request.Context(), storage.PurposeActivate, token)
	if err != nil {
		u.fail(c, "read activation link", err)
		return
	}
	if info.State != account.LinkValid {
		u.renderLinkProblem(c, info.State, arID)
		return
	}
	rs, ok := u.registrationSettings(c)
	if !ok {
		return
	}
	u.renderSetPassword(c, http.StatusOK, u.newSetPasswordForm(u.lang(c), rs, token, arID, info.Email))
}

// activateSubmit serves POST /activate: set the password, which uses the
// link and activates the account.
func (u *UI) activateSubmit(c *gin.Context) {
	noReferrer(c)
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	token, arID := form.Get(tokenParam), boundedID(form.Get(authRequestParam))
	conf, err := u.registration.SetInitialPassword(c.Request.Context(), token,
		form.Get(account.FieldPassword), form.Get(account.FieldPasswordConfirm), c.ClientIP())
	if errors.Is(err, account.ErrInvalid) {
		rs, ok := u.registrationSettings(c)
		if !ok {
			return
		}
		lang := u.lang(c)
		f := u.newSetPasswordForm(lang, rs, token, arID, truncateUTF8(form.Get(account.FieldEmail), maxKeptValue))
		if fe := fieldErrorOf(err, account.FieldPassword); fe != nil {
			f.PasswordError = u.fieldMessage(lang, fe, rs.Password)
		}
		if r := fieldReasonOf(err, account.FieldPasswordConfirm); r != nil {
			f.ConfirmError = u.bundle.T(lang, fieldErrorKey(account.FieldPasswordConfirm, r))
		}
		u.renderSetPassword(c, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		u.linkFailed(c, err, arID)
		return
	}
	u.renderConfirmed(c, conf, resultActivated, arID)
}

func (u *UI) newSetPasswordForm(lang string, rs account.RegistrationSettings, token, arID, email string) setPasswordForm {
	return setPasswordForm{
		Token: token, AuthRequestID: arID, Email: email,
		PolicyHint: u.passwordHint(lang, rs.Password), Live: u.newPasswordLive(lang, rs.Password),
	}
}

func (u *UI) renderSetPassword(c *gin.Context, status int, f setPasswordForm) {
	u.Render(c, status, setPasswordTemplate, f)
}
