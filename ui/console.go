package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// The account console (issue 14): personal API tokens, sessions, connected
// apps, activity, export and deletion, behind one navigation
// (_account_nav.html) shared by every /account page.

// Console is what the account console needs from the account rules
// (*account.Registrar provides it).
type Console interface {
	ConsoleSettings(ctx context.Context) (account.ConsoleSettings, error)
	CreatePersonalToken(ctx context.Context, userID string, in account.NewToken, ip string) (string, storage.PersonalToken, error)
	PersonalTokens(ctx context.Context, userID string) ([]storage.PersonalToken, error)
	RevokePersonalToken(ctx context.Context, userID, tokenID, actorID, ip string) error
	OwnSessions(ctx context.Context, userID string) ([]storage.BrowserSession, error)
	EndOwnSession(ctx context.Context, userID, sessionID, ip string) error
	EndOtherOwnSessions(ctx context.Context, userID, keepID, ip string) (int64, error)
	ConnectedApps(ctx context.Context, userID string) ([]account.ConnectedApp, error)
	RemoveAppAccess(ctx context.Context, userID, clientID, ip string) error
	Activity(ctx context.Context, userID, cursor string, limit int) (storage.Page[storage.AuditEvent], error)
	ExportAccount(ctx context.Context, userID, ip string) (account.AccountExport, error)
	DeleteOwnAccount(ctx context.Context, userID, confirmLogin string) error
	NoteSignIn(ctx context.Context, userID, deviceSecret, userAgent, ip string) (string, error)
}

// Paths of the console.
const (
	accountPrefix      = "/account"
	tokensPath         = account.PathTokens
	sessionsPath       = account.PathSessions
	appsPath           = "/account/apps"
	activityPath       = "/account/activity"
	exportPath         = "/account/export"
	deletePath         = "/account/delete"
	reauthPath         = "/account/reauth"
	consoleConfirm     = "account_confirm"
	consoleNoticeParam = "notice"
	// DeviceCookie remembers a browser across sign-ins, for "new sign-in"
	// letters; the database keeps only its SHA-256.
	DeviceCookie    = "gatehouse_device"
	deviceCookieAge = 400 * 24 * 60 * 60
)

// consoleRoutes adds the console's pages.
func (u *UI) consoleRoutes(r gin.IRouter) {
	r.GET(tokensPath, u.tokensPage)
	r.POST(tokensPath, u.tokensCreate)
	r.POST(tokensPath+"/:id/revoke", u.tokenRevoke)
	r.GET(sessionsPath, u.sessionsPage)
	r.POST(sessionsPath+"/end-others", u.sessionsEndOthers)
	r.POST(sessionsPath+"/:id/end", u.sessionEnd)
	r.GET(appsPath, u.appsPage)
	r.POST(appsPath+"/:id/remove", u.appRemove)
	r.GET(activityPath, u.activityPage)
	r.GET(exportPath, u.exportAccount)
	r.GET(deletePath, u.deletePage)
	r.POST(deletePath, u.deleteSubmit)
	r.GET(reauthPath, u.reauthPage)
	r.POST(reauthPath, u.reauthSubmit)
}

// RefuseBearerTokens answers 401 to requests for /account pages that
// carry an Authorization header: the account pages work with the browser
// session only, so a personal (or any other) API token can never open
// them, change the password, MFA or email, or mint tokens.
func (u *UI) RefuseBearerTokens() gin.HandlerFunc {
	return func(c *gin.Context) {
		p := c.Request.URL.Path
		if (p == accountPrefix || strings.HasPrefix(p, accountPrefix+"/")) && c.GetHeader("Authorization") != "" {
			c.Header("WWW-Authenticate", `Bearer error="invalid_token", error_description="account pages take no API tokens"`)
			u.RenderError(c, http.StatusUnauthorized)
			c.Abort()
			return
		}
		c.Next()
	}
}

// consoleUser is accountUser for the console pages.
func (u *UI) consoleUser(c *gin.Context, returnTo string) (*signedIn, bool) {
	if u.console == nil {
		u.RenderError(c, http.StatusNotFound)
		return nil, false
	}
	return u.accountUser(c, returnTo)
}

// recentlyAuthenticated reports whether the session's user entered their
// credentials within account.ReauthWindow.
func (u *UI) recentlyAuthenticated(si *signedIn) bool {
	return u.now().Sub(si.session.AuthTime) <= account.ReauthWindow
}

// reauthURL is the confirm-your-password page returning to returnTo.
func reauthURL(returnTo string) string {
	return reauthPath + "?" + url.Values{returnToParam: {returnTo}}.Encode()
}

// consoleTime writes a time for the console pages, in UTC.
func consoleTime(t time.Time) string { return formatTime(t) }

// consoleNotice is the translated notice of ?notice= among keys.
func (u *UI) consoleNotice(c *gin.Context, keys map[string]string) string {
	key, ok := keys[c.Query(consoleNoticeParam)]
	if !ok {
		return ""
	}
	return u.bundle.T(u.lang(c), key)
}

// consoleConfirmData is the .Data of the console's confirmation step.
type consoleConfirmData struct {
	Nav     string
	Heading string
	Message string
	Button  string
	Action  string
	Cancel  string
}

// confirmStep shows the confirmation page of a destructive action unless
// the form carries confirm=1, and reports whether to go on.
func (u *UI) confirmStep(c *gin.Context, d consoleConfirmData) bool {
	if c.Request.PostForm.Get("confirm") == "1" {
		return true
	}
	u.Render(c, http.StatusOK, consoleConfirm, d)
	return false
}

// rememberDevice notes the browser the user just signed in with (its
// device cookie) for "new sign-in" letters. A failure is logged: the
// sign-in stands.
func (u *UI) rememberDevice(c *gin.Context, user storage.User) {
	if u.console == nil {
		return
	}
	secret, err := u.console.NoteSignIn(c.Request.Context(), user.ID, cookieValue(c, u.cookieName(DeviceCookie)),
		truncateUTF8(c.Request.UserAgent(), maxUserAgent), c.ClientIP())
	if err != nil {
		u.log.WarnContext(c.Request.Context(), "note the sign-in's browser", u.logAttrs(c, err)...)
		return
	}
	http.SetCookie(c.Writer, u.newCookie(DeviceCookie, secret, deviceCookieAge))
}

// WithRequestUserAgent puts the request's User-Agent into its context, so
// that audit events name the browser (account.WithUserAgent).
func WithRequestUserAgent() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request = c.Request.WithContext(account.WithUserAgent(c.Request.Context(), c.Request.UserAgent()))
		c.Next()
	}
}

// consoleMessageKeys lists the catalog keys the console builds in Go.
func consoleMessageKeys() []string {
	keys := []string{reauthWrongKey, deleteDisabledKey, deleteConfirmKey, deleteAdminKey}
	for _, m := range []map[string]string{tokenNotices, sessionNotices, appNotices} {
		for _, k := range m {
			keys = append(keys, k)
		}
	}
	keys = append(keys, tokenFieldKeys()...)
	keys = append(keys, activityKeys()...)
	return append(keys, confirmKeys()...)
}
