package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/storage"
)

// The console's groups and invitations (issue 16): /admin/groups (list
// and create: fields name, description), /admin/groups/{id} (members;
// add a member: field login, an email, login or user id), POST
// /admin/groups/{id}/remove (field user_id, with a confirmation step),
// POST /admin/groups/{id}/delete (confirmation step), /admin/invitations
// (list and invite: fields email, groups comma-separated), POST
// /admin/invitations/{id}/revoke (confirmation step). The user page lists
// the user's groups.

// AdminAccess is what these pages need (the server adapts the access
// service, as the management API does).
type AdminAccess interface {
	CreateGroup(ctx context.Context, actor, name, description string) (storage.Group, error)
	DeleteGroup(ctx context.Context, actor, id string) error
	Group(ctx context.Context, ref string) (storage.Group, error)
	ListGroups(ctx context.Context, cursor string, limit int) (storage.Page[storage.Group], error)
	Members(ctx context.Context, groupID, cursor string, limit int) (storage.Page[storage.User], error)
	UserGroups(ctx context.Context, userID string) ([]storage.Group, error)
	AddMember(ctx context.Context, actor, groupID, userID string) (bool, error)
	RemoveMember(ctx context.Context, actor, groupID, userID string) error
	// UserByRef finds a user by id, login or email.
	UserByRef(ctx context.Context, ref string) (storage.User, error)
	Invite(ctx context.Context, actor, email string, groups []string) (storage.Invitation, string, error)
	ListInvitations(ctx context.Context, cursor string, limit int) (storage.Page[storage.Invitation], error)
	RevokeInvitation(ctx context.Context, actor, id string) error
}

const (
	adminGroupsTemplate      = "admin_groups"
	adminGroupTemplate       = "admin_group"
	adminInvitationsTemplate = "admin_invitations"
)

var adminGroupNotices = map[string]string{
	"created": "access.groups.notice.created", "deleted": "access.groups.notice.deleted",
	"added": "access.groups.notice.added", "removed": "access.groups.notice.removed",
	"invited": "access.invitations.notice.invited", "revoked": "access.invitations.notice.revoked",
}

func (u *UI) adminAccessRoutes(g gin.IRouter) {
	if u.adminAccess == nil {
		return
	}
	g.GET("/groups", u.adminGroupsPage)
	g.POST("/groups", u.adminGroupCreate)
	g.GET("/groups/:id", u.adminGroupPage)
	g.POST("/groups/:id/add", u.adminGroupAdd)
	g.POST("/groups/:id/remove", u.adminGroupRemove)
	g.POST("/groups/:id/delete", u.adminGroupDelete)
	g.GET("/invitations", u.adminInvitationsPage)
	g.POST("/invitations", u.adminInvite)
	g.POST("/invitations/:id/revoke", u.adminInvitationRevoke)
}

// adminGroupsData is the .Data of the group list.
type adminGroupsData struct {
	adminNav
	Groups            []storage.Group
	Next              string
	Name, Description string
	Errors            map[string]string
}

func (u *UI) adminGroupsPage(c *gin.Context) {
	u.renderGroups(c, http.StatusOK, adminGroupsData{adminNav: adminNav{Nav: "groups", Notice: u.adminNotice(c, adminGroupNotices)}})
}

func (u *UI) renderGroups(c *gin.Context, status int, d adminGroupsData) {
	page, err := u.adminAccess.ListGroups(c.Request.Context(), boundedID(c.Query(adminCursorParam)), adminPageSize)
	if err != nil {
		u.fail(c, "list groups", err)
		return
	}
	d.Groups = page.Items
	if page.Next != "" {
		d.Next = "/admin/groups?" + url.Values{adminCursorParam: {page.Next}}.Encode()
	}
	u.Render(c, status, adminGroupsTemplate, d)
}

// accessFieldMessage translates an access field error.
func (u *UI) accessFieldMessage(lang string, err error) (string, string, bool) {
	var fe *access.FieldError
	switch {
	case errors.As(err, &fe):
		return fe.Field, u.bundle.T(lang, "access.error."+fe.Field), true
	case errors.Is(err, storage.ErrAlreadyExists):
		return "name", u.bundle.T(lang, "access.error.name_taken"), true
	}
	return "", "", false
}

func (u *UI) adminGroupCreate(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	name := strings.TrimSpace(truncateUTF8(form.Get("name"), maxKeptValue))
	desc := strings.TrimSpace(truncateUTF8(form.Get("description"), maxKeptValue))
	g, err := u.adminAccess.CreateGroup(c.Request.Context(), adminActor(c), name, desc)
	if field, msg, ok := u.accessFieldMessage(u.lang(c), err); ok {
		u.renderGroups(c, http.StatusUnprocessableEntity, adminGroupsData{adminNav: adminNav{Nav: "groups"},
			Name: name, Description: desc, Errors: map[string]string{field: msg}})
		return
	}
	if err != nil {
		u.fail(c, "create group", err)
		return
	}
	redirect(c, "/admin/groups/"+url.PathEscape(g.ID)+"?"+adminNoticeParam+"=created")
}

