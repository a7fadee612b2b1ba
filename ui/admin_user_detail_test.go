package ui

import (
	"strings"
	"testing"
)

// A user's page names the country and the language instead of their
// codes, and each session's browser instead of its User-Agent header
// (kept in the title); in Russian the country is named in Russian.
func TestAdminUserDetailNames(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/users/u-active"})
	if got := textOf(byID(res.doc, "user-country")); got != "Germany" {
		t.Errorf("country %q", got)
	}
	if got := textOf(byID(res.doc, "user-language")); got != "Русский" {
		t.Errorf("language %q", got)
	}
	sessions := byID(res.doc, "sessions-table")
	if got := textOf(sessions); !strings.Contains(got, "Firefox on Linux") || strings.Contains(got, "Gecko") {
		t.Errorf("sessions show %q", got)
	}
	if !strings.Contains(render(sessions), `title="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"`) {
		t.Errorf("the raw User-Agent is not kept in the title")
	}
	res = e.asRoot(request{target: "/admin/users/u-active?lang=ru"})
	if got := textOf(byID(res.doc, "user-country")); got != "Германия" {
		t.Errorf("Russian country %q", got)
	}
}
