package adminapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/mfa"
)

// settingsJSON is the instance settings as the API shows them. Every
// replica applies a change within account.MaxSettingsTTL.
type settingsJSON struct {
	RegistrationMode   string   `json:"registration_mode"`
	RegistrationFields []string `json:"registration_fields"`
	VerifyEmail        bool     `json:"verify_email"`
	TermsURL           string   `json:"terms_url"`
	CaptchaProvider    string   `json:"captcha_provider"`
	ResetStyle         string   `json:"reset_style"`
	ResetIdentify      string   `json:"reset_identify"`
	PasswordMinLength  int      `json:"password_min_length"`
	PasswordRequire    []string `json:"password_require"`
	SessionLifetime    string   `json:"session_lifetime"`
	SessionMaxLifetime string   `json:"session_max_lifetime"`
	SessionIdleTimeout string   `json:"session_idle_timeout"`
	SignInCaptchaAfter int      `json:"signin_captcha_after"`
	MFAPolicy          string   `json:"mfa_policy"`
	TokensScopes       []string `json:"tokens_scopes"`
	TokensMaxLifetime  string   `json:"tokens_max_lifetime"`
	NotifyNewDevice    bool     `json:"notify_new_device"`
	SelfDelete         bool     `json:"self_delete"`
	// OAuth protocol switches (issue 18).
	RequirePAR          bool `json:"require_pushed_authorization_requests"`
	DynamicRegistration bool `json:"dynamic_client_registration"`
}

// settingsPatchJSON is the body of PATCH /settings: absent fields stay.
type settingsPatchJSON struct {
	RegistrationMode   *string   `json:"registration_mode"`
	RegistrationFields *[]string `json:"registration_fields"`
	VerifyEmail        *bool     `json:"verify_email"`
	TermsURL           *string   `json:"terms_url"`
	CaptchaProvider    *string   `json:"captcha_provider"`
	ResetStyle         *string   `json:"reset_style"`
	ResetIdentify      *string   `json:"reset_identify"`
	PasswordMinLength  *int      `json:"password_min_length"`
	PasswordRequire    *[]string `json:"password_require"`
	SessionLifetime    *string   `json:"session_lifetime"`
	SessionMaxLifetime *string   `json:"session_max_lifetime"`
	SessionIdleTimeout *string   `json:"session_idle_timeout"`
	SignInCaptchaAfter *int      `json:"signin_captcha_after"`
	MFAPolicy          *string   `json:"mfa_policy"`
	TokensScopes       *[]string `json:"tokens_scopes"`
	TokensMaxLifetime  *string   `json:"tokens_max_lifetime"`
	NotifyNewDevice    *bool     `json:"notify_new_device"`
	SelfDelete         *bool     `json:"self_delete"`
	// OAuth protocol switches (issue 18).
	RequirePAR          *bool `json:"require_pushed_authorization_requests"`
	DynamicRegistration *bool `json:"dynamic_client_registration"`
}

var settingsFields = []string{"registration_mode", "registration_fields", "verify_email", "terms_url", "captcha_provider",
	"reset_style", "reset_identify", "password_min_length", "password_require",
	"session_lifetime", "session_max_lifetime", "session_idle_timeout", "signin_captcha_after", "mfa_policy",
	"tokens_scopes", "tokens_max_lifetime", "notify_new_device", "self_delete",
	"require_pushed_authorization_requests", "dynamic_client_registration"}

func toSettingsJSON(rs account.RegistrationSettings, l account.SessionLifetimes, cs account.ConsoleSettings, ps account.ProtocolSettings) settingsJSON {
	p := rs.Password.Normalized()
	req := append([]string{}, p.Require...)
	return settingsJSON{RegistrationMode: string(rs.Mode), RegistrationFields: rs.FieldNames(), VerifyEmail: rs.VerifyEmail,
		TermsURL: rs.TermsURL, CaptchaProvider: rs.CaptchaProvider, ResetStyle: string(rs.Reset.Normalized().Style),
		ResetIdentify: string(rs.Reset.Identify), PasswordMinLength: p.MinLength, PasswordRequire: req,
		SessionLifetime: l.Persistent.String(), SessionMaxLifetime: l.Browser.String(), SessionIdleTimeout: l.Idle.String(),
		SignInCaptchaAfter: rs.SignInCaptchaAfter, MFAPolicy: mfaPolicyOf(rs),
		TokensScopes: append([]string{}, cs.TokenScopes...), TokensMaxLifetime: account.FormatDays(cs.TokenMaxLifetime),
		NotifyNewDevice: cs.NotifyNewDevice, SelfDelete: cs.SelfDelete,
		RequirePAR: ps.RequirePAR, DynamicRegistration: ps.DynamicRegistration}
}

