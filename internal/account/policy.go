package account

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/storage"
)

// Reasons of password policy refusals, besides ErrRequired, ErrTooShort
// and ErrTooLong.
var (
	// ErrTooCommon: the password is among the most common ones.
	ErrTooCommon = errors.New("too common")
	// ErrContainsIdentity: the password contains the login, the email
	// address's local part or the instance name.
	ErrContainsIdentity = errors.New("contains the login, email or instance name")
	// ErrMissingClass: the password lacks a character class the policy
	// requires; the FieldError's Detail is the class (ClassUpper, ...).
	ErrMissingClass = errors.New("missing a required kind of character")
)

// Character classes a policy may require.
const (
	ClassUpper  = "upper"
	ClassLower  = "lower"
	ClassDigit  = "digit"
	ClassSymbol = "symbol"
)

// PasswordClasses lists the classes a policy may require, in their usual
// order.
func PasswordClasses() []string { return []string{ClassUpper, ClassLower, ClassDigit, ClassSymbol} }

// DefaultMinPasswordLength is the shortest password a policy accepts by
// default, and the least a policy may set.
const DefaultMinPasswordLength = MinPasswordRunes

// minIdentityRunes: an email local part shorter than this is not looked
// for in passwords.
const minIdentityRunes = 3

// PasswordPolicy says which new passwords are accepted. Lengths count
// characters (runes). Zero lengths take the defaults (8 and 128).
type PasswordPolicy struct {
	MinLength int
	MaxLength int
	// Require lists classes (ClassUpper, ClassLower, ClassDigit,
	// ClassSymbol) each password must contain; empty: none.
	Require []string
}

// PolicyContext is what a password must not contain.
type PolicyContext struct {
	Login        string
	Email        string
	InstanceName string
}

// DefaultPasswordPolicy is the policy of a fresh instance: 8 to 128
// characters, no composition rules.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: DefaultMinPasswordLength, MaxLength: MaxPasswordRunes}
}

// withDefaults fills zero lengths.
func (p PasswordPolicy) withDefaults() PasswordPolicy {
	if p.MinLength == 0 {
		p.MinLength = DefaultMinPasswordLength
	}
	if p.MaxLength == 0 {
		p.MaxLength = MaxPasswordRunes
	}
	return p
}

// Normalized returns p with the default lengths filled and the classes in
// their usual order, without repeats.
func (p PasswordPolicy) Normalized() PasswordPolicy {
	p = p.withDefaults()
	var req []string
	for _, c := range PasswordClasses() {
		if slices.Contains(p.Require, c) {
			req = append(req, c)
		}
	}
	p.Require = req
	return p
}

// Validate applies the rules the configuration applies: a minimum length
// from 8 to 128, a maximum from the minimum to 128, known classes.
func (p PasswordPolicy) Validate() error {
	p = p.withDefaults()
	if p.MinLength < DefaultMinPasswordLength || p.MinLength > MaxPasswordRunes {
		return fmt.Errorf("account: password minimum length %d is not from %d to %d", p.MinLength, DefaultMinPasswordLength, MaxPasswordRunes)
	}
	if p.MaxLength < p.MinLength || p.MaxLength > MaxPasswordRunes {
		return fmt.Errorf("account: password maximum length %d is not from %d to %d", p.MaxLength, p.MinLength, MaxPasswordRunes)
	}
	for _, c := range p.Require {
		if !slices.Contains(PasswordClasses(), c) {
			return fmt.Errorf("account: unknown password character class %q (want upper, lower, digit or symbol)", c)
		}
	}
	return nil
}

// Check applies the policy to a new password. It returns a *FieldError
// for the password field whose Reason is ErrRequired, ErrTooShort,
// ErrTooLong, ErrTooCommon, ErrContainsIdentity or ErrMissingClass, or
// nil. The error never holds the password.
func (p PasswordPolicy) Check(password string, ctx PolicyContext) error {
	if fe := p.check(password, ctx); fe != nil {
		return fe
	}
	return nil
}

