package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// Passkey routes (issue 15). The ceremony options are JSON; the browser's
// answers come back as JSON (adding a passkey) or in a form field
// (signing in, so the usual redirects follow). templates/static/passkeys.js
// drives them; without JavaScript the pages offer passwords and codes.
const (
	passkeysPath          = "/account/passkeys"
	passkeysOptionsPath   = "/account/passkeys/options"
	passkeyPath           = "/account/passkeys/:id"
	passkeyRenameSuffix   = "/rename"
	passkeyRemoveSuffix   = "/remove"
	loginPasskeyPath      = "/login/passkey"
	loginPasskeyOptions   = "/login/passkey/options"
	loginMFAPasskeyOption = "/login/mfa/passkey/options"
	passkeyTemplate       = "account_passkey"
	credentialField       = "credential"
	passkeyField          = "passkey"
	passkeyNameField      = "name"
	maxPasskeyResponse    = 64 << 10
	securityNoticeAdded   = "passkey_added"
	securityNoticeRenamed = "passkey_renamed"
	securityNoticeGone    = "passkey_removed"
)

// Passkeys is what the pages need of the passkey rules
// (*account.Passkeys).
type Passkeys interface {
	List(ctx context.Context, userID string) ([]storage.Passkey, error)
	BeginRegistration(ctx context.Context, u storage.User, browserHash []byte) ([]byte, error)
	FinishRegistration(ctx context.Context, u storage.User, browserHash []byte, name string, response []byte, ip string) (storage.Passkey, error)
	BeginSignIn(ctx context.Context, purpose, userID string, browserHash []byte) ([]byte, error)
	FinishSignIn(ctx context.Context, purpose, userID string, browserHash, response []byte, ip string) (account.PasskeySignInResult, error)
	Rename(ctx context.Context, userID, id, name, ip string) error
	Remove(ctx context.Context, userID, id, actorID, ip string) error
}

// passkeyMessageKeys lists the catalog keys the passkey code asks for.
func passkeyMessageKeys() []string {
	return []string{"passkeys.error.refused", "passkeys.error.name", "passkeys.error.reauth",
		"passkeys.error.last", "passkeys.error.state"}
}

// passkeyRoutes adds the passkey routes.
func (u *UI) passkeyRoutes(r gin.IRouter, bound gin.HandlerFunc) {
	r.POST(passkeysOptionsPath, u.passkeyRegisterOptions)
	r.POST(passkeysPath, u.passkeyRegister)
	r.GET(passkeyPath, u.passkeyPage)
	r.POST(passkeyPath+passkeyRenameSuffix, u.passkeyRename)
	r.POST(passkeyPath+passkeyRemoveSuffix, u.passkeyRemove)
	r.POST(loginPasskeyOptions, u.loginPasskeyOptions)
	r.POST(loginPasskeyPath, bound, u.loginPasskeySubmit)
	r.POST(loginMFAPasskeyOption, bound, u.loginMFAPasskeyOptions)
}

// ceremonyBinding returns the browser's binding hash for a ceremony,
// giving the browser a binding cookie first when create is set and it
// has none.
func (u *UI) ceremonyBinding(c *gin.Context, create bool) []byte {
	secret := cookieValue(c, u.BrowserBindingCookieName())
	if !validBindingSecret(secret) {
		if !create {
			return nil
		}
		secret = newBindingSecret()
		http.SetCookie(c.Writer, u.newCookie(BrowserBindingCookie, secret, 0))
	}
	return bindingHash(secret)
}

// jsonError answers a ceremony endpoint with a translated message.
func (u *UI) jsonError(c *gin.Context, status int, key string, location string) {
	body := gin.H{"error": u.bundle.T(u.lang(c), key)}
	if location != "" {
		body["location"] = location
	}
	c.JSON(status, body)
}

// options answers with ceremony options already encoded as JSON.
func options(c *gin.Context, raw []byte) {
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", raw)
}

// freshJSONUser is freshUser for the JSON endpoints: the signed-in user
// whose sign-in is recent, or a JSON answer saying where to sign in.
func (u *UI) freshJSONUser(c *gin.Context) (*signedIn, bool) {
	c.Header("Cache-Control", "no-store")
	si, ok := u.currentSession(c)
	if !ok {
		return nil, false
	}
	again := loginPath + "?" + url.Values{returnToParam: {securityPath}, "reauth": {"1"}}.Encode()
	if si == nil || !u.mfa.RecentlyAuthenticated(si.session) {
		u.jsonError(c, http.StatusUnauthorized, "passkeys.error.reauth", again)
		return nil, false
	}
	return si, true
}

