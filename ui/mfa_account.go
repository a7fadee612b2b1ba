package ui

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/mfa"
)

// The account security pages.
const (
	securityPath            = "/account/security"
	totpPath                = "/account/totp"
	totpRemovePath          = "/account/totp/remove"
	recoveryCodesPath       = "/account/recovery-codes"
	securityTemplate        = "account_security"
	totpTemplate            = "account_totp"
	totpRemoveTemplate      = "account_totp_remove"
	recoveryCodesTemplate   = "account_recovery_codes"
	recoveryShownTemplate   = "account_recovery_shown"
	securityNoticeParam     = "notice"
	securityNoticeRemoved   = "removed"
	recoveryCodesFilePrefix = "recovery-codes"
)

// securityRoutes adds the security pages.
func (u *UI) securityRoutes(r gin.IRouter) {
	r.GET(securityPath, u.securityPage)
	r.GET(totpPath, u.totpPage)
	r.POST(totpPath, u.totpSubmit)
	r.GET(totpRemovePath, u.totpRemovePage)
	r.POST(totpRemovePath, u.totpRemoveSubmit)
	r.GET(recoveryCodesPath, u.recoveryCodesPage)
	r.POST(recoveryCodesPath, u.recoveryCodesSubmit)
}

// totpEnrolURL is the enrolment page on the way to an authorization
// request.
func totpEnrolURL(arID string) string {
	if arID == "" {
		return totpPath
	}
	return totpPath + "?" + url.Values{authRequestParam: {arID}}.Encode()
}

// enrolBeforeGoingOn sends a user the MFA policy requires a second factor
// of, who has none, to enrolment right after signing in (unless returnTo
// is the enrolment page already, which keeps its authRequestID); it
// reports whether it wrote the response.
func (u *UI) enrolBeforeGoingOn(c *gin.Context, si *signedIn, returnTo string) bool {
	if u.mfa == nil || strings.HasPrefix(safeReturnTo(returnTo), totpPath+"?") {
		return false
	}
	must, err := u.mfa.MustEnrol(c.Request.Context(), si.user)
	if err != nil {
		u.fail(c, "read mfa policy", err)
		return true
	}
	if must {
		redirect(c, totpPath)
	}
	return must
}

// adminMFAGate applies the MFA policy to the admin console: an
// administrator it requires a second factor of is sent to enrolment when
// they have none, or to sign in again (password and code) when this
// session was made without it. It reports whether to go on.
func (u *UI) adminMFAGate(c *gin.Context, si *signedIn, returnTo string) bool {
	if u.mfa == nil || mfa.HasSecondFactor(si.session.AMR) {
		return true
	}
	ctx := c.Request.Context()
	required, err := u.mfa.Required(ctx, si.user)
	if err != nil {
		u.fail(c, "read mfa policy", err)
		return false
	}
	if !required {
		return true
	}
	on, err := u.mfa.Enabled(ctx, si.user.ID)
	if err != nil {
		u.fail(c, "read second factors", err)
		return false
	}
	if !on {
		redirect(c, totpPath)
		return false
	}
	redirect(c, loginPath+"?"+url.Values{returnToParam: {returnTo}}.Encode())
	return false
}

// securityView is the .Data of the security page.
type securityView struct {
	Status   account.MFAStatus
	Since    string // YYYY-MM-DD
	Notice   string
	Required bool // the policy requires a second factor of this user
	// PasskeysOn: passkeys are offered; Passkeys lists the user's.
	PasskeysOn bool
	Passkeys   []passkeyRow
}

// securityPage serves GET /account/security: the sign-in methods at a
// glance.
func (u *UI) securityPage(c *gin.Context) {
	si, ok := u.accountUser(c, securityPath)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	st, err := u.mfa.Status(ctx, si.user.ID)
	if err != nil {
		u.fail(c, "read second factors", err)
		return
	}
	must, err := u.mfa.MustEnrol(ctx, si.user)
	if err != nil {
		u.fail(c, "read mfa policy", err)
		return
	}
	v := securityView{Status: st, Required: must}
	if st.TOTP {
		v.Since = st.Since.UTC().Format("2006-01-02")
	}
	switch n := c.Query(securityNoticeParam); n {
	case securityNoticeRemoved, securityNoticeAdded, securityNoticeRenamed, securityNoticeGone:
		v.Notice = n
	}
	if u.passkeys != nil {
		list, err := u.passkeys.List(ctx, si.user.ID)
		if err != nil {
			u.fail(c, "list passkeys", err)
			return
		}
		v.PasskeysOn, v.Passkeys = true, passkeyRows(list)
	}
	u.Render(c, http.StatusOK, securityTemplate, v)
}

