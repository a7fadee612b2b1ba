package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/useragent"
	"github.com/gatehouse/gatehouse/storage"
)

// The console's user pages.
const (
	adminUsersPath     = adminPath + "/users"
	adminUsersTemplate = "admin_users"
	adminUserTemplate  = "admin_user"
	adminUserEvents    = 20 // recent audit events on the detail page
)

// AdminUsers is the account rules the user pages need
// (*account.Registrar, plus the user counts).
type AdminUsers interface {
	// CountUsers counts users per state; states without users are absent.
	CountUsers(ctx context.Context) (map[storage.UserState]int, error)
	User(ctx context.Context, id string) (storage.User, error)
	ListUsers(ctx context.Context, f storage.UserFilter) (storage.Page[storage.User], error)
	Identities(ctx context.Context, userID string) ([]storage.Identity, error)
	UserSessions(ctx context.Context, id string) ([]storage.BrowserSession, error)
	Approve(ctx context.Context, id, actorID string) (storage.User, error)
	Reject(ctx context.Context, id, actorID, reason string) (storage.User, error)
	Block(ctx context.Context, id, actorID string) (storage.User, error)
	Unblock(ctx context.Context, id, actorID string) (storage.User, error)
	SendPasswordReset(ctx context.Context, id, actorID string) error
	// AdminResendVerification sends a new confirmation link to a user
	// whose address is unconfirmed (pending_verification).
	AdminResendVerification(ctx context.Context, id, actorID string) error
	// AdminUnlinkIdentity removes one linked identity of the user (even
	// the last way to sign in); another user's is storage.ErrNotFound.
	AdminUnlinkIdentity(ctx context.Context, id, identityID, actorID string) error
	EndUserSessions(ctx context.Context, id, actorID string) error
	DeleteUser(ctx context.Context, id, actorID string) error
	// UserMFA reports whether the user has two-step verification on;
	// ResetMFA turns it off (audited, with a letter to the user).
	UserMFA(ctx context.Context, id string) (bool, error)
	ResetMFA(ctx context.Context, id, actorID string) error
	// PersonalTokens lists the user's personal API tokens (metadata);
	// RevokePersonalToken revokes one (another user's is
	// storage.ErrNotFound).
	PersonalTokens(ctx context.Context, userID string) ([]storage.PersonalToken, error)
	RevokePersonalToken(ctx context.Context, userID, tokenID, actorID, ip string) error
}

func (u *UI) adminUserRoutes(g gin.IRouter) {
	g.GET("/users", u.adminUsersPage)
	g.GET("/users/:id", u.adminUserPage)
	g.GET("/users/:id/edit", u.adminUserEditPage) // admin_user_edit.go
	g.POST("/users/:id/:action", u.adminUserAction)
}

// userRow is one user in a list.
type userRow struct {
	ID, Email, Username, Name, State, StateLabel, Created string
}

// adminUsersData is the .Data of the users list.
type adminUsersData struct {
	adminNav
	Query  string
	State  string
	States []stateCount // the filter's options (Count unused)
	Users  []userRow
	Next   string // the next page's URL; empty on the last page
}

// adminUsersPage serves GET /admin/users?q=&state=&cursor=.
func (u *UI) adminUsersPage(c *gin.Context) {
	lang := u.lang(c)
	notice := u.adminNotice(c, map[string]string{"deleted": "admin.users.notice.deleted"})
	d := adminUsersData{adminNav: adminNav{Nav: "users", Notice: notice}, Query: adminQuery(c, "q"), State: c.Query("state")}
	f := storage.UserFilter{Query: d.Query, Cursor: adminQuery(c, adminCursorParam), Limit: adminPageSize}
	if s := storage.UserState(d.State); s.Valid() {
		f.State = s
	} else {
		d.State = ""
	}
	page, err := u.admin.ListUsers(c.Request.Context(), f)
	if err != nil {
		u.fail(c, "list users", err)
		return
	}
	for _, s := range storage.UserStates() {
		d.States = append(d.States, stateCount{State: string(s), Label: u.stateLabel(lang, s)})
	}
	for _, usr := range page.Items {
		d.Users = append(d.Users, u.userRow(lang, usr))
	}
	d.Next = nextPageURL(adminUsersPath, url.Values{"q": {d.Query}, "state": {d.State}}, page.Next)
	u.Render(c, http.StatusOK, adminUsersTemplate, d)
}

