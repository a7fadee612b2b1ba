package ui

import (
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/mfa"
)

// settingsFields are the settings form's fields that can be refused, in
// form order.
var settingsFields = []string{"registration_mode", "registration_fields", "terms_url", "captcha_provider",
	"signin_captcha_after", "reset_style", "reset_identify", "password_min_length", "password_require",
	"session_lifetime", "session_max_lifetime", "session_idle_timeout", "mfa_policy"}

// adminSettingsForm is the .Data of the settings form.
type adminSettingsForm struct {
	adminNav
	In      settingsInput
	Fields  map[string]adminField // the text and select fields, by name
	Classes []choice
	// FieldRows are the registration form's fields, in order.
	FieldRows []regFieldRow
	// Errors holds the translated message of each refused field; "" is
	// the form as a whole.
	Errors map[string]string
}

// adminField is one text or select field of a console form.
type adminField struct {
	Name, Kind, Label, Help, Error, Value string
	Options                               []choice
}

// HasErrors reports whether the form shows an error.
func (f adminSettingsForm) HasErrors() bool { return len(f.Errors) > 0 }

// settingsHelp are the fields with a hint (admin.settings.<name>_help).
var settingsHelp = []string{"registration_mode", "registration_fields", "terms_url", "captcha_provider", "signin_captcha_after",
	"password_min_length", "mfa_policy"}

// renderSettings shows the form with in and the messages of the refused
// fields bad.
func (u *UI) renderSettings(c *gin.Context, status int, in settingsInput, bad []string, nav adminNav) {
	lang := u.lang(c)
	nav.Nav = "settings"
	f := adminSettingsForm{adminNav: nav, In: in, Fields: map[string]adminField{}}
	if len(bad) > 0 {
		f.Errors = map[string]string{}
		for _, field := range bad {
			f.Errors[field] = u.bundle.T(lang, settingsErrorKey(field))
		}
	}
	field := func(name, value string) adminField {
		af := adminField{Name: name, Kind: "text", Label: u.bundle.T(lang, "admin.settings."+name), Value: value,
			Error: f.Errors[name]}
		if slices.Contains(settingsHelp, name) {
			af.Help = u.bundle.T(lang, "admin.settings."+name+"_help")
		}
		return af
	}
	selectField := func(name, prefix string, values []string, current string) {
		af := field(name, current)
		af.Kind = "select"
		for _, v := range values {
			af.Options = append(af.Options, choice{Value: v, Label: u.bundle.T(lang, prefix+optionKey(v)), Checked: v == current})
		}
		f.Fields[name] = af
	}
	selectField("registration_mode", "admin.settings.mode.", settingsModes, in.Mode)
	selectField("captcha_provider", "admin.settings.captcha.", settingsCaptchas, in.Captcha)
	selectField("reset_style", "admin.settings.reset_style.", resetStyleNames(), in.ResetStyle)
	selectField("reset_identify", "admin.settings.identify.", settingsIdentify, in.ResetIdentify)
	selectField("mfa_policy", "admin.settings.mfa_policy.", mfaPolicyNames(), in.MFAPolicy)
	f.Fields["registration_fields"] = field("registration_fields", in.Fields)
	f.FieldRows = u.fieldRows(lang, in)
	f.Fields["terms_url"] = field("terms_url", in.TermsURL)
	f.Fields["password_min_length"] = field("password_min_length", in.MinLength)
	f.Fields["signin_captcha_after"] = field("signin_captcha_after", in.CaptchaAfter)
	for _, name := range settingsDurations {
		af := field(name, in.Durations[name])
		af.Help = u.bundle.T(lang, durationHelpKey(name))
		f.Fields[name] = af
	}
	for name, af := range u.consoleSettingsFormFields(lang, in.Console, f.Errors) {
		if name == "tokens_max_lifetime" {
			af.Help = u.bundle.T(lang, durationHelpKey(name))
		}
		f.Fields[name] = af
	}
	for _, cl := range account.PasswordClasses() {
		f.Classes = append(f.Classes, choice{Value: cl, Label: u.bundle.T(lang, "admin.settings.class."+cl),
			Checked: slices.Contains(in.Require, cl)})
	}
	u.Render(c, status, adminSettingsTemplate, f)
}

// optionKey is the catalog suffix of an option value ("" is "default").
func optionKey(v string) string {
	if v == "" {
		return "default"
	}
	return v
}

// mfaPolicyNames are the values of the mfa_policy field.
func mfaPolicyNames() []string {
	var out []string
	for _, p := range mfa.Policies() {
		out = append(out, string(p))
	}
	return out
}

// mfaPolicyOf is the settings' MFA policy, optional when unset.
func mfaPolicyOf(rs account.RegistrationSettings) string {
	if rs.MFAPolicy == "" {
		return string(mfa.PolicyOptional)
	}
	return string(rs.MFAPolicy)
}

func resetStyleNames() []string {
	var out []string
	for _, s := range account.ResetStyles() {
		out = append(out, string(s))
	}
	return out
}

// settingsErrorKey is the catalog key of a refused settings field.
func settingsErrorKey(field string) string {
	if field == "" {
		return settingsFormErrorKey
	}
	if isDurationField(field) {
		return "console2.settings.error." + field
	}
	return "admin.settings.error." + field
}

// adminSettingsMessageKeys lists the keys the settings form builds in Go.
func adminSettingsMessageKeys() []string {
	keys := []string{settingsFormErrorKey, "admin.settings.notice.saved"}
	for _, f := range settingsFields {
		keys = append(keys, settingsErrorKey(f))
		if f != "password_require" {
			keys = append(keys, "admin.settings."+f)
		}
	}
	for _, f := range settingsHelp {
		keys = append(keys, "admin.settings."+f+"_help")
	}
	add := func(prefix string, values []string) {
		for _, v := range values {
			keys = append(keys, prefix+optionKey(v))
		}
	}
	add("admin.settings.mode.", settingsModes)
	add("admin.settings.captcha.", settingsCaptchas)
	add("admin.settings.reset_style.", resetStyleNames())
	add("admin.settings.identify.", settingsIdentify)
	add("admin.settings.class.", account.PasswordClasses())
	add("admin.settings.mfa_policy.", mfaPolicyNames())
	for _, name := range append(slices.Clone(settingsDurations), "tokens_max_lifetime") {
		keys = append(keys, durationHelpKey(name))
	}
	keys = append(keys, durationMessageKeys()...)
	keys = append(keys, fieldRowKeys()...)
	return append(keys, consoleSettingsMessageKeys()...)
}
