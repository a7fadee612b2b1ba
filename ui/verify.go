package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Pages of the confirmation links.
const (
	verifyTemplate     = "verify"
	linkResultTemplate = "verify_result"
)

// tokenParam carries a link's token in the query (GET) and the form (POST).
const tokenParam = account.LinkTokenParam

// Kinds of the link result page.
const (
	resultConfirmed = "confirmed"         // address confirmed: sign in
	resultActivated = "activated"         // shape B: password set: sign in
	resultAwaiting  = "awaiting_approval" // audit mode: wait for an administrator
	resultExpired   = "expired"           // the link expired: ask for a new one
	resultUsed      = "used"              // the link was used: sign in
	resultUnknown   = "unknown"           // not a link of ours, or replaced: ask for a new one
	resultResend    = "resend"            // the "send a new link" form alone
	resultResent    = "resent"            // a new link is on its way (or not: same answer)
)

// Messages of the verify page the Go code picks.
const (
	verifyWrongPasswordKey = "verify.error.wrong_password"
	verifyThrottledKey     = "login.error.throttled"
)

// verifyData is the .Data of the page with the Confirm button. The
// password is never written back.
type verifyData struct {
	Token         string
	AuthRequestID string
	Email         string
	// PasswordRequired: the page asks for the password chosen at
	// registration (shape A, SECURITY 12).
	PasswordRequired bool
	PasswordError    string // translated
	Alert            string // translated, about the whole attempt
}

// HasErrors reports whether the page shows an error.
func (d verifyData) HasErrors() bool { return d.PasswordError != "" || d.Alert != "" }

// PasswordDescribedby is the aria-describedby of the password field.
func (d verifyData) PasswordDescribedby() string {
	if d.PasswordError != "" {
		return "password-help password-error"
	}
	return "password-help"
}

// RegisterURL is the registration page, for the request the link carries.
func (d verifyData) RegisterURL() string {
	if d.AuthRequestID != "" {
		return registerURL(d.AuthRequestID)
	}
	return registerPath
}

// linkResult is the .Data of the page after following a link, or of the
// "send a new link" form.
type linkResult struct {
	Kind      string // one of the result* constants
	SignInURL string // where "Sign in" leads
	Resend    resendForm
}

// ShowResend reports whether the page offers a new link.
func (r linkResult) ShowResend() bool {
	switch r.Kind {
	case resultExpired, resultUnknown, resultResend:
		return true
	}
	return false
}

// resendForm is the "send a new link" form: the address typed (kept) and
// what went wrong.
type resendForm struct {
	Email         string
	EmailError    string // translated
	AuthRequestID string
	Captcha       any
	CaptchaFailed bool
}

// HasErrors reports whether the form shows an error.
func (r linkResult) HasErrors() bool { return r.Resend.EmailError != "" || r.Resend.CaptchaFailed }

// noReferrer keeps the token in a link page's URL out of the Referer of
// anything the page loads or links to (SECURITY 20).
func noReferrer(c *gin.Context) { c.Header("Referrer-Policy", "no-referrer") }

// verifyPage serves GET /verify?token=: a page with a Confirm button, and
// the password field when the registrant chose a password (shape A). A
// GET never uses the link, so mail scanners that fetch it confirm nothing.
func (u *UI) verifyPage(c *gin.Context) {
	noReferrer(c)
	token, arID := c.Query(tokenParam), boundedID(c.Query(authRequestParam))
	u.renderVerify(c, http.StatusOK, verifyData{Token: token, AuthRequestID: arID})
}

// renderVerify peeks at d's link and shows the Confirm page for it, or
// explains why it does not work.
func (u *UI) renderVerify(c *gin.Context, status int, d verifyData) {
	info, err := u.registration.PeekLink(c.Request.Context(), storage.PurposeVerifyEmail, d.Token)
	if err != nil {
		u.fail(c, "read confirmation link", err)
		return
	}
	if info.State != account.LinkValid {
		u.renderLinkProblem(c, info.State, d.AuthRequestID)
		return
	}
	d.Email, d.PasswordRequired = info.Email, info.PasswordRequired
	if d.PasswordRequired {
		// Confirming signs in and may redirect to the application: the
		// page's form-action must allow its origin.
		if _, ok := u.optionalAuthRequest(c, d.AuthRequestID); !ok {
			return
		}
	}
	u.Render(c, status, verifyTemplate, d)
}