// passkeyRegisterOptions serves POST /account/passkeys/options.
func (u *UI) passkeyRegisterOptions(c *gin.Context) {
	si, ok := u.freshJSONUser(c)
	if !ok {
		return
	}
	raw, err := u.passkeys.BeginRegistration(c.Request.Context(), si.user, u.ceremonyBinding(c, true))
	if err != nil {
		u.log.ErrorContext(c.Request.Context(), "begin passkey registration", u.logAttrs(c, err)...)
		c.JSON(http.StatusInternalServerError, gin.H{"error": u.bundle.T(u.lang(c), "error.500.message")})
		return
	}
	options(c, raw)
}

// registerRequest is the JSON body of POST /account/passkeys.
type registerRequest struct {
	Name       string          `json:"name"`
	Credential jsonRawResponse `json:"credential"`
}

// jsonRawResponse keeps the browser's credential as it came.
type jsonRawResponse []byte

func (r *jsonRawResponse) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// passkeyRegister serves POST /account/passkeys: the browser's new
// credential and the name the user gave it.
func (u *UI) passkeyRegister(c *gin.Context) {
	si, ok := u.freshJSONUser(c)
	if !ok {
		return
	}
	var req registerRequest
	if err := c.ShouldBindJSON(&req); err != nil || len(req.Credential) == 0 || len(req.Credential) > maxPasskeyResponse {
		u.jsonError(c, http.StatusBadRequest, "passkeys.error.refused", "")
		return
	}
	_, err := u.passkeys.FinishRegistration(c.Request.Context(), si.user, u.ceremonyBinding(c, false), req.Name, req.Credential, c.ClientIP())
	switch {
	case errors.Is(err, account.ErrPasskeyNameInvalid):
		u.jsonError(c, http.StatusUnprocessableEntity, "passkeys.error.name", "")
	case errors.Is(err, account.ErrPasskeyRefused):
		u.log.InfoContext(c.Request.Context(), "passkey registration refused", u.logAttrs(c, err)...)
		u.jsonError(c, http.StatusUnprocessableEntity, "passkeys.error.refused", "")
	case err != nil:
		u.log.ErrorContext(c.Request.Context(), "finish passkey registration", u.logAttrs(c, err)...)
		c.JSON(http.StatusInternalServerError, gin.H{"error": u.bundle.T(u.lang(c), "error.500.message")})
	default:
		c.JSON(http.StatusCreated, gin.H{"location": securityPath + "?" + securityNoticeParam + "=" + securityNoticeAdded})
	}
}

// passkeyView is the .Data of the page of one passkey.
type passkeyView struct {
	Passkey   passkeyRow
	Name      string // what the user typed
	NameError bool
	Alert     string
}

// passkeyRow is a passkey as the pages list it.
type passkeyRow struct {
	ID, Name, Created, LastUsed string
	Synced                      bool
}

func passkeyRows(list []storage.Passkey) []passkeyRow {
	out := make([]passkeyRow, len(list))
	for i, p := range list {
		out[i] = passkeyRow{ID: p.ID, Name: p.Name, Created: p.CreatedAt.UTC().Format("2006-01-02"), Synced: p.Synced}
		if !p.LastUsedAt.IsZero() {
			out[i].LastUsed = p.LastUsedAt.UTC().Format("2006-01-02 15:04")
		}
	}
	return out
}

// findPasskey returns the signed-in user's passkey named in the path.
func (u *UI) findPasskey(c *gin.Context, si *signedIn) (passkeyRow, bool) {
	list, err := u.passkeys.List(c.Request.Context(), si.user.ID)
	if err != nil {
		u.fail(c, "list passkeys", err)
		return passkeyRow{}, false
	}
	for _, r := range passkeyRows(list) {
		if r.ID == c.Param("id") {
			return r, true
		}
	}
	u.RenderError(c, http.StatusNotFound)
	return passkeyRow{}, false
}

// passkeyPage serves GET /account/passkeys/{id}: rename it, or remove it
// (this page is the confirmation step).
func (u *UI) passkeyPage(c *gin.Context) {
	si, ok := u.accountUser(c, securityPath)
	if !ok {
		return
	}
	row, ok := u.findPasskey(c, si)
	if !ok {
		return
	}
	u.Render(c, http.StatusOK, passkeyTemplate, passkeyView{Passkey: row, Name: row.Name})
}

