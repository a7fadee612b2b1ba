package account

import "fmt"

// ResetStyle is how a user who forgot their password gets a new one.
type ResetStyle string

// Reset styles.
const (
	// ResetLink: a letter with a link to a page that sets a new password.
	ResetLink ResetStyle = "link"
	// ResetGenerated: a letter with a link to confirm the request; the
	// confirmation shows a generated password once and a second letter
	// says the reset is complete.
	ResetGenerated ResetStyle = "generated"
	// ResetTemporary: a letter with a temporary password that works once
	// and must be changed at once.
	ResetTemporary ResetStyle = "temporary"
)

// Valid reports whether s is one of the styles.
func (s ResetStyle) Valid() bool { return s == ResetLink || s == ResetGenerated || s == ResetTemporary }

// ResetStyles lists the reset styles.
func ResetStyles() []ResetStyle { return []ResetStyle{ResetLink, ResetGenerated, ResetTemporary} }

// ResetIdentify is what the reset request form asks for.
type ResetIdentify string

// Ways to identify the account on the reset request form.
const (
	// IdentifyEmail: the email address alone.
	IdentifyEmail ResetIdentify = "email"
	// IdentifyLoginAndEmail: the login and the email address, which must
	// belong to the same account.
	IdentifyLoginAndEmail ResetIdentify = "login_and_email"
)

// ResetSettings say how password reset works on this instance.
type ResetSettings struct {
	// Style is empty for the default, link.
	Style ResetStyle
	// Identify is empty for the style's default: login_and_email for
	// generated, email otherwise.
	Identify ResetIdentify
}

// Normalized fills in the default style.
func (s ResetSettings) Normalized() ResetSettings {
	if s.Style == "" {
		s.Style = ResetLink
	}
	return s
}

// Validate reports an unknown style or identification.
func (s ResetSettings) Validate() error {
	if !s.Normalized().Style.Valid() {
		return fmt.Errorf("account: reset style %q is not link, generated or temporary", s.Style)
	}
	switch s.Identify {
	case "", IdentifyEmail, IdentifyLoginAndEmail:
		return nil
	}
	return fmt.Errorf("account: reset identification %q is not email or login_and_email", s.Identify)
}

// EffectiveIdentify is Identify, or the style's default when it is empty.
func (s ResetSettings) EffectiveIdentify() ResetIdentify {
	switch {
	case s.Identify != "":
		return s.Identify
	case s.Style == ResetGenerated:
		return IdentifyLoginAndEmail
	}
	return IdentifyEmail
}
