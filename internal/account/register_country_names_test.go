package account

import "testing"

// TestCountriesCurrentNames: the list shows the names the countries use
// today, in both languages, not CLDR's older ones.
func TestCountriesCurrentNames(t *testing.T) {
	want := map[string]map[string]string{
		"en": {"MK": "North Macedonia", "SZ": "Eswatini", "TR": "Türkiye"},
		"ru": {"MK": "Северная Македония", "SZ": "Эсватини", "TR": "Турция"},
	}
	for lang, names := range want {
		got := map[string]string{}
		for _, c := range Countries(lang) {
			got[c.Code] = c.Name
		}
		for code, name := range names {
			if got[code] != name {
				t.Errorf("Countries(%q)[%s] = %q, want %q", lang, code, got[code], name)
			}
		}
	}
	for _, c := range Countries("en") {
		switch c.Name {
		case "Macedonia", "Swaziland", "Turkey":
			t.Errorf("Countries(en) still lists the old name %q for %s", c.Name, c.Code)
		}
	}
}