// verifySubmit serves POST /verify: the Confirm button uses the link. In
// shape A it needs the password chosen at registration (SECURITY 12): a
// wrong one uses nothing and shows the page again; the right one also
// signs the user in, since they just proved it.
func (u *UI) verifySubmit(c *gin.Context) {
	noReferrer(c)
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	token, arID := form.Get(tokenParam), boundedID(form.Get(authRequestParam))
	conf, err := u.registration.ConfirmEmail(c.Request.Context(), token, form.Get(passwordField), c.ClientIP())
	d := verifyData{Token: token, AuthRequestID: arID}
	switch {
	case errors.Is(err, account.ErrInvalidCredentials):
		d.PasswordError = u.bundle.T(u.lang(c), verifyWrongPasswordKey)
		u.renderVerify(c, http.StatusUnprocessableEntity, d)
		return
	case errors.Is(err, account.ErrThrottled):
		if te, ok := errors.AsType[*account.ThrottledError](err); ok && te.RetryAfter > 0 {
			c.Header("Retry-After", strconv.FormatInt(durationSeconds(te.RetryAfter), 10))
		}
		d.Alert = u.bundle.T(u.lang(c), verifyThrottledKey)
		u.renderVerify(c, http.StatusTooManyRequests, d)
		return
	case err != nil:
		u.linkFailed(c, err, arID)
		return
	}
	if conf.PasswordVerified && conf.State == storage.UserActive {
		u.signInConfirmed(c, conf, arID)
		return
	}
	u.renderConfirmed(c, conf, resultConfirmed, arID)
}

// signInConfirmed starts a session for a user who confirmed with their
// password and shows "Your address is confirmed", which continues the
// authorization request when it is still valid in this browser, or goes
// to the account page.
func (u *UI) signInConfirmed(c *gin.Context, conf account.Confirmation, arID string) {
	ar, ok := u.optionalAuthRequest(c, arID)
	if !ok {
		return
	}
	if _, ok := u.startSession(c, userWithID(conf.UserID), false, []string{amrPassword}); !ok {
		return
	}
	// "Your address is confirmed", which continues to the application
	// or the account (verify_confirmed.go).
	next := ""
	if ar != nil {
		next = ar.ID
	}
	redirect(c, confirmedURL(next))
}

// renderConfirmed says what follows a link that worked: wait for approval,
// or sign in (to the application the user came from, when its request is
// still valid in this browser).
func (u *UI) renderConfirmed(c *gin.Context, conf account.Confirmation, kind, arID string) {
	if conf.State == storage.UserPendingApproval {
		u.Render(c, http.StatusOK, linkResultTemplate, linkResult{Kind: resultAwaiting})
		return
	}
	ar, ok := u.optionalAuthRequest(c, arID)
	if !ok {
		return
	}
	res := linkResult{Kind: kind, SignInURL: loginPath}
	if ar != nil {
		res.SignInURL = loginURL(ar.ID) + "&" + url.Values{signInParam: {"1"}}.Encode()
	}
	u.Render(c, http.StatusOK, linkResultTemplate, res)
}

// linkFailed explains a link that did not work, or renders the 500 page
// for a failure.
func (u *UI) linkFailed(c *gin.Context, err error, arID string) {
	switch {
	case errors.Is(err, account.ErrLinkExpired):
		u.renderLinkProblem(c, account.LinkExpired, arID)
	case errors.Is(err, account.ErrLinkUsed):
		u.renderLinkProblem(c, account.LinkUsed, arID)
	case errors.Is(err, account.ErrLinkInvalid):
		u.renderLinkProblem(c, account.LinkUnknown, arID)
	default:
		u.fail(c, "use link", err)
	}
}

