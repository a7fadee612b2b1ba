package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/storage"
)

// instanceSettingSources maps each instance setting to the configuration
// key that gives its first value. After the first start the database
// holds the value in force; the configuration no longer changes it.
var instanceSettingSources = map[string]string{
	account.SettingRegistrationMode:        "REGISTRATION_MODE",
	account.SettingRegistrationFields:      "REGISTRATION_FIELDS",
	account.SettingRegistrationVerifyEmail: "REGISTRATION_VERIFY_EMAIL",
	account.SettingRegistrationTermsURL:    "TERMS_URL",
	account.SettingCaptchaProvider:         "CAPTCHA",
	account.SettingPasswordMinLength:       "PASSWORD_MIN_LENGTH",
	account.SettingPasswordRequire:         "PASSWORD_REQUIRE",
	account.SettingResetStyle:              "RESET_STYLE",
	account.SettingResetIdentify:           "RESET_IDENTIFY",
	account.SettingSignInCaptchaAfter:      "SIGNIN_CAPTCHA_AFTER",
	account.SettingSessionLifetime:         "SESSION_LIFETIME",
	account.SettingSessionMaxLifetime:      "SESSION_MAX_LIFETIME",
	account.SettingSessionIdleTimeout:      "SESSION_IDLE_TIMEOUT",
}

// warnSettingsDrift logs a warning for every instance setting whose value
// was given in the environment or the configuration file but differs from
// the value stored in the database, which is the one in force, naming the
// command that changes it. configured holds the configuration's values
// by setting key, as the store encodes them.
func warnSettingsDrift(ctx context.Context, log *slog.Logger, cfg config.Config, settings storage.SettingStore,
	configured map[string]json.RawMessage) error {
	stored, err := settings.GetAll(ctx)
	if err != nil {
		return fmt.Errorf("read instance settings: %w", err)
	}
	for _, s := range stored {
		key, ok := instanceSettingSources[s.Key]
		want, has := configured[s.Key]
		from := cfg.GivenBy(key)
		if !ok || !has || from == "" || sameJSON(want, s.Value) {
			continue
		}
		name := config.EnvPrefix + key
		if from == "file" {
			name = strings.ToLower(key) + " (configuration file)"
		}
		log.WarnContext(ctx, "configuration value ignored: the instance setting stored in the database applies",
			slog.String("setting", s.Key), slog.String("configured", name+"="+string(want)),
			slog.String("stored", string(s.Value)),
			slog.String("change_with", "gatehouse settings set "+s.Key+" "+shellWord(want)))
	}
	return nil
}

// sameJSON compares two JSON values by meaning.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}

// shellWord writes a JSON value as `settings set` takes it: a plain
// string bare when it is one safe word, anything else single-quoted JSON.
func shellWord(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil && s != "" && !strings.ContainsAny(s, " '\"\\$`;&|<>()*?[]{}!#~") {
		return s
	}
	return "'" + strings.ReplaceAll(string(v), "'", `'\''`) + "'"
}

// checkSettingsDrift compares the configuration's first values of the
// instance settings with the stored ones (see warnSettingsDrift).
func (s *Server) checkSettingsDrift(ctx context.Context) error {
	rs, err := RegistrationSettings(s.cfg)
	if err != nil {
		return fmt.Errorf("registration settings: %w", err)
	}
	configured, err := rs.SettingValues()
	if err != nil {
		return err
	}
	for k, v := range AccountOptions(s.cfg, s.log).Sessions.SessionSettingValues() {
		configured[k] = v
	}
	if err := warnSettingsDrift(ctx, s.log, s.cfg, s.store.Settings(), configured); err != nil {
		return err
	}
	return s.warnBrandingDrift(ctx) // branding.go
}
