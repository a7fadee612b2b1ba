package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Session cookie secrets: 32 random bytes, base64url without padding.
const (
	sessionSecretBytes = 32
	sessionSecretLen   = 43
	maxUserAgentBytes  = 512
	// touchInterval spares writes: LastSeenAt moves at most this often.
	touchInterval = time.Minute
)

// SessionLifetimes bound browser sessions.
type SessionLifetimes struct {
	// Persistent is the absolute lifetime of a "remember me" session,
	// which has no idle timeout (30 days).
	Persistent time.Duration
	// Browser is the absolute lifetime of any other session (12h).
	Browser time.Duration
	// Idle ends a non-persistent session not seen for this long (2h).
	Idle time.Duration
}

// DefaultSessionLifetimes returns the default lifetimes.
func DefaultSessionLifetimes() SessionLifetimes {
	return SessionLifetimes{Persistent: 30 * 24 * time.Hour, Browser: 12 * time.Hour, Idle: 2 * time.Hour}
}

func (l SessionLifetimes) withDefaults() SessionLifetimes {
	d := DefaultSessionLifetimes()
	if l.Persistent == 0 {
		l.Persistent = d.Persistent
	}
	if l.Browser == 0 {
		l.Browser = d.Browser
	}
	if l.Idle == 0 {
		l.Idle = d.Idle
	}
	return l
}

func (l SessionLifetimes) validate() error {
	if l.Persistent < time.Minute || l.Browser < time.Minute || l.Idle < 2*touchInterval {
		return errors.New("sessions: lifetimes must be at least 1m (idle at least 2m)")
	}
	return nil
}

// SessionOptions describe a new browser session.
type SessionOptions struct {
	Persistent bool     // "remember me"
	AMR        []string // authentication methods used, e.g. ["pwd"]
	UserAgent  string   // kept for the session list, cut to 512 bytes
	IP         string
	// SecondFactor: a second factor was presented too (MFATime is now).
	SecondFactor bool
}

// StartSession starts a session for the user after they presented
// credentials, and returns the secret to put in the cookie. Every call
// makes a fresh secret, so the session id changes at each sign-in; never
// reuse a cookie the browser presented. The store keeps only the secret's
// SHA-256. A user who is not active gets no session (their state error).
func (s *Service) StartSession(ctx context.Context, userID string, opts SessionOptions) (string, storage.BrowserSession, error) {
	u, err := s.stores.Users().ByID(ctx, userID)
	if err != nil {
		return "", storage.BrowserSession{}, fmt.Errorf("account: start session: %w", err)
	}
	if err := stateError(u.State); err != nil {
		return "", storage.BrowserSession{}, fmt.Errorf("account: start session: %w", err)
	}
	lt, err := s.SessionLifetimes(ctx)
	if err != nil {
		return "", storage.BrowserSession{}, fmt.Errorf("account: start session: %w", err)
	}
	secret := newSessionSecret()
	bs := s.newSession(userID, secret, opts, lt)
	if err := s.stores.Sessions().Create(ctx, &bs); err != nil {
		return "", storage.BrowserSession{}, fmt.Errorf("account: start session: %w", err)
	}
	return secret, bs, nil
}

func (s *Service) newSession(userID, secret string, opts SessionOptions, lt SessionLifetimes) storage.BrowserSession {
	now := storage.Time(s.now())
	bs := storage.BrowserSession{
		UserID: userID, TokenHash: hashSecret(secret),
		CreatedAt: now, LastSeenAt: now, AuthTime: now,
		Persistent: opts.Persistent, AMR: opts.AMR,
		UserAgent: strings.ToValidUTF8(truncate(opts.UserAgent, maxUserAgentBytes), ""), IP: opts.IP,
	}
	if opts.SecondFactor {
		bs.MFATime = now
	}
	if opts.Persistent {
		bs.ExpiresAt = now.Add(lt.Persistent)
	} else {
		bs.ExpiresAt = now.Add(lt.Browser)
		bs.IdleTimeout = lt.Idle
	}
	return bs
}