// freshUser returns the signed-in user of a page that changes second
// factors, or sends the browser to sign in again (password, and the
// second factor when one is on) when the sign-in is older than
// account.RecentAuth.
func (u *UI) freshUser(c *gin.Context, path string) (*signedIn, bool) {
	si, ok := u.accountUser(c, path)
	if !ok {
		return nil, false
	}
	if !u.mfa.RecentlyAuthenticated(si.session) {
		redirect(c, loginPath+"?"+url.Values{returnToParam: {path}, "reauth": {"1"}}.Encode())
		return nil, false
	}
	return si, true
}

// totpView is the .Data of the enrolment page.
type totpView struct {
	AuthRequestID string
	QR            template.URL // data:image/png;base64,...
	Secret        string       // grouped for typing
	URI           string
	Alert         string
	CodeMissing   bool
	Required      bool
}

// HasErrors reports whether the page shows an error.
func (v totpView) HasErrors() bool { return v.Alert != "" || v.CodeMissing }

// totpPage serves GET /account/totp: a new key with its QR code.
func (u *UI) totpPage(c *gin.Context) {
	arID := boundedID(c.Query(authRequestParam))
	si, ok := u.freshUser(c, totpEnrolURL(arID))
	if !ok {
		return
	}
	u.renderEnrolment(c, si, arID, http.StatusOK, "", false)
}

// renderEnrolment shows the (pending) key and the code form.
func (u *UI) renderEnrolment(c *gin.Context, si *signedIn, arID string, status int, alert string, missing bool) {
	ctx := c.Request.Context()
	e, err := u.mfa.BeginTOTP(ctx, si.user)
	if errors.Is(err, account.ErrMFAAlreadyEnabled) {
		redirect(c, securityPath)
		return
	}
	if err != nil {
		u.fail(c, "begin totp enrolment", err)
		return
	}
	qr, err := e.QRDataURI()
	if err != nil {
		u.fail(c, "totp qr code", err)
		return
	}
	must, err := u.mfa.MustEnrol(ctx, si.user)
	if err != nil {
		u.fail(c, "read mfa policy", err)
		return
	}
	u.Render(c, status, totpTemplate, totpView{
		AuthRequestID: arID, QR: template.URL(qr), Secret: e.GroupedSecret(), URI: e.URI,
		Alert: alert, CodeMissing: missing, Required: must,
	})
}

// totpSubmit serves POST /account/totp: a valid code turns the
// authenticator on; the recovery codes are shown once.
func (u *UI) totpSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	arID := boundedID(c.Request.PostForm.Get(authRequestParam))
	si, ok := u.freshUser(c, totpEnrolURL(arID))
	if !ok {
		return
	}
	code := c.Request.PostForm.Get(codeField)
	if mfa.NormalizeCode(code) == "" {
		u.renderEnrolment(c, si, arID, http.StatusUnprocessableEntity, "", true)
		return
	}
	ctx := c.Request.Context()
	codes, err := u.mfa.ConfirmTOTP(ctx, si.user.ID, code, c.ClientIP())
	lang := u.lang(c)
	if te, ok := errors.AsType[*account.ThrottledError](err); ok {
		c.Header("Retry-After", strconv.FormatInt(durationSeconds(te.RetryAfter), 10))
		u.renderEnrolment(c, si, arID, http.StatusTooManyRequests, u.bundle.T(lang, "mfa.error.throttled"), false)
		return
	}
	switch {
	case errors.Is(err, account.ErrWrongCode):
		u.renderEnrolment(c, si, arID, http.StatusUnprocessableEntity, u.bundle.T(lang, "mfa.error.wrong_code"), false)
		return
	case errors.Is(err, account.ErrMFAAlreadyEnabled), errors.Is(err, account.ErrMFANotEnabled):
		redirect(c, securityPath)
		return
	case err != nil:
		u.fail(c, "confirm totp", err)
		return
	}
	// The code just given is a second factor: this session has it now.
	secret, bs, err := u.mfa.StepUpSession(ctx, si.session, truncateUTF8(c.Request.UserAgent(), maxUserAgent), c.ClientIP())
	if err != nil {
		u.fail(c, "step up session", err)
		return
	}
	u.setSessionCookie(c, secret, bs)
	u.renderRecoveryCodes(c, codes, arID, true)
}

