package storage

import (
	"context"
	"time"
)

// BrowserSession is a signed-in browser. The cookie holds a random secret;
// the store keeps only its SHA-256 (TokenHash), so a copy of the database
// cannot be replayed as cookies.
type BrowserSession struct {
	ID         string
	UserID     string
	TokenHash  []byte // SHA-256 of the cookie secret; unique
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end of the session
	// IdleTimeout ends the session when it is not seen for this long;
	// zero means no idle limit. Kept to the millisecond.
	IdleTimeout time.Duration
	Persistent  bool      // "remember me": the cookie outlives the browser
	AuthTime    time.Time // when the user last presented credentials
	AMR         []string  // authentication methods (RFC 8176): "pwd", "otp", ...
	UserAgent   string
	IP          string

	// MFATime is when a second factor was last presented in this session
	// (zero: none was). AuthTime stays the time of the first factor.
	MFATime time.Time
}

// Live reports whether the session still counts at now: before ExpiresAt and
// within IdleTimeout of LastSeenAt.
func (s BrowserSession) Live(now time.Time) bool {
	if !now.Before(s.ExpiresAt) {
		return false
	}
	return s.IdleTimeout <= 0 || now.Before(s.LastSeenAt.Add(s.IdleTimeout))
}

// FactorTime is when the user last presented any factor: the later of
// AuthTime and MFATime. max_age is measured from it.
func (s BrowserSession) FactorTime() time.Time {
	if s.MFATime.After(s.AuthTime) {
		return s.MFATime
	}
	return s.AuthTime
}

// SessionStore keeps browser sessions. Methods that take now treat sessions
// that are not Live at now as gone.
type SessionStore interface {
	// Create stores s. It fills in an empty ID and a zero CreatedAt (now);
	// a zero LastSeenAt or AuthTime becomes CreatedAt. TokenHash and
	// ExpiresAt are required (ErrInvalid). ErrAlreadyExists when the id or
	// token hash is taken; ErrNotFound when the user does not exist.
	Create(ctx context.Context, s *BrowserSession) error
	// ByTokenHash returns the live session with this token hash, or
	// ErrNotFound.
	ByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (BrowserSession, error)
	// Touch sets the session's LastSeenAt to now (never backwards), which
	// restarts its idle timeout. ErrNotFound when it is not live.
	Touch(ctx context.Context, id string, now time.Time) error
	// Delete removes the session, or returns ErrNotFound.
	Delete(ctx context.Context, id string) error
	// DeleteByUser removes every session of the user except keepID (when
	// not empty) and returns how many it removed.
	DeleteByUser(ctx context.Context, userID, keepID string) (int64, error)
	// ListByUser returns the user's live sessions, most recently seen first.
	ListByUser(ctx context.Context, userID string, now time.Time) ([]BrowserSession, error)
	// DeleteExpired removes every session that is not live at now and
	// returns how many it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
