package ui

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/federation"
)

// federationTemplate is the page that explains a federation outcome.
const federationTemplate = "federation"

// noticeData is the .Data of the federation page.
type noticeData struct {
	Title    string // translated
	Message  string // translated
	LoginURL string // a link back to the sign-in page, if any
	Error    bool
}

// federationProblems maps the errors a person can understand to their
// message and status.
var federationProblems = []struct {
	err    error
	key    string
	status int
}{
	{federation.ErrInvalidFlow, "federation.error.invalid_state", http.StatusBadRequest},
	{federation.ErrDenied, "federation.error.denied", http.StatusForbidden},
	{federation.ErrUnavailable, "federation.error.unavailable", http.StatusBadGateway},
	{federation.ErrVerification, "federation.error.verification", http.StatusBadGateway},
	{account.ErrFederatedSignupRefused, "federation.error.signup_refused", http.StatusForbidden},
	{account.ErrFederatedEmailTaken, "federation.error.email_taken", http.StatusConflict},
	{account.ErrFederatedNoEmail, "federation.error.no_email", http.StatusUnprocessableEntity},
	{account.ErrIdentityTaken, "federation.error.identity_taken", http.StatusConflict},
}

// federationMessageKeys lists the catalog keys the federation code asks for.
func federationMessageKeys() []string {
	keys := []string{"federation.error.title", "federation.awaiting.title", "federation.awaiting.message", providerNamesOrKey}
	for _, p := range federationProblems {
		keys = append(keys, p.key)
	}
	return append(keys, identitiesMessageKeys()...)
}

// federationFailure renders the page for err, or the 500 page for a
// failure nobody can act on. The cause goes to the log only.
func (u *UI) federationFailure(c *gin.Context, p *federation.Provider, err error) {
	for _, prob := range federationProblems {
		if errors.Is(err, prob.err) {
			u.log.InfoContext(c.Request.Context(), "federated sign-in refused",
				slog.String("provider", p.ID()), slog.Any("error", err), slog.String("request_id", c.GetString(requestIDKey)))
			lang := u.lang(c)
			u.Render(c, prob.status, federationTemplate, noticeData{
				Title:    u.bundle.T(lang, "federation.error.title"),
				Message:  u.bundle.T(lang, prob.key, "provider", p.Name()),
				LoginURL: loginPath, Error: true,
			})
			return
		}
	}
	u.fail(c, "federated sign-in", err)
}

// finishSignIn applies a sign-in or sign-up flow's outcome.
func (u *UI) finishSignIn(c *gin.Context, p *federation.Provider, res federation.Result, err error) {
	if err != nil {
		if _, ok := signInProblems[u.classify(err).Kind]; ok {
			// Pending, blocked, rejected: the user's usual sign-in page.
			u.refuseSignIn(c, loginForm{AuthRequestID: res.Flow.AuthRequestID}, err)
			return
		}
		u.federationFailure(c, p, err)
		return
	}
	if res.Pending != nil {
		federationSignupPending(c, res.Pending)
		return
	}
	if res.Outcome.Kind == account.FederatedAwaitingApproval {
		lang := u.lang(c)
		u.Render(c, http.StatusOK, federationTemplate, noticeData{
			Title:   u.bundle.T(lang, "federation.awaiting.title"),
			Message: u.bundle.T(lang, "federation.awaiting.message"),
		})
		return
	}
	if u.beginSecondStep(c, res.Outcome.User, false, []string{amrFederated}, res.Flow.AuthRequestID, "") {
		return // two-step verification: /login/mfa (mfa_signin.go)
	}
	if _, ok := u.startSession(c, res.Outcome.User, false, []string{amrFederated}); !ok {
		return
	}
	if id := res.Flow.AuthRequestID; id != "" && u.authRequests != nil {
		u.renderContinue(c, id)
		return
	}
	redirect(c, "/")
}

// continueTemplate hands the browser on to the application.
const continueTemplate = "federation_continue"

// renderContinue ends the redirect chain that began with the upstream's
// sign-in form: browsers hold every redirect of a form submission to the
// form-action of the page that had the form (the upstream's), so the way
// on to the application starts afresh, from this page (a Refresh header,
// and a link without it).
func (u *UI) renderContinue(c *gin.Context, authRequestID string) {
	next := federationContinuePath + "?" + url.Values{authRequestParam: {authRequestID}}.Encode()
	c.Header("Refresh", "0; url="+next)
	u.Render(c, http.StatusOK, continueTemplate, struct{ URL string }{next})
}

// federationContinue serves GET /federation/continue?authRequestID=: the
// browser's fresh federated session finishes the authorization request.
func (u *UI) federationContinue(c *gin.Context) {
	ar, ok := u.loadAuthRequest(c, c.Query(authRequestParam))
	if !ok {
		return
	}
	si, ok := u.currentSession(c)
	if !ok {
		return
	}
	if si == nil || !u.satisfiedBy(ar, si.session) {
		redirect(c, loginURL(ar.ID))
		return
	}
	u.proceed(c, ar, si)
}

// finishLink applies a link flow's outcome and returns to the list.
func (u *UI) finishLink(c *gin.Context, p *federation.Provider, err error) {
	switch {
	case err == nil:
		redirect(c, identitiesPath+"?"+url.Values{"done": {"linked"}}.Encode())
	case errors.Is(err, account.ErrNoSession):
		redirect(c, loginPath+"?"+url.Values{returnToParam: {identitiesPath}}.Encode())
	default:
		u.federationFailure(c, p, err)
	}
}

// federationSignupURL is the captcha-first sign-up page.
func federationSignupURL(authRequestID string) string {
	if authRequestID == "" {
		return federationSignupPath
	}
	return federationSignupPath + "?" + url.Values{authRequestParam: {authRequestID}}.Encode()
}
