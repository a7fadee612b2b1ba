package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// The second step of sign-in (GET/POST /login/mfa).
const (
	loginMFAPath     = "/login/mfa"
	loginMFATemplate = "login_mfa"
	codeField        = "code"
	// mfaPendingCookie holds the sealed sign-in that passed its first
	// factor (account.PendingSignIn); it is no session.
	mfaPendingCookie = "gatehouse_mfa"
	maxPendingCookie = 1024
	maxCodeLength    = 64
	// oauthInteractionRequired: prompt=none, but a second factor must be
	// asked.
	oauthInteractionRequired = "interaction_required"
)

// SecondFactors is what the pages need of two-step verification
// (*account.SecondFactors with the session service, adapted by the
// server).
type SecondFactors interface {
	Status(ctx context.Context, userID string) (account.MFAStatus, error)
	Enabled(ctx context.Context, userID string) (bool, error)
	// Required: the MFA policy requires a second factor of u. MustEnrol:
	// it does, and u has none.
	Required(ctx context.Context, u storage.User) (bool, error)
	MustEnrol(ctx context.Context, u storage.User) (bool, error)
	// RecentlyAuthenticated: the session's sign-in is recent enough to
	// change second factors.
	RecentlyAuthenticated(s storage.BrowserSession) bool
	BeginTOTP(ctx context.Context, u storage.User) (mfa.Enrolment, error)
	ConfirmTOTP(ctx context.Context, userID, code, ip string) ([]string, error)
	RegenerateRecoveryCodes(ctx context.Context, userID, ip string) ([]string, error)
	Disable(ctx context.Context, userID, actorID, ip string) error
	// Verify checks a TOTP or recovery code at sign-in (account's errors:
	// ErrWrongCode, *ThrottledError...).
	Verify(ctx context.Context, userID, code, ip string) error
	SealPending(p account.PendingSignIn) string
	OpenPending(token string) (account.PendingSignIn, error)
	// User returns the (active) user of a pending sign-in.
	User(ctx context.Context, userID string) (storage.User, error)
	// StepUpSession replaces old with a new session that records the
	// second factor; it returns the new cookie secret.
	StepUpSession(ctx context.Context, old storage.BrowserSession, userAgent, ip string) (string, storage.BrowserSession, error)
}

// mfaRoutes adds /login/mfa and the account security pages.
func (u *UI) mfaRoutes(r gin.IRouter, bound gin.HandlerFunc) {
	r.GET(loginMFAPath, bound, u.loginMFAPage)
	r.POST(loginMFAPath, bound, u.loginMFASubmit)
	u.securityRoutes(r)
}

// mfaForm is the .Data of the second-step page.
type mfaForm struct {
	AuthRequestID string
	ReturnTo      string
	ClientName    string
	StepUp        bool   // an existing session adds its missing factor
	Alert         string // translated
	CodeMissing   bool
	// HasTOTP and HasPasskeys say which second factors the user has
	// (passkeys.go): the code form, the passkey button, or both.
	HasTOTP     bool
	HasPasskeys bool
}

// HasErrors reports whether the page shows an error.
func (f mfaForm) HasErrors() bool { return f.Alert != "" || f.CodeMissing }

// mfaMessageKeys lists the catalog keys the second-step code asks for.
func mfaMessageKeys() []string {
	return []string{"mfa.error.wrong_code", "mfa.error.throttled", "mfa.error.code_missing"}
}

// beginSecondStep is called after a correct first factor (password or
// federated sign-in). For a user with an authenticator it starts the
// second step, with no session yet, and reports true (the response is
// written); otherwise it does nothing and reports false, or true after a
// failure page.
func (u *UI) beginSecondStep(c *gin.Context, user storage.User, persistent bool, amr []string, arID, returnTo string) bool {
	if u.mfa == nil {
		return false
	}
	on, err := u.mfa.Enabled(c.Request.Context(), user.ID)
	if err != nil {
		u.fail(c, "read second factors", err)
		return true
	}
	if !on {
		return false
	}
	u.endPresentedSession(c)
	u.clearSessionCookie(c)
	token := u.mfa.SealPending(account.PendingSignIn{UserID: user.ID, AMR: amr, Persistent: persistent})
	http.SetCookie(c.Writer, u.newCookie(mfaPendingCookie, token, int(account.PendingLifetime/time.Second)))
	redirect(c, loginMFAURL(arID, returnTo))
	return true
}

// loginMFAURL is the second-step page for an authorization request or a
// return path.
func loginMFAURL(arID, returnTo string) string {
	q := url.Values{}
	if arID != "" {
		q.Set(authRequestParam, arID)
	} else if returnTo = safeReturnTo(returnTo); returnTo != "" {
		q.Set(returnToParam, returnTo)
	}
	if len(q) == 0 {
		return loginMFAPath
	}
	return loginMFAPath + "?" + q.Encode()
}

