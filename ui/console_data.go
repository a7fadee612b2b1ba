package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
)

// The activity page (/account/activity), the export (/account/export) and
// deletion (/account/delete).

const (
	activityTemplate  = "account_activity"
	deleteTemplate    = "account_delete"
	deletedTemplate   = "account_deleted"
	activityPageSize  = 25
	deleteDisabledKey = "delete.disabled"
	deleteConfirmKey  = "delete.error.confirm"
	deleteAdminKey    = "delete.admin"
)

// activityTypes are the events with a label of their own
// ("activity.type.<type with _ for .>"); others show their type.
var activityTypes = []string{
	account.EventSignInSuccess, account.EventSignInFailure, account.EventNewDevice, account.EventUserLoginFederated,
	account.EventPasswordChanged, account.EventResetRequested, account.EventResetCompleted, account.EventTemporaryPassword,
	account.EventEmailChangeRequested, account.EventEmailChanged, account.EventProfileUpdated,
	account.EventIdentityLinked, account.EventIdentityUnlinked,
	account.EventTokenCreated, account.EventTokenRevoked, account.EventAdminTokenRevoked,
	account.EventSessionEnded, account.EventSessionsEndedOther, account.EventAppAccessRemoved, account.EventAccountExported,
	account.EventRegistrationSubmitted, account.EventRegistrationConfirmed, account.EventRegistrationActivated,
	account.EventAdminUserBlock, account.EventAdminUserUnblock, account.EventAdminSessionsEnded, account.EventResetByAdmin,
}

func activityKey(typ string) string { return "activity.type." + strings.ReplaceAll(typ, ".", "_") }

// activityKeys are the catalog keys of activityTypes.
func activityKeys() []string {
	keys := make([]string, 0, len(activityTypes))
	for _, t := range activityTypes {
		keys = append(keys, activityKey(t))
	}
	return keys
}

// activityRow is one event.
type activityRow struct {
	Time, Label, IP, Browser, Detail string
}

// activityPage serves GET /account/activity: the user's own events,
// newest first, in pages (?cursor=).
func (u *UI) activityPage(c *gin.Context) {
	si, ok := u.consoleUser(c, activityPath)
	if !ok {
		return
	}
	cursor := c.Query("cursor")
	if len(cursor) > 256 {
		cursor = ""
	}
	page, err := u.console.Activity(c.Request.Context(), si.user.ID, cursor, activityPageSize)
	if err != nil {
		u.RenderError(c, http.StatusBadRequest)
		return
	}
	lang := u.lang(c)
	d := struct {
		Events []activityRow
		Next   string
		First  bool
	}{First: cursor == ""}
	for _, e := range page.Items {
		label := e.Type
		if msg, ok := u.bundle.Message(lang, activityKey(e.Type)); ok {
			label = msg
		}
		row := activityRow{Time: consoleTime(e.Time), Label: label, IP: e.IP, Browser: e.Details["browser"]}
		for _, k := range []string{"name", "client_id", "provider", "reason"} {
			if v := e.Details[k]; v != "" {
				row.Detail = v
				break
			}
		}
		d.Events = append(d.Events, row)
	}
	if page.Next != "" {
		d.Next = activityPath + "?cursor=" + url.QueryEscape(page.Next)
	}
	u.Render(c, http.StatusOK, activityTemplate, d)
}

// exportAccount serves GET /account/export: a JSON download of the
// user's data (never a secret or hash), after a recent sign-in.
func (u *UI) exportAccount(c *gin.Context) {
	si, ok := u.consoleUser(c, exportPath)
	if !ok {
		return
	}
	if !u.recentlyAuthenticated(si) {
		redirect(c, reauthURL(exportPath))
		return
	}
	ex, err := u.console.ExportAccount(c.Request.Context(), si.user.ID, c.ClientIP())
	if err != nil {
		u.fail(c, "export account", err)
		return
	}
	body, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		u.fail(c, "encode export", err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="account-`+u.now().UTC().Format("2006-01-02")+`.json"`)
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// deleteData is the .Data of the deletion page.
type deleteData struct {
	Disabled     bool
	NeedsAuth    bool
	Login        string // what the user must type
	ConfirmValue string
	Error        string
}

// HasErrors reports whether the form shows an error.
func (d deleteData) HasErrors() bool { return d.Error != "" }

// deletePage serves GET /account/delete.
func (u *UI) deletePage(c *gin.Context) {
	si, ok := u.consoleUser(c, deletePath)
	if !ok {
		return
	}
	u.renderDelete(c, http.StatusOK, si, deleteData{})
}

func (u *UI) renderDelete(c *gin.Context, status int, si *signedIn, d deleteData) {
	cs, err := u.console.ConsoleSettings(c.Request.Context())
	if err != nil {
		u.fail(c, "read console settings", err)
		return
	}
	d.Disabled, d.NeedsAuth = !cs.SelfDelete, !u.recentlyAuthenticated(si)
	d.Login = si.user.Username
	if d.Login == "" {
		d.Login = si.user.Email
	}
	if d.Disabled && status == http.StatusOK {
		status = http.StatusForbidden
	}
	u.Render(c, status, deleteTemplate, d)
}

// deleteSubmit serves POST /account/delete: with a recent sign-in and the
// login typed, the account is deleted and the browser signed out.
func (u *UI) deleteSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.consoleUser(c, deletePath)
	if !ok {
		return
	}
	typed := truncateUTF8(c.Request.PostForm.Get(account.FieldConfirmLogin), maxKeptValue)
	if !u.recentlyAuthenticated(si) {
		redirect(c, reauthURL(deletePath))
		return
	}
	err := u.console.DeleteOwnAccount(c.Request.Context(), si.user.ID, typed)
	switch {
	case errors.Is(err, account.ErrSelfDeleteDisabled):
		u.renderDelete(c, http.StatusForbidden, si, deleteData{Error: u.bundle.T(u.lang(c), deleteDisabledKey)})
		return
	case errors.Is(err, account.ErrAdminSelfDelete):
		u.renderDelete(c, http.StatusConflict, si, deleteData{ConfirmValue: typed, Error: u.bundle.T(u.lang(c), deleteAdminKey)})
		return
	case errors.Is(err, account.ErrInvalid):
		u.renderDelete(c, http.StatusUnprocessableEntity, si, deleteData{ConfirmValue: typed, Error: u.bundle.T(u.lang(c), deleteConfirmKey)})
		return
	case err != nil:
		u.fail(c, "delete account", err)
		return
	}
	u.clearSessionCookie(c)
	u.Render(c, http.StatusOK, deletedTemplate, nil)
}
