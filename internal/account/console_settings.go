package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/personaltoken"
	"github.com/gatehouse/gatehouse/storage"
)

// Instance setting keys of the account console. tokens.scopes is a list
// of the scopes personal tokens may carry (gatehouse:admin is offered to
// administrators in any case), tokens.max_lifetime a duration string
// capping their expiry, notify.new_device a boolean ("new sign-in"
// letters), account.self_delete a boolean (users may delete their own
// account). The server seeds them at start; every replica applies a
// change within MaxSettingsTTL.
const (
	SettingTokenScopes      = "tokens.scopes"
	SettingTokenMaxLifetime = "tokens.max_lifetime"
	SettingNotifyNewDevice  = "notify.new_device"
	SettingSelfDelete       = "account.self_delete"
)

// ConsoleSettingKeys lists the account console's setting keys.
func ConsoleSettingKeys() []string {
	return []string{SettingSelfDelete, SettingNotifyNewDevice, SettingTokenMaxLifetime, SettingTokenScopes}
}

// ConsoleSettings say what the account console offers.
type ConsoleSettings struct {
	// TokenScopes are the scopes offered for personal tokens (besides
	// gatehouse:admin for administrators).
	TokenScopes []string
	// TokenMaxLifetime caps a personal token's expiry.
	TokenMaxLifetime time.Duration
	// NotifyNewDevice mails a "new sign-in" letter for a browser the
	// account has not used before.
	NotifyNewDevice bool
	// SelfDelete lets users delete their own account.
	SelfDelete bool
}

// Day is 24 hours: token lifetimes are counted in days.
const Day = 24 * time.Hour

// DefaultConsoleSettings: openid profile email tokens for at most a year,
// new-sign-in letters on, self-deletion allowed.
func DefaultConsoleSettings() ConsoleSettings {
	return ConsoleSettings{
		TokenScopes:      []string{personaltoken.ScopeOpenID, personaltoken.ScopeProfile, personaltoken.ScopeEmail},
		TokenMaxLifetime: 365 * Day, NotifyNewDevice: true, SelfDelete: true,
	}
}

// Validate checks the scopes and the lifetime (1 day to 5 years).
func (cs ConsoleSettings) Validate() error {
	for _, sc := range cs.TokenScopes {
		if !slices.Contains(personaltoken.Scopes(), sc) {
			return fmt.Errorf("account: %s: unknown scope %q (known: %s)", SettingTokenScopes, sc, strings.Join(personaltoken.Scopes(), " "))
		}
	}
	if cs.TokenMaxLifetime < Day || cs.TokenMaxLifetime > 5*365*Day {
		return fmt.Errorf("account: %s must be between 1d and 1825d", SettingTokenMaxLifetime)
	}
	return nil
}

// FormatDays writes d as days when it is whole days ("365d"), else as a
// Go duration.
func FormatDays(d time.Duration) string {
	if d > 0 && d%Day == 0 {
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	}
	return d.String()
}

// ParseDays reads "30d" or a Go duration ("720h").
func ParseDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("%q is not a number of days such as \"30d\"", s)
		}
		return time.Duration(days) * Day, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as \"30d\" or \"12h\"", s)
	}
	return d, nil
}

// ConsoleSettingValues returns the stored JSON value of each key.
func (cs ConsoleSettings) ConsoleSettingValues() map[string]json.RawMessage {
	enc := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	return map[string]json.RawMessage{
		SettingTokenScopes:      enc(append([]string{}, cs.TokenScopes...)),
		SettingTokenMaxLifetime: enc(FormatDays(cs.TokenMaxLifetime)),
		SettingNotifyNewDevice:  enc(cs.NotifyNewDevice),
		SettingSelfDelete:       enc(cs.SelfDelete),
	}
}