// pendingSignIn reads the browser's pending sign-in, if any.
func (u *UI) pendingSignIn(c *gin.Context) (account.PendingSignIn, bool) {
	v, err := c.Cookie(u.cookieName(mfaPendingCookie))
	if err != nil || v == "" || len(v) > maxPendingCookie {
		return account.PendingSignIn{}, false
	}
	p, err := u.mfa.OpenPending(v)
	return p, err == nil
}

// loginMFAPage serves GET /login/mfa: the code form for a pending sign-in,
// or for a step-up of the current session; otherwise the sign-in page.
func (u *UI) loginMFAPage(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	f := mfaForm{AuthRequestID: boundedID(c.Query(authRequestParam)), ReturnTo: safeReturnTo(c.Query(returnToParam))}
	if f.AuthRequestID != "" {
		ar, ok := u.loadAuthRequest(c, f.AuthRequestID)
		if !ok {
			return
		}
		f.ClientName, f.ReturnTo = clientName(ar), ""
	}
	if _, ok := u.pendingSignIn(c); !ok {
		si, ok := u.currentSession(c)
		if !ok {
			return
		}
		if si == nil || f.AuthRequestID == "" {
			u.toSignIn(c, f)
			return
		}
		f.StepUp = true
	}
	u.renderMFA(c, http.StatusOK, f)
}

// renderMFA shows the second-step page with the factors the user has.
func (u *UI) renderMFA(c *gin.Context, status int, f mfaForm) {
	f.HasTOTP = true
	if userID, ok := u.secondStepUser(c); ok {
		st, err := u.mfa.Status(c.Request.Context(), userID)
		if err != nil {
			u.fail(c, "read second factors", err)
			return
		}
		f.HasTOTP, f.HasPasskeys = st.TOTP, st.Passkeys > 0 && u.passkeys != nil
	}
	u.Render(c, status, loginMFATemplate, f)
}

// toSignIn sends the browser to the first step.
func (u *UI) toSignIn(c *gin.Context, f mfaForm) {
	if f.AuthRequestID != "" {
		redirect(c, loginURL(f.AuthRequestID))
		return
	}
	redirect(c, loginPath+"?"+url.Values{returnToParam: {f.ReturnTo}}.Encode())
}

// loginMFASubmit serves POST /login/mfa: check the code, then start the
// session (or step the current one up) and go on.
func (u *UI) loginMFASubmit(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	f := mfaForm{AuthRequestID: boundedID(form.Get(authRequestParam)), ReturnTo: safeReturnTo(form.Get(returnToParam))}
	var ar *AuthRequestView
	if f.AuthRequestID != "" {
		v, ok := u.loadAuthRequest(c, f.AuthRequestID)
		if !ok {
			return
		}
		ar, f.ClientName, f.ReturnTo = &v, clientName(v), ""
	}
	code := form.Get(codeField)
	if len(code) > maxCodeLength {
		code = code[:maxCodeLength]
	}
	pending, isPending := u.pendingSignIn(c)
	var si *signedIn
	userID := pending.UserID
	if !isPending {
		var ok bool
		if si, ok = u.currentSession(c); !ok {
			return
		}
		if si == nil || ar == nil {
			u.toSignIn(c, f)
			return
		}
		f.StepUp, userID = true, si.user.ID
	}
	if response := readCredential(c, passkeyField); response != nil && u.passkeys != nil {
		synced, ok := u.verifyPasskeyStep(c, f, userID, response)
		if !ok {
			return
		}
		if isPending {
			u.finishPending(c, pending, ar, f.ReturnTo, mfa.WithPasskey(pending.AMR, synced))
			return
		}
		u.finishPasskeyStepUp(c, *ar, si, mfa.WithPasskey(si.session.AMR, synced))
		return
	}
	if mfa.NormalizeCode(code) == "" {
		f.CodeMissing = true
		u.renderMFA(c, http.StatusUnprocessableEntity, f)
		return
	}
	if err := u.mfa.Verify(c.Request.Context(), userID, code, c.ClientIP()); err != nil {
		u.refuseCode(c, f, err)
		return
	}
	if isPending {
		u.finishPending(c, pending, ar, f.ReturnTo, mfa.WithSecondFactor(pending.AMR))
		return
	}
	u.finishStepUp(c, *ar, si)
}

