package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// audit implements storage.AuditStore. Details are stored as a JSON object.
type audit struct{ h handle }

const auditColumns = `id, occurred_at, type, actor_id, user_id, ip, details`

type auditRow struct {
	ID         string `db:"id"`
	OccurredAt dbTime `db:"occurred_at"`
	Type       string `db:"type"`
	ActorID    string `db:"actor_id"`
	UserID     string `db:"user_id"`
	IP         string `db:"ip"`
	Details    string `db:"details"`
}

func (r auditRow) event() (storage.AuditEvent, error) {
	var details map[string]string
	if err := json.Unmarshal([]byte(r.Details), &details); err != nil {
		return storage.AuditEvent{}, fmt.Errorf("audit event %s: decode details: %w", r.ID, err)
	}
	if len(details) == 0 {
		details = nil
	}
	return storage.AuditEvent{
		ID: r.ID, Time: r.OccurredAt.time(), Type: r.Type, ActorID: r.ActorID,
		UserID: r.UserID, IP: r.IP, Details: details,
	}, nil
}

func (s audit) Append(ctx context.Context, e *storage.AuditEvent) error {
	if e.Type == "" {
		return fmt.Errorf("append audit event: %w: type is required", storage.ErrInvalid)
	}
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	detailsJSON, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("append audit event: encode details: %w", err)
	}
	if e.ID == "" {
		e.ID = storage.NewID()
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = storage.Time(e.Time)
	_, err = s.h.exec(ctx, `INSERT INTO audit_events (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.ID, s.h.d.ts(e.Time), e.Type, e.ActorID, e.UserID, e.IP, string(detailsJSON))
	if err != nil {
		return fmt.Errorf("append audit event: %w", mapErr(err))
	}
	s.h.committedOrPending(*e)
	return nil
}

func (s audit) List(ctx context.Context, f storage.AuditFilter) (storage.Page[storage.AuditEvent], error) {
	w, err := s.filter(f)
	if err != nil {
		return storage.Page[storage.AuditEvent]{}, fmt.Errorf("list audit events: %w", err)
	}
	limit := pageLimit(f.Limit)
	var rows []auditRow
	query := `SELECT ` + auditColumns + ` FROM audit_events` + w.String() +
		` ORDER BY occurred_at DESC, id DESC LIMIT ?`
	if err := s.h.selectRows(ctx, &rows, query, append(w.args, limit+1)...); err != nil {
		return storage.Page[storage.AuditEvent]{}, fmt.Errorf("list audit events: %w", mapErr(err))
	}
	list := make([]storage.AuditEvent, len(rows))
	for i, r := range rows {
		if list[i], err = r.event(); err != nil {
			return storage.Page[storage.AuditEvent]{}, err
		}
	}
	return makePage(list, limit, func(e storage.AuditEvent) (time.Time, string) { return e.Time, e.ID }), nil
}

func (s audit) filter(f storage.AuditFilter) (where, error) {
	var w where
	d := s.h.d
	if f.UserID != "" {
		w.add("user_id = ?", f.UserID)
	}
	if f.ActorID != "" {
		w.add("actor_id = ?", f.ActorID)
	}
	if f.Type != "" {
		w.add("type = ?", f.Type)
	}
	if !f.Since.IsZero() {
		w.add("occurred_at >= ?", d.ts(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("occurred_at < ?", d.ts(f.Until))
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return where{}, err
		}
		w.add("(occurred_at, id) < (?, ?)", d.ts(c.at), c.id)
	}
	return w, nil
}

func (s audit) Anonymize(ctx context.Context, userID string) error {
	if userID == "" {
		return fmt.Errorf("anonymize audit events: %w: empty user id", storage.ErrInvalid)
	}
	_, err := s.h.exec(ctx, `UPDATE audit_events SET ip = '', details = '{}' WHERE user_id = ? OR actor_id = ?`, userID, userID)
	if err != nil {
		return fmt.Errorf("anonymize audit events of user %s: %w", userID, mapErr(err))
	}
	return nil
}
