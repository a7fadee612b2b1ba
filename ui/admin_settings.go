package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/mfa"
)

// The instance settings form.
const (
	adminSettingsPath     = adminPath + "/settings"
	adminSettingsTemplate = "admin_settings"
	settingsFormErrorKey  = "admin.settings.error.form"
)

// AdminSettings reads and changes the instance settings
// (*account.Registrar): the same settings PATCH /api/v1/settings changes.
type AdminSettings interface {
	Settings(ctx context.Context) (account.RegistrationSettings, error)
	SaveSettingsByAdmin(ctx context.Context, rs account.RegistrationSettings, actorID string) error
	SessionSettings(ctx context.Context) (account.SessionLifetimes, error)
	SaveSessionSettingsByAdmin(ctx context.Context, l account.SessionLifetimes, actorID string) error
	ConsoleSettings(ctx context.Context) (account.ConsoleSettings, error)
	SaveConsoleSettingsByAdmin(ctx context.Context, cs account.ConsoleSettings, actorID string) error
	// OAuth protocol switches (admin_settings_protocol.go).
	ProtocolSettings(ctx context.Context) (account.ProtocolSettings, error)
	SaveProtocolSettingsByAdmin(ctx context.Context, ps account.ProtocolSettings, actorID string) error
}

// Choices of the settings form whose values the rules elsewhere accept.
var (
	settingsModes     = []string{string(account.ModeOpen), string(account.ModeAudit), string(account.ModeClosed), string(account.ModeInvite)}
	settingsCaptchas  = []string{"builtin", "hcaptcha", "turnstile", "recaptcha", "none"}
	settingsIdentify  = []string{"", string(account.IdentifyEmail), string(account.IdentifyLoginAndEmail)}
	settingsDurations = []string{"session_lifetime", "session_max_lifetime", "session_idle_timeout"}
)

func (u *UI) adminSettingsRoutes(g gin.IRouter) {
	g.GET("/settings", u.adminSettingsPage)
	g.POST("/settings", u.adminSettingsSubmit)
}

// settingsInput is the settings form as typed.
type settingsInput struct {
	Mode, Fields, TermsURL, Captcha, ResetStyle, ResetIdentify, MinLength, CaptchaAfter string
	MFAPolicy                                                                           string
	VerifyEmail                                                                         bool
	Require                                                                             []string
	// Durations by field name (settingsDurations).
	Durations map[string]string
	// captchaAfterSent: the form had the field (a form from an older
	// page without it keeps the setting as it is).
	captchaAfterSent bool
	// Console holds the account console's settings (admin_settings_console.go).
	Console consoleInput
	// Protocol holds the OAuth protocol switches (admin_settings_protocol.go).
	Protocol protocolInput
	// FieldOrder is every known registration field in the order the
	// form lists them (admin_settings_fields.go); moved: the form asked
	// to move one, not to save.
	FieldOrder []string
	moved      bool
}

func settingsInputOf(rs account.RegistrationSettings, l account.SessionLifetimes) settingsInput {
	p := rs.Password.Normalized()
	return settingsInput{Mode: string(rs.Mode), Fields: strings.Join(rs.FieldNames(), ", "), TermsURL: rs.TermsURL,
		Captcha: rs.CaptchaProvider, ResetStyle: string(rs.Reset.Normalized().Style), ResetIdentify: string(rs.Reset.Identify),
		MinLength: strconv.Itoa(p.MinLength), VerifyEmail: rs.VerifyEmail, Require: slices.Clone(p.Require),
		CaptchaAfter: strconv.Itoa(rs.SignInCaptchaAfter),
		Durations: map[string]string{"session_lifetime": l.Persistent.String(), "session_max_lifetime": l.Browser.String(),
			"session_idle_timeout": l.Idle.String()}, MFAPolicy: mfaPolicyOf(rs)}
}

