package storage

import (
	"context"
	"encoding/json"
	"time"
)

// Setting is one instance setting that administrators change at run time
// (registration mode, captcha, reset style, password policy, ...). Value is
// JSON text, stored and returned byte for byte.
type Setting struct {
	Key       string
	Value     json.RawMessage
	UpdatedAt time.Time
}

// SettingStore keeps instance settings. A value that is not valid JSON is
// ErrInvalid.
type SettingStore interface {
	// Get returns the setting, or ErrNotFound.
	Get(ctx context.Context, key string) (Setting, error)
	// GetAll returns every setting, ordered by key.
	GetAll(ctx context.Context) ([]Setting, error)
	// Set creates or replaces the setting.
	Set(ctx context.Context, key string, value json.RawMessage) error
	// SetIfAbsent creates the setting unless it exists, and reports whether
	// it did. It seeds first values from the configuration at start without
	// overwriting what administrators changed since.
	SetIfAbsent(ctx context.Context, key string, value json.RawMessage) (bool, error)
}
