package ui

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Fields of the sign-in form (README: stable form field names).
const (
	loginField      = "login"
	passwordField   = "password"
	rememberMeField = "remember_me"
)

// loginTemplate is the page of the sign-in form.
const loginTemplate = "login"

// amrPassword is the RFC 8176 method of a password sign-in.
const amrPassword = "pwd"

// maxUserAgent bounds the User-Agent kept with a session.
const maxUserAgent = 512

// loginForm is the .Data of the sign-in page: what the user typed (the
// password only when the captcha stood in the way) and what went wrong.
type loginForm struct {
	Login         string
	RememberMe    bool
	AuthRequestID string // hidden; set when coming from /authorize
	ReturnTo      string // hidden; a safe local path, or empty
	ClientName    string // the application the user signs in to, if any
	// HideRegister hides the "Create account" link: registration is
	// closed.
	HideRegister bool
	// Captcha is the captcha partial's value after repeated failures;
	// nil otherwise.
	Captcha       any
	CaptchaFailed bool
	// Providers are the "Continue with ..." buttons (federation.go).
	Providers []providerButton
	// PasskeysOn shows "Sign in with a passkey" (passkeys.go).
	PasskeysOn bool

	Alert           string // translated message about the whole attempt
	LoginMissing    bool
	PasswordMissing bool
	// Password is written back only when the captcha was the one thing
	// wrong, or for "New image" without JavaScript (login_captcha.go).
	Password string
}

// HasErrors reports whether the page shows any error; the title then says
// so, which screen readers announce first.
func (f loginForm) HasErrors() bool {
	return f.Alert != "" || f.LoginMissing || f.PasswordMissing
}

// FocusPassword puts the focus on the password when the login is filled in
// and fine.
func (f loginForm) FocusPassword() bool { return f.Login != "" && !f.LoginMissing }

// signInProblems maps each problem the user can act on to its message and
// status. Kinds not listed (internal, no session) are failures.
var signInProblems = map[SignInProblemKind]struct {
	key    string
	status int
}{
	SignInInvalidCredentials: {"login.error.invalid_credentials", http.StatusUnprocessableEntity},
	SignInThrottled:          {"login.error.throttled", http.StatusTooManyRequests},
	SignInNotVerified:        {"login.error.not_verified", http.StatusForbidden},
	SignInPendingApproval:    {"login.error.pending_approval", http.StatusForbidden},
	SignInBlocked:            {"login.error.blocked", http.StatusForbidden},
	SignInRejected:           {"login.error.rejected", http.StatusForbidden},
	SignInTemporaryUsed:      {temporaryUsedKey, http.StatusUnprocessableEntity},
	SignInTemporaryExpired:   {temporaryExpiredKey, http.StatusUnprocessableEntity},
}

// Messages for a temporary password that no longer works.
const (
	temporaryUsedKey    = "login.error.temporary_used"
	temporaryExpiredKey = "login.error.temporary_expired"
)

// signInMessageKeys lists the catalog keys of signInProblems.
func signInMessageKeys() []string {
	keys := make([]string, 0, len(signInProblems))
	for _, p := range signInProblems {
		keys = append(keys, p.key)
	}
	return keys
}

// loginPage serves GET /login: the empty form, or, for an authorization
// request, single sign-on when the browser's session allows it.
func (u *UI) loginPage(c *gin.Context) {
	if id := c.Query(authRequestParam); id != "" {
		u.resumeAuthRequest(c, id)
		return
	}
	u.renderLogin(c, http.StatusOK, loginForm{ReturnTo: safeReturnTo(c.Query(returnToParam))})
}

// loginSubmit serves POST /login: check the credentials, start a new
// session, then finish the authorization request or go to return_to.
func (u *UI) loginSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	f, password := readLoginForm(c.Request.PostForm)
	var ar *AuthRequestView
	if f.AuthRequestID != "" {
		v, ok := u.loadAuthRequest(c, f.AuthRequestID)
		if !ok {
			return
		}
		ar, f.ClientName, f.ReturnTo = &v, clientName(v), ""
	}
	if newCaptchaRequested(c) {
		u.newLoginCaptcha(c, f, password) // login_captcha.go
		return
	}
	if f.LoginMissing || f.PasswordMissing {
		u.renderLogin(c, http.StatusUnprocessableEntity, f)
		return
	}
	if !u.checkLoginCaptcha(c, f, password) {
		return
	}
	user, err := u.accounts.Authenticate(c.Request.Context(), f.Login, password, c.ClientIP())
	if err != nil {
		u.refuseSignIn(c, f, err)
		return
	}
	if u.beginSecondStep(c, user, f.RememberMe, []string{amrPassword}, f.AuthRequestID, f.ReturnTo) {
		return // two-step verification: /login/mfa (mfa_signin.go)
	}
	si, ok := u.startSession(c, user, f.RememberMe, []string{amrPassword})
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