func settingsInputFrom(form url.Values) settingsInput {
	keep := func(name string) string { return strings.TrimSpace(truncateUTF8(form.Get(name), maxKeptValue)) }
	in := settingsInput{Mode: keep("registration_mode"), Fields: keep("registration_fields"), TermsURL: keep("terms_url"),
		Captcha: keep("captcha_provider"), ResetStyle: keep("reset_style"), ResetIdentify: keep("reset_identify"),
		MinLength: keep("password_min_length"), VerifyEmail: checked(form.Get("verify_email")), Durations: map[string]string{},
		CaptchaAfter: keep("signin_captcha_after"), MFAPolicy: keep("mfa_policy"), captchaAfterSent: form.Has("signin_captcha_after")}
	readFieldRows(form, &in)
	for _, c := range form["password_require"] {
		if slices.Contains(account.PasswordClasses(), c) && !slices.Contains(in.Require, c) {
			in.Require = append(in.Require, c)
		}
	}
	for _, name := range settingsDurations {
		in.Durations[name] = keep(name)
	}
	return in
}

// adminSettingsPage serves GET /admin/settings.
func (u *UI) adminSettingsPage(c *gin.Context) {
	rs, l, ok := u.currentSettings(c)
	if !ok {
		return
	}
	cs, err := u.admin.ConsoleSettings(c.Request.Context())
	if err != nil {
		u.fail(c, "read console settings", err)
		return
	}
	notice := u.adminNotice(c, map[string]string{"saved": "admin.settings.notice.saved"})
	in := u.humanizeDurations(u.lang(c), settingsInputOf(rs, l), l, cs)
	if !u.protocolSettingsPage(c, &in) {
		return
	}
	u.renderSettings(c, http.StatusOK, in, nil, adminNav{Notice: notice})
}

func (u *UI) currentSettings(c *gin.Context) (account.RegistrationSettings, account.SessionLifetimes, bool) {
	ctx := c.Request.Context()
	rs, err := u.admin.Settings(ctx)
	if err != nil {
		u.fail(c, "read settings", err)
		return rs, account.SessionLifetimes{}, false
	}
	l, err := u.admin.SessionSettings(ctx)
	if err != nil {
		u.fail(c, "read session settings", err)
		return rs, l, false
	}
	return rs, l, true
}

// adminSettingsSubmit serves POST /admin/settings: every field is checked
// by the account rules; bad input comes back as typed, explained per
// field. What changed is saved (and audited) by the account layer.
func (u *UI) adminSettingsSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	rs, l, ok := u.currentSettings(c)
	if !ok {
		return
	}
	cs, err := u.admin.ConsoleSettings(c.Request.Context())
	if err != nil {
		u.fail(c, "read console settings", err)
		return
	}
	in := settingsInputFrom(c.Request.PostForm)
	in.Console = consoleInputFrom(c.Request.PostForm)
	in.Protocol = protocolInputFrom(c.Request.PostForm)
	if in.moved {
		if c.Request.PostForm.Get(protocolSettingsMarker) != "1" && !u.protocolSettingsPage(c, &in) {
			return
		}
		u.renderSettings(c, http.StatusOK, in, nil, adminNav{}) // a field moved: nothing saved yet
		return
	}
	parsed := u.parseDurations(in)
	newRS, newL, bad := applySettings(rs, l, parsed)
	newCS, badCS := cs, []string(nil)
	if c.Request.PostForm.Get(consoleSettingsMarker) == "1" {
		newCS, badCS = applyConsoleSettings(cs, parsed.Console)
		bad = append(bad, badCS...)
	} else {
		in.Console = consoleInputOf(cs)
		in.Console.MaxLifetime = u.humanDuration(u.lang(c), cs.TokenMaxLifetime)
	}
	if len(bad) > 0 {
		if c.Request.PostForm.Get(protocolSettingsMarker) != "1" && !u.protocolSettingsPage(c, &in) {
			return
		}
		u.renderSettings(c, http.StatusUnprocessableEntity, in, bad, adminNav{})
		return
	}
	ctx, actor := c.Request.Context(), adminActor(c)
	err = u.saveSettings(ctx, rs, newRS, actor)
	if err == nil && newL != l {
		err = u.admin.SaveSessionSettingsByAdmin(ctx, newL, actor)
	}
	if err == nil && !sameConsoleSettings(cs, newCS) {
		err = u.admin.SaveConsoleSettingsByAdmin(ctx, newCS, actor)
	}
	if err == nil {
		err = u.saveProtocolSettings(ctx, c.Request.PostForm, &in, actor)
	}
	switch {
	case errors.Is(err, account.ErrInvalid):
		u.renderSettings(c, http.StatusUnprocessableEntity, in, []string{""}, adminNav{})
	case err != nil:
		u.fail(c, "save settings", err)
	default:
		redirect(c, noticeURL(adminSettingsPath, "saved"))
	}
}