// renderLinkProblem explains a link that does not work and what to do:
// sign in (used) or ask for a new link (expired, unknown).
func (u *UI) renderLinkProblem(c *gin.Context, state account.LinkState, arID string) {
	res := linkResult{Kind: resultUnknown, SignInURL: loginPath, Resend: resendForm{AuthRequestID: arID}}
	status := http.StatusBadRequest
	switch state {
	case account.LinkExpired:
		res.Kind, status = resultExpired, http.StatusGone
	case account.LinkUsed:
		res.Kind, status = resultUsed, http.StatusGone
	}
	u.renderResend(c, status, res, nil)
}

// resendPage serves GET /verify/resend: the "send a new link" form.
func (u *UI) resendPage(c *gin.Context) {
	noReferrer(c)
	res := linkResult{Kind: resultResend, Resend: resendForm{AuthRequestID: boundedID(c.Query(authRequestParam))}}
	u.renderResend(c, http.StatusOK, res, nil)
}

// resendSubmit serves POST /verify/resend: the same answer whether or not
// the address has an unconfirmed account.
func (u *UI) resendSubmit(c *gin.Context) {
	noReferrer(c)
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	res := linkResult{Kind: resultResend, Resend: resendForm{
		Email: truncateUTF8(form.Get(account.FieldEmail), maxKeptValue), AuthRequestID: boundedID(form.Get(authRequestParam)),
	}}
	if newCaptchaRequested(c) { // "New image" without JavaScript
		u.renderResend(c, http.StatusOK, res, nil)
		return
	}
	capErr, ok := u.checkCaptcha(c)
	if !ok {
		return
	}
	var err error
	if capErr == nil {
		rc := account.RegisterContext{IP: c.ClientIP(), Locale: u.lang(c), AuthRequestID: res.Resend.AuthRequestID}
		err = u.registration.ResendVerification(c.Request.Context(), res.Resend.Email, rc)
		if err == nil {
			u.Render(c, http.StatusOK, linkResultTemplate, linkResult{Kind: resultResent, SignInURL: loginPath})
			return
		}
		if !errors.Is(err, account.ErrInvalid) {
			u.fail(c, "resend confirmation link", err)
			return
		}
	} else {
		err = account.CheckEmail(strings.TrimSpace(res.Resend.Email))
	}
	if reason := fieldReasonOf(err, account.FieldEmail); reason != nil {
		res.Resend.EmailError = u.bundle.T(u.lang(c), fieldErrorKey(account.FieldEmail, reason))
	}
	u.renderResend(c, http.StatusUnprocessableEntity, res, capErr)
}

// renderResend renders the link result page, with a fresh captcha when it
// offers a new link.
func (u *UI) renderResend(c *gin.Context, status int, res linkResult, capErr error) {
	if res.ShowResend() {
		page := &url.URL{Path: resendPath}
		if res.Resend.AuthRequestID != "" {
			page.RawQuery = url.Values{authRequestParam: {res.Resend.AuthRequestID}}.Encode()
		}
		view, ok := u.captchaView(c, page, capErr)
		if !ok {
			return
		}
		res.Resend.Captcha, res.Resend.CaptchaFailed = view, capErr != nil
	}
	u.Render(c, status, linkResultTemplate, res)
}

// boundedID is id when it is short enough to be an authorization request
// id, else "".
func boundedID(id string) string {
	if len(id) > maxIDLength {
		return ""
	}
	return id
}

// fieldReasonOf is the reason of field's error in err (a
// *account.RegistrationError or *account.FieldError), or nil.
func fieldReasonOf(err error, field string) error {
	if fe := fieldErrorOf(err, field); fe != nil {
		return fe.Reason
	}
	return nil
}

// fieldErrorOf returns the error of field in err (an
// *account.RegistrationError or *account.FieldError), or nil.
func fieldErrorOf(err error, field string) *account.FieldError {
	if re, ok := errors.AsType[*account.RegistrationError](err); ok {
		return re.Field(field)
	}
	if fe, ok := errors.AsType[*account.FieldError](err); ok && fe.Field == field {
		return fe
	}
	return nil
}
