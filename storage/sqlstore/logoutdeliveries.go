package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// logoutDeliveries implements storage.LogoutDeliveryStore over
// logout_deliveries, leased like the outbox (outbox.go).
type logoutDeliveries struct{ h handle }

const logoutDeliveryColumns = `id, client_id, session_id, user_id, created_at, next_attempt_at,
	attempts, last_error, sent_at, abandoned_at`

type logoutDeliveryRow struct {
	ID            string `db:"id"`
	ClientID      string `db:"client_id"`
	SessionID     string `db:"session_id"`
	UserID        string `db:"user_id"`
	CreatedAt     dbTime `db:"created_at"`
	NextAttemptAt dbTime `db:"next_attempt_at"`
	Attempts      int    `db:"attempts"`
	LastError     string `db:"last_error"`
	SentAt        dbTime `db:"sent_at"`
	AbandonedAt   dbTime `db:"abandoned_at"`
}

func (r logoutDeliveryRow) delivery() storage.LogoutDelivery {
	return storage.LogoutDelivery{
		ID: r.ID, ClientID: r.ClientID, SessionID: r.SessionID, UserID: r.UserID,
		CreatedAt: r.CreatedAt.time(), NextAttemptAt: r.NextAttemptAt.time(), Attempts: r.Attempts,
		LastError: r.LastError, SentAt: r.SentAt.time(), AbandonedAt: r.AbandonedAt.time(),
	}
}

func deliveries(rows []logoutDeliveryRow) []storage.LogoutDelivery {
	list := make([]storage.LogoutDelivery, len(rows))
	for i, r := range rows {
		list[i] = r.delivery()
	}
	return list
}

// enqueueLogouts writes, within h's transaction, one delivery for every
// client with a back-channel logout URI that received tokens in one of the
// sessions matched by sessionWhere (a condition on browser_sessions, with
// args), before those sessions are deleted.
func enqueueLogouts(ctx context.Context, h handle, sessionWhere string, args ...any) error {
	var pairs []struct {
		SessionID string `db:"session_id"`
		UserID    string `db:"user_id"`
		ClientID  string `db:"client_id"`
	}
	sub := `SELECT id FROM browser_sessions WHERE ` + sessionWhere
	query := `SELECT DISTINCT t.session_id, t.user_id, t.client_id FROM (
			SELECT session_id, user_id, client_id FROM refresh_tokens WHERE session_id IN (` + sub + `)
			UNION SELECT session_id, user_id, client_id FROM access_tokens
				WHERE user_id IS NOT NULL AND session_id IN (` + sub + `)
		) t JOIN clients c ON c.id = t.client_id
		WHERE c.backchannel_logout_uri <> ''
		ORDER BY t.session_id, t.client_id`
	if err := h.selectWrite(ctx, &pairs, query, append(append([]any{}, args...), args...)...); err != nil {
		return fmt.Errorf("find clients to notify of logout: %w", mapErr(err))
	}
	now := storage.Time(time.Now())
	for _, p := range pairs {
		_, err := h.exec(ctx, `INSERT INTO logout_deliveries (id, client_id, session_id, user_id, created_at, next_attempt_at)
			VALUES (?, ?, ?, ?, ?, ?)`, storage.NewID(), p.ClientID, p.SessionID, p.UserID, h.d.ts(now), h.d.ts(now))
		if err != nil {
			return fmt.Errorf("enqueue logout delivery: %w", mapErr(err))
		}
	}
	return nil
}

func (s logoutDeliveries) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.LogoutDelivery, error) {
	if lease < time.Millisecond {
		return nil, fmt.Errorf("claim due logout deliveries: %w: the lease must be at least 1ms", storage.ErrInvalid)
	}
	d := s.h.d
	var rows []logoutDeliveryRow
	err := s.h.selectWrite(ctx, &rows, `UPDATE logout_deliveries SET next_attempt_at = ?
		WHERE id IN (SELECT id FROM logout_deliveries
			WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`+d.skipLocked()+`)
		RETURNING `+logoutDeliveryColumns,
		d.ts(now.Add(lease)), d.ts(now), pageLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("claim due logout deliveries: %w", mapErr(err))
	}
	return deliveries(rows), nil
}

func (s logoutDeliveries) MarkSent(ctx context.Context, id string, now time.Time) error {
	n, err := s.h.exec(ctx, `UPDATE logout_deliveries SET sent_at = COALESCE(sent_at, ?) WHERE id = ?`, s.h.d.ts(now), id)
	if err != nil {
		return fmt.Errorf("mark logout delivery %s sent: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("mark logout delivery %s sent: %w", id, storage.ErrNotFound)
	}
	return nil
}

func (s logoutDeliveries) MarkFailed(ctx context.Context, id string, now, next time.Time, lastError string, abandon bool) error {
	if next.IsZero() {
		next = now
	}
	var abandonedAt any
	if abandon {
		abandonedAt = s.h.d.ts(now)
	}
	n, err := s.h.exec(ctx, `UPDATE logout_deliveries SET attempts = attempts + 1, last_error = ?,
		next_attempt_at = ?, abandoned_at = ?
		WHERE id = ? AND sent_at IS NULL AND abandoned_at IS NULL`,
		lastError, s.h.d.ts(next), abandonedAt, id)
	if err != nil {
		return fmt.Errorf("mark logout delivery %s failed: %w", id, mapErr(err))
	}
	if n > 0 {
		return nil
	}
	var one int
	err = s.h.get(ctx, &one, `SELECT 1 FROM logout_deliveries WHERE id = ?`, id)
	switch {
	case err == nil:
		return fmt.Errorf("mark logout delivery %s failed: %w: already sent or abandoned", id, storage.ErrConflict)
	case errors.Is(mapErr(err), storage.ErrNotFound):
		return fmt.Errorf("mark logout delivery %s failed: %w", id, storage.ErrNotFound)
	}
	return fmt.Errorf("mark logout delivery %s failed: %w", id, mapErr(err))
}

func (s logoutDeliveries) ListBySession(ctx context.Context, sessionID string) ([]storage.LogoutDelivery, error) {
	var rows []logoutDeliveryRow
	if err := s.h.selectRows(ctx, &rows, `SELECT `+logoutDeliveryColumns+` FROM logout_deliveries
		WHERE session_id = ? ORDER BY created_at, id`, sessionID); err != nil {
		return nil, fmt.Errorf("logout deliveries of session %s: %w", sessionID, mapErr(err))
	}
	return deliveries(rows), nil
}

func (s logoutDeliveries) DeleteDoneBefore(ctx context.Context, t time.Time) (int64, error) {
	ts := s.h.d.ts(t)
	n, err := s.h.exec(ctx, `DELETE FROM logout_deliveries WHERE sent_at < ? OR abandoned_at < ?`, ts, ts)
	if err != nil {
		return 0, fmt.Errorf("delete finished logout deliveries: %w", mapErr(err))
	}
	return n, nil
}
