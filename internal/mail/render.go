package mail

import (
	"bytes"
	"errors"
	"fmt"
	htemplate "html/template"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	ttemplate "text/template"

	"github.com/gatehouse/gatehouse/internal/i18n"
)

// The letters, by template name (Letter.Template, OutboxMessage.Kind).
const (
	VerifyEmail          = "verify_email"          // Data: Link (required), Name
	Activate             = "activate"              // Data: Link (required), Name
	AlreadyRegistered    = "already_registered"    // Data: Name, Login
	AwaitingApproval     = "awaiting_approval"     // Data: Name
	AccountActive        = "account_active"        // Data: Name
	RegistrationRejected = "registration_rejected" // Data: Name, Reason
	ResetLink            = "reset_link"            // Data: Link (required), Minutes, Name
	ResetConfirm         = "reset_confirm"         // Data: Link (required), Minutes, Name
	ResetTemporary       = "reset_temporary"       // Data: Password and Link (required), Minutes, Name
	ResetComplete        = "reset_complete"        // Data: Name
	PasswordChanged      = "password_changed"      // Data: Name
	EmailChangeConfirm   = "email_change_confirm"  // Data: Link (required), Name
	EmailChangeNotice    = "email_change_notice"   // Data: NewEmail (required), Name
	// Two-step verification (internal/account mfa.go).
	MFAEnabled             = "mfa_enabled"              // Data: Name
	MFADisabled            = "mfa_disabled"             // Data: Name, ByAdmin
	MFARecoveryRegenerated = "mfa_recovery_regenerated" // Data: Name
	MFARecoveryUsed        = "mfa_recovery_used"        // Data: Name, Left
	TokenCreated           = "token_created"            // Data: TokenName, Scopes, Expires, Link, Name
	NewSignIn              = "new_signin"               // Data: Browser, IP, Time, Link, Name
	Goodbye                = "goodbye"                  // Data: Name
	Invitation             = "invitation"               // Data: Link (required), Name; issue 16
	// Passkeys (internal/account passkeys.go).
	PasskeyChanged = "passkey_changed" // Data: Name, Change (added, renamed, removed), Passkey, ByAdmin
)

// Templates lists every letter.
func Templates() []string {
	return []string{VerifyEmail, Activate, AlreadyRegistered, AwaitingApproval, AccountActive, RegistrationRejected,
		ResetLink, ResetConfirm, ResetTemporary, ResetComplete, PasswordChanged, EmailChangeConfirm, EmailChangeNotice,
		MFAEnabled, MFADisabled, MFARecoveryRegenerated, MFARecoveryUsed, PasskeyChanged,
		TokenCreated, NewSignIn, Goodbye, Invitation}
}

// requiredData names the Data keys a letter cannot do without.
var requiredData = map[string][]string{
	VerifyEmail:        {"Link"},
	Activate:           {"Link"},
	ResetLink:          {"Link"},
	ResetConfirm:       {"Link"},
	ResetTemporary:     {"Password", "Link"},
	EmailChangeConfirm: {"Link"},
	EmailChangeNotice:  {"NewEmail"},
	Invitation:         {"Link"},
}

// Template names every letter file defines, and the shared layout's.
const (
	layoutTemplate  = "layout"
	subjectTemplate = "subject"
	bodyTemplate    = "body"
	layoutFile      = "layout" // layout.txt, layout.html: parsed into every letter
)

// letterView is the root value of every letter template.
type letterView struct {
	Lang     string
	Instance string // the display name of the branding, or the configured name
	Issuer   string
	Data     map[string]any
	// LogoURL is the absolute URL of the branding's logo, empty without
	// one; Color the primary colour (#rrggbb) of buttons and links.
	LogoURL string
	Color   string
}

// defaultColor is the letters' colour without a branding colour (the
// pages' built-in primary colour).
const defaultColor = "#1d4ed8"

// colorPattern is the only colour form put in a letter's inline style.
var colorPattern = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// Brand is what letters show of the instance's branding
// (internal/branding): Name replaces Options.InstanceName when set,
// LogoPath is the logo's path under the issuer (/branding/logo-....png),
// Color the primary colour, #rrggbb in lower case.
type Brand struct {
	Name     string
	LogoPath string
	Color    string
}

// button is the argument of the "button" template: a link shown as a
// button in HTML and as "label:\nURL" in text.
type button struct {
	URL   string
	Label string
}

// rendered is one letter in one language.
type rendered struct {
	Subject string
	Text    string
	HTML    string
}

// letterPair is one letter's two parsed parts.
type letterPair struct {
	text *ttemplate.Template
	html *htemplate.Template
}

// letterSet holds every letter parsed for every language: [lang][name].
type letterSet map[string]map[string]letterPair

