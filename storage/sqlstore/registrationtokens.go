package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// registrationTokens implements storage.RegistrationTokenStore over
// registration_tokens (initial access tokens of dynamic client
// registration; only their SHA-256 is stored).
type registrationTokens struct{ h handle }

const registrationTokenColumns = `id, name, token_hash, created_by, created_at, expires_at, revoked_at, last_used_at`

type registrationTokenRow struct {
	ID         string `db:"id"`
	Name       string `db:"name"`
	TokenHash  []byte `db:"token_hash"`
	CreatedBy  string `db:"created_by"`
	CreatedAt  dbTime `db:"created_at"`
	ExpiresAt  dbTime `db:"expires_at"`
	RevokedAt  dbTime `db:"revoked_at"`
	LastUsedAt dbTime `db:"last_used_at"`
}

func (r registrationTokenRow) token() storage.RegistrationToken {
	return storage.RegistrationToken{ID: r.ID, Name: r.Name, TokenHash: r.TokenHash, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(), RevokedAt: r.RevokedAt.time(),
		LastUsedAt: r.LastUsedAt.time()}
}

func (s registrationTokens) Create(ctx context.Context, t *storage.RegistrationToken) error {
	if len(t.TokenHash) == 0 {
		return fmt.Errorf("create registration token: %w: the hash is required", storage.ErrInvalid)
	}
	if t.ID == "" {
		t.ID = storage.NewID()
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt = storage.Time(t.CreatedAt)
	if !t.ExpiresAt.IsZero() {
		t.ExpiresAt = storage.Time(t.ExpiresAt)
	}
	d := s.h.d
	_, err := s.h.exec(ctx, `INSERT INTO registration_tokens (`+registrationTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.TokenHash, t.CreatedBy, d.ts(t.CreatedAt), d.nullTS(t.ExpiresAt), d.nullTS(t.RevokedAt), d.nullTS(t.LastUsedAt))
	if err != nil {
		return fmt.Errorf("create registration token: %w", mapErr(err))
	}
	return nil
}

func (s registrationTokens) ByHash(ctx context.Context, hash []byte) (storage.RegistrationToken, error) {
	var row registrationTokenRow
	if err := s.h.get(ctx, &row, `SELECT `+registrationTokenColumns+` FROM registration_tokens WHERE token_hash = ?`, hash); err != nil {
		return storage.RegistrationToken{}, fmt.Errorf("registration token: %w", mapErr(err))
	}
	return row.token(), nil
}

func (s registrationTokens) List(ctx context.Context, cursor string, limit int) (storage.Page[storage.RegistrationToken], error) {
	var w where
	if cursor != "" {
		after, err := decodeIDCursor(cursor)
		if err != nil {
			return storage.Page[storage.RegistrationToken]{}, fmt.Errorf("list registration tokens: %w", err)
		}
		w.add("id > ?", after)
	}
	limit = pageLimit(limit)
	var rows []registrationTokenRow
	query := `SELECT ` + registrationTokenColumns + ` FROM registration_tokens` + w.String() + ` ORDER BY id LIMIT ?`
	if err := s.h.selectRows(ctx, &rows, query, append(w.args, limit+1)...); err != nil {
		return storage.Page[storage.RegistrationToken]{}, fmt.Errorf("list registration tokens: %w", mapErr(err))
	}
	list := make([]storage.RegistrationToken, len(rows))
	for i, r := range rows {
		list[i] = r.token()
	}
	return makeIDPage(list, limit, func(t storage.RegistrationToken) string { return t.ID }), nil
}

func (s registrationTokens) Revoke(ctx context.Context, id string, now time.Time) error {
	n, err := s.h.exec(ctx, `UPDATE registration_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, s.h.d.ts(now), id)
	if err != nil {
		return fmt.Errorf("revoke registration token %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("revoke registration token %s: %w", id, storage.ErrNotFound)
	}
	return nil
}

func (s registrationTokens) MarkUsed(ctx context.Context, id string, now time.Time) error {
	if _, err := s.h.exec(ctx, `UPDATE registration_tokens SET last_used_at = ? WHERE id = ?`, s.h.d.ts(now), id); err != nil {
		return fmt.Errorf("mark registration token %s used: %w", id, mapErr(err))
	}
	return nil
}
