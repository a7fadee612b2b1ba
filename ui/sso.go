package ui

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// prompt values (OpenID Connect Core §3.1.2.1).
const (
	promptNone          = "none"
	promptLogin         = "login"
	promptConsent       = "consent"
	promptSelectAccount = "select_account"
)

// clockSlack absorbs clock differences between replicas where a check
// compares times written on one with the clock of another: a sign-in
// recorded by one replica must satisfy the freshness check of the consent
// page on the next, or the user would loop between the two pages.
const clockSlack = time.Minute

// resumeAuthRequest serves GET /login?authRequestID=ID. A browser whose
// session satisfies the request's prompt and max_age goes on at once
// (single sign-on); otherwise it gets the form, or, with prompt=none,
// goes back to the client with login_required and sees no page. With
// prompt=create it goes to the registration page instead.
func (u *UI) resumeAuthRequest(c *gin.Context, id string) {
	ar, ok := u.loadAuthRequest(c, id)
	if !ok {
		return
	}
	if u.registration != nil && hasPrompt(ar, promptCreate) && c.Query(signInParam) == "" {
		redirect(c, registerURL(ar.ID)) // prompt=create: the registration page (register.go)
		return
	}
	si, ok := u.currentSession(c)
	if !ok {
		return
	}
	if si != nil && u.maxAgeStepUp(c, ar, si) {
		return // only the second factor is asked again (mfa_signin.go)
	}
	if si != nil && u.allowsSSO(ar, si.session) {
		u.proceed(c, ar, si)
		return
	}
	if hasPrompt(ar, promptNone) {
		u.redirectError(c, ar, oauthLoginRequired)
		return
	}
	u.renderLogin(c, http.StatusOK, loginForm{AuthRequestID: ar.ID, ClientName: clientName(ar), Login: ar.LoginHint})
}

// allowsSSO reports whether the session may answer ar without asking for
// credentials: the request does not force a sign-in (prompt=login,
// prompt=select_account, max_age=0) and the session's sign-in is within
// max_age.
func (u *UI) allowsSSO(ar AuthRequestView, s storage.BrowserSession) bool {
	return !forcesLogin(ar) && u.withinMaxAge(ar, s.FactorTime(), 0)
}

// satisfiedBy reports whether a session may finish ar on a page after the
// sign-in form (consent): a forced sign-in must have happened after the
// request was made, and max_age must hold, both within clockSlack.
func (u *UI) satisfiedBy(ar AuthRequestView, s storage.BrowserSession) bool {
	if forcesLogin(ar) && s.AuthTime.Before(ar.CreatedAt.Add(-clockSlack)) {
		return false
	}
	return u.withinMaxAge(ar, s.FactorTime(), clockSlack)
}

// forcesLogin reports whether ar demands fresh credentials. A max_age of
// zero (or, defensively, below) means the same as prompt=login.
func forcesLogin(ar AuthRequestView) bool {
	return hasPrompt(ar, promptLogin) || hasPrompt(ar, promptSelectAccount) ||
		(ar.MaxAge != nil && *ar.MaxAge <= 0)
}

// withinMaxAge reports whether a sign-in at authTime is recent enough for
// ar's max_age, allowing slack.
func (u *UI) withinMaxAge(ar AuthRequestView, authTime time.Time, slack time.Duration) bool {
	if ar.MaxAge == nil || *ar.MaxAge <= 0 {
		return true
	}
	limit := time.Duration(*ar.MaxAge)*time.Second + slack
	return u.now().Sub(authTime) <= limit
}

// hasPrompt reports whether ar's prompt includes value.
func hasPrompt(ar AuthRequestView, value string) bool {
	for _, p := range ar.Prompt {
		if slices.Contains(strings.Fields(p), value) {
			return true
		}
	}
	return false
}

// proceed takes a signed-in browser on from the sign-in step: to the
// consent page when the client needs consent the user has not given, else
// back to the provider with the request completed.
func (u *UI) proceed(c *gin.Context, ar AuthRequestView, si *signedIn) {
	if si.user.PasswordChangeRequired {
		// A temporary password: a new password comes before anything
		// else, the application's code included.
		redirect(c, changePasswordURL(ar.ID))
		return
	}
	if !u.mfaGate(c, ar, si) {
		return // step-up or enrolment first (mfa_signin.go)
	}
	need, err := u.needsConsent(c, ar, si.user.ID)
	if err != nil {
		u.fail(c, "check consent", err)
		return
	}
	if !need {
		u.completeGated(c, ar, si) // the gate above has passed
		return
	}
	if hasPrompt(ar, promptNone) {
		u.redirectError(c, ar, oauthConsentRequired)
		return
	}
	redirect(c, consentURL(ar.ID))
}

// needsConsent reports whether the user must be asked: never for a
// first-party client, always with prompt=consent, otherwise unless a
// remembered consent covers every requested scope.
func (u *UI) needsConsent(c *gin.Context, ar AuthRequestView, userID string) (bool, error) {
	if ar.FirstParty {
		return false, nil
	}
	if hasPrompt(ar, promptConsent) {
		return true, nil
	}
	has, err := u.consents.Has(c.Request.Context(), userID, ar.ClientID, ar.Scopes)
	if err != nil {
		return false, fmt.Errorf("read consent of %s for %s: %w", userID, ar.ClientID, err)
	}
	return !has, nil
}

// complete marks ar done for the session's user, with the time the user
// last presented credentials, and sends the browser on with the code (to
// the application, or to the provider's callback for a form_post
// response).
func (u *UI) complete(c *gin.Context, ar AuthRequestView, si *signedIn) {
	if si.user.PasswordChangeRequired {
		redirect(c, changePasswordURL(ar.ID))
		return
	}
	if !u.mfaGate(c, ar, si) {
		return // step-up or enrolment first (mfa_signin.go)
	}
	u.completeGated(c, ar, si)
}

// completeGated is complete for a request whose password and second-factor
// gates this same request has just passed (proceed), so that they are not
// read twice.
func (u *UI) completeGated(c *gin.Context, ar AuthRequestView, si *signedIn) {
	ctx := c.Request.Context()
	s := si.session
	next, err := u.authRequests.Complete(ctx, ar.ID, si.user.ID, s.ID, s.FactorTime(), s.AMR)
	if errors.Is(err, storage.ErrNotFound) {
		u.renderInvalidRequest(c)
		return
	}
	if errors.Is(err, ErrScopeNotAllowed) {
		u.redirectError(c, ar, oauthInvalidScope)
		return
	}
	if errors.Is(err, ErrNoAccess) {
		u.renderNoAccess(c, ar) // no_access.go
		return
	}
	if err != nil {
		u.fail(c, "complete authorization request", err)
		return
	}
	u.rememberApp(c, ar.ClientID)
	redirect(c, next)
}

// redirectError sends the browser back to the client with an OAuth error.
func (u *UI) redirectError(c *gin.Context, ar AuthRequestView, oauthError string) {
	location, err := u.authRequests.ErrorURL(c.Request.Context(), ar.ID, oauthError)
	if errors.Is(err, storage.ErrNotFound) {
		u.renderInvalidRequest(c)
		return
	}
	if err != nil {
		u.fail(c, "build error redirect", err)
		return
	}
	redirect(c, location)
}
