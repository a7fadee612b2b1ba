package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// The audit log view.
const (
	adminAuditPath     = adminPath + "/audit"
	adminAuditTemplate = "admin_audit"
	auditSinceKey      = "admin.audit.error.since"
	auditClientPrefix  = "client:"
)

// AdminAudit reads the audit log (*account.Registrar).
type AdminAudit interface {
	// AuditEvents returns one page of events, newest first.
	AuditEvents(ctx context.Context, f storage.AuditFilter) (storage.Page[storage.AuditEvent], error)
}

func (u *UI) adminAuditRoutes(g gin.IRouter) {
	g.GET("/audit", u.adminAuditPage)
}

// auditRow is one event as the console shows it.
type auditRow struct {
	Time    string
	Type    string
	Actor   string // the actor as recorded: a user id, client:<id>, or empty (the system)
	ActorID string // set when Actor is a user id: the link to their page
	UserID  string
	IP      string
	Details string // key=value pairs, sorted
}

func newAuditRow(e storage.AuditEvent) auditRow {
	r := auditRow{Time: formatTime(e.Time), Type: e.Type, Actor: e.ActorID, UserID: e.UserID, IP: e.IP}
	if e.ActorID != "" && !strings.HasPrefix(e.ActorID, auditClientPrefix) {
		r.ActorID = e.ActorID
	}
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, k+"="+e.Details[k])
	}
	r.Details = strings.Join(pairs, "; ")
	return r
}

// adminAuditData is the .Data of the audit log view: the filters as typed
// and one page of events.
type adminAuditData struct {
	adminNav
	User       string
	Type       string
	Since      string
	SinceError string // translated
	Events     []auditRow
	Next       string
}

// sinceLayouts are the forms the since filter takes: a date input's value,
// a datetime-local input's value, or RFC 3339. Times without a zone are
// UTC, as the log shows them.
var sinceLayouts = []string{"2006-01-02", "2006-01-02T15:04", time.RFC3339}

// parseSince reads the since filter; ok is false when it is malformed.
func parseSince(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range sinceLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// adminAuditPage serves GET /admin/audit?user=&type=&since=&cursor=. A
// malformed since keeps the filters as typed, explains, and lists nothing.
func (u *UI) adminAuditPage(c *gin.Context) {
	d := adminAuditData{adminNav: adminNav{Nav: "audit"}, User: adminQuery(c, "user"), Type: adminQuery(c, "type"),
		Since: adminQuery(c, "since")}
	since, ok := parseSince(strings.TrimSpace(d.Since))
	if !ok {
		d.SinceError = u.bundle.T(u.lang(c), auditSinceKey)
		u.Render(c, http.StatusUnprocessableEntity, adminAuditTemplate, d)
		return
	}
	f := storage.AuditFilter{UserID: strings.TrimSpace(d.User), Type: strings.TrimSpace(d.Type), Since: since,
		Cursor: adminQuery(c, adminCursorParam), Limit: adminPageSize}
	page, err := u.admin.AuditEvents(c.Request.Context(), f)
	if err != nil {
		u.fail(c, "list audit events", err)
		return
	}
	for _, e := range page.Items {
		d.Events = append(d.Events, newAuditRow(e))
	}
	d.Next = nextPageURL(adminAuditPath, url.Values{"user": {d.User}, "type": {d.Type}, "since": {d.Since}}, page.Next)
	u.Render(c, http.StatusOK, adminAuditTemplate, d)
}

// adminAuditMessageKeys lists the keys the audit view builds in Go.
func adminAuditMessageKeys() []string { return []string{auditSinceKey} }
