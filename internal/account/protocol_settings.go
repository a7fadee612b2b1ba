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

// Instance setting keys of the OAuth protocol extensions (issue 18):
// oauth.require_pushed_authorization_requests (a boolean: every client
// must use pushed authorization requests, RFC 9126) and
// oauth.dynamic_client_registration (a boolean: /oauth/register is open to
// holders of an initial access token, RFC 7591). Both start false; every
// replica applies a change within MaxSettingsTTL.
const (
	SettingRequirePAR          = "oauth.require_pushed_authorization_requests"
	SettingDynamicRegistration = "oauth.dynamic_client_registration"
)

// ProtocolSettingKeys lists the protocol setting keys.
func ProtocolSettingKeys() []string {
	return []string{SettingDynamicRegistration, SettingRequirePAR}
}

// ProtocolSettings are the instance-wide OAuth protocol switches.
type ProtocolSettings struct {
	// RequirePAR: every client must push its authorization requests.
	RequirePAR bool
	// DynamicRegistration opens the dynamic client registration endpoint.
	DynamicRegistration bool
}

// ProtocolSettingValues returns the stored JSON value of each key.
func (ps ProtocolSettings) ProtocolSettingValues() map[string]json.RawMessage {
	enc := func(v bool) json.RawMessage { b, _ := json.Marshal(v); return b }
	return map[string]json.RawMessage{
		SettingRequirePAR:          enc(ps.RequirePAR),
		SettingDynamicRegistration: enc(ps.DynamicRegistration),
	}
}

// ApplyProtocolSetting sets the field key holds from its JSON value.
func (ps *ProtocolSettings) ApplyProtocolSetting(key string, value json.RawMessage) error {
	var dst *bool
	switch key {
	case SettingRequirePAR:
		dst = &ps.RequirePAR
	case SettingDynamicRegistration:
		dst = &ps.DynamicRegistration
	default:
		return fmt.Errorf("%w: %q", ErrUnknownSetting, key)
	}
	if err := json.Unmarshal(value, dst); err != nil {
		return fmt.Errorf("account: %s must be true or false", key)
	}
	return nil
}

// LoadProtocolSettings reads the protocol settings; absent keys are false.
func LoadProtocolSettings(ctx context.Context, settings storage.SettingStore) (ProtocolSettings, error) {
	var ps ProtocolSettings
	for _, k := range ProtocolSettingKeys() {
		s, err := settings.Get(ctx, k)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return ProtocolSettings{}, fmt.Errorf("account: read setting %s: %w", k, err)
		}
		if err := ps.ApplyProtocolSetting(k, s.Value); err != nil {
			return ProtocolSettings{}, err
		}
	}
	return ps, nil
}

// ProtocolSettings returns the protocol settings, read at most
// MaxSettingsTTL ago.
func (r *Registrar) ProtocolSettings(ctx context.Context) (ProtocolSettings, error) {
	return r.protocol.get(ctx)
}

// SaveProtocolSettingsByAdmin stores ps and audits the change with its
// actor.
func (r *Registrar) SaveProtocolSettingsByAdmin(ctx context.Context, ps ProtocolSettings, actorID string) error {
	defer r.protocol.forget()
	details := map[string]string{}
	return r.store.InTx(ctx, func(tx storage.Tx) error {
		for k, v := range ps.ProtocolSettingValues() {
			if err := tx.Settings().Set(ctx, k, v); err != nil {
				return fmt.Errorf("account: save setting %s: %w", k, err)
			}
			details[k] = string(v)
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminSettingsUpdated, ActorID: actorID, Details: details})
	})
}

// setProtocolSetting changes one protocol setting.
func (r *Registrar) setProtocolSetting(ctx context.Context, key string, value json.RawMessage, actorID string) error {
	ps, err := LoadProtocolSettings(ctx, r.store.Settings())
	if err != nil {
		return err
	}
	if err := ps.ApplyProtocolSetting(key, value); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return r.SaveProtocolSettingsByAdmin(ctx, ps, actorID)
}

// protocolSettingsCache keeps the protocol settings one replica read.
type protocolSettingsCache struct {
	mu       sync.Mutex
	settings storage.SettingStore
	now      func() time.Time
	value    ProtocolSettings
	readAt   time.Time
	valid    bool
}

func (c *protocolSettingsCache) get(ctx context.Context) (ProtocolSettings, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.valid && now.Sub(c.readAt) < MaxSettingsTTL && !now.Before(c.readAt) {
		return c.value, nil
	}
	ps, err := LoadProtocolSettings(ctx, c.settings)
	if err != nil {
		return ProtocolSettings{}, err
	}
	c.value, c.readAt, c.valid = ps, now, true
	return ps, nil
}

func (c *protocolSettingsCache) forget() {
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}