// recoveryShownView is the .Data of the page that shows recovery codes
// once.
type recoveryShownView struct {
	Codes       []string
	Download    template.URL // data:text/plain link built here, never a URL with the codes sent back
	FileName    string
	ContinueURL string
	Enrolled    bool // after enrolment rather than regeneration
}

// renderRecoveryCodes shows codes once, with a copy button and a .txt
// download.
func (u *UI) renderRecoveryCodes(c *gin.Context, codes []string, arID string, enrolled bool) {
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	text := u.bundle.T(u.lang(c), "mfa.recovery.file_heading", "instance", u.brand(c).Name) + "\r\n\r\n" +
		strings.Join(codes, "\r\n") + "\r\n"
	v := recoveryShownView{
		Codes:       codes,
		Download:    template.URL("data:text/plain;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(text))),
		FileName:    recoveryCodesFilePrefix + ".txt",
		ContinueURL: securityPath,
		Enrolled:    enrolled,
	}
	if arID != "" {
		v.ContinueURL = loginURL(arID)
	}
	u.Render(c, http.StatusOK, recoveryShownTemplate, v)
}

// totpRemovePage serves GET /account/totp/remove: the confirmation step.
func (u *UI) totpRemovePage(c *gin.Context) {
	si, ok := u.freshUser(c, totpRemovePath)
	if !ok {
		return
	}
	on, err := u.mfa.Enabled(c.Request.Context(), si.user.ID)
	if err != nil {
		u.fail(c, "read second factors", err)
		return
	}
	if !on {
		redirect(c, securityPath)
		return
	}
	u.Render(c, http.StatusOK, totpRemoveTemplate, nil)
}

// totpRemoveSubmit serves POST /account/totp/remove: the authenticator and
// the recovery codes are turned off.
func (u *UI) totpRemoveSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.freshUser(c, totpRemovePath)
	if !ok {
		return
	}
	err := u.mfa.Disable(c.Request.Context(), si.user.ID, si.user.ID, c.ClientIP())
	if err != nil && !errors.Is(err, account.ErrMFANotEnabled) {
		u.fail(c, "remove totp", err)
		return
	}
	redirect(c, securityPath+"?"+securityNoticeParam+"="+securityNoticeRemoved)
}

// recoveryCodesView is the .Data of the regeneration page.
type recoveryCodesView struct {
	Left int
}

// recoveryCodesPage serves GET /account/recovery-codes: how many are left
// and the button that makes new ones.
func (u *UI) recoveryCodesPage(c *gin.Context) {
	si, ok := u.freshUser(c, recoveryCodesPath)
	if !ok {
		return
	}
	st, err := u.mfa.Status(c.Request.Context(), si.user.ID)
	if err != nil {
		u.fail(c, "read second factors", err)
		return
	}
	if !st.TOTP {
		redirect(c, securityPath)
		return
	}
	u.Render(c, http.StatusOK, recoveryCodesTemplate, recoveryCodesView{Left: st.RecoveryCodes})
}

// recoveryCodesSubmit serves POST /account/recovery-codes: new codes, the
// old ones void.
func (u *UI) recoveryCodesSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.freshUser(c, recoveryCodesPath)
	if !ok {
		return
	}
	codes, err := u.mfa.RegenerateRecoveryCodes(c.Request.Context(), si.user.ID, c.ClientIP())
	if errors.Is(err, account.ErrMFANotEnabled) {
		redirect(c, securityPath)
		return
	}
	if err != nil {
		u.fail(c, "regenerate recovery codes", err)
		return
	}
	u.renderRecoveryCodes(c, codes, "", false)
}
