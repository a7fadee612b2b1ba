package ui

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
)

// Durations are written for people, with each language's plural forms,
// and read back in those words, in short forms and in Go's form.
func TestHumanDuration(t *testing.T) {
	u := newAdminEnv(t).ui
	for _, tc := range []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"en", 720 * time.Hour, "30 days"},
		{"en", 12 * time.Hour, "12 hours"},
		{"en", 15 * time.Minute, "15 minutes"},
		{"en", 36 * time.Hour, "1 day 12 hours"},
		{"en", time.Minute, "1 minute"},
		{"en", 0, "0 minutes"},
		{"ru", 720 * time.Hour, "30 дней"},
		{"ru", 24 * time.Hour, "1 день"},
		{"ru", 22 * 24 * time.Hour, "22 дня"},
		{"ru", 11 * time.Hour, "11 часов"},
		{"ru", 21 * time.Minute, "21 минута"},
		{"ru", 3 * time.Minute, "3 минуты"},
		{"ru", 14 * time.Minute, "14 минут"},
	} {
		if got := u.humanDuration(tc.lang, tc.d); got != tc.want {
			t.Errorf("humanDuration(%s, %v) = %q, want %q", tc.lang, tc.d, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"30 days", 720 * time.Hour}, {"1 day 12 hours", 36 * time.Hour}, {"15 minutes", 15 * time.Minute},
		{"1 Day, 12 Hours", 36 * time.Hour}, {"30 дней", 720 * time.Hour}, {"2 часа", 2 * time.Hour},
		{"30d", 720 * time.Hour}, {"12h 30m", 12*time.Hour + 30*time.Minute}, {"720h0m0s", 720 * time.Hour},
		{"45m", 45 * time.Minute}, {"1 min", time.Minute},
	} {
		if got, err := u.parseHumanDuration(tc.in); err != nil || got != tc.want {
			t.Errorf("parseHumanDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "30", "days", "thirty days", "-3 days", "3 fortnights", "1 day 12"} {
		if d, err := u.parseHumanDuration(bad); err == nil {
			t.Errorf("parseHumanDuration(%q) = %v, want an error", bad, d)
		}
	}
}

// The settings form shows lifetimes in words and takes them back in
// words; a bad one is explained and kept as typed.
func TestAdminSettingsDurationsInWords(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/settings"})
	if got := attr(byID(res.doc, "session_lifetime"), "value"); got != "30 days" {
		t.Fatalf("session_lifetime shows %q", got)
	}
	if got := attr(byID(res.doc, "tokens_max_lifetime"), "value"); got != "365 days" {
		t.Fatalf("tokens_max_lifetime shows %q", got)
	}
	form := settingsForm(e)
	form.Set("session_lifetime", "14 days")
	form.Set("session_idle_timeout", "45 minutes")
	form.Set("tokens_max_lifetime", "90 days")
	res = e.asRoot(request{target: "/admin/settings", form: form})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("saving durations in words: %d\n%s", res.Code, textOf(res.doc))
	}
	if e.admin.l.Persistent != 14*24*time.Hour || e.admin.l.Idle != 45*time.Minute || e.admin.cs == nil || e.admin.cs.TokenMaxLifetime != 90*24*time.Hour {
		t.Fatalf("saved %+v %+v", e.admin.l, e.admin.cs)
	}
	form.Set("session_lifetime", "fortnight")
	res = e.asRoot(request{target: "/admin/settings", form: form})
	if res.Code != http.StatusUnprocessableEntity || attr(byID(res.doc, "session_lifetime"), "value") != "fortnight" ||
		textOf(byID(res.doc, "session_lifetime-error")) != "Enter a duration of at least 1 minute, such as 30 days." {
		t.Fatalf("bad duration: %d\n%s", res.Code, textOf(res.doc))
	}
	res = e.asRoot(request{target: "/admin/settings?lang=ru"})
	if got := attr(byID(res.doc, "session_idle_timeout"), "value"); got != "45 минут" {
		t.Fatalf("Russian idle timeout shows %q", got)
	}
}

// settingsForm is the settings form as the page fills it.
func settingsForm(e *adminEnv) url.Values {
	res := e.asRoot(request{target: "/admin/settings"})
	form := url.Values{}
	for _, n := range findAll(res.doc, byTag("input")) {
		switch attr(n, "type") {
		case "checkbox":
			if hasAttr(n, "checked") {
				form.Add(attr(n, "name"), attr(n, "value"))
			}
		case "submit":
		case "hidden":
			form.Add(attr(n, "name"), attr(n, "value"))
		default:
			form.Set(attr(n, "name"), attr(n, "value"))
		}
	}
	for _, n := range findAll(res.doc, byTag("select")) {
		for _, o := range findAll(n, byTag("option")) {
			if hasAttr(o, "selected") {
				form.Set(attr(n, "name"), attr(o, "value"))
			}
		}
	}
	return form
}

// The registration fields are checkboxes in order: Up and Down redraw
// the form with the field moved and everything typed kept, saving
// nothing; saving stores the ticked fields in the shown order, optional
// where ticked.
func TestAdminSettingsRegistrationFields(t *testing.T) {
	e := newAdminEnv(t)
	form := settingsForm(e)
	if len(form["field_order"]) != 10 || form.Has("registration_fields") {
		t.Fatalf("the form's fields: %v", form)
	}
	form.Set("terms_url", "https://example.com/terms")
	form.Add("field_on", "company")
	form.Add("field_optional", "company")
	form.Set("field_move", "up:company")
	res := e.asRoot(request{target: "/admin/settings", form: form})
	if res.Code != http.StatusOK || len(e.admin.called()) != 0 {
		t.Fatalf("moving a field: %d %v", res.Code, e.admin.called())
	}
	var order []string
	for _, n := range findAll(byID(res.doc, "registration_fields"), byTag("input")) {
		if attr(n, "name") == "field_order" {
			order = append(order, attr(n, "value"))
		}
	}
	i := slices.Index(order, "company")
	if i < 0 || i+1 >= len(order) || order[i+1] != "family_name" {
		t.Fatalf("company did not move up: %v", order)
	}
	if attr(byID(res.doc, "terms_url"), "value") != "https://example.com/terms" || !hasAttr(byID(res.doc, "field-on-company"), "checked") ||
		!hasAttr(byID(res.doc, "field-optional-company"), "checked") || byID(res.doc, "field-optional-email") != nil {
		t.Fatalf("the typed values were lost:\n%s", textOf(res.doc))
	}
	if !hasAttr(byID(res.doc, "field-up-"+order[0]), "disabled") || !hasAttr(byID(res.doc, "field-down-"+order[len(order)-1]), "disabled") {
		t.Errorf("the ends of the list can still move outward")
	}
	form = url.Values{} // the redrawn form is what the next request sends
	for _, n := range findAll(res.doc, byTag("input")) {
		if attr(n, "type") != "checkbox" || hasAttr(n, "checked") {
			if attr(n, "type") != "submit" {
				form.Add(attr(n, "name"), attr(n, "value"))
			}
		}
	}
	for _, n := range findAll(res.doc, byTag("select")) {
		for _, o := range findAll(n, byTag("option")) {
			if hasAttr(o, "selected") {
				form.Set(attr(n, "name"), attr(o, "value"))
			}
		}
	}
	// Put company first: move it up until it is.
	for range 10 {
		form.Set("field_move", "up:company")
		res = e.asRoot(request{target: "/admin/settings", form: form})
		form.Del("field_order")
		for _, n := range findAll(byID(res.doc, "registration_fields"), byTag("input")) {
			if attr(n, "name") == "field_order" {
				form.Add("field_order", attr(n, "value"))
			}
		}
	}
	form.Del("field_move")
	res = e.asRoot(request{target: "/admin/settings", form: form})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("saving: %d\n%s", res.Code, textOf(res.doc))
	}
	want := append([]string{"company?"}, account.DefaultRegistrationSettings().FieldNames()...)
	if got := e.admin.rs.FieldNames(); !slices.Equal(got, want) {
		t.Fatalf("saved fields %v, want %v", got, want)
	}
	form.Del("field_on") // no email: refused, explained
	res = e.asRoot(request{target: "/admin/settings", form: form})
	if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "registration_fields-error") == nil {
		t.Fatalf("no fields: %d", res.Code)
	}
}
