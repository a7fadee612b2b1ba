package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// oneTimeTokens implements storage.OneTimeTokenStore over one_time_tokens.
// Issue deletes the user's unused tokens of the purpose and inserts the new
// one in one transaction, under a named lock per user and purpose (an
// advisory lock on Postgres; SQLite's one writer), so parallel Issues leave
// one. Consume is one conditional UPDATE ... WHERE used_at IS NULL
// RETURNING.
type oneTimeTokens struct{ h handle }

const oneTimeTokenColumns = `id, user_id, purpose, token_hash, email, created_at, expires_at, used_at`

type oneTimeTokenRow struct {
	ID        string `db:"id"`
	UserID    string `db:"user_id"`
	Purpose   string `db:"purpose"`
	TokenHash []byte `db:"token_hash"`
	Email     string `db:"email"`
	CreatedAt dbTime `db:"created_at"`
	ExpiresAt dbTime `db:"expires_at"`
	UsedAt    dbTime `db:"used_at"`
}

func (r oneTimeTokenRow) token() storage.OneTimeToken {
	return storage.OneTimeToken{
		ID: r.ID, UserID: r.UserID, Purpose: r.Purpose, TokenHash: bytesOrNil(r.TokenHash), Email: r.Email,
		CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(), UsedAt: r.UsedAt.time(),
	}
}

func prepareOneTimeToken(t *storage.OneTimeToken) error {
	if t.UserID == "" || t.Purpose == "" || len(t.TokenHash) == 0 || t.ExpiresAt.IsZero() {
		return fmt.Errorf("%w: user id, purpose, token hash and expiry are required", storage.ErrInvalid)
	}
	if t.ID == "" {
		t.ID = storage.NewID()
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = storage.Time(t.CreatedAt), storage.Time(t.ExpiresAt), storage.Time(t.UsedAt)
	return nil
}

func (s oneTimeTokens) Issue(ctx context.Context, t *storage.OneTimeToken) error {
	if err := prepareOneTimeToken(t); err != nil {
		return fmt.Errorf("issue one-time token: %w", err)
	}
	err := s.h.atomic(ctx, func(h handle) error {
		if err := h.d.lock(ctx, h.w, "one-time-token:"+t.UserID+":"+t.Purpose); err != nil {
			return err
		}
		if _, err := h.exec(ctx, `DELETE FROM one_time_tokens
			WHERE user_id = ? AND purpose = ? AND used_at IS NULL`, t.UserID, t.Purpose); err != nil {
			return err
		}
		_, err := h.exec(ctx, `INSERT INTO one_time_tokens (`+oneTimeTokenColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.UserID, t.Purpose, t.TokenHash, t.Email, h.d.ts(t.CreatedAt), h.d.ts(t.ExpiresAt),
			h.d.nullTS(t.UsedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("issue one-time token: %w", mapErr(err))
	}
	return nil
}

func (s oneTimeTokens) Peek(ctx context.Context, purpose string, hash []byte) (storage.OneTimeToken, error) {
	if len(hash) == 0 {
		return storage.OneTimeToken{}, fmt.Errorf("one-time token: %w", storage.ErrNotFound)
	}
	var row oneTimeTokenRow
	err := s.h.get(ctx, &row, `SELECT `+oneTimeTokenColumns+` FROM one_time_tokens
		WHERE token_hash = ? AND purpose = ?`, hash, purpose)
	if err != nil {
		return storage.OneTimeToken{}, fmt.Errorf("one-time token: %w", mapErr(err))
	}
	return row.token(), nil
}

func (s oneTimeTokens) Consume(ctx context.Context, purpose string, hash []byte, now time.Time) (storage.OneTimeToken, error) {
	if len(hash) == 0 {
		return storage.OneTimeToken{}, fmt.Errorf("consume one-time token: %w", storage.ErrNotFound)
	}
	at := s.h.d.ts(now)
	var row oneTimeTokenRow
	err := s.h.getWrite(ctx, &row, `UPDATE one_time_tokens SET used_at = ?
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
		RETURNING `+oneTimeTokenColumns, at, hash, purpose, at)
	if err == nil {
		return row.token(), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return storage.OneTimeToken{}, fmt.Errorf("consume one-time token: %w", mapErr(err))
	}
	// Nothing consumed: tell a used token from an unknown or expired one.
	// used_at never goes back to NULL, so this read cannot race the UPDATE
	// into a wrong answer.
	t, err := s.Peek(ctx, purpose, hash)
	switch {
	case err != nil:
		return storage.OneTimeToken{}, fmt.Errorf("consume %w", err)
	case t.UsedAt.IsZero():
		return storage.OneTimeToken{}, fmt.Errorf("consume one-time token: %w: it has expired", storage.ErrNotFound)
	}
	return t, fmt.Errorf("consume one-time token %s: %w: it was already used", t.ID, storage.ErrConflict)
}

func (s oneTimeTokens) DeleteByUser(ctx context.Context, userID, purpose string) error {
	var w where
	w.add("user_id = ?", userID)
	if purpose != "" {
		w.add("purpose = ?", purpose)
	}
	if _, err := s.h.exec(ctx, `DELETE FROM one_time_tokens`+w.String(), w.args...); err != nil {
		return fmt.Errorf("delete one-time tokens of user %s: %w", userID, mapErr(err))
	}
	return nil
}

func (s oneTimeTokens) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM one_time_tokens WHERE expires_at <= ?`, s.h.d.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired one-time tokens: %w", mapErr(err))
	}
	return n, nil
}
