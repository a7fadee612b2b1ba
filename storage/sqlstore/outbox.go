package sqlstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// outbox implements storage.OutboxStore over outbox_messages. A message
// waits while sent_at and abandoned_at are NULL; ClaimDue leases waiting
// messages by pushing next_attempt_at past now with one UPDATE ... WHERE id
// IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING, so concurrent workers
// on Postgres take disjoint sets without waiting for each other, and on
// SQLite the one writer runs one claim at a time.
type outbox struct{ h handle }

const outboxColumns = `id, recipient, subject, text_body, html_body, kind, created_at,
	next_attempt_at, attempts, last_error, sent_at, abandoned_at`

type outboxRow struct {
	ID            string `db:"id"`
	Recipient     string `db:"recipient"`
	Subject       string `db:"subject"`
	TextBody      string `db:"text_body"`
	HTMLBody      string `db:"html_body"`
	Kind          string `db:"kind"`
	CreatedAt     dbTime `db:"created_at"`
	NextAttemptAt dbTime `db:"next_attempt_at"`
	Attempts      int    `db:"attempts"`
	LastError     string `db:"last_error"`
	SentAt        dbTime `db:"sent_at"`
	AbandonedAt   dbTime `db:"abandoned_at"`
}

func (r outboxRow) message() storage.OutboxMessage {
	return storage.OutboxMessage{
		ID: r.ID, To: r.Recipient, Subject: r.Subject, TextBody: r.TextBody, HTMLBody: r.HTMLBody,
		Kind: r.Kind, CreatedAt: r.CreatedAt.time(), NextAttemptAt: r.NextAttemptAt.time(),
		Attempts: r.Attempts, LastError: r.LastError, SentAt: r.SentAt.time(), AbandonedAt: r.AbandonedAt.time(),
	}
}

func prepareOutbox(m *storage.OutboxMessage) error {
	if m.To == "" {
		return fmt.Errorf("%w: a recipient is required", storage.ErrInvalid)
	}
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: line breaks in the recipient or subject", storage.ErrInvalid)
	}
	if m.Attempts < 0 {
		return fmt.Errorf("%w: negative attempts", storage.ErrInvalid)
	}
	if m.ID == "" {
		m.ID = storage.NewID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	m.CreatedAt = storage.Time(m.CreatedAt)
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = m.CreatedAt
	}
	m.NextAttemptAt, m.SentAt, m.AbandonedAt = storage.Time(m.NextAttemptAt), storage.Time(m.SentAt), storage.Time(m.AbandonedAt)
	return nil
}

func (s outbox) Enqueue(ctx context.Context, m *storage.OutboxMessage) error {
	if err := prepareOutbox(m); err != nil {
		return fmt.Errorf("enqueue message: %w", err)
	}
	d := s.h.d
	_, err := s.h.exec(ctx, `INSERT INTO outbox_messages (`+outboxColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.To, m.Subject, m.TextBody, m.HTMLBody, m.Kind, d.ts(m.CreatedAt), d.ts(m.NextAttemptAt),
		m.Attempts, m.LastError, d.nullTS(m.SentAt), d.nullTS(m.AbandonedAt))
	if err != nil {
		return fmt.Errorf("enqueue message: %w", mapErr(err))
	}
	return nil
}