// readLoginForm reads the POSTed sign-in form. The password is returned
// apart so it never reaches the page data.
func readLoginForm(form url.Values) (loginForm, string) {
	f := loginForm{
		Login:         strings.TrimSpace(form.Get(loginField)),
		RememberMe:    checked(form.Get(rememberMeField)),
		AuthRequestID: form.Get(authRequestParam),
		ReturnTo:      safeReturnTo(form.Get(returnToParam)),
	}
	password := form.Get(passwordField)
	f.LoginMissing = f.Login == ""
	f.PasswordMissing = password == ""
	return f, password
}

// refuseSignIn shows the form again with what went wrong, or the 500 page
// when it is a failure rather than a refusal.
func (u *UI) refuseSignIn(c *gin.Context, f loginForm, err error) {
	p := u.classify(err)
	problem, ok := signInProblems[p.Kind]
	if !ok {
		u.fail(c, "sign in", err)
		return
	}
	if p.Kind == SignInThrottled && p.RetryAfter > 0 {
		c.Header("Retry-After", strconv.FormatInt(durationSeconds(p.RetryAfter), 10))
	}
	f.Alert = u.bundle.T(u.lang(c), problem.key)
	u.renderLogin(c, problem.status, f)
}

// startSession gives the browser a new session for user: the session it
// presented, if any, is ended and never adopted (SECURITY 29).
func (u *UI) startSession(c *gin.Context, user storage.User, persistent bool, amr []string) (*signedIn, bool) {
	u.endPresentedSession(c)
	secret, bs, err := u.accounts.StartSession(c.Request.Context(), user.ID, persistent, amr,
		truncateUTF8(c.Request.UserAgent(), maxUserAgent), c.ClientIP())
	if err != nil {
		u.fail(c, "start session", err)
		return nil, false
	}
	if bs.AuthTime.IsZero() {
		bs.AuthTime = u.now()
	}
	bs.Persistent = bs.Persistent || persistent
	u.setSessionCookie(c, secret, bs)
	u.rememberDevice(c, user) // console.go
	if user.Locale != "" && user.Locale != u.lang(c) && slices.Contains(u.bundle.Supported(), user.Locale) {
		u.setLangCookie(c, user.Locale) // the language chosen on the account page
	}
	return &signedIn{session: bs, user: user}, true
}

// renderLogin shows the sign-in form, with a captcha after repeated
// failures.
func (u *UI) renderLogin(c *gin.Context, status int, f loginForm) {
	u.renderLoginWithCaptcha(c, status, f, nil)
}

func (u *UI) renderLoginWithCaptcha(c *gin.Context, status int, f loginForm, capErr error) {
	f.HideRegister = u.registrationClosed(c)
	f.Providers = u.providerButtons(storage.FlowSignIn, f.AuthRequestID, "")
	f.PasskeysOn = u.passkeys != nil
	needs, ok := u.loginNeedsCaptcha(c, f.Login)
	if !ok {
		return
	}
	if needs || capErr != nil {
		view, ok := u.captchaView(c, loginPageURL(f), capErr)
		if !ok {
			return
		}
		f.Captcha = view
	}
	u.Render(c, status, loginTemplate, f)
}

// registrationClosed reports whether the registration form is shut: mode
// closed, or invite (only an invitation's link registers). The settings
// failing to load only logs: the link is shown, and the
// registration page itself reports the failure.
func (u *UI) registrationClosed(c *gin.Context) bool {
	if u.registration == nil {
		return false
	}
	rs, err := u.registration.Settings(c.Request.Context())
	if err != nil {
		u.log.WarnContext(c.Request.Context(), "read registration settings for the sign-in page", u.logAttrs(c, err)...)
		return false
	}
	return rs.Mode == account.ModeClosed || rs.Mode == account.ModeInvite
}

// clientName is how the pages name the application behind ar.
func clientName(ar AuthRequestView) string {
	if ar.ClientName != "" {
		return ar.ClientName
	}
	return ar.ClientID
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	return strings.ToValidUTF8(s, "")
}

// durationSeconds is d in whole seconds, rounded up.
func durationSeconds(d time.Duration) int64 {
	return int64(math.Ceil(d.Seconds()))
}
