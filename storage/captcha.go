package storage

import (
	"context"
	"time"
)

// CaptchaChallenge is one built-in captcha image's answer, kept in the
// database so any replica can check it. AnswerHash is the SHA-256 of the
// exact (case-sensitive) answer.
type CaptchaChallenge struct {
	ID         string
	AnswerHash []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// CaptchaStore keeps captcha challenges. Each is checked once.
type CaptchaStore interface {
	// Create stores c, filling an empty ID and a zero CreatedAt (now).
	// AnswerHash and ExpiresAt are required (ErrInvalid); ErrAlreadyExists
	// when the id is taken.
	Create(ctx context.Context, c *CaptchaChallenge) error
	// Take removes and returns the challenge, atomically: of parallel
	// calls on any replica exactly one gets it. ErrNotFound when unknown,
	// already taken or expired at now (ExpiresAt <= now; an expired
	// challenge is removed all the same).
	Take(ctx context.Context, id string, now time.Time) (CaptchaChallenge, error)
	// Exists reports whether the challenge is still unanswered and live
	// (to render its image); false, without error, otherwise.
	Exists(ctx context.Context, id string, now time.Time) (bool, error)
	// DeleteExpired removes challenges expired at now (ExpiresAt <= now).
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
