package ui

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// Audit log export: GET /admin/audit/export?format=csv|json with the
// filters of the view. The log names users and addresses, so the export
// is a sensitive action: an administrator who signed in more than
// account.ReauthWindow ago confirms their password first (the account
// console's /account/reauth), as for personal tokens and the account's
// own data export.
const (
	auditExportMax      = 10000 // events in one download
	auditExportPageSize = 500
)

// auditExportRecord is one event of the JSON export; the CSV has the same
// columns, details as a JSON object.
type auditExportRecord struct {
	Time       string            `json:"time"`
	Type       string            `json:"type"`
	Name       string            `json:"name"`
	ActorID    string            `json:"actor_id,omitempty"`
	ActorEmail string            `json:"actor_email,omitempty"`
	UserID     string            `json:"user_id,omitempty"`
	UserEmail  string            `json:"user_email,omitempty"`
	IP         string            `json:"ip,omitempty"`
	Details    map[string]string `json:"details,omitempty"`
}

var auditCSVHeader = []string{"time", "type", "name", "actor_id", "actor_email", "user_id", "user_email", "ip", "details"}

// auditExportURL is the download of the events q selects, in format.
func auditExportURL(q auditQuery, format string) string {
	v := url.Values{"format": {format}}
	for k, vals := range q.values() {
		if vals[0] != "" {
			v.Set(k, vals[0])
		}
	}
	return adminAuditPath + "/export?" + v.Encode()
}

// adminAuditExport serves GET /admin/audit/export.
func (u *UI) adminAuditExport(c *gin.Context) {
	format := c.Query("format")
	if format != "csv" && format != "json" {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	v, _ := c.Get(adminSignedInKey)
	if si, _ := v.(*signedIn); si == nil || !u.recentlyAuthenticated(si) {
		redirect(c, reauthURL(c.Request.URL.RequestURI()))
		return
	}
	ctx, lang, q := c.Request.Context(), u.lang(c), auditQueryOf(c)
	f, userBad, sinceBad, err := u.auditFilter(ctx, q)
	if err != nil {
		u.fail(c, "find the audit log's user", err)
		return
	}
	if userBad || sinceBad {
		redirect(c, adminAuditPath+"?"+q.values().Encode()) // the view explains
		return
	}
	var records []auditExportRecord
	f.Limit = auditExportPageSize
	for len(records) < auditExportMax {
		page, err := u.admin.AuditEvents(ctx, f)
		if err != nil {
			u.fail(c, "export audit events", err)
			return
		}
		rows, err := u.auditRows(ctx, lang, page.Items)
		if err != nil {
			u.fail(c, "read the audit log's users", err)
			return
		}
		for i, e := range page.Items {
			if len(records) == auditExportMax {
				break
			}
			records = append(records, auditExportRecord{Time: rows[i].TimeISO, Type: e.Type, Name: rows[i].TypeLabel,
				ActorID: e.ActorID, ActorEmail: rows[i].ActorEmail, UserID: e.UserID, UserEmail: rows[i].UserEmail,
				IP: e.IP, Details: e.Details})
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	name := "gatehouse-audit-" + u.now().UTC().Format("20060102-150405") + "." + format
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-store")
	if format == "json" {
		c.Header("Content-Type", "application/json; charset=utf-8")
		c.Status(http.StatusOK)
		enc := json.NewEncoder(c.Writer)
		enc.SetIndent("", "  ")
		if records == nil {
			records = []auditExportRecord{}
		}
		if err := enc.Encode(records); err != nil {
			u.log.WarnContext(ctx, "audit export cut short", "err", err)
		}
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	_ = w.Write(auditCSVHeader)
	for _, r := range records {
		details := ""
		if len(r.Details) > 0 {
			b, _ := json.Marshal(r.Details)
			details = string(b)
		}
		_ = w.Write(csvSafe([]string{r.Time, r.Type, r.Name, r.ActorID, r.ActorEmail, r.UserID, r.UserEmail, r.IP, details}))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		u.log.WarnContext(ctx, "audit export cut short", "err", err)
	}
}

// csvSafe keeps spreadsheets from running cells as formulas: a cell that
// starts with = + - @ or a control character gets a leading apostrophe.
func csvSafe(cells []string) []string {
	for i, s := range cells {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			cells[i] = "'" + s
		}
	}
	return cells
}