// adminGroupData is the .Data of a group's page.
type adminGroupData struct {
	adminNav
	Group   storage.Group
	Members []storage.User
	Next    string
	Login   string
	Errors  map[string]string
}

func (u *UI) adminGroupPage(c *gin.Context) {
	u.renderGroup(c, http.StatusOK, adminGroupData{adminNav: adminNav{Nav: "groups", Notice: u.adminNotice(c, adminGroupNotices)}})
}

func (u *UI) renderGroup(c *gin.Context, status int, d adminGroupData) {
	ctx := c.Request.Context()
	g, err := u.adminAccess.Group(ctx, boundedID(c.Param("id")))
	if errors.Is(err, storage.ErrNotFound) {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(c, "read group", err)
		return
	}
	page, err := u.adminAccess.Members(ctx, g.ID, boundedID(c.Query(adminCursorParam)), adminPageSize)
	if err != nil {
		u.fail(c, "list members", err)
		return
	}
	d.Group, d.Members = g, page.Items
	if page.Next != "" {
		d.Next = "/admin/groups/" + url.PathEscape(g.ID) + "?" + url.Values{adminCursorParam: {page.Next}}.Encode()
	}
	u.Render(c, status, adminGroupTemplate, d)
}

func (u *UI) adminGroupAdd(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	ctx, lang := c.Request.Context(), u.lang(c)
	login := strings.TrimSpace(truncateUTF8(c.Request.PostForm.Get("login"), maxKeptValue))
	back := "/admin/groups/" + url.PathEscape(c.Param("id"))
	if r := c.Request.PostForm.Get("return"); r == "user" {
		back = ""
	}
	usr, err := u.adminAccess.UserByRef(ctx, login)
	if errors.Is(err, storage.ErrNotFound) || login == "" {
		u.renderGroup(c, http.StatusUnprocessableEntity, adminGroupData{adminNav: adminNav{Nav: "groups"}, Login: login,
			Errors: map[string]string{"login": u.bundle.T(lang, "access.error.no_user")}})
		return
	}
	if err != nil {
		u.fail(c, "find user", err)
		return
	}
	g, err := u.adminAccess.Group(ctx, boundedID(c.Param("id")))
	if err == nil {
		_, err = u.adminAccess.AddMember(ctx, adminActor(c), g.ID, usr.ID)
	}
	if errors.Is(err, storage.ErrNotFound) {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(c, "add member", err)
		return
	}
	if back == "" {
		redirect(c, "/admin/users/"+url.PathEscape(usr.ID))
		return
	}
	redirect(c, back+"?"+adminNoticeParam+"=added")
}

func (u *UI) adminGroupRemove(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	ctx, lang := c.Request.Context(), u.lang(c)
	g, err := u.adminAccess.Group(ctx, boundedID(c.Param("id")))
	if errors.Is(err, storage.ErrNotFound) {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(c, "read group", err)
		return
	}
	userID := boundedID(c.Request.PostForm.Get("user_id"))
	path := "/admin/groups/" + url.PathEscape(g.ID)
	if c.Request.PostForm.Get(adminConfirmField) != "1" {
		u.Render(c, http.StatusOK, adminConfirmPage, adminConfirmData{adminNav: adminNav{Nav: "groups"},
			Heading: u.bundle.T(lang, "access.confirm.remove.heading"),
			Message: u.bundle.T(lang, "access.confirm.remove.message", "group", g.Name),
			Button:  u.bundle.T(lang, "access.confirm.remove.button"),
			Action:  path + "/remove", Cancel: path, Hidden: []hiddenField{{Name: "user_id", Value: userID}}})
		return
	}
	err = u.adminAccess.RemoveMember(ctx, adminActor(c), g.ID, userID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		u.fail(c, "remove member", err)
		return
	}
	redirect(c, path+"?"+adminNoticeParam+"=removed")
}

func (u *UI) adminGroupDelete(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	ctx, lang := c.Request.Context(), u.lang(c)
	g, err := u.adminAccess.Group(ctx, boundedID(c.Param("id")))
	if errors.Is(err, storage.ErrNotFound) {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(c, "read group", err)
		return
	}
	path := "/admin/groups/" + url.PathEscape(g.ID)
	if c.Request.PostForm.Get(adminConfirmField) != "1" {
		u.Render(c, http.StatusOK, adminConfirmPage, adminConfirmData{adminNav: adminNav{Nav: "groups"},
			Heading: u.bundle.T(lang, "access.confirm.delete.heading", "group", g.Name),
			Message: u.bundle.T(lang, "access.confirm.delete.message", "group", g.Name),
			Button:  u.bundle.T(lang, "access.confirm.delete.button"),
			Action:  path + "/delete", Cancel: path})
		return
	}
	if err := u.adminAccess.DeleteGroup(ctx, adminActor(c), g.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		u.fail(c, "delete group", err)
		return
	}
	redirect(c, "/admin/groups?"+adminNoticeParam+"=deleted")
}

