package mail

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// Letters carry the branding: its name in the text and HTML parts, its
// logo as an absolute URL under the issuer, and its colour on the button.
func TestLettersUseBranding(t *testing.T) {
	m := newTestMailer(t, Options{Brand: func(context.Context) (Brand, error) {
		return Brand{Name: "Acme ID", LogoPath: "/branding/logo-0123456789abcdef.png", Color: "#0f766e"}, nil
	}})
	o := &memOutbox{}
	link := m.Link("/verify", url.Values{"token": {"x"}})
	if err := m.Enqueue(context.Background(), o, Letter{To: "anna@example.org", Template: VerifyEmail, Data: map[string]any{"Link": link}}); err != nil {
		t.Fatal(err)
	}
	msg := o.msgs[0]
	logo := m.Issuer() + "/branding/logo-0123456789abcdef.png"
	for _, want := range []string{`<img src="` + logo + `"`, "Acme ID", "background-color:#0f766e", "border-top:4px solid #0f766e"} {
		if !strings.Contains(msg.HTMLBody, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, msg.HTMLBody)
		}
	}
	if strings.Contains(msg.HTMLBody, "#1d4ed8") {
		t.Error("HTML part still has the built-in colour")
	}
	if !strings.Contains(msg.TextBody, "Acme ID") {
		t.Errorf("text part lacks the name:\n%s", msg.TextBody)
	}
}

// A branding that cannot be read, or holds a bad value, never stops a
// letter: it goes out with the configured name and the built-in colour.
func TestLettersFallBackFromBadBranding(t *testing.T) {
	for name, brand := range map[string]func(context.Context) (Brand, error){
		"read fails": func(context.Context) (Brand, error) { return Brand{}, errors.New("database down") },
		"bad values": func(context.Context) (Brand, error) {
			return Brand{Name: "Evil\r\nBcc: x@example.net", Color: "red;background:url(x)"}, nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := newTestMailer(t, Options{InstanceName: "Configured", Brand: brand})
			o := &memOutbox{}
			if err := m.Enqueue(context.Background(), o, Letter{To: "anna@example.org", Template: AwaitingApproval}); err != nil {
				t.Fatal(err)
			}
			msg := o.msgs[0]
			if !strings.Contains(msg.HTMLBody, "Configured") || strings.Contains(msg.HTMLBody, "Evil") ||
				strings.Contains(msg.HTMLBody, "url(x)") || strings.Contains(msg.HTMLBody, "<img") {
				t.Fatalf("letter:\n%s", msg.HTMLBody)
			}
		})
	}
}