func (p PasswordPolicy) check(password string, ctx PolicyContext) *FieldError {
	p = p.withDefaults()
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return fieldError(FieldPassword, ErrRequired, "")
	case n < p.MinLength:
		return fieldError(FieldPassword, ErrTooShort, fmt.Sprintf("at least %d characters", p.MinLength))
	case n > p.MaxLength || len(password) > MaxPasswordBytes:
		return fieldError(FieldPassword, ErrTooLong, fmt.Sprintf("at most %d characters", p.MaxLength))
	}
	for _, c := range PasswordClasses() {
		if slices.Contains(p.Require, c) && !strings.ContainsFunc(password, classTest(c)) {
			return fieldError(FieldPassword, ErrMissingClass, c)
		}
	}
	folded := strings.ToLower(password)
	if isCommonPassword(folded) {
		return fieldError(FieldPassword, ErrTooCommon, "among the most common passwords")
	}
	for _, part := range ctx.identityParts() {
		if strings.Contains(folded, part) {
			return fieldError(FieldPassword, ErrContainsIdentity, "contains the login, email or instance name")
		}
	}
	return nil
}

// identityParts are the lowercased values a password must not contain.
func (ctx PolicyContext) identityParts() []string {
	var parts []string
	add := func(s string, min int) {
		s = strings.ToLower(strings.TrimSpace(s))
		if utf8.RuneCountInString(s) >= min {
			parts = append(parts, s)
		}
	}
	add(ctx.Login, 1)
	local := ctx.Email
	if i := strings.LastIndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	add(local, minIdentityRunes)
	add(ctx.InstanceName, 1)
	return parts
}

// classTest reports whether a rune belongs to class c.
func classTest(c string) func(rune) bool {
	switch c {
	case ClassUpper:
		return unicode.IsUpper
	case ClassLower:
		return unicode.IsLower
	case ClassDigit:
		return unicode.IsDigit
	}
	return func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsSpace(r) && !unicode.IsControl(r)
	}
}

//go:embed commonpasswords.txt
var commonPasswordsText string

// commonPasswords is the embedded list as a set, built on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10000)
	for line := range strings.Lines(commonPasswordsText) {
		if w := strings.TrimRight(line, "\r\n"); w != "" {
			set[w] = struct{}{}
		}
	}
	return set
})

// isCommonPassword reports whether the lowercased password is on the list.
func isCommonPassword(lower string) bool {
	_, ok := commonPasswords()[lower]
	return ok
}

// settingsStores are stores that also hold the instance settings
// (storage.Store does).
type settingsStores interface {
	Settings() storage.SettingStore
}

// PasswordPolicy returns the instance's password policy: the stored
// settings when the Service's stores hold settings, over the policy of
// its options.
func (s *Service) PasswordPolicy(ctx context.Context) (PasswordPolicy, error) {
	ss, ok := s.stores.(settingsStores)
	if !ok {
		return s.policy, nil
	}
	return LoadPasswordPolicy(ctx, ss.Settings(), s.policy)
}

// LoadPasswordPolicy reads the password settings; what is not stored
// keeps its value from defaults.
func LoadPasswordPolicy(ctx context.Context, settings storage.SettingStore, defaults PasswordPolicy) (PasswordPolicy, error) {
	all, err := settings.GetAll(ctx)
	if err != nil {
		return PasswordPolicy{}, fmt.Errorf("account: read settings: %w", err)
	}
	rs := RegistrationSettings{Password: defaults}
	for _, st := range all {
		if st.Key != SettingPasswordMinLength && st.Key != SettingPasswordRequire {
			continue
		}
		if err := rs.apply(st.Key, json.RawMessage(st.Value)); err != nil {
			return PasswordPolicy{}, fmt.Errorf("account: setting %s: %w", st.Key, err)
		}
	}
	if err := rs.Password.Validate(); err != nil {
		return PasswordPolicy{}, err
	}
	return rs.Password.Normalized(), nil
}