// SessionFromCookie returns the live session whose secret the cookie holds
// and its user. ErrNoSession when there is none, it has expired, or its
// user is gone or no longer active (that session is then ended). Other
// errors are store failures: treat them as failures, not as "signed out".
func (s *Service) SessionFromCookie(ctx context.Context, secret string) (storage.BrowserSession, storage.User, error) {
	if len(secret) != sessionSecretLen {
		return storage.BrowserSession{}, storage.User{}, ErrNoSession
	}
	now := s.now()
	bs, err := s.stores.Sessions().ByTokenHash(ctx, hashSecret(secret), now)
	if err != nil {
		return storage.BrowserSession{}, storage.User{}, sessionError(err)
	}
	if !bs.Live(now) {
		return storage.BrowserSession{}, storage.User{}, ErrNoSession
	}
	u, err := s.sessionUser(ctx, bs)
	if err != nil {
		return storage.BrowserSession{}, storage.User{}, err
	}
	if err := s.touch(ctx, &bs, now); err != nil {
		return storage.BrowserSession{}, storage.User{}, err
	}
	return bs, u, nil
}

// sessionUser loads the session's user and ends the session unless the
// user is active.
func (s *Service) sessionUser(ctx context.Context, bs storage.BrowserSession) (storage.User, error) {
	u, err := s.stores.Users().ByID(ctx, bs.UserID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, fmt.Errorf("account: session user: %w", err)
	}
	if err == nil && u.State == storage.UserActive {
		return u, nil
	}
	if err := s.EndSession(ctx, bs.ID); err != nil {
		return storage.User{}, err
	}
	s.log.InfoContext(ctx, "session of inactive user ended",
		slog.String("user_id", bs.UserID), slog.String("state", string(u.State)))
	return storage.User{}, fmt.Errorf("%w: user not active", ErrNoSession)
}

// touch restarts the idle timeout, at most once per touchInterval.
func (s *Service) touch(ctx context.Context, bs *storage.BrowserSession, now time.Time) error {
	if now.Sub(bs.LastSeenAt) < touchInterval {
		return nil
	}
	if err := s.stores.Sessions().Touch(ctx, bs.ID, now); err != nil {
		return sessionError(err)
	}
	bs.LastSeenAt = storage.Time(now)
	return nil
}

// EndSession ends one session (logout). Ending a session that is already
// gone is not an error. The id must come from a session the caller holds
// (SessionFromCookie) or may act on: see EndUserSession.
func (s *Service) EndSession(ctx context.Context, sessionID string) error {
	err := s.stores.Sessions().Delete(ctx, sessionID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("account: end session: %w", err)
	}
	return nil
}

// EndUserSession ends the user's session sessionID, as the user's own
// session list does; ErrNoSession when the user has no such live session.
func (s *Service) EndUserSession(ctx context.Context, userID, sessionID string) error {
	list, err := s.ListSessions(ctx, userID)
	if err != nil {
		return err
	}
	for _, bs := range list {
		if bs.ID == sessionID {
			return s.EndSession(ctx, sessionID)
		}
	}
	return ErrNoSession
}

// EndOtherSessions ends every session of the user except keepID (all of
// them when keepID is empty) and returns how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, userID, keepID string) (int64, error) {
	n, err := s.stores.Sessions().DeleteByUser(ctx, userID, keepID)
	if err != nil {
		return 0, fmt.Errorf("account: end other sessions: %w", err)
	}
	return n, nil
}

// ListSessions returns the user's live sessions, most recently seen first.
func (s *Service) ListSessions(ctx context.Context, userID string) ([]storage.BrowserSession, error) {
	list, err := s.stores.Sessions().ListByUser(ctx, userID, s.now())
	if err != nil {
		return nil, fmt.Errorf("account: list sessions: %w", err)
	}
	return list, nil
}

func newSessionSecret() string {
	b := make([]byte, sessionSecretBytes)
	_, _ = rand.Read(b) // never fails: crypto/rand aborts the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// sessionError maps a store's ErrNotFound to ErrNoSession.
func sessionError(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNoSession, err)
	}
	return fmt.Errorf("account: session: %w", err)
}

// truncate cuts s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
