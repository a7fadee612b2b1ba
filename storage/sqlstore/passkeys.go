package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// passkeyStore implements storage.PasskeyStore over passkeys and
// passkey_challenges. A challenge is taken with one DELETE ... RETURNING;
// a sign-in's counter is recorded with one conditional UPDATE.
type passkeyStore struct{ h handle }

const passkeyColumns = `id, user_id, credential_id, name, credential, sign_count, synced, created_at, last_used_at`

type passkeyRow struct {
	ID           string `db:"id"`
	UserID       string `db:"user_id"`
	CredentialID []byte `db:"credential_id"`
	Name         string `db:"name"`
	Credential   []byte `db:"credential"`
	SignCount    int64  `db:"sign_count"`
	Synced       bool   `db:"synced"`
	CreatedAt    dbTime `db:"created_at"`
	LastUsedAt   dbTime `db:"last_used_at"`
}

func (r passkeyRow) passkey() storage.Passkey {
	return storage.Passkey{
		ID: r.ID, UserID: r.UserID, CredentialID: r.CredentialID, Name: r.Name, Credential: r.Credential,
		SignCount: r.SignCount, Synced: r.Synced, CreatedAt: r.CreatedAt.time(), LastUsedAt: r.LastUsedAt.time(),
	}
}

func (s passkeyStore) Create(ctx context.Context, p *storage.Passkey) error {
	if p.UserID == "" || len(p.CredentialID) == 0 || len(p.Credential) == 0 {
		return fmt.Errorf("create passkey: %w: user, credential id and record are required", storage.ErrInvalid)
	}
	if p.ID == "" {
		p.ID = storage.NewID()
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now()
	}
	p.CreatedAt = storage.Time(p.CreatedAt)
	var lastUsed any
	if !p.LastUsedAt.IsZero() {
		lastUsed = s.h.d.ts(p.LastUsedAt)
	}
	_, err := s.h.exec(ctx, `INSERT INTO passkeys (`+passkeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.UserID, p.CredentialID, p.Name, p.Credential, p.SignCount, p.Synced, s.h.d.ts(p.CreatedAt), lastUsed)
	if err != nil {
		return fmt.Errorf("create passkey: %w", mapErr(err))
	}
	return nil
}

func (s passkeyStore) ListByUser(ctx context.Context, userID string) ([]storage.Passkey, error) {
	var rows []passkeyRow
	err := s.h.selectRows(ctx, &rows, `SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", mapErr(err))
	}
	out := make([]storage.Passkey, len(rows))
	for i, r := range rows {
		out[i] = r.passkey()
	}
	return out, nil
}

func (s passkeyStore) ByCredentialID(ctx context.Context, credentialID []byte) (storage.Passkey, error) {
	var row passkeyRow
	err := s.h.get(ctx, &row, `SELECT `+passkeyColumns+` FROM passkeys WHERE credential_id = ?`, credentialID)
	if err != nil {
		return storage.Passkey{}, fmt.Errorf("passkey by credential id: %w", mapErr(err))
	}
	return row.passkey(), nil
}

func (s passkeyStore) CountByUser(ctx context.Context, userID string) (int, error) {
	var n int
	if err := s.h.get(ctx, &n, `SELECT COUNT(*) FROM passkeys WHERE user_id = ?`, userID); err != nil {
		return 0, fmt.Errorf("count passkeys: %w", mapErr(err))
	}
	return n, nil
}

func (s passkeyStore) Rename(ctx context.Context, userID, id, name string) error {
	n, err := s.h.exec(ctx, `UPDATE passkeys SET name = ? WHERE user_id = ? AND id = ?`, name, userID, id)
	if err != nil {
		return fmt.Errorf("rename passkey: %w", mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("rename passkey: %w", storage.ErrNotFound)
	}
	return nil
}

func (s passkeyStore) Delete(ctx context.Context, userID, id string) error {
	n, err := s.h.exec(ctx, `DELETE FROM passkeys WHERE user_id = ? AND id = ?`, userID, id)
	if err != nil {
		return fmt.Errorf("delete passkey: %w", mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("delete passkey: %w", storage.ErrNotFound)
	}
	return nil
}

func (s passkeyStore) RecordUse(ctx context.Context, id string, count int64, credential []byte, now time.Time) error {
	n, err := s.h.exec(ctx, `UPDATE passkeys SET sign_count = ?, credential = ?, last_used_at = ?
		WHERE id = ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))`,
		count, credential, s.h.d.ts(storage.Time(now)), id, count, count)
	if err != nil {
		return fmt.Errorf("record passkey use: %w", mapErr(err))
	}
	if n == 1 {
		return nil
	}
	var one int
	err = s.h.get(ctx, &one, `SELECT 1 FROM passkeys WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("record passkey use: %w", storage.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("record passkey use: %w", mapErr(err))
	}
	return fmt.Errorf("record passkey use: %w: the signature counter did not move forward", storage.ErrConflict)
}

func (s passkeyStore) SaveChallenge(ctx context.Context, ch storage.PasskeyChallenge) error {
	if ch.ID == "" || ch.Purpose == "" || len(ch.BrowserHash) == 0 || len(ch.Session) == 0 || ch.ExpiresAt.IsZero() {
		return fmt.Errorf("save passkey challenge: %w: id, purpose, browser, session and expiry are required", storage.ErrInvalid)
	}
	var userID any
	if ch.UserID != "" {
		userID = ch.UserID
	}
	_, err := s.h.exec(ctx, `INSERT INTO passkey_challenges (id, purpose, user_id, browser_hash, session, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, ch.ID, ch.Purpose, userID, ch.BrowserHash, ch.Session, s.h.d.ts(storage.Time(ch.ExpiresAt)))
	if err != nil {
		return fmt.Errorf("save passkey challenge: %w", mapErr(err))
	}
	return nil
}

type challengeRow struct {
	ID          string         `db:"id"`
	Purpose     string         `db:"purpose"`
	UserID      sql.NullString `db:"user_id"`
	BrowserHash []byte         `db:"browser_hash"`
	Session     []byte         `db:"session"`
	ExpiresAt   dbTime         `db:"expires_at"`
}

func (s passkeyStore) TakeChallenge(ctx context.Context, id, purpose string, browserHash []byte, now time.Time) (storage.PasskeyChallenge, error) {
	var rows []challengeRow
	err := s.h.selectWrite(ctx, &rows, `DELETE FROM passkey_challenges
		WHERE id = ? AND purpose = ? AND browser_hash = ? AND expires_at > ?
		RETURNING id, purpose, user_id, browser_hash, session, expires_at`, id, purpose, browserHash, s.h.d.ts(now))
	if err != nil {
		return storage.PasskeyChallenge{}, fmt.Errorf("take passkey challenge: %w", mapErr(err))
	}
	if len(rows) == 0 {
		return storage.PasskeyChallenge{}, fmt.Errorf("take passkey challenge: %w", storage.ErrNotFound)
	}
	r := rows[0]
	return storage.PasskeyChallenge{
		ID: r.ID, Purpose: r.Purpose, UserID: r.UserID.String, BrowserHash: r.BrowserHash,
		Session: r.Session, ExpiresAt: r.ExpiresAt.time(),
	}, nil
}

func (s passkeyStore) DeleteExpiredChallenges(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM passkey_challenges WHERE expires_at <= ?`, s.h.d.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired passkey challenges: %w", mapErr(err))
	}
	return n, nil
}
