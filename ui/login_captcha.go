package ui

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// signInCaptchaPolicy is implemented by Accounts that ask for a captcha on
// the sign-in form after repeated failures.
type signInCaptchaPolicy interface {
	SignInNeedsCaptcha(ctx context.Context, login, clientIP string) (bool, error)
}

// loginNeedsCaptcha reports whether the sign-in form for login must carry
// and pass a captcha. On a failure it renders the 500 page and returns ok
// false: the check fails closed.
func (u *UI) loginNeedsCaptcha(c *gin.Context, login string) (needs, ok bool) {
	policy, has := u.accounts.(signInCaptchaPolicy)
	if !has || u.captcha == nil || !u.captcha.Enabled(c.Request.Context()) {
		return false, true
	}
	needs, err := policy.SignInNeedsCaptcha(c.Request.Context(), login, c.ClientIP())
	if err != nil {
		u.fail(c, "sign-in captcha policy", err)
		return false, false
	}
	return needs, true
}

// checkLoginCaptcha verifies the captcha of a sign-in POST when one is
// needed. It returns false after rendering the form again (the captcha
// was missing or wrong: the only error, so the password is kept) or the
// 500 page.
func (u *UI) checkLoginCaptcha(c *gin.Context, f loginForm, password string) bool {
	needs, ok := u.loginNeedsCaptcha(c, f.Login)
	if !ok {
		return false
	}
	if !needs {
		return true
	}
	capErr, ok := u.checkCaptcha(c)
	if !ok {
		return false
	}
	if capErr == nil {
		return true
	}
	f.CaptchaFailed, f.Password = true, keptPassword(password)
	f.Alert = u.bundle.T(u.lang(c), "login.error.captcha")
	u.renderLoginWithCaptcha(c, http.StatusUnprocessableEntity, f, capErr)
	return false
}

// loginPageURL is where the captcha's "new image" link reloads the form.
func loginPageURL(f loginForm) *url.URL {
	page := &url.URL{Path: loginPath}
	q := url.Values{}
	if f.AuthRequestID != "" {
		q.Set(authRequestParam, f.AuthRequestID)
	}
	if f.ReturnTo != "" {
		q.Set(returnToParam, f.ReturnTo)
	}
	page.RawQuery = q.Encode()
	return page
}

// newLoginCaptcha shows the sign-in form again as typed, password
// included, with a new captcha and no error: the "New image" button
// without JavaScript. Nothing is checked.
func (u *UI) newLoginCaptcha(c *gin.Context, f loginForm, password string) {
	f.LoginMissing, f.PasswordMissing, f.Password = false, false, keptPassword(password)
	u.renderLogin(c, http.StatusOK, f)
}

// keptPassword is password when it is short enough to write back.
func keptPassword(password string) string {
	if len(password) > maxKeptValue {
		return ""
	}
	return password
}