func (a *API) getSettings(c *gin.Context) {
	rs, err := a.accounts.Settings(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	l, err := a.accounts.SessionSettings(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	cs, err := a.accounts.ConsoleSettings(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	ps, err := a.accounts.ProtocolSettings(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toSettingsJSON(rs, l, cs, ps))
}

func (a *API) patchSettings(c *gin.Context) {
	var in settingsPatchJSON
	if !decodeBody(c, &in, settingsFields, false) {
		return
	}
	ctx := c.Request.Context()
	rs, err := a.accounts.Settings(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	if in.RegistrationMode != nil {
		rs.Mode = account.RegistrationMode(*in.RegistrationMode)
	}
	if in.RegistrationFields != nil {
		fields, err := account.ParseRegistrationFields(*in.RegistrationFields)
		if err != nil {
			invalid(c, "a field is invalid", FieldProblem{Field: "registration_fields", Detail: safe(err)})
			return
		}
		rs.Fields = fields
	}
	if in.VerifyEmail != nil {
		rs.VerifyEmail = *in.VerifyEmail
	}
	if in.TermsURL != nil {
		rs.TermsURL = *in.TermsURL
	}
	if in.CaptchaProvider != nil {
		rs.CaptchaProvider = *in.CaptchaProvider
	}
	if in.ResetStyle != nil {
		rs.Reset.Style = account.ResetStyle(*in.ResetStyle)
	}
	if in.ResetIdentify != nil {
		rs.Reset.Identify = account.ResetIdentify(*in.ResetIdentify)
	}
	if in.PasswordMinLength != nil {
		rs.Password.MinLength = *in.PasswordMinLength
	}
	if in.PasswordRequire != nil {
		rs.Password.Require = append([]string(nil), *in.PasswordRequire...)
	}
	if in.SignInCaptchaAfter != nil {
		rs.SignInCaptchaAfter = *in.SignInCaptchaAfter
	}
	if in.MFAPolicy != nil {
		rs.MFAPolicy = mfa.Policy(*in.MFAPolicy)
	}
	if err := rs.Validate(); err != nil {
		invalid(c, safe(err))
		return
	}
	l, changed, ok := a.patchLifetimes(c, in)
	if !ok {
		return
	}
	cs, csChanged, ok := a.patchConsole(c, in)
	if !ok {
		return
	}
	if err := a.accounts.SaveSettingsByAdmin(ctx, rs, caller(c).Actor()); err != nil {
		a.fail(c, err)
		return
	}
	if changed {
		if err := a.accounts.SaveSessionSettingsByAdmin(ctx, l, caller(c).Actor()); err != nil {
			a.fail(c, err)
			return
		}
	}
	if csChanged {
		if err := a.accounts.SaveConsoleSettingsByAdmin(ctx, cs, caller(c).Actor()); err != nil {
			a.fail(c, err)
			return
		}
	}
	ps, ok := a.patchProtocol(c, in)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, toSettingsJSON(rs, l, cs, ps))
}

// mfaPolicyOf is the settings' MFA policy, optional when unset.
func mfaPolicyOf(rs account.RegistrationSettings) string {
	if rs.MFAPolicy == "" {
		return string(mfa.PolicyOptional)
	}
	return string(rs.MFAPolicy)
}

// safe strips the package prefix of a validation message (which names
// values, never secrets).
func safe(err error) string { return strings.TrimPrefix(err.Error(), "account: ") }

// patchLifetimes applies the session fields of in to the lifetimes in
// force; it answers 400 itself on a bad value.
func (a *API) patchLifetimes(c *gin.Context, in settingsPatchJSON) (account.SessionLifetimes, bool, bool) {
	l, err := a.accounts.SessionSettings(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return l, false, false
	}
	changed := false
	for _, f := range []struct {
		name, key string
		v         *string
	}{
		{"session_lifetime", account.SettingSessionLifetime, in.SessionLifetime},
		{"session_max_lifetime", account.SettingSessionMaxLifetime, in.SessionMaxLifetime},
		{"session_idle_timeout", account.SettingSessionIdleTimeout, in.SessionIdleTimeout},
	} {
		if f.v == nil {
			continue
		}
		raw, _ := json.Marshal(*f.v)
		if err := l.ApplySessionSetting(f.key, raw); err != nil {
			invalid(c, "a field is invalid", FieldProblem{Field: f.name, Detail: "a duration such as \"12h\" or \"30m\""})
			return l, false, false
		}
		changed = true
	}
	if err := l.Validate(); err != nil {
		invalid(c, safe(err))
		return l, false, false
	}
	return l, changed, true
}

// patchConsole applies the account console fields of in to the settings
// in force; it answers 400 itself on a bad value.
func (a *API) patchConsole(c *gin.Context, in settingsPatchJSON) (account.ConsoleSettings, bool, bool) {
	cs, err := a.accounts.ConsoleSettings(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return cs, false, false
	}
	changed := false
	if in.TokensScopes != nil {
		cs.TokenScopes, changed = append([]string{}, *in.TokensScopes...), true
	}
	if in.TokensMaxLifetime != nil {
		d, err := account.ParseDays(*in.TokensMaxLifetime)
		if err != nil {
			invalid(c, "a field is invalid", FieldProblem{Field: "tokens_max_lifetime", Detail: "a number of days such as \"365d\""})
			return cs, false, false
		}
		cs.TokenMaxLifetime, changed = d, true
	}
	if in.NotifyNewDevice != nil {
		cs.NotifyNewDevice, changed = *in.NotifyNewDevice, true
	}
	if in.SelfDelete != nil {
		cs.SelfDelete, changed = *in.SelfDelete, true
	}
	if err := cs.Validate(); err != nil {
		invalid(c, safe(err))
		return cs, false, false
	}
	return cs, changed, true
}

// patchProtocol applies and saves the OAuth protocol switches of in
// (issue 18); it answers itself on a failure.
func (a *API) patchProtocol(c *gin.Context, in settingsPatchJSON) (account.ProtocolSettings, bool) {
	ctx := c.Request.Context()
	ps, err := a.accounts.ProtocolSettings(ctx)
	if err != nil {
		a.fail(c, err)
		return ps, false
	}
	if in.RequirePAR == nil && in.DynamicRegistration == nil {
		return ps, true
	}
	if in.RequirePAR != nil {
		ps.RequirePAR = *in.RequirePAR
	}
	if in.DynamicRegistration != nil {
		ps.DynamicRegistration = *in.DynamicRegistration
	}
	if err := a.accounts.SaveProtocolSettingsByAdmin(ctx, ps, caller(c).Actor()); err != nil {
		a.fail(c, err)
		return ps, false
	}
	return ps, true
}