func (u *UI) userRow(lang string, usr storage.User) userRow {
	return userRow{ID: usr.ID, Email: usr.Email, Username: usr.Username, Name: joinName(usr),
		State: string(usr.State), StateLabel: u.stateLabel(lang, usr.State), Created: formatTime(usr.CreatedAt)}
}

func joinName(usr storage.User) string {
	switch {
	case usr.GivenName == "":
		return usr.FamilyName
	case usr.FamilyName == "":
		return usr.GivenName
	}
	return usr.GivenName + " " + usr.FamilyName
}

// adminUserData is the .Data of a user's page.
type adminUserData struct {
	adminNav
	User       storage.User
	Row        userRow
	Role       string
	Identities []identityView
	Sessions   []sessionRow
	Tokens     []tokenRow
	Events     []auditRow
	MFA        bool // two-step verification is on
	// PasskeysOn: the console manages passkeys (AdminPasskeys); Passkeys
	// are the user's.
	PasskeysOn bool
	Passkeys   []passkeyRow
	// Actions lists the actions the user's state allows, in order.
	Actions []userActionView
	// Groups are the user's groups; ShowGroups when the console manages
	// groups (admin_groups.go).
	Groups     []storage.Group
	ShowGroups bool
	// Editable: the console edits users (admin_user_edit.go).
	Editable bool
	// CountryName and LanguageName name the profile's codes.
	CountryName, LanguageName string
}

// sessionRow is one browser session of the user: Browser is the parsed
// user agent ("Firefox on Linux"), UserAgent the header as sent.
type sessionRow struct {
	Created, LastSeen, Expires, IP, Browser, UserAgent string
}

// userActionView is one action button of the user's page.
type userActionView struct {
	Name   string // the path segment: /admin/users/{id}/{Name}
	Label  string // translated
	Danger bool
}

// adminUserNotices are the messages of ?notice= on a user's page.
var adminUserNotices = map[string]string{
	"approved": "admin.user.notice.approved", "rejected": "admin.user.notice.rejected",
	"blocked": "admin.user.notice.blocked", "unblocked": "admin.user.notice.unblocked",
	"reset": "admin.user.notice.reset", "sessions_ended": "admin.user.notice.sessions_ended",
	"verification_sent": "admin.user.notice.verification_sent",
	"mfa_reset":         "admin.user.notice.mfa_reset",
	"identity_unlinked": "admin.user.notice.identity_unlinked",
	"token_revoked":     "admin.user.notice.token_revoked",
	"passkey_removed":   "admin.user.notice.passkey_removed",
	"edited":            "console2.user.notice.edited",
}

// adminUserPage serves GET /admin/users/{id}.
func (u *UI) adminUserPage(c *gin.Context) {
	d := adminUserData{adminNav: adminNav{Nav: "users", Notice: u.adminNotice(c, adminUserNotices)}}
	u.renderUser(c, http.StatusOK, c.Param("id"), d)
}

