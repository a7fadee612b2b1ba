package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Instance setting keys of browser session lifetimes. Each value is a
// JSON string in time.ParseDuration form ("12h0m0s"): session.lifetime is
// the "remember me" lifetime, session.max_lifetime the absolute lifetime
// of other sessions, session.idle_timeout their idle limit. The server
// seeds them from the configuration; new sessions use them within
// MaxSettingsTTL on every replica.
const (
	SettingSessionLifetime    = "session.lifetime"
	SettingSessionMaxLifetime = "session.max_lifetime"
	SettingSessionIdleTimeout = "session.idle_timeout"
)

// SessionSettingKeys lists the session lifetime keys.
func SessionSettingKeys() []string {
	return []string{SettingSessionIdleTimeout, SettingSessionLifetime, SettingSessionMaxLifetime}
}

// Validate checks the lifetimes (each at least 1m, idle at least 2m).
func (l SessionLifetimes) Validate() error { return l.validate() }

func (l SessionLifetimes) values() map[string]json.RawMessage {
	enc := func(d time.Duration) json.RawMessage { b, _ := json.Marshal(d.String()); return b }
	return map[string]json.RawMessage{
		SettingSessionLifetime: enc(l.Persistent), SettingSessionMaxLifetime: enc(l.Browser), SettingSessionIdleTimeout: enc(l.Idle),
	}
}

// SessionSettingValues returns the stored JSON value of each session key.
func (l SessionLifetimes) SessionSettingValues() map[string]json.RawMessage { return l.values() }

// ApplySessionSetting sets the lifetime key holds from a JSON duration
// string; an unknown key or bad value is an error.
func (l *SessionLifetimes) ApplySessionSetting(key string, value json.RawMessage) error {
	var s string
	if err := json.Unmarshal(value, &s); err != nil {
		return fmt.Errorf("account: %s must be a duration string such as \"12h\"", key)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("account: %s: %q is not a duration such as \"12h\"", key, s)
	}
	switch key {
	case SettingSessionLifetime:
		l.Persistent = d
	case SettingSessionMaxLifetime:
		l.Browser = d
	case SettingSessionIdleTimeout:
		l.Idle = d
	default:
		return fmt.Errorf("%w: %q", ErrUnknownSetting, key)
	}
	return nil
}

// SeedSessionSettings stores l (the configuration) for every session key
// not stored yet.
func SeedSessionSettings(ctx context.Context, settings storage.SettingStore, l SessionLifetimes) error {
	for k, v := range l.withDefaults().values() {
		if _, err := settings.SetIfAbsent(ctx, k, v); err != nil {
			return fmt.Errorf("account: seed setting %s: %w", k, err)
		}
	}
	return nil
}

// LoadSessionSettings reads the session lifetimes; absent keys keep
// defaults.
func LoadSessionSettings(ctx context.Context, settings storage.SettingStore, defaults SessionLifetimes) (SessionLifetimes, error) {
	l := defaults
	for _, k := range SessionSettingKeys() {
		s, err := settings.Get(ctx, k)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return SessionLifetimes{}, fmt.Errorf("account: read setting %s: %w", k, err)
		}
		if err := l.ApplySessionSetting(k, s.Value); err != nil {
			return SessionLifetimes{}, err
		}
	}
	return l, nil
}

// UseSessionSettings makes the Service read session lifetimes from the
// instance settings, kept at most ttl (MaxSettingsTTL when zero or more);
// its configured lifetimes become the defaults of absent keys.
func (s *Service) UseSessionSettings(settings storage.SettingStore, ttl time.Duration) {
	if ttl <= 0 || ttl > MaxSettingsTTL {
		ttl = MaxSettingsTTL
	}
	s.sessionSettings = &lifetimeCache{settings: settings, ttl: ttl, now: s.now, defaults: s.lifetimes}
}

// SessionLifetimes returns the lifetimes new sessions get now.
func (s *Service) SessionLifetimes(ctx context.Context) (SessionLifetimes, error) {
	if s.sessionSettings == nil {
		return s.lifetimes, nil
	}
	return s.sessionSettings.get(ctx)
}

// SessionSettings returns the session lifetimes in force.
func (r *Registrar) SessionSettings(ctx context.Context) (SessionLifetimes, error) {
	if r.svc.sessionSettings != nil {
		return r.svc.SessionLifetimes(ctx)
	}
	return LoadSessionSettings(ctx, r.store.Settings(), r.svc.lifetimes)
}

// SaveSessionSettingsByAdmin validates and stores l, and audits the change.
func (r *Registrar) SaveSessionSettingsByAdmin(ctx context.Context, l SessionLifetimes, actorID string) error {
	if err := l.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	details := map[string]string{}
	return r.store.InTx(ctx, func(tx storage.Tx) error {
		for k, v := range l.values() {
			if err := tx.Settings().Set(ctx, k, v); err != nil {
				return fmt.Errorf("account: save setting %s: %w", k, err)
			}
			details[k] = string(v)
		}
		if c := r.svc.sessionSettings; c != nil {
			c.forget()
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminSettingsUpdated, ActorID: actorID, Details: details})
	})
}

// lifetimeCache keeps the session lifetimes one replica read for at most
// ttl.
type lifetimeCache struct {
	mu       sync.Mutex
	settings storage.SettingStore
	ttl      time.Duration
	now      func() time.Time
	defaults SessionLifetimes
	value    SessionLifetimes
	readAt   time.Time
	valid    bool
}

func (c *lifetimeCache) get(ctx context.Context) (SessionLifetimes, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.valid && now.Sub(c.readAt) < c.ttl && !now.Before(c.readAt) {
		return c.value, nil
	}
	l, err := LoadSessionSettings(ctx, c.settings, c.defaults)
	if err != nil {
		return SessionLifetimes{}, err
	}
	c.value, c.readAt, c.valid = l, now, true
	return l, nil
}

func (c *lifetimeCache) forget() {
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
