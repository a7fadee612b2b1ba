package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/useragent"
)

// The session list (/account/sessions) and connected applications
// (/account/apps).

const (
	sessionsTemplate = "account_sessions"
	appsTemplate     = "account_apps"
)

var (
	sessionNotices = map[string]string{"ended": "sessions.notice.ended", "ended_others": "sessions.notice.ended_others"}
	appNotices     = map[string]string{"removed": "apps.notice.removed"}
)

// confirmKeys are the messages of the console's confirmation steps.
func confirmKeys() []string {
	return []string{"sessions.end.heading", "sessions.end.message", "sessions.end.button",
		"sessions.end_others.heading", "sessions.end_others.message", "sessions.end_others.button",
		"apps.remove.heading", "apps.remove.message", "apps.remove.button",
		"tokens.revoke.heading", "tokens.revoke.message", "tokens.revoke.button", "sessions.unknown_browser"}
}

// sessionView is one session in the list.
type sessionView struct {
	ID, Browser, IP, Started, LastActive string
	Current                              bool
}

// sessionsPage serves GET /account/sessions.
func (u *UI) sessionsPage(c *gin.Context) {
	si, ok := u.consoleUser(c, sessionsPath)
	if !ok {
		return
	}
	list, err := u.console.OwnSessions(c.Request.Context(), si.user.ID)
	if err != nil {
		u.fail(c, "list sessions", err)
		return
	}
	lang := u.lang(c)
	d := struct {
		Sessions []sessionView
		Others   bool
		Notice   string
	}{Notice: u.consoleNotice(c, sessionNotices)}
	for _, bs := range list {
		browser := useragent.Parse(bs.UserAgent).String()
		if browser == "" {
			browser = u.bundle.T(lang, "sessions.unknown_browser")
		}
		v := sessionView{ID: bs.ID, Browser: browser, IP: bs.IP, Started: consoleTime(bs.CreatedAt),
			LastActive: consoleTime(bs.LastSeenAt), Current: bs.ID == si.session.ID}
		if v.Current {
			d.Sessions = append([]sessionView{v}, d.Sessions...)
			continue
		}
		d.Others = true
		d.Sessions = append(d.Sessions, v)
	}
	u.Render(c, http.StatusOK, sessionsTemplate, d)
}

// sessionEnd serves POST /account/sessions/{id}/end: that browser is
// signed out at once (its session row is gone, and the tokens issued in
// it are revoked).
func (u *UI) sessionEnd(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.consoleUser(c, sessionsPath)
	if !ok {
		return
	}
	id, lang := boundedID(c.Param("id")), u.lang(c)
	if !u.confirmStep(c, consoleConfirmData{Nav: "sessions", Heading: u.bundle.T(lang, "sessions.end.heading"),
		Message: u.bundle.T(lang, "sessions.end.message"), Button: u.bundle.T(lang, "sessions.end.button"),
		Action: sessionsPath + "/" + id + "/end", Cancel: sessionsPath}) {
		return
	}
	err := u.console.EndOwnSession(c.Request.Context(), si.user.ID, id, c.ClientIP())
	if errors.Is(err, account.ErrNoSession) {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(c, "end session", err)
		return
	}
	if id == si.session.ID {
		u.clearSessionCookie(c)
		redirect(c, loginPath)
		return
	}
	redirect(c, sessionsPath+"?"+consoleNoticeParam+"=ended")
}

// sessionsEndOthers serves POST /account/sessions/end-others.
func (u *UI) sessionsEndOthers(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.consoleUser(c, sessionsPath)
	if !ok {
		return
	}
	lang := u.lang(c)
	if !u.confirmStep(c, consoleConfirmData{Nav: "sessions", Heading: u.bundle.T(lang, "sessions.end_others.heading"),
		Message: u.bundle.T(lang, "sessions.end_others.message"), Button: u.bundle.T(lang, "sessions.end_others.button"),
		Action: sessionsPath + "/end-others", Cancel: sessionsPath}) {
		return
	}
	if _, err := u.console.EndOtherOwnSessions(c.Request.Context(), si.user.ID, si.session.ID, c.ClientIP()); err != nil {
		u.fail(c, "end other sessions", err)
		return
	}
	redirect(c, sessionsPath+"?"+consoleNoticeParam+"=ended_others")
}

// appView is one connected application.
type appView struct {
	ClientID, Name, Scopes, Consented, LastIssued string
	RefreshTokens                                 int
}

// appsPage serves GET /account/apps.
func (u *UI) appsPage(c *gin.Context) {
	si, ok := u.consoleUser(c, appsPath)
	if !ok {
		return
	}
	apps, err := u.console.ConnectedApps(c.Request.Context(), si.user.ID)
	if err != nil {
		u.fail(c, "list connected apps", err)
		return
	}
	d := struct {
		Apps   []appView
		Notice string
	}{Notice: u.consoleNotice(c, appNotices)}
	for _, a := range apps {
		d.Apps = append(d.Apps, appView{ClientID: a.ClientID, Name: a.Name, Scopes: strings.Join(a.Scopes, " "),
			Consented: consoleTime(a.GrantedAt), LastIssued: consoleTime(a.LastIssued), RefreshTokens: a.RefreshTokens})
	}
	u.Render(c, http.StatusOK, appsTemplate, d)
}

// appRemove serves POST /account/apps/{client_id}/remove: the consent goes
// and the application's tokens for this user are revoked.
func (u *UI) appRemove(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.consoleUser(c, appsPath)
	if !ok {
		return
	}
	id, lang := boundedID(c.Param("id")), u.lang(c)
	if !u.confirmStep(c, consoleConfirmData{Nav: "apps", Heading: u.bundle.T(lang, "apps.remove.heading"),
		Message: u.bundle.T(lang, "apps.remove.message"), Button: u.bundle.T(lang, "apps.remove.button"),
		Action: appsPath + "/" + id + "/remove", Cancel: appsPath}) {
		return
	}
	err := u.console.RemoveAppAccess(c.Request.Context(), si.user.ID, id, c.ClientIP())
	if errors.Is(err, account.ErrNoAccess) {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(c, "remove app access", err)
		return
	}
	redirect(c, appsPath+"?"+consoleNoticeParam+"=removed")
}
