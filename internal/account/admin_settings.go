package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// ErrUnknownSetting: the key is not an instance setting.
var ErrUnknownSetting = errors.New("account: unknown setting")

// SettingKeys lists the instance setting keys administrators change, in
// order.
func SettingKeys() []string {
	values, _ := DefaultRegistrationSettings().settingValues()
	return sortedKeys(values)
}

// SettingValues returns the stored JSON value of every setting of rs, by
// key.
func (rs RegistrationSettings) SettingValues() (map[string]json.RawMessage, error) {
	return rs.settingValues()
}

// SetSetting changes one instance setting (key as in SettingKeys or
// SessionSettingKeys or ConsoleSettingKeys; value JSON; for a session or console key the result is zero) on an administrator's behalf, after checking the settings it
// makes (a *FieldError-free plain error names what is wrong). Unknown keys
// are ErrUnknownSetting. Every replica sees it within MaxSettingsTTL.
func (r *Registrar) SetSetting(ctx context.Context, key string, value json.RawMessage, actorID string) (RegistrationSettings, error) {
	if slices.Contains(SessionSettingKeys(), key) {
		return RegistrationSettings{}, r.setSessionSetting(ctx, key, value, actorID)
	}
	if slices.Contains(ProtocolSettingKeys(), key) { // protocol_settings.go
		return RegistrationSettings{}, r.setProtocolSetting(ctx, key, value, actorID)
	}
	if slices.Contains(ConsoleSettingKeys(), key) {
		return RegistrationSettings{}, r.setConsoleSetting(ctx, key, value, actorID)
	}
	if !slices.Contains(SettingKeys(), key) {
		return RegistrationSettings{}, fmt.Errorf("%w: %q (known: %v)", ErrUnknownSetting, key, SettingKeys())
	}
	rs, err := LoadRegistrationSettings(ctx, r.store.Settings(), r.settings.defaults)
	if err != nil {
		return RegistrationSettings{}, err
	}
	if err := rs.apply(key, value); err != nil {
		return RegistrationSettings{}, fmt.Errorf("%w: %s: %v", ErrInvalid, key, err)
	}
	if err := rs.Validate(); err != nil {
		return RegistrationSettings{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := r.SaveSettingsByAdmin(ctx, rs, actorID); err != nil {
		return RegistrationSettings{}, err
	}
	return rs, nil
}

// setSessionSetting changes one session lifetime.
func (r *Registrar) setSessionSetting(ctx context.Context, key string, value json.RawMessage, actorID string) error {
	l, err := r.SessionSettings(ctx)
	if err != nil {
		return err
	}
	if err := l.ApplySessionSetting(key, value); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return r.SaveSessionSettingsByAdmin(ctx, l, actorID)
}
