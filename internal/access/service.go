package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Audit event types.
const (
	EventGroupCreated       = "admin.group.create"
	EventGroupUpdated       = "admin.group.update"
	EventGroupDeleted       = "admin.group.delete"
	EventGroupMemberAdded   = "admin.group.member_added"
	EventGroupMemberRemoved = "admin.group.member_removed"
	EventInvitationCreated  = "admin.invitation.create"
	EventInvitationRevoked  = "admin.invitation.revoke"
	EventInvitationUsed     = "registration.invitation_used"
	EventUsersImported      = "admin.users.import"
)

// FieldError is bad input in one named field; Detail is safe to show.
type FieldError struct {
	Field  string
	Detail string
}

func (e *FieldError) Error() string { return "access: " + e.Field + ": " + e.Detail }

// ErrInvalid is wrapped by every FieldError check (errors.Is).
var ErrInvalid = errors.New("access: invalid input")

// Is makes errors.Is(fe, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Service manages groups, memberships and invitations over a store. It is
// safe for concurrent use.
type Service struct {
	store storage.Store
	now   func() time.Time
	mail  Mailer
}

// Mailer queues the invitation letter (the server wires the outbox).
type Mailer interface {
	// SendInvitation queues a letter to email with the registration link
	// in tx's outbox, so it commits with the invitation.
	SendInvitation(ctx context.Context, tx storage.Stores, email, link string) error
	// Kick wakes the delivery worker after the commit.
	Kick()
}

// Options configure a Service.
type Options struct {
	// Mailer sends invitation letters; nil: invitations are only stored
	// (the caller hands the link over itself).
	Mailer Mailer
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// New returns a Service over store.
func New(store storage.Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: store, now: opts.Now, mail: opts.Mailer}
}

// audit appends an administrator's change.
func audit(ctx context.Context, st storage.Stores, now time.Time, typ, actor, userID string, details map[string]string) error {
	e := &storage.AuditEvent{Time: now, Type: typ, ActorID: actor, UserID: userID, Details: details}
	if err := st.Audit().Append(ctx, e); err != nil {
		return fmt.Errorf("access: audit %s: %w", typ, err)
	}
	return nil
}
