package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// mfaStore implements storage.MFAStore over mfa_totp and
// mfa_recovery_codes. Single use is one conditional UPDATE each: the last
// TOTP step only moves forward, a recovery code's used_at is set once.
type mfaStore struct{ h handle }

const totpColumns = `user_id, secret_enc, confirmed, last_step, created_at, confirmed_at`

type totpRow struct {
	UserID      string `db:"user_id"`
	SecretEnc   []byte `db:"secret_enc"`
	Confirmed   bool   `db:"confirmed"`
	LastStep    int64  `db:"last_step"`
	CreatedAt   dbTime `db:"created_at"`
	ConfirmedAt dbTime `db:"confirmed_at"`
}

func (r totpRow) totp() storage.TOTP {
	return storage.TOTP{
		UserID: r.UserID, SecretEnc: r.SecretEnc, Confirmed: r.Confirmed, LastStep: r.LastStep,
		CreatedAt: r.CreatedAt.time(), ConfirmedAt: r.ConfirmedAt.time(),
	}
}

func (s mfaStore) TOTP(ctx context.Context, userID string) (storage.TOTP, error) {
	var row totpRow
	err := s.h.get(ctx, &row, `SELECT `+totpColumns+` FROM mfa_totp WHERE user_id = ?`, userID)
	if err != nil {
		return storage.TOTP{}, fmt.Errorf("totp of %s: %w", userID, mapErr(err))
	}
	return row.totp(), nil
}

func (s mfaStore) BeginTOTP(ctx context.Context, t *storage.TOTP) error {
	if t.UserID == "" || len(t.SecretEnc) == 0 {
		return fmt.Errorf("begin totp: %w: user id and secret are required", storage.ErrInvalid)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt, t.Confirmed, t.LastStep, t.ConfirmedAt = storage.Time(t.CreatedAt), false, 0, time.Time{}
	return s.h.atomic(ctx, func(h handle) error {
		if _, err := h.exec(ctx, `DELETE FROM mfa_totp WHERE user_id = ? AND confirmed = ?`, t.UserID, false); err != nil {
			return fmt.Errorf("begin totp: %w", mapErr(err))
		}
		_, err := h.exec(ctx, `INSERT INTO mfa_totp (user_id, secret_enc, confirmed, last_step, created_at)
			VALUES (?, ?, ?, ?, ?)`, t.UserID, t.SecretEnc, false, 0, h.d.ts(t.CreatedAt))
		if err != nil {
			return fmt.Errorf("begin totp: %w", mapErr(err))
		}
		return nil
	})
}

func (s mfaStore) ConfirmTOTP(ctx context.Context, userID string, step int64, now time.Time) error {
	n, err := s.h.exec(ctx, `UPDATE mfa_totp SET confirmed = ?, last_step = ?, confirmed_at = ?
		WHERE user_id = ? AND confirmed = ?`, true, step, s.h.d.ts(now), userID, false)
	if err != nil {
		return fmt.Errorf("confirm totp: %w", mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("confirm totp: %w: no pending enrolment", storage.ErrNotFound)
	}
	return nil
}

func (s mfaStore) UseTOTPStep(ctx context.Context, userID string, step int64) error {
	n, err := s.h.exec(ctx, `UPDATE mfa_totp SET last_step = ?
		WHERE user_id = ? AND confirmed = ? AND last_step < ?`, step, userID, true, step)
	if err != nil {
		return fmt.Errorf("use totp step: %w", mapErr(err))
	}
	if n == 1 {
		return nil
	}
	t, err := s.TOTP(ctx, userID)
	if err != nil {
		return fmt.Errorf("use totp step: %w", err)
	}
	if !t.Confirmed {
		return fmt.Errorf("use totp step: %w: enrolment not confirmed", storage.ErrNotFound)
	}
	return fmt.Errorf("use totp step: %w: step already used", storage.ErrConflict)
}

func (s mfaStore) DeleteTOTP(ctx context.Context, userID string) (bool, error) {
	var confirmed []bool
	err := s.h.selectWrite(ctx, &confirmed, `DELETE FROM mfa_totp WHERE user_id = ? RETURNING confirmed`, userID)
	if err != nil {
		return false, fmt.Errorf("delete totp: %w", mapErr(err))
	}
	return len(confirmed) == 1 && confirmed[0], nil
}

func (s mfaStore) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error {
	return s.h.atomic(ctx, func(h handle) error {
		if _, err := h.exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("replace recovery codes: %w", mapErr(err))
		}
		for _, hash := range hashes {
			_, err := h.exec(ctx, `INSERT INTO mfa_recovery_codes (id, user_id, code_hash, created_at)
				VALUES (?, ?, ?, ?)`, storage.NewID(), userID, hash, h.d.ts(now))
			if err != nil {
				return fmt.Errorf("replace recovery codes: %w", mapErr(err))
			}
		}
		return nil
	})
}

func (s mfaStore) UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) (int, error) {
	var id string
	err := s.h.getWrite(ctx, &id, `UPDATE mfa_recovery_codes SET used_at = ?
		WHERE user_id = ? AND code_hash = ? AND used_at IS NULL RETURNING id`, s.h.d.ts(now), userID, hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("use recovery code: %w", storage.ErrNotFound)
	case err != nil:
		return 0, fmt.Errorf("use recovery code: %w", mapErr(err))
	}
	return s.RecoveryCodesLeft(ctx, userID)
}

func (s mfaStore) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.h.get(ctx, &n, `SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID)
	if err != nil {
		return 0, fmt.Errorf("count recovery codes: %w", mapErr(err))
	}
	return n, nil
}

func (s mfaStore) DeleteRecoveryCodes(ctx context.Context, userID string) error {
	if _, err := s.h.exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete recovery codes: %w", mapErr(err))
	}
	return nil
}

func (s mfaStore) TOTPAfter(ctx context.Context, afterUserID string, limit int) ([]storage.TOTP, error) {
	var rows []totpRow
	err := s.h.selectRows(ctx, &rows, `SELECT `+totpColumns+` FROM mfa_totp
		WHERE user_id > ? ORDER BY user_id LIMIT ?`, afterUserID, pageLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list totp: %w", mapErr(err))
	}
	out := make([]storage.TOTP, len(rows))
	for i, r := range rows {
		out[i] = r.totp()
	}
	return out, nil
}

func (s mfaStore) ResealTOTP(ctx context.Context, userID string, was, sealed []byte) error {
	if len(sealed) == 0 {
		return fmt.Errorf("reseal totp: %w: the sealed secret is required", storage.ErrInvalid)
	}
	n, err := s.h.exec(ctx, `UPDATE mfa_totp SET secret_enc = ? WHERE user_id = ? AND secret_enc = ?`, sealed, userID, was)
	if err != nil {
		return fmt.Errorf("reseal totp of %s: %w", userID, mapErr(err))
	}
	if n == 1 {
		return nil
	}
	var one int
	err = s.h.get(ctx, &one, `SELECT 1 FROM mfa_totp WHERE user_id = ?`, userID)
	switch {
	case err == nil:
		return fmt.Errorf("reseal totp of %s: %w: it changed meanwhile", userID, storage.ErrConflict)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("reseal totp of %s: %w", userID, storage.ErrNotFound)
	}
	return fmt.Errorf("reseal totp of %s: %w", userID, mapErr(err))
}