// ApplyConsoleSetting sets the field key holds from its JSON value.
func (cs *ConsoleSettings) ApplyConsoleSetting(key string, value json.RawMessage) error {
	switch key {
	case SettingTokenScopes:
		var list []string
		if err := json.Unmarshal(value, &list); err != nil {
			var one string
			if json.Unmarshal(value, &one) != nil {
				return fmt.Errorf("account: %s must be a list of scopes", key)
			}
			list = strings.Fields(one)
		}
		cs.TokenScopes = list
	case SettingTokenMaxLifetime:
		var s string
		if err := json.Unmarshal(value, &s); err != nil {
			return fmt.Errorf("account: %s must be a duration string such as \"365d\"", key)
		}
		d, err := ParseDays(s)
		if err != nil {
			return fmt.Errorf("account: %s: %w", key, err)
		}
		cs.TokenMaxLifetime = d
	case SettingNotifyNewDevice:
		if err := json.Unmarshal(value, &cs.NotifyNewDevice); err != nil {
			return fmt.Errorf("account: %s must be true or false", key)
		}
	case SettingSelfDelete:
		if err := json.Unmarshal(value, &cs.SelfDelete); err != nil {
			return fmt.Errorf("account: %s must be true or false", key)
		}
	default:
		return fmt.Errorf("%w: %q", ErrUnknownSetting, key)
	}
	return nil
}

// SeedConsoleSettings stores the defaults for every console key not
// stored yet.
func SeedConsoleSettings(ctx context.Context, settings storage.SettingStore) error {
	for k, v := range DefaultConsoleSettings().ConsoleSettingValues() {
		if _, err := settings.SetIfAbsent(ctx, k, v); err != nil {
			return fmt.Errorf("account: seed setting %s: %w", k, err)
		}
	}
	return nil
}

// LoadConsoleSettings reads the console settings; absent keys keep their
// defaults.
func LoadConsoleSettings(ctx context.Context, settings storage.SettingStore) (ConsoleSettings, error) {
	cs := DefaultConsoleSettings()
	for _, k := range ConsoleSettingKeys() {
		s, err := settings.Get(ctx, k)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return ConsoleSettings{}, fmt.Errorf("account: read setting %s: %w", k, err)
		}
		if err := cs.ApplyConsoleSetting(k, s.Value); err != nil {
			return ConsoleSettings{}, err
		}
	}
	return cs, nil
}

// ConsoleSettings returns the console settings, read at most
// MaxSettingsTTL ago.
func (r *Registrar) ConsoleSettings(ctx context.Context) (ConsoleSettings, error) {
	return r.consoleCache().get(ctx)
}

// SaveConsoleSettingsByAdmin validates and stores cs and audits the
// change with its actor.
func (r *Registrar) SaveConsoleSettingsByAdmin(ctx context.Context, cs ConsoleSettings, actorID string) error {
	if err := cs.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	defer r.consoleCache().forget()
	details := map[string]string{}
	return r.store.InTx(ctx, func(tx storage.Tx) error {
		for k, v := range cs.ConsoleSettingValues() {
			if err := tx.Settings().Set(ctx, k, v); err != nil {
				return fmt.Errorf("account: save setting %s: %w", k, err)
			}
			details[k] = string(v)
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminSettingsUpdated, ActorID: actorID, Details: details})
	})
}

// setConsoleSetting changes one console setting.
func (r *Registrar) setConsoleSetting(ctx context.Context, key string, value json.RawMessage, actorID string) error {
	cs, err := LoadConsoleSettings(ctx, r.store.Settings())
	if err != nil {
		return err
	}
	if err := cs.ApplyConsoleSetting(key, value); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return r.SaveConsoleSettingsByAdmin(ctx, cs, actorID)
}

// consoleSettingsCache keeps the console settings one replica read.
type consoleSettingsCache struct {
	mu       sync.Mutex
	settings storage.SettingStore
	now      func() time.Time
	value    ConsoleSettings
	readAt   time.Time
	valid    bool
}

// consoleCache is the Registrar's console settings cache.
func (r *Registrar) consoleCache() *consoleSettingsCache { return r.console }

func (c *consoleSettingsCache) get(ctx context.Context) (ConsoleSettings, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.valid && now.Sub(c.readAt) < MaxSettingsTTL && !now.Before(c.readAt) {
		return c.value, nil
	}
	cs, err := LoadConsoleSettings(ctx, c.settings)
	if err != nil {
		return ConsoleSettings{}, err
	}
	c.value, c.readAt, c.valid = cs, now, true
	return cs, nil
}

func (c *consoleSettingsCache) forget() {
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}
