package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// Instance setting keys of registration. Each value is JSON: the mode and
// the captcha provider are strings, the fields a list of names (a trailing
// "?" marks one optional), verify_email a boolean, terms_url a string.
const (
	SettingRegistrationMode        = "registration.mode"
	SettingRegistrationFields      = "registration.fields"
	SettingRegistrationVerifyEmail = "registration.verify_email"
	SettingRegistrationTermsURL    = "registration.terms_url"
	SettingCaptchaProvider         = "captcha.provider"
	// SettingPasswordMinLength is a number, SettingPasswordRequire a list
	// of character classes: the password policy.
	SettingPasswordMinLength = "password.min_length"
	SettingPasswordRequire   = "password.require"
	// SettingResetStyle (a string: link, generated or temporary) and
	// SettingResetIdentify (a string: email, login_and_email, or empty for
	// the style's default) say how password reset works.
	SettingResetStyle    = "reset.style"
	SettingResetIdentify = "reset.identify"
	// SettingSignInCaptchaAfter (a number) is how many recent failed
	// sign-ins, for the account or from the address, make the sign-in form
	// ask for a captcha too; 0 never asks.
	SettingSignInCaptchaAfter = "signin.captcha_after"
	// SettingMFAPolicy (a string: optional, required_for_admins or
	// required) says who must use a second factor (mfa_settings.go).
	SettingMFAPolicy = "mfa.policy"
)

// MaxSignInCaptchaAfter bounds SettingSignInCaptchaAfter.
const MaxSignInCaptchaAfter = 1000

// MaxSettingsTTL bounds how long a replica keeps the registration settings
// it read: an administrator's change reaches every replica within it.
const MaxSettingsTTL = 5 * time.Second

// RegistrationMode says who may register.
type RegistrationMode string

// Registration modes.
const (
	// ModeOpen: anyone may register; the account is active once confirmed.
	ModeOpen RegistrationMode = "open"
	// ModeAudit: anyone may register; an administrator approves the
	// confirmed account before it can sign in.
	ModeAudit RegistrationMode = "audit"
	// ModeClosed: nobody may register; existing users sign in as usual.
	ModeClosed RegistrationMode = "closed"
	// ModeInvite: only an invited address may register, through the
	// invitation's link (issue 16).
	ModeInvite RegistrationMode = "invite"
)

// Valid reports whether m is one of the modes.
func (m RegistrationMode) Valid() bool {
	return m == ModeOpen || m == ModeAudit || m == ModeClosed || m == ModeInvite
}

// Registration form fields. Their names are the stable form field names.
const (
	FieldLogin           = "login"
	FieldPasswordConfirm = "password_confirm"
	FieldCompany         = "company"
	FieldCountry         = "country"
	FieldAcceptTerms     = "accept_terms"
	FieldLocale          = "locale"
)

// RegistrationFieldNames lists, in their usual order, the fields a
// registration form may have.
func RegistrationFieldNames() []string {
	return []string{
		FieldLogin, FieldEmail, FieldPassword, FieldPasswordConfirm, FieldGivenName, FieldFamilyName,
		FieldCompany, FieldCountry, FieldAcceptTerms, FieldLocale,
	}
}

// RegistrationField is one field of the registration form.
type RegistrationField struct {
	Name     string
	Optional bool // may be left empty; email, password and password_confirm never are
}

// RegistrationSettings say how registration works on this instance.
type RegistrationSettings struct {
	Mode   RegistrationMode
	Fields []RegistrationField // in form order
	// VerifyEmail sends a confirmation link before the account counts.
	// Without a password field (shape B) the activation link is sent
	// whatever it says: the user sets a password through it.
	VerifyEmail bool
	// TermsURL is the user agreement the accept_terms checkbox links to.
	TermsURL string
	// CaptchaProvider is the captcha forms show; "none" turns it off.
	CaptchaProvider string
	// Password is the policy of every new password (zero lengths take
	// the defaults).
	Password PasswordPolicy
	// Reset says how users who forgot their password get a new one.
	Reset ResetSettings
	// SignInCaptchaAfter is how many recent failed sign-ins make the
	// sign-in form ask for a captcha (0: never).
	SignInCaptchaAfter int
	// MFAPolicy says who must use a second factor; empty means optional.
	MFAPolicy mfa.Policy
	// InstanceName is not a stored setting: the Registrar fills it from
	// its options, so that passwords containing it are refused.
	InstanceName string
}

// DefaultRegistrationSettings are the settings of a fresh instance: open,
// login, email and password, confirmed by email, built-in captcha.
func DefaultRegistrationSettings() RegistrationSettings {
	fields, _ := ParseRegistrationFields([]string{FieldLogin, FieldEmail, FieldPassword, FieldPasswordConfirm})
	return RegistrationSettings{Mode: ModeOpen, Fields: fields, VerifyEmail: true, CaptchaProvider: "builtin", Password: DefaultPasswordPolicy(),
		Reset: ResetSettings{Style: ResetLink}, SignInCaptchaAfter: DefaultSignInCaptchaAfter, MFAPolicy: mfa.PolicyOptional}
}