// passkeyRename serves POST /account/passkeys/{id}/rename.
func (u *UI) passkeyRename(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.accountUser(c, securityPath)
	if !ok {
		return
	}
	row, ok := u.findPasskey(c, si)
	if !ok {
		return
	}
	name := c.Request.PostForm.Get(passkeyNameField)
	err := u.passkeys.Rename(c.Request.Context(), si.user.ID, row.ID, name, c.ClientIP())
	switch {
	case errors.Is(err, account.ErrPasskeyNameInvalid):
		u.Render(c, http.StatusUnprocessableEntity, passkeyTemplate, passkeyView{Passkey: row, Name: name, NameError: true})
	case err != nil:
		u.fail(c, "rename passkey", err)
	default:
		redirect(c, securityPath+"?"+securityNoticeParam+"="+securityNoticeRenamed)
	}
}

// passkeyRemove serves POST /account/passkeys/{id}/remove; it needs a
// recent sign-in, and refuses to remove the last way to sign in.
func (u *UI) passkeyRemove(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.freshUser(c, securityPath)
	if !ok {
		return
	}
	row, ok := u.findPasskey(c, si)
	if !ok {
		return
	}
	err := u.passkeys.Remove(c.Request.Context(), si.user.ID, row.ID, si.user.ID, c.ClientIP())
	switch {
	case errors.Is(err, account.ErrLastSignInMethod):
		u.Render(c, http.StatusConflict, passkeyTemplate, passkeyView{Passkey: row, Name: row.Name,
			Alert: u.bundle.T(u.lang(c), "passkeys.error.last")})
	case errors.Is(err, storage.ErrNotFound):
		redirect(c, securityPath)
	case err != nil:
		u.fail(c, "remove passkey", err)
	default:
		redirect(c, securityPath+"?"+securityNoticeParam+"="+securityNoticeGone)
	}
}

// loginPasskeyOptions serves POST /login/passkey/options: a discoverable
// sign-in ceremony for this browser.
func (u *UI) loginPasskeyOptions(c *gin.Context) {
	raw, err := u.passkeys.BeginSignIn(c.Request.Context(), account.PasskeySignIn, "", u.ceremonyBinding(c, true))
	if err != nil {
		u.log.ErrorContext(c.Request.Context(), "begin passkey sign-in", u.logAttrs(c, err)...)
		c.JSON(http.StatusInternalServerError, gin.H{"error": u.bundle.T(u.lang(c), "error.500.message")})
		return
	}
	options(c, raw)
}

// readCredential reads a form field carrying the browser's answer.
func readCredential(c *gin.Context, field string) []byte {
	v := c.Request.PostForm.Get(field)
	if v == "" || len(v) > maxPasskeyResponse {
		return nil
	}
	return []byte(v)
}

// loginPasskeySubmit serves POST /login/passkey: the browser's assertion
// (field credential) with the sign-in form's authRequestID, return_to and
// remember_me. A passkey with user verification is a multi-factor
// sign-in; then it goes on as a password sign-in does.
func (u *UI) loginPasskeySubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	f := loginForm{
		RememberMe:    checked(form.Get(rememberMeField)),
		AuthRequestID: boundedID(form.Get(authRequestParam)),
		ReturnTo:      safeReturnTo(form.Get(returnToParam)),
	}
	var ar *AuthRequestView
	if f.AuthRequestID != "" {
		v, ok := u.loadAuthRequest(c, f.AuthRequestID)
		if !ok {
			return
		}
		ar, f.ClientName, f.ReturnTo = &v, clientName(v), ""
	}
	res, err := u.passkeys.FinishSignIn(c.Request.Context(), account.PasskeySignIn, "",
		u.ceremonyBinding(c, false), readCredential(c, credentialField), c.ClientIP())
	if err != nil {
		u.refusePasskey(c, f, err)
		return
	}
	user := res.User
	if !mfa.HasSecondFactor(res.AMR) && u.beginSecondStep(c, user, f.RememberMe, res.AMR, f.AuthRequestID, f.ReturnTo) {
		return
	}
	si, ok := u.startSession(c, user, f.RememberMe, res.AMR)
	if !ok {
		return
	}
	if ar != nil {
		u.proceed(c, *ar, si)
		return
	}
	if user.PasswordChangeRequired {
		redirect(c, changePasswordPath)
		return
	}
	if u.enrolBeforeGoingOn(c, si, f.ReturnTo) {
		return
	}
	redirect(c, afterSignIn(f.ReturnTo))
}

