package ui

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
)

// Kinds of form field.
const (
	kindText     = "text"
	kindEmail    = "email"
	kindPassword = "password"
	kindSelect   = "select"
	kindCheckbox = "checkbox"
)

// fieldSpec says how one registration field is shown.
type fieldSpec struct {
	kind, label, help, autocomplete string
	maxLength                       int
}

// registerFieldSpecs describe every field a registration form may have.
// Names get no maxlength: the page would count UTF-16 units, the server
// counts characters.
var registerFieldSpecs = map[string]fieldSpec{
	account.FieldLogin:           {kindText, "register.field.login.label", "register.field.login.help", "username", account.MaxUsernameRunes},
	account.FieldEmail:           {kindEmail, "register.field.email.label", "register.field.email.help", "email", account.MaxEmailBytes},
	account.FieldPassword:        {kindPassword, "register.field.password.label", "", "new-password", 0},
	account.FieldPasswordConfirm: {kindPassword, "register.field.password_confirm.label", "", "new-password", 0},
	account.FieldGivenName:       {kindText, "register.field.given_name.label", "", "given-name", 0},
	account.FieldFamilyName:      {kindText, "register.field.family_name.label", "", "family-name", 0},
	account.FieldCompany:         {kindText, "register.field.company.label", "", "organization", 0},
	account.FieldCountry:         {kindSelect, "register.field.country.label", "", "country", 0},
	account.FieldAcceptTerms:     {kindCheckbox, "register.field.accept_terms.label", "", "", 0},
	account.FieldLocale:          {kindSelect, "register.field.locale.label", "register.field.locale.help", "off", 0},
}

// Catalog keys the registration pages build in Go.
const (
	optionalKey      = "register.field.optional"
	countryChooseKey = "register.field.country.choose"
	fieldInvalidKey  = "register.error.invalid"
	alertKey         = "register.error.alert"
)

// fieldErrorKeys map a field error to its message: the first entry whose
// field (empty: any) and reason match.
var fieldErrorKeys = []struct {
	field  string
	reason error
	key    string
}{
	{account.FieldAcceptTerms, account.ErrRequired, "register.error.accept_terms"},
	{account.FieldCountry, account.ErrRequired, "register.error.choose"},
	{account.FieldLocale, account.ErrRequired, "register.error.choose"},
	{"", account.ErrRequired, "register.error.required"},
	{account.FieldLogin, account.ErrSyntax, "register.error.login_syntax"},
	{account.FieldLogin, account.ErrTooShort, "register.error.login_length"},
	{account.FieldLogin, account.ErrTooLong, "register.error.login_length"},
	{account.FieldLogin, account.ErrTaken, "register.error.login_taken"},
	{account.FieldEmail, account.ErrSyntax, "register.error.email_syntax"},
	{account.FieldEmail, account.ErrTooLong, "register.error.email_too_long"},
	{account.FieldPassword, account.ErrTooShort, "register.error.password_too_short"},
	{account.FieldPassword, account.ErrTooLong, "register.error.password_too_long"},
	{account.FieldPassword, account.ErrTooCommon, "register.error.password_too_common"},
	{account.FieldPassword, account.ErrContainsIdentity, "register.error.password_contains_identity"},
	{account.FieldPassword, account.ErrMissingClass, "register.error.password_missing_class"},
	{account.FieldPasswordConfirm, account.ErrMismatch, "register.error.password_mismatch"},
	{"", account.ErrSyntax, "register.error.text_syntax"},
	{"", account.ErrTooLong, "register.error.text_too_long"},
	{"", account.ErrNotAllowed, "register.error.choose"},
}

// fieldErrorKey is the catalog key of the message for a field's error.
func fieldErrorKey(field string, reason error) string {
	for _, e := range fieldErrorKeys {
		if (e.field == "" || e.field == field) && e.reason == reason {
			return e.key
		}
	}
	return fieldInvalidKey
}

// registerMessageKeys lists the catalog keys the registration code asks
// for, so New can check them.
func registerMessageKeys() []string {
	keys := []string{optionalKey, countryChooseKey, fieldInvalidKey, alertKey, verifyWrongPasswordKey, captchaLimitedKey}
	keys = append(keys, passwordPolicyKeys()...)
	for _, s := range registerFieldSpecs {
		keys = append(keys, s.label)
		if s.help != "" {
			keys = append(keys, s.help)
		}
	}
	for _, e := range fieldErrorKeys {
		keys = append(keys, e.key)
	}
	return keys
}