// invitationRow is one invitation of the console's list.
type invitationRow struct {
	ID, Email, Groups, Status, Expires string
	Pending                            bool
}

// adminInvitationsData is the .Data of the invitations page.
type adminInvitationsData struct {
	adminNav
	Invitations   []invitationRow
	Next          string
	Email, Groups string
	Errors        map[string]string
}

func (u *UI) adminInvitationsPage(c *gin.Context) {
	u.renderInvitations(c, http.StatusOK, adminInvitationsData{adminNav: adminNav{Nav: "invitations", Notice: u.adminNotice(c, adminGroupNotices)}})
}

func (u *UI) renderInvitations(c *gin.Context, status int, d adminInvitationsData) {
	lang := u.lang(c)
	page, err := u.adminAccess.ListInvitations(c.Request.Context(), boundedID(c.Query(adminCursorParam)), adminPageSize)
	if err != nil {
		u.fail(c, "list invitations", err)
		return
	}
	now := u.now()
	for _, inv := range page.Items {
		st := "pending"
		switch {
		case !inv.UsedAt.IsZero():
			st = "used"
		case !inv.RevokedAt.IsZero():
			st = "revoked"
		case !now.Before(inv.ExpiresAt):
			st = "expired"
		}
		d.Invitations = append(d.Invitations, invitationRow{ID: inv.ID, Email: inv.Email, Groups: strings.Join(inv.Groups, ", "),
			Status: u.bundle.T(lang, "access.invitations.status."+st), Expires: inv.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"),
			Pending: st == "pending"})
	}
	if page.Next != "" {
		d.Next = "/admin/invitations?" + url.Values{adminCursorParam: {page.Next}}.Encode()
	}
	u.Render(c, status, adminInvitationsTemplate, d)
}

func (u *UI) adminInvite(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	email := strings.TrimSpace(truncateUTF8(form.Get("email"), maxKeptValue))
	groupsText := strings.TrimSpace(truncateUTF8(form.Get("groups"), maxKeptValue))
	groups := listOf(groupsText, ",", maxClientScopes)
	_, _, err := u.adminAccess.Invite(c.Request.Context(), adminActor(c), email, groups)
	if field, msg, ok := u.accessFieldMessage(u.lang(c), err); ok {
		u.renderInvitations(c, http.StatusUnprocessableEntity, adminInvitationsData{adminNav: adminNav{Nav: "invitations"},
			Email: email, Groups: groupsText, Errors: map[string]string{field: msg}})
		return
	}
	if err != nil {
		u.fail(c, "invite", err)
		return
	}
	redirect(c, "/admin/invitations?"+adminNoticeParam+"=invited")
}

func (u *UI) adminInvitationRevoke(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	lang := u.lang(c)
	id := boundedID(c.Param("id"))
	if c.Request.PostForm.Get(adminConfirmField) != "1" {
		u.Render(c, http.StatusOK, adminConfirmPage, adminConfirmData{adminNav: adminNav{Nav: "invitations"},
			Heading: u.bundle.T(lang, "access.confirm.revoke.heading"),
			Message: u.bundle.T(lang, "access.confirm.revoke.message"),
			Button:  u.bundle.T(lang, "access.confirm.revoke.button"),
			Action:  "/admin/invitations/" + url.PathEscape(id) + "/revoke", Cancel: "/admin/invitations"})
		return
	}
	err := u.adminAccess.RevokeInvitation(c.Request.Context(), adminActor(c), id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		u.RenderError(c, http.StatusNotFound)
		return
	case err != nil && !errors.Is(err, storage.ErrConflict):
		u.fail(c, "revoke invitation", err)
		return
	}
	redirect(c, "/admin/invitations?"+adminNoticeParam+"=revoked")
}

// adminAccessMessageKeys lists the keys these pages build in Go.
func adminAccessMessageKeys() []string {
	keys := []string{"access.error.name", "access.error.description", "access.error.name_taken", "access.error.no_user",
		"access.error.email", "access.error.groups"}
	for _, k := range adminGroupNotices {
		keys = append(keys, k)
	}
	for _, st := range []string{"pending", "used", "revoked", "expired"} {
		keys = append(keys, "access.invitations.status."+st)
	}
	for _, a := range []string{"remove", "delete", "revoke"} {
		keys = append(keys, "access.confirm."+a+".heading", "access.confirm."+a+".message", "access.confirm."+a+".button")
	}
	return keys
}
