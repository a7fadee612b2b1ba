package ui

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/personaltoken"
)

// The account console's settings (issue 14) on the settings form:
// tokens_scopes (space-separated), tokens_max_lifetime ("365d"),
// notify_new_device and self_delete (checkboxes).

// consoleSettingsMarker is a hidden field of the form: the console
// settings are applied only from a form that has them, so a form (or a
// script) without them leaves them as they are.
const consoleSettingsMarker = "console_settings"

// consoleSettingsFields are the console fields that can be refused.
var consoleSettingsFields = []string{"tokens_scopes", "tokens_max_lifetime"}

// consoleInput is the console part of the settings form as typed.
type consoleInput struct {
	Scopes, MaxLifetime         string
	NotifyNewDevice, SelfDelete bool
}

func consoleInputOf(cs account.ConsoleSettings) consoleInput {
	return consoleInput{Scopes: strings.Join(cs.TokenScopes, " "), MaxLifetime: account.FormatDays(cs.TokenMaxLifetime),
		NotifyNewDevice: cs.NotifyNewDevice, SelfDelete: cs.SelfDelete}
}

func consoleInputFrom(form url.Values) consoleInput {
	keep := func(name string) string { return strings.TrimSpace(truncateUTF8(form.Get(name), maxKeptValue)) }
	return consoleInput{Scopes: keep("tokens_scopes"), MaxLifetime: keep("tokens_max_lifetime"),
		NotifyNewDevice: checked(form.Get("notify_new_device")), SelfDelete: checked(form.Get("self_delete"))}
}

// applyConsoleSettings applies in to cs, each field tried alone; bad
// lists the refused fields.
func applyConsoleSettings(cs account.ConsoleSettings, in consoleInput) (account.ConsoleSettings, []string) {
	var bad []string
	next := cs
	scopes := strings.FieldsFunc(in.Scopes, func(r rune) bool { return r == ',' || r == ' ' })
	probe := cs
	probe.TokenScopes = scopes
	if len(scopes) == 0 || probe.Validate() != nil {
		bad = append(bad, "tokens_scopes")
	} else {
		next.TokenScopes = scopes
	}
	d, err := account.ParseDays(in.MaxLifetime)
	probe = cs
	probe.TokenMaxLifetime = d
	if err != nil || probe.Validate() != nil {
		bad = append(bad, "tokens_max_lifetime")
	} else {
		next.TokenMaxLifetime = d
	}
	next.NotifyNewDevice, next.SelfDelete = in.NotifyNewDevice, in.SelfDelete
	return next, bad
}

// sameConsoleSettings reports whether a and b store the same values.
func sameConsoleSettings(a, b account.ConsoleSettings) bool {
	return slices.Equal(a.TokenScopes, b.TokenScopes) && a.TokenMaxLifetime == b.TokenMaxLifetime &&
		a.NotifyNewDevice == b.NotifyNewDevice && a.SelfDelete == b.SelfDelete
}

// consoleSettingsFormFields are the text fields of the console settings.
func (u *UI) consoleSettingsFormFields(lang string, in consoleInput, errs map[string]string) map[string]adminField {
	return map[string]adminField{
		"tokens_scopes": {Name: "tokens_scopes", Kind: "text", Label: u.bundle.T(lang, "tokens.settings.scopes"),
			Help:  u.bundle.T(lang, "tokens.settings.scopes_help") + " (" + strings.Join(personaltoken.Scopes()[:3], " ") + ")",
			Value: in.Scopes, Error: errs["tokens_scopes"]},
		"tokens_max_lifetime": {Name: "tokens_max_lifetime", Kind: "text", Label: u.bundle.T(lang, "tokens.settings.max_lifetime"),
			Help: u.bundle.T(lang, "tokens.settings.max_lifetime_help"), Value: in.MaxLifetime, Error: errs["tokens_max_lifetime"]},
	}
}

// consoleSettingsMessageKeys lists the keys the console settings build.
func consoleSettingsMessageKeys() []string {
	keys := []string{"tokens.settings.scopes", "tokens.settings.scopes_help", "tokens.settings.max_lifetime",
		"tokens.settings.max_lifetime_help"}
	for _, f := range consoleSettingsFields {
		keys = append(keys, settingsErrorKey(f))
	}
	return keys
}
