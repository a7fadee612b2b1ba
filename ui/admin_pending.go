package ui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// The pending approvals queue.
const (
	adminPendingPath     = adminPath + "/pending"
	adminPendingTemplate = "admin_pending"
	pendingUserField     = "user"   // a selected user's id (repeated)
	pendingActionField   = "action" // approve or reject, for the selection
	actionApprove        = "approve"
	actionReject         = "reject"
	maxPendingSelection  = 2 * adminPageSize
)

// adminPendingNotices are the messages of ?notice= on the queue.
var adminPendingNotices = map[string]string{
	"approved": "admin.pending.notice.approved",
	"rejected": "admin.pending.notice.rejected",
	"none":     "admin.pending.notice.none_selected",
}

func (u *UI) adminPendingRoutes(g gin.IRouter) {
	g.GET("/pending", u.adminPendingPage)
	g.POST("/pending", u.adminPendingSubmit)
}

// adminPendingData is the .Data of the queue.
type adminPendingData struct {
	adminNav
	Users   []userRow
	Next    string
	Skipped string // ?skipped= when some were decided elsewhere meanwhile
}

// adminPendingPage serves GET /admin/pending: the users waiting for
// approval, oldest first, with checkboxes and per-row buttons.
func (u *UI) adminPendingPage(c *gin.Context) {
	lang := u.lang(c)
	d := adminPendingData{adminNav: adminNav{Nav: "pending", Notice: u.adminNotice(c, adminPendingNotices)}}
	if n := queryCount(c, adminSkippedParam); n != "0" {
		d.Skipped = u.bundle.T(lang, "admin.pending.notice.skipped", "skipped", n)
	}
	f := storage.UserFilter{State: storage.UserPendingApproval, Cursor: adminQuery(c, adminCursorParam), Limit: adminPageSize}
	page, err := u.admin.ListUsers(c.Request.Context(), f)
	if err != nil {
		u.fail(c, "list pending users", err)
		return
	}
	for _, usr := range page.Items {
		d.Users = append(d.Users, u.userRow(lang, usr))
	}
	d.Next = nextPageURL(adminPendingPath, nil, page.Next)
	u.Render(c, http.StatusOK, adminPendingTemplate, d)
}

// pendingChoice reads what the queue's form asks: a row's own button
// (approve=ID or reject=ID) or the selection with action=.
func pendingChoice(form url.Values) (action string, ids []string) {
	switch {
	case form.Get(actionApprove) != "":
		return actionApprove, []string{form.Get(actionApprove)}
	case form.Get(actionReject) != "":
		return actionReject, []string{form.Get(actionReject)}
	}
	for _, id := range form[pendingUserField] {
		if id = boundedID(id); id != "" && !slices.Contains(ids, id) && len(ids) < maxPendingSelection {
			ids = append(ids, id)
		}
	}
	return form.Get(pendingActionField), ids
}

// adminPendingSubmit serves POST /admin/pending: approve the chosen users,
// or reject them after the confirmation step (with an optional reason).
// Users decided elsewhere meanwhile are skipped and counted.
func (u *UI) adminPendingSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	action, ids := pendingChoice(c.Request.PostForm)
	if action != actionApprove && action != actionReject {
		u.RenderError(c, http.StatusBadRequest)
		return
	}
	if len(ids) == 0 {
		redirect(c, noticeURL(adminPendingPath, "none"))
		return
	}
	if action == actionReject && !confirmed(c) {
		u.confirmReject(c, http.StatusOK, ids, "")
		return
	}
	ctx, actor, reason := c.Request.Context(), adminActor(c), rejectReason(c.Request.PostForm)
	done, skipped := 0, 0
	for _, id := range ids {
		var err error
		if action == actionApprove {
			_, err = u.admin.Approve(ctx, id, actor)
		} else {
			_, err = u.admin.Reject(ctx, id, actor, reason)
		}
		switch {
		case err == nil:
			done++
		case errors.Is(err, account.ErrStateConflict), errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrConflict):
			skipped++
		case errors.Is(err, account.ErrInvalid):
			u.confirmReject(c, http.StatusUnprocessableEntity, ids, u.bundle.T(u.lang(c), "admin.reject.reason_error"))
			return
		default:
			u.fail(c, "decide registration", err)
			return
		}
	}
	notice := "approved"
	if action == actionReject {
		notice = "rejected"
	}
	redirect(c, noticeURL(adminPendingPath, notice, done, skipped))
}

// confirmReject shows the confirmation page of rejecting ids, with the
// reason typed so far.
func (u *UI) confirmReject(c *gin.Context, status int, ids []string, reasonErr string) {
	lang := u.lang(c)
	names := make([]string, 0, len(ids))
	hidden := []hiddenField{{Name: pendingActionField, Value: actionReject}}
	for _, id := range ids {
		usr, err := u.admin.User(c.Request.Context(), id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			continue
		case err != nil:
			u.fail(c, "read user", err)
			return
		}
		names = append(names, usr.Email)
		hidden = append(hidden, hiddenField{Name: pendingUserField, Value: id})
	}
	d := adminConfirmData{
		adminNav: adminNav{Nav: "pending"},
		Heading:  u.bundle.T(lang, "admin.confirm.reject.heading"),
		Message:  u.bundle.T(lang, "admin.confirm.reject.message", "user", strings.Join(names, ", ")),
		Button:   u.bundle.T(lang, "admin.confirm.reject.button"), Action: adminPendingPath, Cancel: adminPendingPath,
		Hidden: hidden, Reason: true, ReasonValue: rejectReason(c.Request.PostForm), ReasonError: reasonErr,
	}
	u.Render(c, status, adminConfirmPage, d)
}

// normalizeNewlines folds the CR LF (and lone CR) line ends browsers send
// for a textarea into LF.
func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// adminPendingMessageKeys lists the keys the queue builds in Go.
func adminPendingMessageKeys() []string {
	keys := []string{"admin.pending.notice.skipped"}
	for _, k := range adminPendingNotices {
		keys = append(keys, k)
	}
	return keys
}
