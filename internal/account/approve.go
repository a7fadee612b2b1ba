package account

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/storage"
)

// Approve activates a user waiting for approval (audit mode) and sends
// them an account_active letter. actorID is the administrator (empty for
// the CLI, which the operator runs). A user in any other state is an
// error wrapping ErrStateConflict; an unknown one wraps storage.ErrNotFound.
func (r *Registrar) Approve(ctx context.Context, userID, actorID string) (storage.User, error) {
	return r.decide(ctx, userID, actorID, storage.UserActive, "")
}

// Reject refuses a user waiting for approval: the account becomes
// rejected (it can never sign in), its sessions and links end, and the
// user gets a registration_rejected letter with reason (optional, at most
// 1000 characters). Errors as for Approve; a bad reason is a *FieldError.
func (r *Registrar) Reject(ctx context.Context, userID, actorID, reason string) (storage.User, error) {
	if err := CheckRejectReason(reason); err != nil {
		return storage.User{}, err
	}
	return r.decide(ctx, userID, actorID, storage.UserRejected, reason)
}

// decide moves a pending_approval user to state, in one transaction with
// the letter and the audit event.
func (r *Registrar) decide(ctx context.Context, userID, actorID string, state storage.UserState, reason string) (storage.User, error) {
	var u storage.User
	err := r.inTx(ctx, func(tx txStores) error {
		var err error
		if u, err = tx.Users().ByID(ctx, userID); err != nil {
			return fmt.Errorf("account: read user %s: %w", userID, err)
		}
		if u.State != storage.UserPendingApproval {
			return fmt.Errorf("%w: user %s is %s, not %s", ErrStateConflict, userID, u.State, storage.UserPendingApproval)
		}
		u.State = state
		if err := tx.Users().Update(ctx, &u); err != nil {
			return fmt.Errorf("account: update user %s: %w", userID, err)
		}
		return r.announceDecision(ctx, tx, u, actorID, reason)
	})
	if err != nil {
		return storage.User{}, err
	}
	r.kick()
	r.svc.log.InfoContext(ctx, "registration decided", logUser(u), logState(u.State))
	return u, nil
}

// announceDecision ends a rejected user's sessions and links, audits the
// decision and queues the user's letter.
func (r *Registrar) announceDecision(ctx context.Context, tx txStores, u storage.User, actorID, reason string) error {
	event, letter, data := EventRegistrationApproved, LetterAccountActive, map[string]any{"Link": r.mailer.Link("/login", nil)}
	details := map[string]string{}
	if u.State == storage.UserRejected {
		event, letter, data = EventRegistrationRejected, LetterRegistrationRejected, map[string]any{"Reason": reason}
		details["reason"] = reason
		if err := r.endAll(ctx, tx, u.ID); err != nil {
			return err
		}
	}
	if err := r.audit(ctx, tx, storage.AuditEvent{Type: event, ActorID: actorID, UserID: u.ID, Details: details}); err != nil {
		return err
	}
	return r.send(ctx, tx, u, letter, data)
}

// endAll ends the user's sessions and voids their links.
func (r *Registrar) endAll(ctx context.Context, tx txStores, userID string) error {
	if _, err := tx.Sessions().DeleteByUser(ctx, userID, ""); err != nil {
		return fmt.Errorf("account: end sessions: %w", err)
	}
	if err := tx.OneTimeTokens().DeleteByUser(ctx, userID, ""); err != nil {
		return fmt.Errorf("account: void links: %w", err)
	}
	return nil
}
