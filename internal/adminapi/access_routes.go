package adminapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Access is the groups, invitations and import layer (*access.Service,
// with the server's import adapter).
type Access interface {
	CreateGroup(ctx context.Context, actor, name, description string) (storage.Group, error)
	UpdateGroup(ctx context.Context, actor, id string, p access.GroupPatch) (storage.Group, error)
	DeleteGroup(ctx context.Context, actor, id string) error
	Group(ctx context.Context, ref string) (storage.Group, error)
	ListGroups(ctx context.Context, cursor string, limit int) (storage.Page[storage.Group], error)
	Members(ctx context.Context, groupID, cursor string, limit int) (storage.Page[storage.User], error)
	IsMember(ctx context.Context, groupID, userID string) (bool, error)
	UserGroups(ctx context.Context, userID string) ([]storage.Group, error)
	AddMember(ctx context.Context, actor, groupID, userID string) (bool, error)
	RemoveMember(ctx context.Context, actor, groupID, userID string) error
	// Invite stores an invitation, queues its letter and returns its
	// link (shown once).
	Invite(ctx context.Context, actor, email string, groups []string) (storage.Invitation, string, error)
	ListInvitations(ctx context.Context, cursor string, limit int) (storage.Page[storage.Invitation], error)
	RevokeInvitation(ctx context.Context, actor, id string) error
	// ImportUsers reads JSON Lines (account.ImportUsers).
	ImportUsers(ctx context.Context, actor string, r io.Reader, fb account.FirebaseParams) (account.ImportResult, error)
}

// accessRoutes are the groups, invitations and import routes.
func (a *API) accessRoutes(page []string) []route {
	return []route{
		{http.MethodGet, "/groups", "List groups by name", "groups", page, "", 200, a.listGroups},
		{http.MethodPost, "/groups", "Create a group", "groups", nil, "GroupCreate", 201, a.createGroup},
		{http.MethodGet, "/groups/:id", "Get a group (by id or name)", "groups", nil, "", 200, a.getGroup},
		{http.MethodPatch, "/groups/:id", "Rename a group or change its description", "groups", nil, "GroupPatch", 200, a.patchGroup},
		{http.MethodDelete, "/groups/:id", "Delete a group and its memberships", "groups", nil, "", 204, a.deleteGroup},
		{http.MethodGet, "/groups/:id/members", "List a group's members", "groups", page, "", 200, a.listMembers},
		{http.MethodGet, "/groups/:id/members/:user_id", "Whether a user is a member (404 when not)", "groups", nil, "", 200, a.getMember},
		{http.MethodPut, "/groups/:id/members/:user_id", "Add a user to a group", "groups", nil, "", 200, a.putMember},
		{http.MethodDelete, "/groups/:id/members/:user_id", "Remove a user from a group", "groups", nil, "", 204, a.deleteMember},
		{http.MethodGet, "/users/:id/groups", "List a user's groups", "groups", nil, "", 200, a.listUserGroups},
		{http.MethodGet, "/invitations", "List invitations, newest first", "invitations", page, "", 200, a.listInvitations},
		{http.MethodPost, "/invitations", "Invite an address (the letter's link registers it; returned once)", "invitations", nil, "InvitationCreate", 201, a.createInvitation},
		{http.MethodDelete, "/invitations/:id", "Revoke an unused invitation", "invitations", nil, "", 204, a.revokeInvitation},
		{http.MethodPost, "/users/import", "Import users from JSON Lines (all lines or none)", "users",
			[]string{"firebase_signer_key", "firebase_salt_separator", "firebase_rounds", "firebase_mem_cost"}, "UserImport", 200, a.importUsers},
	}
}

type groupJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toGroupJSON(g storage.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Description: g.Description, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

type groupInJSON struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

var groupFields = []string{"name", "description"}

// failAccess maps the access layer's field errors, then as fail.
func (a *API) failAccess(c *gin.Context, err error) {
	var fe *access.FieldError
	if errors.As(err, &fe) {
		invalid(c, "a field is invalid", FieldProblem{Field: fe.Field, Detail: fe.Detail})
		return
	}
	if errors.Is(err, storage.ErrAlreadyExists) {
		writeProblem(c, http.StatusConflict, ProblemDuplicate, "a group with this name already exists")
		return
	}
	a.fail(c, err)
}

func (a *API) listGroups(c *gin.Context) {
	cursor, limit, ok := pageParams(c)
	if !ok {
		return
	}
	page, err := a.access.ListGroups(c.Request.Context(), cursor, limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]groupJSON, 0, len(page.Items))
	for _, g := range page.Items {
		items = append(items, toGroupJSON(g))
	}
	writeList(c, items, page.Next)
}

func (a *API) createGroup(c *gin.Context) {
	var in groupInJSON
	if !decodeBody(c, &in, groupFields, false) {
		return
	}
	name, desc := "", ""
	if in.Name != nil {
		name = *in.Name
	}
	if in.Description != nil {
		desc = *in.Description
	}
	g, err := a.access.CreateGroup(c.Request.Context(), caller(c).Actor(), name, desc)
	if err != nil {
		a.failAccess(c, err)
		return
	}
	c.JSON(http.StatusCreated, toGroupJSON(g))
}

func (a *API) getGroup(c *gin.Context) {
	g, err := a.access.Group(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toGroupJSON(g))
}

func (a *API) patchGroup(c *gin.Context) {
	g, err := a.access.Group(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	var in groupInJSON
	if !decodeBody(c, &in, groupFields, false) {
		return
	}
	g, err = a.access.UpdateGroup(c.Request.Context(), caller(c).Actor(), g.ID, access.GroupPatch{Name: in.Name, Description: in.Description})
	if err != nil {
		a.failAccess(c, err)
		return
	}
	c.JSON(http.StatusOK, toGroupJSON(g))
}

func (a *API) deleteGroup(c *gin.Context) {
	g, err := a.access.Group(c.Request.Context(), c.Param("id"))
	if err == nil {
		err = a.access.DeleteGroup(c.Request.Context(), caller(c).Actor(), g.ID)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *API) listMembers(c *gin.Context) {
	cursor, limit, ok := pageParams(c)
	if !ok {
		return
	}
	g, err := a.access.Group(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	page, err := a.access.Members(c.Request.Context(), g.ID, cursor, limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]userJSON, 0, len(page.Items))
	for _, u := range page.Items {
		items = append(items, toUserJSON(u))
	}
	writeList(c, items, page.Next)
}

type membershipJSON struct {
	GroupID string `json:"group_id"`
	UserID  string `json:"user_id"`
	Member  bool   `json:"member"`
	Added   *bool  `json:"added,omitempty"`
}

func (a *API) getMember(c *gin.Context) {
	g, err := a.access.Group(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	in, err := a.access.IsMember(c.Request.Context(), g.ID, c.Param("user_id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	if !in {
		writeProblem(c, http.StatusNotFound, ProblemNotFound, "the user is not a member of this group")
		return
	}
	c.JSON(http.StatusOK, membershipJSON{GroupID: g.ID, UserID: c.Param("user_id"), Member: true})
}

func (a *API) putMember(c *gin.Context) {
	g, err := a.access.Group(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	added, err := a.access.AddMember(c.Request.Context(), caller(c).Actor(), g.ID, c.Param("user_id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, membershipJSON{GroupID: g.ID, UserID: c.Param("user_id"), Member: true, Added: &added})
}

func (a *API) deleteMember(c *gin.Context) {
	g, err := a.access.Group(c.Request.Context(), c.Param("id"))
	if err == nil {
		err = a.access.RemoveMember(c.Request.Context(), caller(c).Actor(), g.ID, c.Param("user_id"))
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *API) listUserGroups(c *gin.Context) {
	gs, err := a.access.UserGroups(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]groupJSON, 0, len(gs))
	for _, g := range gs {
		items = append(items, toGroupJSON(g))
	}
	writeList(c, items, "")
}

// maxImportBody bounds an import: 100,000 users of a few hundred bytes.
const maxImportBody = 64 << 20

// importUsers takes JSON Lines (any content type); Firebase project
// parameters come as query parameters. A refused file answers 400 naming
// every bad line, and nothing is imported.
func (a *API) importUsers(c *gin.Context) {
	q := c.Request.URL.Query()
	fb := account.FirebaseParams{SignerKey: q.Get("firebase_signer_key"), SaltSeparator: q.Get("firebase_salt_separator")}
	for name, dst := range map[string]*int{"firebase_rounds": &fb.Rounds, "firebase_mem_cost": &fb.MemCost} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				invalid(c, "bad query parameter", FieldProblem{Field: name, Detail: "a positive integer"})
				return
			}
			*dst = n
		}
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBody)
	res, err := a.access.ImportUsers(c.Request.Context(), caller(c).Actor(), body, fb)
	var ie *account.ImportError
	if errors.As(err, &ie) {
		fields := make([]FieldProblem, 0, len(ie.Lines))
		for _, l := range ie.Lines {
			fields = append(fields, FieldProblem{Field: "line " + strconv.Itoa(l.Line) + ": " + l.Field, Detail: l.Detail})
		}
		invalid(c, "nothing was imported: fix the lines named in errors", fields...)
		return
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeProblem(c, http.StatusRequestEntityTooLarge, ProblemValidation, "the file is larger than 64 MiB: split it")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

type invitationJSON struct {
	ID        string     `json:"id"`
	Email     string     `json:"email"`
	Groups    []string   `json:"groups"`
	CreatedBy string     `json:"created_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	Status    string     `json:"status"` // pending, used, revoked, expired
	UsedAt    *time.Time `json:"used_at,omitempty"`
	UserID    string     `json:"user_id,omitempty"`
	Link      string     `json:"link,omitempty"` // only when created
}

func toInvitationJSON(inv storage.Invitation, now time.Time) invitationJSON {
	j := invitationJSON{ID: inv.ID, Email: inv.Email, Groups: inv.Groups, CreatedBy: inv.CreatedBy, CreatedAt: inv.CreatedAt,
		ExpiresAt: inv.ExpiresAt, UserID: inv.UserID, Status: "pending"}
	if j.Groups == nil {
		j.Groups = []string{}
	}
	switch {
	case !inv.UsedAt.IsZero():
		j.Status, j.UsedAt = "used", &inv.UsedAt
	case !inv.RevokedAt.IsZero():
		j.Status = "revoked"
	case !now.Before(inv.ExpiresAt):
		j.Status = "expired"
	}
	return j
}

type invitationInJSON struct {
	Email  string   `json:"email"`
	Groups []string `json:"groups"`
}

func (a *API) createInvitation(c *gin.Context) {
	var in invitationInJSON
	if !decodeBody(c, &in, []string{"email", "groups"}, false) {
		return
	}
	inv, link, err := a.access.Invite(c.Request.Context(), caller(c).Actor(), in.Email, in.Groups)
	if err != nil {
		a.failAccess(c, err)
		return
	}
	j := toInvitationJSON(inv, time.Now())
	j.Link = link
	c.JSON(http.StatusCreated, j)
}

func (a *API) listInvitations(c *gin.Context) {
	cursor, limit, ok := pageParams(c)
	if !ok {
		return
	}
	page, err := a.access.ListInvitations(c.Request.Context(), cursor, limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	now := time.Now()
	items := make([]invitationJSON, 0, len(page.Items))
	for _, inv := range page.Items {
		items = append(items, toInvitationJSON(inv, now))
	}
	writeList(c, items, page.Next)
}

func (a *API) revokeInvitation(c *gin.Context) {
	if err := a.access.RevokeInvitation(c.Request.Context(), caller(c).Actor(), c.Param("id")); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
