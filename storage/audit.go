package storage

import (
	"context"
	"time"
)

// AuditEvent records something that happened to an account or the
// instance. Events outlive the users they mention.
type AuditEvent struct {
	ID      string
	Time    time.Time
	Type    string // dotted name, e.g. "user.login", "admin.user.block"
	ActorID string // who did it; empty for the system or an anonymous caller
	UserID  string // whom it concerns; empty when no user
	IP      string
	Details map[string]string // never secrets: no passwords, tokens or hashes
}

// AuditFilter selects events for List. Zero fields select everything.
type AuditFilter struct {
	UserID  string
	ActorID string
	Type    string
	Since   time.Time // events at or after Since
	Until   time.Time // events before Until
	Cursor  string    // Next of the previous page
	Limit   int
}

// AuditStore keeps the audit log. It only grows (Anonymize aside).
type AuditStore interface {
	// Append stores e, filling in an empty ID and a zero Time (now).
	// Type is required (ErrInvalid).
	Append(ctx context.Context, e *AuditEvent) error
	// List returns events newest first.
	List(ctx context.Context, f AuditFilter) (Page[AuditEvent], error)
	// Anonymize strips the personal data (IP address and details) from
	// every event about or by the user, keeping type, time and ids: the
	// log keeps what happened after the person asked to be forgotten.
	Anonymize(ctx context.Context, userID string) error
}