// formFields builds the configured fields in lang, with what f holds.
func (u *UI) formFields(lang string, rs account.RegistrationSettings, f registerForm) []formField {
	out := make([]formField, 0, len(rs.Fields))
	for _, rf := range rs.Fields {
		spec, ok := registerFieldSpecs[rf.Name]
		if !ok {
			continue
		}
		ff := formField{
			Name: rf.Name, Kind: spec.kind, Label: u.bundle.T(lang, spec.label),
			Error: f.errs[rf.Name], Value: f.values[rf.Name], Required: !rf.Optional,
			Autocomplete: spec.autocomplete, MaxLength: spec.maxLength,
		}
		if spec.help != "" {
			ff.Help = u.bundle.T(lang, spec.help)
		}
		if rf.Optional {
			ff.Label = u.bundle.T(lang, optionalKey, "label", ff.Label)
		}
		u.completeField(lang, rs, &ff)
		out = append(out, ff)
	}
	return out
}

// completeField adds what a field's kind needs: choices, the checkbox
// state, the terms link.
func (u *UI) completeField(lang string, rs account.RegistrationSettings, ff *formField) {
	switch ff.Name {
	case account.FieldCountry:
		ff.Options = countryOptions(lang, strings.ToUpper(strings.TrimSpace(ff.Value)), u.bundle.T(lang, countryChooseKey))
	case account.FieldLocale:
		for _, code := range u.bundle.Supported() {
			ff.Options = append(ff.Options, fieldOption{Value: code, Label: u.bundle.T(code, langNameKey), Selected: code == ff.Value})
		}
	case account.FieldPassword:
		ff.Help = u.passwordHint(lang, rs.Password)
		ff.Live = u.newPasswordLive(lang, rs.Password)
		if !rs.Has(account.FieldPasswordConfirm) {
			ff.Live.Confirm = ""
		}
	case account.FieldAcceptTerms:
		ff.Checked, ff.Value = ff.Value == "1", ""
		ff.TermsURL = rs.TermsURL
	}
}

// countryOptions is the country list in lang, led by an empty choice.
func countryOptions(lang, selected, choose string) []fieldOption {
	list := account.Countries(lang)
	opts := make([]fieldOption, 0, len(list)+1)
	opts = append(opts, fieldOption{Value: "", Label: choose, Selected: selected == ""})
	for _, ct := range list {
		opts = append(opts, fieldOption{Value: ct.Code, Label: ct.Name, Selected: ct.Code == selected})
	}
	return opts
}

// allowCaptchaSources widens the response's Content-Security-Policy for a
// vendor's captcha widget. Sources that could break out of a directive
// are dropped.
func allowCaptchaSources(c *gin.Context, csp CaptchaCSP) {
	h := c.Writer.Header()
	policy := h.Get("Content-Security-Policy")
	if policy == "" {
		return
	}
	policy = addCSPSources(policy, "script-src", csp.Script)
	policy = addCSPSources(policy, "frame-src", csp.Frame)
	policy = addCSPSources(policy, "connect-src", csp.Connect)
	policy = addCSPSources(policy, "style-src", csp.Style)
	h.Set("Content-Security-Policy", policy)
}

// addCSPSources appends srcs to directive in policy, adding the directive
// (with 'self') when the policy lacks it.
func addCSPSources(policy, directive string, srcs []string) string {
	var clean []string
	for _, s := range srcs {
		if s != "" && !strings.ContainsAny(s, " ;,'\"\r\n") {
			clean = append(clean, s)
		}
	}
	if len(clean) == 0 {
		return policy
	}
	parts := strings.Split(policy, ";")
	for i, p := range parts {
		if f := strings.Fields(p); len(f) > 0 && f[0] == directive {
			parts[i] = " " + strings.Join(append(f, clean...), " ")
			return strings.TrimSpace(strings.Join(parts, ";"))
		}
	}
	return policy + "; " + directive + " 'self' " + strings.Join(clean, " ")
}
