package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// The audit log view. Times are written on the server in UTC with the
// zone's name and carried in a <time datetime> element; localtime.js
// rewrites them in the browser's zone when JavaScript is on.
const (
	adminAuditPath     = adminPath + "/audit"
	adminAuditTemplate = "admin_audit"
	auditSinceKey      = "admin.audit.error.since"
	auditUserKey       = "console2.audit.error.user"
	auditClientPrefix  = "client:"
)

// AdminAudit reads the audit log (*account.Registrar).
type AdminAudit interface {
	// AuditEvents returns one page of events, newest first.
	AuditEvents(ctx context.Context, f storage.AuditFilter) (storage.Page[storage.AuditEvent], error)
}

func (u *UI) adminAuditRoutes(g gin.IRouter) {
	g.GET("/audit", u.adminAuditPage)
	g.GET("/audit/export", u.adminAuditExport) // admin_audit_export.go
}

// auditRow is one event as the console shows it.
type auditRow struct {
	Time      string // UTC, with the zone's name
	TimeISO   string // RFC 3339, for <time datetime>
	Type      string // as recorded
	TypeLabel string // readable, translated
	Actor     string // the actor as recorded: a user id, client:<id>, or empty (the system)
	ActorID   string // set when Actor is a user id: the link to their page
	// ActorEmail and UserEmail are the users' addresses ("" when the
	// user is gone: the id is shown).
	ActorEmail string
	UserID     string
	UserEmail  string
	IP         string
	Details    string // key=value pairs, sorted
}

func newAuditRow(e storage.AuditEvent) auditRow {
	r := auditRow{Time: formatTime(e.Time), Type: e.Type, TypeLabel: e.Type, Actor: e.ActorID, UserID: e.UserID, IP: e.IP}
	if !e.Time.IsZero() {
		r.TimeISO = e.Time.UTC().Format(time.RFC3339)
	}
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

// auditRows turns events into rows with readable names and the users'
// email addresses (looked up once per user).
func (u *UI) auditRows(ctx context.Context, lang string, events []storage.AuditEvent) ([]auditRow, error) {
	emails := map[string]string{}
	email := func(id string) (string, error) {
		if id == "" {
			return "", nil
		}
		if e, ok := emails[id]; ok {
			return e, nil
		}
		usr, err := u.admin.User(ctx, id)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return "", err
		}
		emails[id] = usr.Email
		return usr.Email, nil
	}
	rows := make([]auditRow, 0, len(events))
	for _, e := range events {
		r := newAuditRow(e)
		r.TypeLabel = u.auditTypeName(lang, e.Type)
		var err error
		if r.ActorEmail, err = email(r.ActorID); err != nil {
			return nil, err
		}
		if r.UserEmail, err = email(r.UserID); err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// adminAuditData is the .Data of the audit log view: the filters as typed
// and one page of events.
type adminAuditData struct {
	adminNav
	User       string
	UserError  string // translated
	Type       string
	Types      []choice // the type filter's options (Checked: selected)
	Since      string
	SinceError string // translated
	Events     []auditRow
	Next       string
	// ExportCSV and ExportJSON download the events the filters select.
	ExportCSV, ExportJSON string
	ExportMax             int
}

// HasErrors reports whether a filter is refused.
func (d adminAuditData) HasErrors() bool { return d.UserError != "" || d.SinceError != "" }

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

// auditQuery is the audit filters of a request, as typed.
type auditQuery struct{ User, Type, Since string }

func auditQueryOf(c *gin.Context) auditQuery {
	return auditQuery{User: adminQuery(c, "user"), Type: adminQuery(c, "type"), Since: adminQuery(c, "since")}
}

func (q auditQuery) values() url.Values {
	return url.Values{"user": {q.User}, "type": {q.Type}, "since": {q.Since}}
}

// auditFilter resolves q: the user filter takes a user id or an email
// address (an address no user has is userBad); a malformed since is
// sinceBad.
func (u *UI) auditFilter(ctx context.Context, q auditQuery) (f storage.AuditFilter, userBad, sinceBad bool, err error) {
	since, ok := parseSince(strings.TrimSpace(q.Since))
	f = storage.AuditFilter{Type: strings.TrimSpace(q.Type), Since: since}
	who := strings.TrimSpace(q.User)
	if !strings.Contains(who, "@") {
		f.UserID = who
		return f, false, !ok, nil
	}
	page, err := u.admin.ListUsers(ctx, storage.UserFilter{Query: strings.ToLower(who), Limit: adminPageSize})
	if err != nil {
		return f, false, false, err
	}
	for _, usr := range page.Items {
		if strings.EqualFold(usr.Email, who) {
			f.UserID = usr.ID
			return f, false, !ok, nil
		}
	}
	return f, true, !ok, nil
}

// adminAuditPage serves GET /admin/audit?user=&type=&since=&cursor=. A
// malformed since, or an email address no user has, keeps the filters as
// typed, explains, and lists nothing.
func (u *UI) adminAuditPage(c *gin.Context) {
	ctx, lang, q := c.Request.Context(), u.lang(c), auditQueryOf(c)
	d := adminAuditData{adminNav: adminNav{Nav: "audit"}, User: q.User, Type: q.Type, Since: q.Since, ExportMax: auditExportMax}
	d.Types = append(d.Types, choice{Value: "", Label: u.bundle.T(lang, "console2.audit.type_any"), Checked: q.Type == ""})
	if q.Type != "" && !slices.Contains(auditEventTypes, q.Type) {
		d.Types = append(d.Types, choice{Value: q.Type, Label: q.Type, Checked: true})
	}
	for _, t := range auditEventTypes {
		d.Types = append(d.Types, choice{Value: t, Label: u.bundle.T(lang, auditTypeKey(t)), Checked: t == q.Type})
	}
	f, userBad, sinceBad, err := u.auditFilter(ctx, q)
	if err != nil {
		u.fail(c, "find the audit log's user", err)
		return
	}
	if userBad || sinceBad {
		if userBad {
			d.UserError = u.bundle.T(lang, auditUserKey)
		}
		if sinceBad {
			d.SinceError = u.bundle.T(lang, auditSinceKey)
		}
		u.Render(c, http.StatusUnprocessableEntity, adminAuditTemplate, d)
		return
	}
	f.Cursor, f.Limit = adminQuery(c, adminCursorParam), adminPageSize
	page, err := u.admin.AuditEvents(ctx, f)
	if err != nil {
		u.fail(c, "list audit events", err)
		return
	}
	if d.Events, err = u.auditRows(ctx, lang, page.Items); err != nil {
		u.fail(c, "read the audit log's users", err)
		return
	}
	d.Next = nextPageURL(adminAuditPath, q.values(), page.Next)
	d.ExportCSV, d.ExportJSON = auditExportURL(q, "csv"), auditExportURL(q, "json")
	u.Render(c, http.StatusOK, adminAuditTemplate, d)
}

// adminAuditMessageKeys lists the keys the audit view builds in Go.
func adminAuditMessageKeys() []string {
	return append([]string{auditSinceKey, auditUserKey, "console2.audit.type_any"}, auditTypeKeys()...)
}
