package account

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reasons of registration field errors, besides ErrRequired, ErrTooShort,
// ErrTooLong and ErrSyntax.
var (
	// ErrMismatch: password_confirm differs from password.
	ErrMismatch = errors.New("does not match")
	// ErrTaken: the login belongs to another account.
	ErrTaken = errors.New("already taken")
	// ErrNotAllowed: the value is not among the choices (country, locale).
	ErrNotAllowed = errors.New("not among the choices")
)

// RegistrationInput is what the registration form sent. Fields the form
// does not have are ignored. Surrounding spaces (not line breaks) are
// trimmed from every field but the passwords.
type RegistrationInput struct {
	Login           string
	Email           string
	Password        string
	PasswordConfirm string
	GivenName       string
	FamilyName      string
	Company         string
	Country         string // ISO 3166-1 alpha-2 (any case)
	Locale          string // a supported language tag
	AcceptTerms     bool
}

// RegistrationError lists every wrong field of a registration form, in
// form order. It wraps ErrInvalid; each entry is a *FieldError whose Field
// is the form field's name (login, not username).
type RegistrationError struct {
	Fields []*FieldError
}

func (e *RegistrationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, fmt.Sprintf("%s: %v", f.Field, f.Reason))
	}
	return "account: invalid registration (" + strings.Join(parts, "; ") + ")"
}

// Unwrap returns ErrInvalid.
func (e *RegistrationError) Unwrap() error { return ErrInvalid }

// Field returns the error of the named field, or nil.
func (e *RegistrationError) Field(name string) *FieldError {
	for _, f := range e.Fields {
		if f.Field == name {
			return f
		}
	}
	return nil
}

// normalized trims the input and drops what the form does not have, so
// nothing the operator did not ask for is stored.
func (in RegistrationInput) normalized(rs RegistrationSettings) RegistrationInput {
	out := RegistrationInput{Email: trimBlanks(in.Email)}
	keep := func(name, v string) string {
		if rs.Has(name) {
			return trimBlanks(v)
		}
		return ""
	}
	out.Login = keep(FieldLogin, in.Login)
	out.GivenName = keep(FieldGivenName, in.GivenName)
	out.FamilyName = keep(FieldFamilyName, in.FamilyName)
	out.Company = keep(FieldCompany, in.Company)
	out.Country = strings.ToUpper(keep(FieldCountry, in.Country))
	out.Locale = keep(FieldLocale, in.Locale)
	if rs.Has(FieldPassword) {
		out.Password = in.Password
		out.PasswordConfirm = in.PasswordConfirm
	}
	out.AcceptTerms = rs.Has(FieldAcceptTerms) && in.AcceptTerms
	return out
}

// trimBlanks trims surrounding spaces but keeps line breaks, so an input
// with CR or LF is refused rather than silently cut (SECURITY 16).
func trimBlanks(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) && r != '\r' && r != '\n' })
}

// CheckRegistration applies the rules of every field the form has to in
// (as sent: it is trimmed here) and returns a *RegistrationError listing
// all that are wrong, or nil. languages are the accepted locale values. It
// reads nothing: uniqueness is checked by Register.
func CheckRegistration(rs RegistrationSettings, in RegistrationInput, languages []string) error {
	in = in.normalized(rs)
	var errs []*FieldError
	for _, f := range rs.Fields {
		if fe := checkRegistrationField(rs, f, in, languages); fe != nil {
			errs = append(errs, fe)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &RegistrationError{Fields: errs}
}

// checkRegistrationField checks one field of normalized input.
func checkRegistrationField(rs RegistrationSettings, f RegistrationField, in RegistrationInput, languages []string) *FieldError {
	value := map[string]string{
		FieldLogin: in.Login, FieldEmail: in.Email, FieldPassword: in.Password,
		FieldPasswordConfirm: in.PasswordConfirm, FieldGivenName: in.GivenName,
		FieldFamilyName: in.FamilyName, FieldCompany: in.Company, FieldCountry: in.Country,
		FieldLocale: in.Locale,
	}[f.Name]
	if f.Name == FieldAcceptTerms {
		if !in.AcceptTerms && !f.Optional {
			return fieldError(FieldAcceptTerms, ErrRequired, "accept the user agreement")
		}
		return nil
	}
	if value == "" {
		if f.Optional {
			return nil
		}
		return fieldError(f.Name, ErrRequired, "")
	}
	return checkFieldValue(rs, f.Name, value, in, languages)
}

// checkFieldValue checks a non-empty value of the named field.
func checkFieldValue(rs RegistrationSettings, name, value string, in RegistrationInput, languages []string) *FieldError {
	var err error
	switch name {
	case FieldLogin:
		err = CheckUsername(value)
	case FieldEmail:
		err = CheckEmail(value)
	case FieldPassword:
		err = rs.Password.Check(value, PolicyContext{Login: in.Login, Email: in.Email, InstanceName: rs.InstanceName})
	case FieldPasswordConfirm:
		if value != in.Password {
			err = fieldError(name, ErrMismatch, "the passwords differ")
		}
	case FieldGivenName, FieldFamilyName, FieldCompany:
		err = checkName(name, value)
	case FieldCountry:
		if !ValidCountry(value) {
			err = fieldError(name, ErrNotAllowed, "an ISO 3166-1 alpha-2 code")
		}
	case FieldLocale:
		if !slices.Contains(languages, value) {
			err = fieldError(name, ErrNotAllowed, "a supported language")
		}
	}
	return asFieldError(name, err)
}

// asFieldError returns err as a *FieldError named after the form field
// (CheckUsername names it username).
func asFieldError(name string, err error) *FieldError {
	if err == nil {
		return nil
	}
	fe, ok := errors.AsType[*FieldError](err)
	if !ok {
		return fieldError(name, ErrSyntax, err.Error())
	}
	out := *fe
	out.Field = name
	return &out
}

// CheckRejectReason accepts a rejection reason of at most 1000 characters
// without control characters other than line breaks and tabs.
func CheckRejectReason(reason string) error {
	switch {
	case !utf8.ValidString(reason) || strings.ContainsFunc(reason, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\t'
	}):
		return fieldError("reason", ErrSyntax, "control characters")
	case utf8.RuneCountInString(reason) > maxReasonRunes:
		return fieldError("reason", ErrTooLong, fmt.Sprintf("at most %d characters", maxReasonRunes))
	}
	return nil
}

// maxReasonRunes bounds a rejection reason.
const maxReasonRunes = 1000
