package storage

import (
	"context"
	"time"
)

// OutboxMessage is a letter waiting to be sent, written in the same
// transaction as the change that caused it (a registration, a reset), so
// the two commit together or not at all. It is rendered when enqueued.
type OutboxMessage struct {
	ID        string
	To        string // one address
	Subject   string
	TextBody  string
	HTMLBody  string
	Kind      string // the letter's template name, for metrics and the dev mailbox
	CreatedAt time.Time
	// NextAttemptAt is when the worker may try (again).
	NextAttemptAt time.Time
	Attempts      int       // failed attempts so far (MarkFailed counts them)
	LastError     string    // short, safe description of the last failure
	SentAt        time.Time // zero until sent (or captured in dev mode)
	AbandonedAt   time.Time // zero unless the worker gave up
}

// OutboxStore keeps letters until a worker on any replica sends them.
// Delivery is at least once: a worker that dies holding a lease leaves its
// messages to be claimed again when the lease runs out.
type OutboxStore interface {
	// Enqueue stores m, filling an empty ID, a zero CreatedAt (now) and a
	// zero NextAttemptAt (CreatedAt); the other fields are stored as given
	// (zero for a new letter). To is required; To and Subject may not
	// hold CR or LF (ErrInvalid: no header injection).
	Enqueue(ctx context.Context, m *OutboxMessage) error
	// ClaimDue atomically leases up to limit messages that are neither sent
	// nor abandoned and due at now (NextAttemptAt <= now), those due
	// longest first, pushing their NextAttemptAt to now+lease so no other
	// worker takes them meanwhile, and returns them (oldest CreatedAt
	// first, NextAttemptAt the end of the lease). Of parallel calls on any
	// replica, no two get the same message. limit follows DefaultLimit and
	// MaxLimit; lease must be positive (ErrInvalid).
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// MarkSent records a successful delivery (Attempts is unchanged) and
	// erases the bodies, which may carry one-time links or passwords:
	// recipient, subject, kind, times and status stay. Marking a message
	// sent again keeps the first SentAt. ErrNotFound when there is no such
	// message.
	MarkSent(ctx context.Context, id string, now time.Time) error
	// MarkCaptured is MarkSent that keeps the bodies: a letter captured in
	// development mode stays readable on the dev mailbox until
	// EraseBodiesBefore erases it.
	MarkCaptured(ctx context.Context, id string, now time.Time) error
	// EraseBodiesBefore erases the bodies of messages sent, or abandoned,
	// before t, and returns how many it erased.
	EraseBodiesBefore(ctx context.Context, t time.Time) (int64, error)
	// MarkFailed records a failed attempt: Attempts+1, LastError, and the
	// next attempt time; with abandon set the message is given up at now
	// and its bodies are erased.
	// ErrNotFound when there is no such message; ErrConflict, changing
	// nothing, when it is already sent or abandoned.
	MarkFailed(ctx context.Context, id string, now, next time.Time, lastError string, abandon bool) error
	// List returns messages newest first (the dev mailbox).
	List(ctx context.Context, cursor string, limit int) (Page[OutboxMessage], error)
	// ByID returns one message, or ErrNotFound.
	ByID(ctx context.Context, id string) (OutboxMessage, error)
	// DeleteSentBefore removes messages sent, or abandoned, before t;
	// messages still waiting are kept whatever their age.
	DeleteSentBefore(ctx context.Context, t time.Time) (int64, error)
}