// refuseCode shows the form again with what went wrong.
func (u *UI) refuseCode(c *gin.Context, f mfaForm, err error) {
	lang := u.lang(c)
	if te, ok := errors.AsType[*account.ThrottledError](err); ok {
		c.Header("Retry-After", strconv.FormatInt(durationSeconds(te.RetryAfter), 10))
		f.Alert = u.bundle.T(lang, "mfa.error.throttled")
		u.renderMFA(c, http.StatusTooManyRequests, f)
		return
	}
	if errors.Is(err, account.ErrWrongCode) {
		f.Alert = u.bundle.T(lang, "mfa.error.wrong_code")
		u.renderMFA(c, http.StatusUnprocessableEntity, f)
		return
	}
	if errors.Is(err, account.ErrMFANotEnabled) {
		u.toSignIn(c, f)
		return
	}
	u.fail(c, "verify second factor", err)
}

// finishPending starts the session of a pending sign-in whose second step
// passed, and goes on as the first step would have.
func (u *UI) finishPending(c *gin.Context, p account.PendingSignIn, ar *AuthRequestView, returnTo string, amr []string) {
	http.SetCookie(c.Writer, u.newCookie(mfaPendingCookie, "", -1))
	user, err := u.mfa.User(c.Request.Context(), p.UserID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && user.State != storage.UserActive) {
		// Deleted or blocked between the two steps: no session.
		u.toSignIn(c, mfaForm{AuthRequestID: arIDOf(ar), ReturnTo: returnTo})
		return
	}
	if err != nil {
		u.fail(c, "read signed-in user", err)
		return
	}
	si, ok := u.startSession(c, user, p.Persistent, amr)
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
	redirect(c, afterSignIn(returnTo))
}

// arIDOf is the id of ar, or "" without one.
func arIDOf(ar *AuthRequestView) string {
	if ar == nil {
		return ""
	}
	return ar.ID
}

// finishStepUp gives the session its second factor (a new session id)
// and finishes the authorization request.
func (u *UI) finishStepUp(c *gin.Context, ar AuthRequestView, si *signedIn) {
	secret, bs, err := u.mfa.StepUpSession(c.Request.Context(), si.session,
		truncateUTF8(c.Request.UserAgent(), maxUserAgent), c.ClientIP())
	if err != nil {
		u.fail(c, "step up session", err)
		return
	}
	u.setSessionCookie(c, secret, bs)
	u.proceed(c, ar, &signedIn{session: bs, user: si.user})
}

// mfaGate decides, before an authorization request is completed, whether
// the session lacks a second factor the request, the client or the MFA
// policy wants. It then sends the browser to the step-up (a user with an
// authenticator) or to enrolment (one without, when it is required) and
// reports false; true means go on.
func (u *UI) mfaGate(c *gin.Context, ar AuthRequestView, si *signedIn) bool {
	if u.mfa == nil || mfa.HasSecondFactor(si.session.AMR) {
		return true
	}
	ctx := c.Request.Context()
	required, err := u.mfa.Required(ctx, si.user)
	if err != nil {
		u.fail(c, "read mfa policy", err)
		return false
	}
	wants := mfa.RequestWantsMFA(ar.ACRValues, ar.RequireMFA) || required
	if !wants {
		// Nothing asks for a second factor: whether the user has one does
		// not matter, so it is not read (two queries on every SSO).
		return true
	}
	on, err := u.mfa.Enabled(ctx, si.user.ID)
	if err != nil {
		u.fail(c, "read second factors", err)
		return false
	}
	if on {
		if hasPrompt(ar, promptNone) {
			u.redirectError(c, ar, oauthInteractionRequired)
			return false
		}
		redirect(c, loginMFAURL(ar.ID, ""))
		return false
	}
	if !required && !ar.RequireMFA {
		return true // acr_values is a wish: without a factor the acr says pwd
	}
	if hasPrompt(ar, promptNone) {
		u.redirectError(c, ar, oauthInteractionRequired)
		return false
	}
	redirect(c, totpEnrolURL(ar.ID))
	return false
}

// maxAgeStepUp handles an authorization request whose max_age the
// session's last factor exceeds, for a user with an authenticator: the
// session stays and only the second factor is asked again. It reports
// whether it wrote the response.
func (u *UI) maxAgeStepUp(c *gin.Context, ar AuthRequestView, si *signedIn) bool {
	if u.mfa == nil || forcesLogin(ar) || u.withinMaxAge(ar, si.session.FactorTime(), 0) {
		return false
	}
	if !mfa.HasSecondFactor(si.session.AMR) || hasPrompt(ar, promptNone) {
		return false
	}
	on, err := u.mfa.Enabled(c.Request.Context(), si.user.ID)
	if err != nil {
		u.fail(c, "read second factors", err)
		return true
	}
	if !on {
		return false
	}
	redirect(c, loginMFAURL(ar.ID, ""))
	return true
}