// renderUser fills d with the user's state, profile, identities, sessions
// and recent events, and renders the page (404 for an unknown user).
func (u *UI) renderUser(c *gin.Context, status int, id string, d adminUserData) {
	ctx, lang := c.Request.Context(), u.lang(c)
	usr, err := u.admin.User(ctx, boundedID(id))
	if errors.Is(err, storage.ErrNotFound) {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(c, "read user", err)
		return
	}
	d.User, d.Row, d.Role = usr, u.userRow(lang, usr), string(usr.Role)
	d.CountryName, d.LanguageName = countryName(lang, usr.Country), u.languageName(usr.Locale)
	_, d.Editable = u.admin.(AdminUserEditor)
	if err := u.fillUserDetails(ctx, lang, &d); err != nil {
		u.fail(c, "read user details", err)
		return
	}
	if u.adminAccess != nil {
		if d.Groups, err = u.adminAccess.UserGroups(ctx, usr.ID); err != nil {
			u.fail(c, "read user's groups", err)
			return
		}
		d.ShowGroups = true
	}
	for _, a := range userActions {
		if a.name == mfaResetAction && !d.MFA {
			continue // nothing to turn off
		}
		if slices.Contains(a.states, usr.State) && a.field == "" {
			d.Actions = append(d.Actions, userActionView{Name: a.name, Label: u.bundle.T(lang, "admin.user.action."+a.name),
				Danger: a.confirm})
		}
	}
	u.Render(c, status, adminUserTemplate, d)
}

// fillUserDetails adds the identities, sessions and recent events.
func (u *UI) fillUserDetails(ctx context.Context, lang string, d *adminUserData) error {
	ids, err := u.admin.Identities(ctx, d.User.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		d.Identities = append(d.Identities, identityView{ID: id.ID, Provider: id.Provider, Email: id.Email,
			Linked: formatTime(id.CreatedAt), LastUsed: formatTime(id.LastUsedAt)})
	}
	sessions, err := u.admin.UserSessions(ctx, d.User.ID)
	if err != nil {
		return err
	}
	for _, s := range sessions {
		d.Sessions = append(d.Sessions, sessionRow{Created: formatTime(s.CreatedAt), LastSeen: formatTime(s.LastSeenAt),
			Expires: formatTime(s.ExpiresAt), IP: s.IP, Browser: u.browserName(lang, s.UserAgent), UserAgent: truncateUTF8(s.UserAgent, 300)})
	}
	if d.MFA, err = u.admin.UserMFA(ctx, d.User.ID); err != nil {
		return err
	}
	tokens, err := u.admin.PersonalTokens(ctx, d.User.ID)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		d.Tokens = append(d.Tokens, tokenRow{ID: t.ID, Name: t.Name, Scopes: strings.Join(t.Scopes, " "),
			Created: formatTime(t.CreatedAt), Expires: formatTime(t.ExpiresAt), LastUsed: formatTime(t.LastUsedAt),
			LastUsedIP: t.LastUsedIP, Expired: !u.now().Before(t.ExpiresAt)})
	}
	if pk, ok := u.admin.(AdminPasskeys); ok {
		list, err := pk.UserPasskeys(ctx, d.User.ID)
		if err != nil {
			return err
		}
		d.PasskeysOn, d.Passkeys = true, passkeyRows(list)
	}
	events, err := u.admin.AuditEvents(ctx, storage.AuditFilter{UserID: d.User.ID, Limit: adminUserEvents})
	if err != nil {
		return err
	}
	d.Events, err = u.auditRows(ctx, lang, events.Items)
	return err
}

// browserName is the browser and system a User-Agent names, or the
// catalog's "unknown browser".
func (u *UI) browserName(lang, ua string) string {
	if name := useragent.Parse(ua).String(); name != "" {
		return name
	}
	return u.bundle.T(lang, "sessions.unknown_browser")
}

// userAction is one thing an administrator does to a user.
type userAction struct {
	name    string
	states  []storage.UserState // the states that offer it
	confirm bool                // destructive: needs the confirmation step
	notice  string              // ?notice= after it
	// field, when set, names the form field that says what the action is
	// on (a row of the page, not the whole user): the action has its own
	// buttons and keeps the field through the confirmation step.
	field string
	run   func(ctx context.Context, a AdminUsers, id, actor string, form url.Values) error
}

var (
	pendingStates = []storage.UserState{storage.UserPendingApproval}
	anyState      = storage.UserStates()
	blockable     = []storage.UserState{storage.UserPendingVerification, storage.UserPendingApproval, storage.UserActive}
)

