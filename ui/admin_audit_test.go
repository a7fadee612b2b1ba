package ui

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// The audit log names events in words, links the actor and the user by
// their email addresses, writes times in UTC inside <time datetime>,
// offers the event types as a select and a date picker for since, and
// takes an email address in the user filter.
func TestAdminAuditReadable(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/audit"})
	if res.Code != http.StatusOK {
		t.Fatalf("audit: %d", res.Code)
	}
	table := textOf(byID(res.doc, "audit-table"))
	for _, want := range []string{"User blocked", "ada@example.com", "2030-05-01 12:00 UTC"} {
		if !strings.Contains(table, want) {
			t.Errorf("the log lacks %q: %s", want, table)
		}
	}
	if !strings.Contains(render(byID(res.doc, "audit-table")), `<a href="/admin/users/u-active">ada@example.com</a>`) {
		t.Errorf("the user is not linked by email: %s", render(byID(res.doc, "audit-table")))
	}
	if tm := first(t, byID(res.doc, "audit-table"), byTag("time")); attr(tm, "datetime") != "2030-05-01T12:00:00Z" {
		t.Errorf("time element: %s", render(tm))
	}
	if sel := byID(res.doc, "type"); sel == nil || sel.Data != "select" || !strings.Contains(render(sel), `value="admin.user.block"`) {
		t.Fatalf("the type filter is not a select of event types")
	}
	if attr(byID(res.doc, "since"), "type") != "date" {
		t.Errorf("since is not a date input: %s", render(byID(res.doc, "since")))
	}
	if !hasScript(res.doc, "localtime.js") {
		t.Errorf("the page does not load localtime.js")
	}

	res = e.asRoot(request{target: "/admin/audit?user=ADA@example.com&type=admin.user.block&since=2030-04-01"})
	f := e.admin.audits[len(e.admin.audits)-1]
	if res.Code != http.StatusOK || f.UserID != "u-active" || f.Type != "admin.user.block" || !f.Since.Equal(time.Date(2030, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("filter by email: %d %+v", res.Code, f)
	}
	if !strings.Contains(render(byID(res.doc, "type")), `value="admin.user.block" selected`) {
		t.Errorf("the chosen type is not kept")
	}
	n := len(e.admin.audits)
	res = e.asRoot(request{target: "/admin/audit?user=nobody@example.com&since=yesterday"})
	if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "user-error") == nil || byID(res.doc, "since-error") == nil ||
		attr(byID(res.doc, "user"), "value") != "nobody@example.com" || len(e.admin.audits) != n {
		t.Fatalf("unknown email: %d\n%s", res.Code, textOf(res.doc))
	}
	res = e.asRoot(request{target: "/admin/audit?lang=ru"})
	if !strings.Contains(textOf(byID(res.doc, "audit-table")), "Пользователь заблокирован") {
		t.Errorf("Russian event name: %s", textOf(byID(res.doc, "audit-table")))
	}
}

// hasScript reports whether the page loads a script named name.
func hasScript(doc *html.Node, name string) bool {
	for _, n := range findAll(doc, byTag("script")) {
		if strings.Contains(attr(n, "src"), name) {
			return true
		}
	}
	return false
}

// The export downloads the filtered events as CSV or JSON, as an
// attachment; with a sign-in older than the re-authentication window it
// asks for the password first.
func TestAdminAuditExport(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/audit?user=ada@example.com"})
	csvURL := attr(byID(res.doc, "export-csv"), "href")
	if csvURL != "/admin/audit/export?format=csv&user=ada%40example.com" {
		t.Fatalf("export link %q", csvURL)
	}
	res = e.asRoot(request{target: csvURL})
	if res.Code != http.StatusOK || !strings.HasPrefix(res.Header().Get("Content-Disposition"), `attachment; filename="gatehouse-audit-`) ||
		res.Header().Get("Content-Type") != "text/csv; charset=utf-8" || res.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("CSV: %d %v", res.Code, res.Header())
	}
	rows, err := csv.NewReader(strings.NewReader(res.Body.String())).ReadAll()
	if err != nil || len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(auditCSVHeader, ",") {
		t.Fatalf("CSV rows %q: %v", rows, err)
	}
	if got := rows[1]; got[1] != "admin.user.block" || got[2] != "User blocked" || got[6] != "ada@example.com" || got[8] != `{"from":"active","to":"blocked"}` {
		t.Errorf("CSV row %q", got)
	}
	if f := e.admin.audits[len(e.admin.audits)-1]; f.UserID != "u-active" {
		t.Errorf("the export ignores the user filter: %+v", f)
	}
	res = e.asRoot(request{target: "/admin/audit/export?format=json&type=admin.user.block"})
	var records []auditExportRecord
	if err := json.Unmarshal(res.Body.Bytes(), &records); err != nil || res.Code != http.StatusOK || len(records) != 1 ||
		records[0].Time != "2030-05-01T12:00:00Z" || records[0].UserEmail != "ada@example.com" ||
		!strings.HasSuffix(strings.Split(res.Header().Get("Content-Disposition"), `"`)[1], ".json") {
		t.Fatalf("JSON: %d %v %+v", res.Code, err, records)
	}
	if res = e.asRoot(request{target: "/admin/audit/export?format=xml"}); res.Code != http.StatusNotFound {
		t.Errorf("unknown format: %d", res.Code)
	}

	stale, _ := e.accounts.addSession("root", testNow.Add(-time.Hour))
	res = e.do(request{target: "/admin/audit/export?format=csv", cookies: []*http.Cookie{{Name: e.ui.SessionCookieName(), Value: stale}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/account/reauth?return_to=%2Fadmin%2Faudit%2Fexport%3Fformat%3Dcsv" {
		t.Fatalf("a stale sign-in exports: %d %q", res.Code, res.Header().Get("Location"))
	}
}

// Cells that a spreadsheet would run as formulas are quoted.
func TestCSVSafe(t *testing.T) {
	got := csvSafe([]string{"=cmd()", "+1", "-2", "@x", "plain", ""})
	want := []string{"'=cmd()", "'+1", "'-2", "'@x", "plain", ""}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("csvSafe = %q", got)
	}
}
