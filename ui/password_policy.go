package ui

import (
	"strings"

	"github.com/gatehouse/gatehouse/internal/account"
)

// Catalog keys of the password policy hint shown beside every new
// password field.
const (
	passwordLengthKey  = "register.password.length"
	passwordRequireKey = "register.password.require"
	passwordRefusedKey = "register.password.refused"
	passwordAdviceKey  = "register.field.password.help"
)

// passwordClassKey is the catalog key naming a character class.
func passwordClassKey(class string) string { return "register.password.class." + class }

// passwordPolicyKeys lists the catalog keys the hint and the password
// messages ask for.
func passwordPolicyKeys() []string {
	keys := []string{passwordLengthKey, passwordRequireKey, passwordRefusedKey, passwordAdviceKey}
	for _, c := range account.PasswordClasses() {
		keys = append(keys, passwordClassKey(c))
	}
	return keys
}

// passwordHint says, in lang, which passwords policy p accepts.
func (u *UI) passwordHint(lang string, p account.PasswordPolicy) string {
	p = p.Normalized()
	parts := []string{u.bundle.T(lang, passwordLengthKey, "min", p.MinLength, "max", p.MaxLength)}
	if len(p.Require) > 0 {
		classes := make([]string, 0, len(p.Require))
		for _, c := range p.Require {
			classes = append(classes, u.bundle.T(lang, passwordClassKey(c)))
		}
		parts = append(parts, u.bundle.T(lang, passwordRequireKey, "classes", strings.Join(classes, ", ")))
	}
	parts = append(parts, u.bundle.T(lang, passwordRefusedKey), u.bundle.T(lang, passwordAdviceKey))
	return strings.Join(parts, " ")
}

// fieldMessage translates a field error; password messages name the
// lengths and the missing class of policy p.
func (u *UI) fieldMessage(lang string, fe *account.FieldError, p account.PasswordPolicy) string {
	key := fieldErrorKey(fe.Field, fe.Reason)
	if fe.Field != account.FieldPassword {
		return u.bundle.T(lang, key)
	}
	p = p.Normalized()
	if fe.Reason == account.ErrMissingClass {
		return u.bundle.T(lang, key, "class", u.bundle.T(lang, passwordClassKey(fe.Detail)))
	}
	return u.bundle.T(lang, key, "min", p.MinLength, "max", p.MaxLength)
}