// saveSettings stores rs when it differs from old.
func (u *UI) saveSettings(ctx context.Context, old, rs account.RegistrationSettings, actor string) error {
	was, err1 := old.SettingValues()
	now, err2 := rs.SettingValues()
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	same := len(was) == len(now)
	for k, v := range now {
		same = same && string(was[k]) == string(v)
	}
	if same {
		return nil
	}
	return u.admin.SaveSettingsByAdmin(ctx, rs, actor)
}

// applySettings applies in to the settings in force. Each field is tried
// alone on them, so that a refusal by the account rules names its field;
// bad lists the refused fields ("" when only the whole is refused).
func applySettings(rs account.RegistrationSettings, l account.SessionLifetimes, in settingsInput) (account.RegistrationSettings, account.SessionLifetimes, []string) {
	var bad []string
	next := rs
	try := func(field string, change func(*account.RegistrationSettings) bool) {
		probe := rs
		if !change(&probe) || probe.Validate() != nil {
			bad = append(bad, field)
			return
		}
		change(&next)
	}
	try("registration_mode", func(s *account.RegistrationSettings) bool { s.Mode = account.RegistrationMode(in.Mode); return true })
	try("registration_fields", func(s *account.RegistrationSettings) bool {
		fields, err := account.ParseRegistrationFields(splitFieldList(in.Fields))
		s.Fields = fields
		return err == nil
	})
	try("terms_url", func(s *account.RegistrationSettings) bool { s.TermsURL = in.TermsURL; return true })
	try("captcha_provider", func(s *account.RegistrationSettings) bool {
		s.CaptchaProvider = in.Captcha
		return slices.Contains(settingsCaptchas, in.Captcha)
	})
	try("reset_style", func(s *account.RegistrationSettings) bool {
		s.Reset.Style = account.ResetStyle(in.ResetStyle)
		return true
	})
	try("reset_identify", func(s *account.RegistrationSettings) bool {
		s.Reset.Identify = account.ResetIdentify(in.ResetIdentify)
		return true
	})
	try("password_min_length", func(s *account.RegistrationSettings) bool {
		n, err := strconv.Atoi(in.MinLength)
		s.Password.MinLength = n
		return err == nil && n > 0
	})
	if in.captchaAfterSent {
		try("signin_captcha_after", func(s *account.RegistrationSettings) bool {
			n, err := strconv.Atoi(in.CaptchaAfter)
			s.SignInCaptchaAfter = n
			return err == nil && n >= 0 && n <= account.MaxSignInCaptchaAfter
		})
	}
	try("password_require", func(s *account.RegistrationSettings) bool { s.Password.Require = slices.Clone(in.Require); return true })
	try("mfa_policy", func(s *account.RegistrationSettings) bool { s.MFAPolicy = mfa.Policy(in.MFAPolicy); return true })
	next.VerifyEmail = in.VerifyEmail
	newL, badL := applyLifetimes(l, in)
	bad = append(bad, badL...)
	if len(bad) == 0 && (next.Validate() != nil || newL.Validate() != nil) {
		bad = append(bad, "")
	}
	return next, newL, bad
}

// applyLifetimes applies the session lifetimes of in, each tried alone.
func applyLifetimes(l account.SessionLifetimes, in settingsInput) (account.SessionLifetimes, []string) {
	var bad []string
	next := l
	for _, name := range settingsDurations {
		d, err := time.ParseDuration(in.Durations[name])
		probe := l
		*lifetimeField(&probe, name) = d
		if err != nil || probe.Validate() != nil {
			bad = append(bad, name)
			continue
		}
		*lifetimeField(&next, name) = d
	}
	return next, bad
}

// lifetimeField is the lifetime of l that the form field name sets.
func lifetimeField(l *account.SessionLifetimes, name string) *time.Duration {
	switch name {
	case "session_lifetime":
		return &l.Persistent
	case "session_max_lifetime":
		return &l.Browser
	}
	return &l.Idle
}