// userActions are the actions of a user's page, in the order shown.
var userActions = []userAction{
	{name: "approve", states: pendingStates, notice: "approved", run: func(ctx context.Context, a AdminUsers, id, actor string, _ url.Values) error {
		_, err := a.Approve(ctx, id, actor)
		return err
	}},
	{name: "reject", states: pendingStates, confirm: true, notice: "rejected", run: func(ctx context.Context, a AdminUsers, id, actor string, f url.Values) error {
		_, err := a.Reject(ctx, id, actor, rejectReason(f))
		return err
	}},
	{name: "reset", states: []storage.UserState{storage.UserActive}, notice: "reset", run: func(ctx context.Context, a AdminUsers, id, actor string, _ url.Values) error {
		return a.SendPasswordReset(ctx, id, actor)
	}},
	{name: "resend-verification", states: []storage.UserState{storage.UserPendingVerification}, notice: "verification_sent", run: func(ctx context.Context, a AdminUsers, id, actor string, _ url.Values) error {
		return a.AdminResendVerification(ctx, id, actor)
	}},
	{name: "unblock", states: []storage.UserState{storage.UserBlocked}, notice: "unblocked", run: func(ctx context.Context, a AdminUsers, id, actor string, _ url.Values) error {
		_, err := a.Unblock(ctx, id, actor)
		return err
	}},
	{name: "block", states: blockable, confirm: true, notice: "blocked", run: func(ctx context.Context, a AdminUsers, id, actor string, _ url.Values) error {
		_, err := a.Block(ctx, id, actor)
		return err
	}},
	{name: "unlink-identity", states: anyState, confirm: true, notice: "identity_unlinked", field: "identity", run: func(ctx context.Context, a AdminUsers, id, actor string, f url.Values) error {
		return a.AdminUnlinkIdentity(ctx, id, boundedID(f.Get("identity")), actor)
	}},
	{name: "remove-passkey", states: anyState, confirm: true, notice: "passkey_removed", field: "passkey", run: removePasskeyAction},
	{name: mfaResetAction, states: anyState, confirm: true, notice: "mfa_reset", run: func(ctx context.Context, a AdminUsers, id, actor string, _ url.Values) error {
		err := a.ResetMFA(ctx, id, actor)
		if errors.Is(err, account.ErrMFANotEnabled) {
			return nil // already off: the page says it is
		}
		return err
	}},
	{name: "revoke-token", states: anyState, confirm: true, notice: "token_revoked", field: "token", run: func(ctx context.Context, a AdminUsers, id, actor string, f url.Values) error {
		return a.RevokePersonalToken(ctx, id, boundedID(f.Get("token")), actor, "")
	}},
	{name: "end-sessions", states: anyState, confirm: true, notice: "sessions_ended", run: func(ctx context.Context, a AdminUsers, id, actor string, _ url.Values) error {
		return a.EndUserSessions(ctx, id, actor)
	}},
	{name: "delete", states: anyState, confirm: true, notice: "deleted", run: func(ctx context.Context, a AdminUsers, id, actor string, _ url.Values) error {
		return a.DeleteUser(ctx, id, actor)
	}},
}

// AdminPasskeys is what the console needs to list and remove a user's
// passkeys; an Admin that also provides it gets the passkeys section.
type AdminPasskeys interface {
	UserPasskeys(ctx context.Context, id string) ([]storage.Passkey, error)
	// RemovePasskey removes one (audited with the actor, mailed);
	// account.ErrLastSignInMethod for the last way to sign in.
	RemovePasskey(ctx context.Context, id, passkeyID, actorID string) error
}

// removePasskeyAction removes the passkey named in the form; the last way
// to sign in of a user without a password stays (a conflict).
func removePasskeyAction(ctx context.Context, a AdminUsers, id, actor string, f url.Values) error {
	pk, ok := a.(AdminPasskeys)
	if !ok {
		return storage.ErrNotFound
	}
	err := pk.RemovePasskey(ctx, id, boundedID(f.Get("passkey")), actor)
	if errors.Is(err, account.ErrLastSignInMethod) {
		return fmt.Errorf("%w: %w", storage.ErrConflict, err)
	}
	return err
}