// ParseRegistrationFields reads field names as the configuration writes
// them ("company?" is an optional company field).
func ParseRegistrationFields(names []string) ([]RegistrationField, error) {
	fields := make([]RegistrationField, 0, len(names))
	for _, raw := range names {
		name := strings.TrimSpace(raw)
		f := RegistrationField{Name: strings.TrimSuffix(name, "?"), Optional: strings.HasSuffix(name, "?")}
		if !slices.Contains(RegistrationFieldNames(), f.Name) {
			return nil, fmt.Errorf("account: unknown registration field %q", f.Name)
		}
		if slices.ContainsFunc(fields, func(o RegistrationField) bool { return o.Name == f.Name }) {
			return nil, fmt.Errorf("account: registration field %q listed twice", f.Name)
		}
		if f.Name == FieldEmail || f.Name == FieldPassword || f.Name == FieldPasswordConfirm {
			f.Optional = false
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// FieldNames writes the fields back as names ("company?").
func (rs RegistrationSettings) FieldNames() []string {
	names := make([]string, 0, len(rs.Fields))
	for _, f := range rs.Fields {
		if f.Optional {
			names = append(names, f.Name+"?")
		} else {
			names = append(names, f.Name)
		}
	}
	return names
}

// Field returns the named field when the form has it.
func (rs RegistrationSettings) Field(name string) (RegistrationField, bool) {
	i := slices.IndexFunc(rs.Fields, func(f RegistrationField) bool { return f.Name == name })
	if i < 0 {
		return RegistrationField{}, false
	}
	return rs.Fields[i], true
}

// Has reports whether the form has the named field.
func (rs RegistrationSettings) Has(name string) bool {
	_, ok := rs.Field(name)
	return ok
}

// ProfileFirst reports shape B: no password on the form, so the user sets
// one through the activation link.
func (rs RegistrationSettings) ProfileFirst() bool { return !rs.Has(FieldPassword) }

// NeedsLink reports whether a new account waits for a link from its
// letter (shapes A and B) rather than counting at once (shape C).
func (rs RegistrationSettings) NeedsLink() bool { return rs.VerifyEmail || rs.ProfileFirst() }

// Validate applies the rules the configuration applies.
func (rs RegistrationSettings) Validate() error {
	if !rs.Mode.Valid() {
		return fmt.Errorf("account: registration mode %q is not open, audit, closed or invite", rs.Mode)
	}
	if _, err := ParseRegistrationFields(rs.FieldNames()); err != nil {
		return err
	}
	if !rs.Has(FieldEmail) {
		return errors.New("account: the registration form needs the email field")
	}
	if rs.Has(FieldPasswordConfirm) && !rs.Has(FieldPassword) {
		return errors.New("account: password_confirm needs the password field")
	}
	if err := rs.Password.Validate(); err != nil {
		return err
	}
	if err := rs.Reset.Validate(); err != nil {
		return err
	}
	if rs.SignInCaptchaAfter < 0 || rs.SignInCaptchaAfter > MaxSignInCaptchaAfter {
		return fmt.Errorf("account: %s must be from 0 (never) to %d", SettingSignInCaptchaAfter, MaxSignInCaptchaAfter)
	}
	if err := rs.mfaPolicy().Validate(); err != nil {
		return err
	}
	if rs.TermsURL != "" {
		if u, err := url.Parse(rs.TermsURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("account: terms URL %q is not an absolute http(s) URL", rs.TermsURL)
		}
	}
	return nil
}

// settingValues are the stored JSON values of rs, by key.
func (rs RegistrationSettings) settingValues() (map[string]json.RawMessage, error) {
	values := map[string]any{
		SettingRegistrationMode:        string(rs.Mode),
		SettingRegistrationFields:      rs.FieldNames(),
		SettingRegistrationVerifyEmail: rs.VerifyEmail,
		SettingRegistrationTermsURL:    rs.TermsURL,
		SettingCaptchaProvider:         rs.CaptchaProvider,
		SettingPasswordMinLength:       rs.Password.Normalized().MinLength,
		SettingPasswordRequire:         append([]string{}, rs.Password.Normalized().Require...),
		SettingResetStyle:              string(rs.Reset.Normalized().Style),
		SettingResetIdentify:           string(rs.Reset.Identify),
		SettingSignInCaptchaAfter:      rs.SignInCaptchaAfter,
		SettingMFAPolicy:               string(rs.mfaPolicy()),
	}
	out := make(map[string]json.RawMessage, len(values))
	for k, v := range values {
		data, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("account: encode setting %s: %w", k, err)
		}
		out[k] = data
	}
	return out, nil
}

// SeedRegistrationSettings stores rs (the configuration) as the first
// value of every registration setting not stored yet, and leaves the
// others as administrators set them. The server calls it at start.
func SeedRegistrationSettings(ctx context.Context, settings storage.SettingStore, rs RegistrationSettings) error {
	if err := rs.Validate(); err != nil {
		return err
	}
	values, err := rs.settingValues()
	if err != nil {
		return err
	}
	for _, key := range sortedKeys(values) {
		if _, err := settings.SetIfAbsent(ctx, key, values[key]); err != nil {
			return fmt.Errorf("account: seed setting %s: %w", key, err)
		}
	}
	return nil
}

// SaveRegistrationSettings validates rs and stores every registration
// setting (an administrator's change). Replicas see it within their cache
// lifetime.
func SaveRegistrationSettings(ctx context.Context, settings storage.SettingStore, rs RegistrationSettings) error {
	if err := rs.Validate(); err != nil {
		return err
	}
	values, err := rs.settingValues()
	if err != nil {
		return err
	}
	for _, key := range sortedKeys(values) {
		if err := settings.Set(ctx, key, values[key]); err != nil {
			return fmt.Errorf("account: save setting %s: %w", key, err)
		}
	}
	return nil
}

// LoadRegistrationSettings reads the registration settings; a key that is
// not stored keeps its value from defaults. A stored value of the wrong
// shape is an error, not a silent default.
func LoadRegistrationSettings(ctx context.Context, settings storage.SettingStore, defaults RegistrationSettings) (RegistrationSettings, error) {
	all, err := settings.GetAll(ctx)
	if err != nil {
		return RegistrationSettings{}, fmt.Errorf("account: read settings: %w", err)
	}
	rs := defaults
	for _, s := range all {
		if err := rs.apply(s.Key, s.Value); err != nil {
			return RegistrationSettings{}, fmt.Errorf("account: setting %s: %w", s.Key, err)
		}
	}
	rs.Reset = rs.Reset.Normalized()
	if err := rs.Validate(); err != nil {
		return RegistrationSettings{}, err
	}
	return rs, nil
}

// apply sets the field of rs that key holds; other keys are ignored.
func (rs *RegistrationSettings) apply(key string, value json.RawMessage) error {
	switch key {
	case SettingRegistrationMode:
		return json.Unmarshal(value, &rs.Mode)
	case SettingRegistrationVerifyEmail:
		return json.Unmarshal(value, &rs.VerifyEmail)
	case SettingRegistrationTermsURL:
		return json.Unmarshal(value, &rs.TermsURL)
	case SettingCaptchaProvider:
		return json.Unmarshal(value, &rs.CaptchaProvider)
	case SettingPasswordMinLength:
		return json.Unmarshal(value, &rs.Password.MinLength)
	case SettingResetStyle:
		return json.Unmarshal(value, &rs.Reset.Style)
	case SettingResetIdentify:
		return json.Unmarshal(value, &rs.Reset.Identify)
	case SettingSignInCaptchaAfter:
		return json.Unmarshal(value, &rs.SignInCaptchaAfter)
	case SettingMFAPolicy:
		return json.Unmarshal(value, &rs.MFAPolicy)
	case SettingPasswordRequire:
		var req []string
		if err := json.Unmarshal(value, &req); err != nil {
			return err
		}
		rs.Password.Require = req
	case SettingRegistrationFields:
		var names []string
		if err := json.Unmarshal(value, &names); err != nil {
			return err
		}
		fields, err := ParseRegistrationFields(names)
		if err != nil {
			return err
		}
		rs.Fields = fields
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// settingsCache keeps the settings one replica read for at most ttl.
type settingsCache struct {
	mu       sync.Mutex
	settings storage.SettingStore
	defaults RegistrationSettings
	ttl      time.Duration
	now      func() time.Time
	instance string // the InstanceName of every value
	value    RegistrationSettings
	readAt   time.Time
	valid    bool
}

// get returns the cached settings, reading them again once they are older
// than the ttl. A failed read is returned, never hidden behind a stale
// value.
func (c *settingsCache) get(ctx context.Context) (RegistrationSettings, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.valid && now.Sub(c.readAt) < c.ttl && !now.Before(c.readAt) {
		return c.value, nil
	}
	rs, err := LoadRegistrationSettings(ctx, c.settings, c.defaults)
	if err != nil {
		return RegistrationSettings{}, err
	}
	rs.InstanceName = c.instance
	c.value, c.readAt, c.valid = rs, now, true
	return rs, nil
}

// forget makes the next get read the store.
func (c *settingsCache) forget() {
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}
