package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// personalTokens implements storage.PersonalTokenStore over
// personal_tokens; scopes are a JSON array.
type personalTokens struct{ h handle }

const personalTokenColumns = `id, user_id, name, token_hash, scopes, created_at, expires_at,
	last_used_at, last_used_ip, revoked_at`

type personalTokenRow struct {
	ID         string `db:"id"`
	UserID     string `db:"user_id"`
	Name       string `db:"name"`
	TokenHash  []byte `db:"token_hash"`
	Scopes     string `db:"scopes"`
	CreatedAt  dbTime `db:"created_at"`
	ExpiresAt  dbTime `db:"expires_at"`
	LastUsedAt dbTime `db:"last_used_at"`
	LastUsedIP string `db:"last_used_ip"`
	RevokedAt  dbTime `db:"revoked_at"`
}

func (r personalTokenRow) token() (storage.PersonalToken, error) {
	scopes, err := decodeList(r.Scopes)
	if err != nil {
		return storage.PersonalToken{}, fmt.Errorf("personal token %s: %w", r.ID, err)
	}
	return storage.PersonalToken{
		ID: r.ID, UserID: r.UserID, Name: r.Name, TokenHash: r.TokenHash, Scopes: scopes,
		CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(), LastUsedAt: r.LastUsedAt.time(),
		LastUsedIP: r.LastUsedIP, RevokedAt: r.RevokedAt.time(),
	}, nil
}

func (s personalTokens) Create(ctx context.Context, t *storage.PersonalToken) error {
	if t.UserID == "" || t.Name == "" || len(t.TokenHash) == 0 || t.ExpiresAt.IsZero() {
		return fmt.Errorf("create personal token: %w: user id, name, hash and expiry are required", storage.ErrInvalid)
	}
	if t.ID == "" {
		t.ID = storage.NewID()
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt, t.ExpiresAt = storage.Time(t.CreatedAt), storage.Time(t.ExpiresAt)
	scopes, err := encodeList(t.Scopes)
	if err != nil {
		return fmt.Errorf("create personal token: %w", err)
	}
	d := s.h.d
	_, err = s.h.exec(ctx, `INSERT INTO personal_tokens (id, user_id, name, token_hash, scopes, created_at,
		expires_at, last_used_at, last_used_ip, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.UserID, t.Name, t.TokenHash, scopes, d.ts(t.CreatedAt), d.ts(t.ExpiresAt),
		d.nullTS(t.LastUsedAt), t.LastUsedIP, d.nullTS(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("create personal token: %w", mapErr(err))
	}
	return nil
}

func (s personalTokens) ByHash(ctx context.Context, hash []byte) (storage.PersonalToken, error) {
	if len(hash) == 0 {
		return storage.PersonalToken{}, fmt.Errorf("personal token by hash: %w", storage.ErrNotFound)
	}
	var row personalTokenRow
	if err := s.h.get(ctx, &row, `SELECT `+personalTokenColumns+` FROM personal_tokens WHERE token_hash = ?`, hash); err != nil {
		return storage.PersonalToken{}, fmt.Errorf("personal token by hash: %w", mapErr(err))
	}
	return row.token()
}

func (s personalTokens) ListByUser(ctx context.Context, userID string) ([]storage.PersonalToken, error) {
	var rows []personalTokenRow
	err := s.h.selectRows(ctx, &rows, `SELECT `+personalTokenColumns+` FROM personal_tokens
		WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("personal tokens of user %s: %w", userID, mapErr(err))
	}
	list := make([]storage.PersonalToken, len(rows))
	for i, r := range rows {
		if list[i], err = r.token(); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (s personalTokens) Revoke(ctx context.Context, userID, id string, now time.Time) error {
	n, err := s.h.exec(ctx, `UPDATE personal_tokens SET revoked_at = COALESCE(revoked_at, ?)
		WHERE id = ? AND user_id = ?`, s.h.d.ts(now), id, userID)
	if err != nil {
		return fmt.Errorf("revoke personal token %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("revoke personal token %s: %w", id, storage.ErrNotFound)
	}
	return nil
}

func (s personalTokens) RevokeByUser(ctx context.Context, userID string, now time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `UPDATE personal_tokens SET revoked_at = ?
		WHERE user_id = ? AND revoked_at IS NULL`, s.h.d.ts(now), userID)
	if err != nil {
		return 0, fmt.Errorf("revoke personal tokens of user %s: %w", userID, mapErr(err))
	}
	return n, nil
}

func (s personalTokens) Touch(ctx context.Context, id, ip string, now time.Time, minGap time.Duration) (bool, error) {
	d := s.h.d
	n, err := s.h.exec(ctx, `UPDATE personal_tokens SET last_used_at = ?, last_used_ip = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
		d.ts(now), ip, id, d.ts(now.Add(-minGap)))
	if err != nil {
		return false, fmt.Errorf("touch personal token %s: %w", id, mapErr(err))
	}
	return n > 0, nil
}

func (s personalTokens) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	t := s.h.d.ts(now)
	n, err := s.h.exec(ctx, `DELETE FROM personal_tokens WHERE expires_at <= ? OR revoked_at <= ?`, t, t)
	if err != nil {
		return 0, fmt.Errorf("delete expired personal tokens: %w", mapErr(err))
	}
	return n, nil
}

// devices implements storage.DeviceStore over known_devices.
type devices struct{ h handle }

func (s devices) Remember(ctx context.Context, userID string, deviceHash []byte, now time.Time) (bool, int, error) {
	if userID == "" || len(deviceHash) == 0 {
		return false, 0, fmt.Errorf("remember device: %w: user and device are required", storage.ErrInvalid)
	}
	t := s.h.d.ts(now)
	var known bool
	var others int
	err := s.h.atomic(ctx, func(h handle) error {
		n, err := h.exec(ctx, `UPDATE known_devices SET last_seen = ? WHERE user_id = ? AND device_hash = ?`,
			t, userID, deviceHash)
		if err != nil {
			return err
		}
		known = n > 0
		if err := h.get(ctx, &others, `SELECT COUNT(*) FROM known_devices WHERE user_id = ? AND device_hash <> ?`,
			userID, deviceHash); err != nil {
			return err
		}
		if known {
			return nil
		}
		_, err = h.exec(ctx, `INSERT INTO known_devices (user_id, device_hash, first_seen, last_seen)
			VALUES (?, ?, ?, ?) ON CONFLICT (user_id, device_hash) DO UPDATE SET last_seen = excluded.last_seen`,
			userID, deviceHash, t, t)
		return err
	})
	if err != nil {
		return false, 0, fmt.Errorf("remember device of user %s: %w", userID, mapErr(err))
	}
	return known, others, nil
}

func (s devices) DeleteUnseenSince(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM known_devices WHERE last_seen < ?`, s.h.d.ts(before))
	if err != nil {
		return 0, fmt.Errorf("forget unseen devices: %w", mapErr(err))
	}
	return n, nil
}