func (s outbox) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error) {
	if lease < time.Millisecond {
		return nil, fmt.Errorf("claim due messages: %w: the lease must be at least 1ms", storage.ErrInvalid)
	}
	d := s.h.d
	var rows []outboxRow
	err := s.h.selectWrite(ctx, &rows, `UPDATE outbox_messages SET next_attempt_at = ?
		WHERE id IN (SELECT id FROM outbox_messages
			WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`+d.skipLocked()+`)
		RETURNING `+outboxColumns,
		d.ts(now.Add(lease)), d.ts(now), pageLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("claim due messages: %w", mapErr(err))
	}
	list := make([]storage.OutboxMessage, len(rows))
	for i, r := range rows {
		list[i] = r.message()
	}
	slices.SortFunc(list, func(a, b storage.OutboxMessage) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

func (s outbox) MarkSent(ctx context.Context, id string, now time.Time) error {
	return s.markSent(ctx, id, now, `, text_body = '', html_body = ''`)
}

func (s outbox) MarkCaptured(ctx context.Context, id string, now time.Time) error {
	return s.markSent(ctx, id, now, "")
}

// markSent sets sent_at, plus the assignments in erase.
func (s outbox) markSent(ctx context.Context, id string, now time.Time, erase string) error {
	n, err := s.h.exec(ctx, `UPDATE outbox_messages SET sent_at = COALESCE(sent_at, ?)`+erase+` WHERE id = ?`,
		s.h.d.ts(now), id)
	if err != nil {
		return fmt.Errorf("mark message %s sent: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("mark message %s sent: %w", id, storage.ErrNotFound)
	}
	return nil
}

func (s outbox) MarkFailed(ctx context.Context, id string, now, next time.Time, lastError string, abandon bool) error {
	if next.IsZero() {
		next = now
	}
	var abandonedAt any
	erase := ""
	if abandon {
		abandonedAt = s.h.d.ts(now)
		erase = `, text_body = '', html_body = ''`
	}
	n, err := s.h.exec(ctx, `UPDATE outbox_messages SET attempts = attempts + 1, last_error = ?,
		next_attempt_at = ?, abandoned_at = ?`+erase+`
		WHERE id = ? AND sent_at IS NULL AND abandoned_at IS NULL`,
		lastError, s.h.d.ts(next), abandonedAt, id)
	if err != nil {
		return fmt.Errorf("mark message %s failed: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("mark message %s failed: %w", id, s.doneOrGone(ctx, id))
	}
	return nil
}

// doneOrGone tells why MarkFailed matched no row.
func (s outbox) doneOrGone(ctx context.Context, id string) error {
	var one int
	err := s.h.get(ctx, &one, `SELECT 1 FROM outbox_messages WHERE id = ?`, id)
	switch {
	case err == nil:
		return fmt.Errorf("%w: the message was already sent or abandoned", storage.ErrConflict)
	case errors.Is(mapErr(err), storage.ErrNotFound):
		return storage.ErrNotFound
	}
	return err
}

func (s outbox) List(ctx context.Context, cursor string, limit int) (storage.Page[storage.OutboxMessage], error) {
	var w where
	if cursor != "" {
		c, err := decodeCursor(cursor)
		if err != nil {
			return storage.Page[storage.OutboxMessage]{}, fmt.Errorf("list messages: %w", err)
		}
		w.add("(created_at, id) < (?, ?)", s.h.d.ts(c.at), c.id)
	}
	limit = pageLimit(limit)
	var rows []outboxRow
	query := `SELECT ` + outboxColumns + ` FROM outbox_messages` + w.String() +
		` ORDER BY created_at DESC, id DESC LIMIT ?`
	if err := s.h.selectRows(ctx, &rows, query, append(w.args, limit+1)...); err != nil {
		return storage.Page[storage.OutboxMessage]{}, fmt.Errorf("list messages: %w", mapErr(err))
	}
	list := make([]storage.OutboxMessage, len(rows))
	for i, r := range rows {
		list[i] = r.message()
	}
	return makePage(list, limit, func(m storage.OutboxMessage) (time.Time, string) { return m.CreatedAt, m.ID }), nil
}

func (s outbox) ByID(ctx context.Context, id string) (storage.OutboxMessage, error) {
	var row outboxRow
	if err := s.h.get(ctx, &row, `SELECT `+outboxColumns+` FROM outbox_messages WHERE id = ?`, id); err != nil {
		return storage.OutboxMessage{}, fmt.Errorf("message %s: %w", id, mapErr(err))
	}
	return row.message(), nil
}

func (s outbox) DeleteSentBefore(ctx context.Context, t time.Time) (int64, error) {
	at := s.h.d.ts(t)
	n, err := s.h.exec(ctx, `DELETE FROM outbox_messages WHERE sent_at < ? OR abandoned_at < ?`, at, at)
	if err != nil {
		return 0, fmt.Errorf("delete sent messages: %w", mapErr(err))
	}
	return n, nil
}

func (s outbox) EraseBodiesBefore(ctx context.Context, t time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `UPDATE outbox_messages SET text_body = '', html_body = ''
		WHERE (sent_at < ? OR abandoned_at < ?) AND (text_body <> '' OR html_body <> '')`, s.h.d.ts(t), s.h.d.ts(t))
	if err != nil {
		return 0, fmt.Errorf("erase sent letters' bodies: %w", mapErr(err))
	}
	return n, nil
}
