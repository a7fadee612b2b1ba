package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// sessions implements storage.SessionStore. A session is live while
// now < expires_at and, with an idle timeout, now < last_seen_at + timeout.
type sessions struct{ h handle }

const sessionColumns = `id, user_id, token_hash, created_at, last_seen_at, expires_at,
	idle_timeout_ms, persistent, auth_time, amr, user_agent, ip, mfa_time`

type sessionRow struct {
	ID            string `db:"id"`
	UserID        string `db:"user_id"`
	TokenHash     []byte `db:"token_hash"`
	CreatedAt     dbTime `db:"created_at"`
	LastSeenAt    dbTime `db:"last_seen_at"`
	ExpiresAt     dbTime `db:"expires_at"`
	IdleTimeoutMS int64  `db:"idle_timeout_ms"`
	Persistent    bool   `db:"persistent"`
	AuthTime      dbTime `db:"auth_time"`
	AMR           string `db:"amr"`
	UserAgent     string `db:"user_agent"`
	IP            string `db:"ip"`
	MFATime       dbTime `db:"mfa_time"`
}

func (r sessionRow) session() (storage.BrowserSession, error) {
	var amr []string
	if err := json.Unmarshal([]byte(r.AMR), &amr); err != nil {
		return storage.BrowserSession{}, fmt.Errorf("session %s: decode amr: %w", r.ID, err)
	}
	return storage.BrowserSession{
		ID: r.ID, UserID: r.UserID, TokenHash: r.TokenHash,
		CreatedAt: r.CreatedAt.time(), LastSeenAt: r.LastSeenAt.time(), ExpiresAt: r.ExpiresAt.time(),
		IdleTimeout: time.Duration(r.IdleTimeoutMS) * time.Millisecond, Persistent: r.Persistent,
		AuthTime: r.AuthTime.time(), AMR: amr, UserAgent: r.UserAgent, IP: r.IP,
		MFATime: r.MFATime.time(),
	}, nil
}

// live is the condition for a live session; it takes now twice.
func (s sessions) live() string {
	return `expires_at > ? AND (idle_timeout_ms = 0 OR ` + s.h.d.idleDeadline() + ` > ?)`
}

func prepareSession(bs *storage.BrowserSession) error {
	if len(bs.TokenHash) == 0 || bs.UserID == "" || bs.ExpiresAt.IsZero() || bs.IdleTimeout < 0 {
		return fmt.Errorf("%w: user id, token hash and expiry are required", storage.ErrInvalid)
	}
	if bs.ID == "" {
		bs.ID = storage.NewID()
	}
	if bs.CreatedAt.IsZero() {
		bs.CreatedAt = time.Now()
	}
	bs.CreatedAt = storage.Time(bs.CreatedAt)
	if bs.LastSeenAt.IsZero() {
		bs.LastSeenAt = bs.CreatedAt
	}
	if bs.AuthTime.IsZero() {
		bs.AuthTime = bs.CreatedAt
	}
	bs.LastSeenAt, bs.AuthTime = storage.Time(bs.LastSeenAt), storage.Time(bs.AuthTime)
	if !bs.MFATime.IsZero() {
		bs.MFATime = storage.Time(bs.MFATime)
	}
	bs.ExpiresAt = storage.Time(bs.ExpiresAt)
	bs.IdleTimeout = bs.IdleTimeout.Truncate(time.Millisecond)
	return nil
}

func (s sessions) Create(ctx context.Context, bs *storage.BrowserSession) error {
	if err := prepareSession(bs); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	amr := bs.AMR
	if amr == nil {
		amr = []string{}
	}
	amrJSON, err := json.Marshal(amr)
	if err != nil {
		return fmt.Errorf("create session: encode amr: %w", err)
	}
	d := s.h.d
	_, err = s.h.exec(ctx, `INSERT INTO browser_sessions (`+sessionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		bs.ID, bs.UserID, bs.TokenHash, d.ts(bs.CreatedAt), d.ts(bs.LastSeenAt), d.ts(bs.ExpiresAt),
		bs.IdleTimeout.Milliseconds(), bs.Persistent, d.ts(bs.AuthTime), string(amrJSON),
		bs.UserAgent, bs.IP, d.nullTS(bs.MFATime))
	if err != nil {
		return fmt.Errorf("create session: %w", mapErr(err))
	}
	return nil
}

func (s sessions) ByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (storage.BrowserSession, error) {
	var row sessionRow
	t := s.h.d.ts(now)
	err := s.h.get(ctx, &row, `SELECT `+sessionColumns+` FROM browser_sessions
		WHERE token_hash = ? AND `+s.live(), tokenHash, t, t)
	if err != nil {
		return storage.BrowserSession{}, fmt.Errorf("session by token: %w", mapErr(err))
	}
	return row.session()
}

func (s sessions) Touch(ctx context.Context, id string, now time.Time) error {
	t := s.h.d.ts(now)
	n, err := s.h.exec(ctx, `UPDATE browser_sessions
		SET last_seen_at = CASE WHEN last_seen_at < ? THEN ? ELSE last_seen_at END
		WHERE id = ? AND `+s.live(), t, t, id, t, t)
	if err != nil {
		return fmt.Errorf("touch session %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("touch session %s: %w", id, storage.ErrNotFound)
	}
	return nil
}

// Delete and DeleteByUser end sessions: in the same transaction they queue
// a back-channel logout for every client that received tokens in them
// (logoutdeliveries.go).
func (s sessions) Delete(ctx context.Context, id string) error {
	var n int64
	err := s.h.atomic(ctx, func(h handle) error {
		if err := enqueueLogouts(ctx, h, `id = ?`, id); err != nil {
			return err
		}
		var err error
		n, err = h.exec(ctx, `DELETE FROM browser_sessions WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("delete session %s: %w", id, storage.ErrNotFound)
	}
	return nil
}

func (s sessions) DeleteByUser(ctx context.Context, userID, keepID string) (int64, error) {
	var n int64
	err := s.h.atomic(ctx, func(h handle) error {
		if err := enqueueLogouts(ctx, h, `user_id = ? AND id <> ?`, userID, keepID); err != nil {
			return err
		}
		var err error
		n, err = h.exec(ctx, `DELETE FROM browser_sessions WHERE user_id = ? AND id <> ?`, userID, keepID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete sessions of user %s: %w", userID, mapErr(err))
	}
	return n, nil
}

func (s sessions) ListByUser(ctx context.Context, userID string, now time.Time) ([]storage.BrowserSession, error) {
	var rows []sessionRow
	t := s.h.d.ts(now)
	err := s.h.selectRows(ctx, &rows, `SELECT `+sessionColumns+` FROM browser_sessions
		WHERE user_id = ? AND `+s.live()+` ORDER BY last_seen_at DESC, id`, userID, t, t)
	if err != nil {
		return nil, fmt.Errorf("sessions of user %s: %w", userID, mapErr(err))
	}
	list := make([]storage.BrowserSession, len(rows))
	for i, r := range rows {
		if list[i], err = r.session(); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (s sessions) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	t := s.h.d.ts(now)
	n, err := s.h.exec(ctx, `DELETE FROM browser_sessions WHERE NOT (`+s.live()+`)`, t, t)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", mapErr(err))
	}
	return n, nil
}
