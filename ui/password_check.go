package ui

import (
	"cmp"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
)

// passwordCheckPath answers the live password check: POST (form fields
// password, and login and email of the form it comes from), JSON
// {"ok": bool, "message": "..."} with the first rule the password breaks
// in the page's language, by the very rules the server applies on submit
// (length, classes, the common-password list, login, email and instance
// name). The password is never logged or stored; POST keeps it out of
// URLs and access logs.
const passwordCheckPath = "/password/check"

// passwordCheckResult is the answer of passwordCheckPath.
type passwordCheckResult struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// passwordCheck serves POST /password/check.
func (u *UI) passwordCheck(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if err := c.Request.ParseForm(); err != nil {
		c.JSON(http.StatusBadRequest, passwordCheckResult{Message: u.bundle.T(u.lang(c), "error.400.message")})
		return
	}
	rs, err := u.registration.Settings(c.Request.Context())
	if err != nil {
		u.logFailure(c, "password check: read settings", "password_check", err)
		c.JSON(http.StatusServiceUnavailable, passwordCheckResult{Message: u.bundle.T(u.lang(c), "error.503.message")})
		return
	}
	form := c.Request.PostForm
	pc := account.PolicyContext{Login: form.Get(account.FieldLogin), Email: form.Get(account.FieldEmail), InstanceName: rs.InstanceName}
	if si, _ := u.currentSession(c); si != nil {
		// A signed-in user's own login and address count too.
		pc.Login, pc.Email = cmp.Or(pc.Login, si.user.Username), cmp.Or(pc.Email, si.user.Email)
	}
	lang := u.lang(c)
	if err := rs.Password.Check(form.Get(account.FieldPassword), pc); err != nil {
		var fe *account.FieldError
		if !errors.As(err, &fe) {
			u.logFailure(c, "password check", "password_check", err)
			c.JSON(http.StatusInternalServerError, passwordCheckResult{Message: u.bundle.T(lang, "error.500.message")})
			return
		}
		c.JSON(http.StatusOK, passwordCheckResult{Message: u.fieldMessage(lang, fe, rs.Password)})
		return
	}
	c.JSON(http.StatusOK, passwordCheckResult{OK: true, Message: u.bundle.T(lang, passwordLiveOKKey)})
}