// mfaResetAction turns off a user's two-step verification.
const mfaResetAction = "mfa-reset"

// rejectReason is the optional reason of a rejection, with the CR LF of
// a textarea folded to LF.
func rejectReason(f url.Values) string {
	return normalizeNewlines(truncateUTF8(f.Get("reason"), 4*maxKeptValue))
}

// adminUserAction serves POST /admin/users/{id}/{action}: destructive
// actions first show the confirmation page.
func (u *UI) adminUserAction(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	if c.Param("action") == "edit" {
		u.adminUserEditSubmit(c)
		return
	}
	i := slices.IndexFunc(userActions, func(a userAction) bool { return a.name == c.Param("action") })
	if i < 0 {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	a, id := userActions[i], boundedID(c.Param("id"))
	if a.confirm && !confirmed(c) {
		u.confirmUserAction(c, http.StatusOK, a, id, "")
		return
	}
	err := a.run(c.Request.Context(), u.admin, id, adminActor(c), c.Request.PostForm)
	switch {
	case err == nil && a.name == "delete":
		redirect(c, noticeURL(adminUsersPath, "deleted"))
	case err == nil:
		redirect(c, noticeURL(adminUsersPath+"/"+url.PathEscape(id), a.notice))
	case errors.Is(err, storage.ErrNotFound):
		u.RenderError(c, http.StatusNotFound)
	case errors.Is(err, account.ErrSelfAction):
		alert := u.bundle.T(u.lang(c), adminSelfActionKey)
		u.renderUser(c, http.StatusConflict, id, adminUserData{adminNav: adminNav{Nav: "users", Alert: alert}})
	case errors.Is(err, account.ErrStateConflict), errors.Is(err, storage.ErrConflict):
		alert := u.bundle.T(u.lang(c), adminConflictKey)
		u.renderUser(c, http.StatusConflict, id, adminUserData{adminNav: adminNav{Nav: "users", Alert: alert}})
	case errors.Is(err, account.ErrInvalid):
		u.confirmUserAction(c, http.StatusUnprocessableEntity, a, id, u.bundle.T(u.lang(c), "admin.reject.reason_error"))
	default:
		u.fail(c, "admin user action "+a.name, err)
	}
}

// confirmUserAction shows the confirmation page of a on the user id.
func (u *UI) confirmUserAction(c *gin.Context, status int, a userAction, id, reasonErr string) {
	usr, err := u.admin.User(c.Request.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(c, "read user", err)
		return
	}
	lang, who := u.lang(c), usr.Email
	base := "admin.confirm." + a.name
	d := adminConfirmData{
		adminNav: adminNav{Nav: "users"},
		Heading:  u.bundle.T(lang, base+".heading"), Message: u.bundle.T(lang, base+".message", "user", who),
		Button: u.bundle.T(lang, base+".button"), Action: adminUsersPath + "/" + url.PathEscape(id) + "/" + a.name,
		Cancel: adminUsersPath + "/" + url.PathEscape(id), Reason: a.name == "reject",
		ReasonValue: rejectReason(c.Request.PostForm), ReasonError: reasonErr,
	}
	if a.field != "" {
		d.Hidden = append(d.Hidden, hiddenField{Name: a.field, Value: boundedID(c.Request.PostForm.Get(a.field))})
	}
	u.Render(c, status, adminConfirmPage, d)
}

// adminUserMessageKeys lists the keys the user pages build in Go.
func adminUserMessageKeys() []string {
	keys := append([]string{"admin.reject.reason_error", "admin.users.notice.deleted"}, userEditMessageKeys()...)
	for _, k := range adminUserNotices {
		keys = append(keys, k)
	}
	for _, a := range userActions {
		keys = append(keys, "admin.user.action."+a.name)
		if a.confirm {
			base := "admin.confirm." + a.name
			keys = append(keys, base+".heading", base+".message", base+".button")
		}
	}
	return keys
}
