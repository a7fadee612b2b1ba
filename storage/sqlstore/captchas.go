package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// captchas implements storage.CaptchaStore over captcha_challenges. Take is
// one DELETE ... RETURNING: of parallel calls exactly one deletes the row.
type captchas struct{ h handle }

const captchaColumns = `id, answer_hash, created_at, expires_at`

type captchaRow struct {
	ID         string `db:"id"`
	AnswerHash []byte `db:"answer_hash"`
	CreatedAt  dbTime `db:"created_at"`
	ExpiresAt  dbTime `db:"expires_at"`
}

func (r captchaRow) challenge() storage.CaptchaChallenge {
	return storage.CaptchaChallenge{
		ID: r.ID, AnswerHash: bytesOrNil(r.AnswerHash), CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(),
	}
}

func (s captchas) Create(ctx context.Context, c *storage.CaptchaChallenge) error {
	if len(c.AnswerHash) == 0 || c.ExpiresAt.IsZero() {
		return fmt.Errorf("create captcha challenge: %w: answer hash and expiry are required", storage.ErrInvalid)
	}
	if c.ID == "" {
		c.ID = storage.NewID()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	c.CreatedAt, c.ExpiresAt = storage.Time(c.CreatedAt), storage.Time(c.ExpiresAt)
	_, err := s.h.exec(ctx, `INSERT INTO captcha_challenges (`+captchaColumns+`) VALUES (?, ?, ?, ?)`,
		c.ID, c.AnswerHash, s.h.d.ts(c.CreatedAt), s.h.d.ts(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create captcha challenge: %w", mapErr(err))
	}
	return nil
}

func (s captchas) Take(ctx context.Context, id string, now time.Time) (storage.CaptchaChallenge, error) {
	row, err := takeRow[captchaRow](ctx, s.h, "take captcha challenge", "captcha_challenges", captchaColumns, id)
	if err != nil {
		return storage.CaptchaChallenge{}, err
	}
	c := row.challenge()
	if !c.ExpiresAt.After(storage.Time(now)) {
		return storage.CaptchaChallenge{}, fmt.Errorf("take captcha challenge: %w: it has expired", storage.ErrNotFound)
	}
	return c, nil
}

func (s captchas) Exists(ctx context.Context, id string, now time.Time) (bool, error) {
	var one int
	err := s.h.get(ctx, &one, `SELECT 1 FROM captcha_challenges WHERE id = ? AND expires_at > ?`, id, s.h.d.ts(now))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("captcha challenge exists: %w", mapErr(err))
	}
	return true, nil
}

func (s captchas) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM captcha_challenges WHERE expires_at <= ?`, s.h.d.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired captcha challenges: %w", mapErr(err))
	}
	return n, nil
}
