package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// settings implements storage.SettingStore over instance_settings
// (name, value, updated_at). Values are kept as text, byte for byte.
type settings struct{ h handle }

type settingRow struct {
	Name      string `db:"name"`
	Value     string `db:"value"`
	UpdatedAt dbTime `db:"updated_at"`
}

func (r settingRow) setting() storage.Setting {
	return storage.Setting{Key: r.Name, Value: json.RawMessage(r.Value), UpdatedAt: r.UpdatedAt.time()}
}

func checkSetting(key string, value json.RawMessage) error {
	if key == "" {
		return fmt.Errorf("%w: empty setting key", storage.ErrInvalid)
	}
	if !json.Valid(value) {
		return fmt.Errorf("%w: value of setting %q is not JSON", storage.ErrInvalid, key)
	}
	return nil
}

func (s settings) Get(ctx context.Context, key string) (storage.Setting, error) {
	var row settingRow
	err := s.h.get(ctx, &row, `SELECT name, value, updated_at FROM instance_settings WHERE name = ?`, key)
	if err != nil {
		return storage.Setting{}, fmt.Errorf("setting %q: %w", key, mapErr(err))
	}
	return row.setting(), nil
}

func (s settings) GetAll(ctx context.Context) ([]storage.Setting, error) {
	var rows []settingRow
	err := s.h.selectRows(ctx, &rows, `SELECT name, value, updated_at FROM instance_settings ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", mapErr(err))
	}
	list := make([]storage.Setting, len(rows))
	for i, r := range rows {
		list[i] = r.setting()
	}
	return list, nil
}

func (s settings) Set(ctx context.Context, key string, value json.RawMessage) error {
	if err := checkSetting(key, value); err != nil {
		return fmt.Errorf("set setting: %w", err)
	}
	_, err := s.h.exec(ctx, `INSERT INTO instance_settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, string(value), s.h.d.ts(time.Now()))
	if err != nil {
		return fmt.Errorf("set setting %q: %w", key, mapErr(err))
	}
	return nil
}

func (s settings) SetIfAbsent(ctx context.Context, key string, value json.RawMessage) (bool, error) {
	if err := checkSetting(key, value); err != nil {
		return false, fmt.Errorf("seed setting: %w", err)
	}
	n, err := s.h.exec(ctx, `INSERT INTO instance_settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, key, string(value), s.h.d.ts(time.Now()))
	if err != nil {
		return false, fmt.Errorf("seed setting %q: %w", key, mapErr(err))
	}
	return n == 1, nil
}
