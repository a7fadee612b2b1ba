package server_test

import (
	"image/color"
	"net/http"
	"strings"
	"testing"
)

// TestBrandingConsole: the console's branding page saves a name, colour
// and logo (multipart upload); refused input comes back with the name and
// colour as typed, the reason per field, and nothing saved.
func TestBrandingConsole(t *testing.T) {
	srv := startRegServer(t, nil)
	rp, _ := adminRP(t, srv)
	status, _, body := rp.get("/admin/branding")
	if status != http.StatusOK || !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `type="file"`) {
		t.Fatalf("GET /admin/branding: %d\n%s", status, mainText(body))
	}
	if _, _, settings := rp.get("/admin/settings"); !strings.Contains(settings, `href="/admin/branding"`) {
		t.Error("the settings page does not link the branding page")
	}

	status, _, body = rp.postMultipart("/admin/branding", map[string]string{"display_name": "Console Co", "primary_color": "#fde047"},
		map[string][]byte{"logo": []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("bad branding: %d\n%s", status, mainText(body))
	}
	for _, want := range []string{`value="Console Co"`, `value="#fde047"`, "4.5:1", "scripts, event handlers", "choose the files again"} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused form lacks %q:\n%s", want, mainText(body))
		}
	}
	if _, _, login := rp.get("/login"); strings.Contains(login, "Console Co") {
		t.Fatal("a refused form was saved")
	}

	status, loc, body := rp.postMultipart("/admin/branding", map[string]string{"display_name": "Console Co", "primary_color": "#7c2d12"},
		map[string][]byte{"logo": brandPNG(t, 60, 20, color.RGBA{0x7c, 0x2d, 0x12, 0xff})})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/branding?") {
		t.Fatalf("save: %d %s\n%s", status, loc, mainText(body))
	}
	_, _, body = rp.get(loc)
	if !strings.Contains(body, "The branding is saved.") || !strings.Contains(body, `class="branding-preview" src="/branding/logo-`) {
		t.Fatalf("after saving:\n%s", body)
	}
	_, _, login := newRelyingParty(t, srv.Server, "none", "").get("/login")
	if !strings.Contains(login, "<span>Console Co</span>") || !strings.Contains(login, `<img class="brand-logo" src="/branding/logo-`) {
		t.Fatalf("the sign-in page does not show the console's branding:\n%s", login)
	}

	status, loc, _ = rp.postMultipart("/admin/branding", map[string]string{"display_name": "", "primary_color": "", "remove_logo": "1"}, nil)
	if status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", status, loc)
	}
	_, _, login = newRelyingParty(t, srv.Server, "none", "").get("/login")
	if strings.Contains(login, "Console Co") || strings.Contains(login, "/branding/") {
		t.Fatal("the branding was not reset")
	}
}