// refusePasskey shows the sign-in form again with what went wrong.
func (u *UI) refusePasskey(c *gin.Context, f loginForm, err error) {
	if errors.Is(err, account.ErrPasskeyRefused) || errors.Is(err, account.ErrNotVerified) ||
		errors.Is(err, account.ErrPendingApproval) || errors.Is(err, account.ErrBlocked) || errors.Is(err, account.ErrRejected) {
		u.log.InfoContext(c.Request.Context(), "passkey sign-in refused", u.logAttrs(c, err)...)
		if p, ok := signInProblems[u.classify(err).Kind]; ok && !errors.Is(err, account.ErrPasskeyRefused) {
			f.Alert = u.bundle.T(u.lang(c), p.key)
			u.renderLogin(c, p.status, f)
			return
		}
		f.Alert = u.bundle.T(u.lang(c), "passkeys.error.refused")
		u.renderLogin(c, http.StatusUnprocessableEntity, f)
		return
	}
	if te, ok := errors.AsType[*account.ThrottledError](err); ok {
		c.Header("Retry-After", strconv.FormatInt(durationSeconds(te.RetryAfter), 10))
		f.Alert = u.bundle.T(u.lang(c), "login.error.throttled")
		u.renderLogin(c, http.StatusTooManyRequests, f)
		return
	}
	u.fail(c, "passkey sign-in", err)
}

// secondStepUser is the user of the browser's pending sign-in, or of the
// session an authorization request steps up.
func (u *UI) secondStepUser(c *gin.Context) (string, bool) {
	if p, ok := u.pendingSignIn(c); ok {
		return p.UserID, true
	}
	si, ok := u.currentSession(c)
	if !ok || si == nil {
		return "", false
	}
	return si.user.ID, true
}

// loginMFAPasskeyOptions serves POST /login/mfa/passkey/options: a
// ceremony for the passkeys of the user in the second step.
func (u *UI) loginMFAPasskeyOptions(c *gin.Context) {
	userID, ok := u.secondStepUser(c)
	if !ok {
		u.jsonError(c, http.StatusUnauthorized, "passkeys.error.refused", loginPath)
		return
	}
	raw, err := u.passkeys.BeginSignIn(c.Request.Context(), account.PasskeySecondStep, userID, u.ceremonyBinding(c, true))
	if errors.Is(err, account.ErrPasskeyRefused) {
		u.jsonError(c, http.StatusUnprocessableEntity, "passkeys.error.refused", "")
		return
	}
	if err != nil {
		u.log.ErrorContext(c.Request.Context(), "begin passkey second step", u.logAttrs(c, err)...)
		c.JSON(http.StatusInternalServerError, gin.H{"error": u.bundle.T(u.lang(c), "error.500.message")})
		return
	}
	options(c, raw)
}

// verifyPasskeyStep checks a passkey given at /login/mfa and returns the
// methods it adds; on refusal it shows the form again.
func (u *UI) verifyPasskeyStep(c *gin.Context, f mfaForm, userID string, response []byte) (bool, bool) {
	res, err := u.passkeys.FinishSignIn(c.Request.Context(), account.PasskeySecondStep, userID,
		u.ceremonyBinding(c, false), response, c.ClientIP())
	if errors.Is(err, account.ErrPasskeyRefused) {
		f.Alert = u.bundle.T(u.lang(c), "passkeys.error.refused")
		u.renderMFA(c, http.StatusUnprocessableEntity, f)
		return false, false
	}
	if err != nil && !isStateError(err) {
		u.fail(c, "verify passkey", err)
		return false, false
	}
	return res.Passkey.Synced, true
}

// isStateError: the account may not sign in (it is then refused when the
// session would start).
func isStateError(err error) bool {
	return errors.Is(err, account.ErrNotVerified) || errors.Is(err, account.ErrPendingApproval) ||
		errors.Is(err, account.ErrBlocked) || errors.Is(err, account.ErrRejected)
}

// passkeyStepUp is provided by SecondFactors adapters that can record a
// passkey's methods on a stepped-up session.
type passkeyStepUp interface {
	StepUpSessionWith(ctx context.Context, old storage.BrowserSession, amr []string, userAgent, ip string) (string, storage.BrowserSession, error)
}

// finishPasskeyStepUp is finishStepUp after a passkey: the new session
// records the passkey's methods.
func (u *UI) finishPasskeyStepUp(c *gin.Context, ar AuthRequestView, si *signedIn, amr []string) {
	su, ok := u.mfa.(passkeyStepUp)
	if !ok {
		u.finishStepUp(c, ar, si)
		return
	}
	secret, bs, err := su.StepUpSessionWith(c.Request.Context(), si.session, amr,
		truncateUTF8(c.Request.UserAgent(), maxUserAgent), c.ClientIP())
	if err != nil {
		u.fail(c, "step up session", err)
		return
	}
	u.setSessionCookie(c, secret, bs)
	u.proceed(c, ar, &signedIn{session: bs, user: si.user})
}