// loadLetters parses layout.txt/layout.html plus each letter's pair once
// per supported language, with t bound to that language and link to the
// issuer.
func loadLetters(fsys fs.FS, b *i18n.Bundle, link func(string, url.Values) string, color string) (letterSet, error) {
	set := letterSet{}
	for _, lang := range b.Supported() {
		funcs := letterFuncs(b, lang, link, color)
		textBase, err := ttemplate.New(layoutFile+".txt").Funcs(funcs).ParseFS(fsys, layoutFile+".txt")
		if err != nil {
			return nil, fmt.Errorf("parse text layout: %w", err)
		}
		htmlBase, err := htemplate.New(layoutFile+".html").Funcs(funcs).ParseFS(fsys, layoutFile+".html")
		if err != nil {
			return nil, fmt.Errorf("parse HTML layout: %w", err)
		}
		set[lang] = map[string]letterPair{}
		for _, name := range Templates() {
			pair, err := parseLetter(fsys, textBase, htmlBase, name)
			if err != nil {
				return nil, err
			}
			set[lang][name] = pair
		}
	}
	return set, nil
}

func parseLetter(fsys fs.FS, textBase *ttemplate.Template, htmlBase *htemplate.Template, name string) (letterPair, error) {
	tc, err := textBase.Clone()
	if err != nil {
		return letterPair{}, fmt.Errorf("copy text layout for %s: %w", name, err)
	}
	hc, err := htmlBase.Clone()
	if err != nil {
		return letterPair{}, fmt.Errorf("copy HTML layout for %s: %w", name, err)
	}
	var p letterPair
	if p.text, err = tc.ParseFS(fsys, name+".txt"); err != nil {
		return letterPair{}, fmt.Errorf("parse %s.txt: %w", name, err)
	}
	if p.html, err = hc.ParseFS(fsys, name+".html"); err != nil {
		return letterPair{}, fmt.Errorf("parse %s.html: %w", name, err)
	}
	for _, def := range []string{layoutTemplate, subjectTemplate, bodyTemplate} {
		if d := p.text.Lookup(def); d == nil || d.Tree == nil {
			return letterPair{}, fmt.Errorf("%s.txt: no %q template", name, def)
		}
		if d := p.html.Lookup(def); d == nil || d.Tree == nil {
			return letterPair{}, fmt.Errorf("%s.html: no %q template", name, def)
		}
	}
	return p, nil
}

// letterFuncs are the template functions of one language:
//
//	t "key" [name value]...  the catalog message; a key missing from the
//	                         language and from English is an error
//	link "/path"             the absolute URL of path under the issuer
//	action URL LABEL         the argument of the "button" template
//	color                    the primary colour, #rrggbb (the branding's)
func letterFuncs(b *i18n.Bundle, lang string, link func(string, url.Values) string, color string) map[string]any {
	return map[string]any{
		"color": func() string { return color },
		"t": func(key string, args ...any) (string, error) {
			if _, ok := b.Message(lang, key); !ok {
				if _, ok := b.Message(i18n.Default, key); !ok {
					return "", fmt.Errorf("no message %q in the %s or %s catalog", key, lang, i18n.Default)
				}
			}
			return b.T(lang, key, args...), nil
		},
		"link": func(p string) string { return link(p, nil) },
		"action": func(u any, label string) (button, error) {
			s, ok := u.(string)
			if !ok || s == "" {
				return button{}, errors.New("action: the link is missing or not a string")
			}
			return button{URL: s, Label: label}, nil
		},
	}
}

// render executes letter name in lang: the text subject and body, then the
// HTML body.
func (s letterSet) render(lang, name string, v letterView) (rendered, error) {
	pair, ok := s[lang][name]
	if !ok {
		return rendered{}, fmt.Errorf("no letter %q in language %q", name, lang)
	}
	var subj, text, html bytes.Buffer
	if err := pair.text.ExecuteTemplate(&subj, subjectTemplate, v); err != nil {
		return rendered{}, fmt.Errorf("render %s subject: %w", name, err)
	}
	if err := pair.text.ExecuteTemplate(&text, layoutTemplate, v); err != nil {
		return rendered{}, fmt.Errorf("render %s.txt: %w", name, err)
	}
	if err := pair.html.ExecuteTemplate(&html, layoutTemplate, v); err != nil {
		return rendered{}, fmt.Errorf("render %s.html: %w", name, err)
	}
	r := rendered{Subject: strings.TrimSpace(subj.String()), Text: text.String(), HTML: html.String()}
	if r.Subject == "" {
		return rendered{}, fmt.Errorf("letter %s has an empty subject in %s", name, lang)
	}
	return r, nil
}

// selfCheck renders every letter in every language with sample data, so a
// broken template or a missing message fails at start-up.
func (s letterSet) selfCheck(view func(lang string, data map[string]any) letterView) error {
	for lang, letters := range s {
		for name := range letters {
			data := map[string]any{"Link": view(lang, nil).Issuer + "/check", "Name": "N", "Login": "L", "Reason": "R"}
			if _, err := s.render(lang, name, view(lang, data)); err != nil {
				return err
			}
		}
	}
	return nil
}
