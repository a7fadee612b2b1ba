package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/storage"
)

// Audit event types of administrators' changes (management API, console
// and CLI). ActorID is the administrator's user id, "client:<id>" for a
// service client, or empty for the CLI.
const (
	EventAdminUserCreate      = "admin.user.create"
	EventAdminUserUpdate      = "admin.user.update"
	EventAdminUserDelete      = "admin.user.delete"
	EventAdminUserBlock       = "admin.user.block"
	EventAdminUserUnblock     = "admin.user.unblock"
	EventAdminSessionsEnded   = "admin.user.sessions_ended"
	EventAdminIdentityUnlink  = "admin.user.identity_unlinked"
	EventAdminResendVerify    = "admin.user.resend_verification"
	EventAdminSettingsUpdated = "admin.settings.update"
)

// ErrSelfAction: an administrator may not block or delete their own
// account (nobody would be left to undo it). It wraps ErrStateConflict.
var ErrSelfAction = fmt.Errorf("%w: administrators cannot block or delete their own account", ErrStateConflict)

// ErrRoleForbidden: the caller may not change a user's role.
var ErrRoleForbidden = errors.New("account: the caller may not change roles")

// Block stops an active (or pending) user: the account becomes blocked,
// and at once every browser session, access and refresh token and pending
// link of the user ends (SECURITY 14). A user already blocked or rejected
// is ErrStateConflict, the actor themselves ErrSelfAction; an unknown one
// wraps storage.ErrNotFound.
func (r *Registrar) Block(ctx context.Context, userID, actorID string) (storage.User, error) {
	if userID == actorID {
		return storage.User{}, ErrSelfAction
	}
	return r.changeState(ctx, userID, actorID, EventAdminUserBlock, func(u *storage.User) error {
		if u.State == storage.UserBlocked || u.State == storage.UserRejected {
			return fmt.Errorf("%w: user %s is already %s", ErrStateConflict, u.ID, u.State)
		}
		u.State = storage.UserBlocked
		return nil
	})
}

// Unblock makes a blocked user active again. A user in any other state is
// ErrStateConflict (unblocking a pending user makes no sense).
func (r *Registrar) Unblock(ctx context.Context, userID, actorID string) (storage.User, error) {
	return r.changeState(ctx, userID, actorID, EventAdminUserUnblock, func(u *storage.User) error {
		if u.State != storage.UserBlocked {
			return fmt.Errorf("%w: user %s is %s, not blocked", ErrStateConflict, u.ID, u.State)
		}
		u.State = storage.UserActive
		return nil
	})
}

// changeState applies change to the user in one transaction with the
// audit event; a user who ends up blocked loses every session and token.
func (r *Registrar) changeState(ctx context.Context, userID, actorID, event string, change func(*storage.User) error) (storage.User, error) {
	var u storage.User
	err := r.inTx(ctx, func(tx txStores) error {
		var err error
		if u, err = tx.Users().ByID(ctx, userID); err != nil {
			return fmt.Errorf("account: read user %s: %w", userID, err)
		}
		from := u.State
		if err := change(&u); err != nil {
			return err
		}
		if err := tx.Users().Update(ctx, &u); err != nil {
			return fmt.Errorf("account: update user %s: %w", userID, err)
		}
		if u.State == storage.UserBlocked {
			if err := r.endEverything(ctx, tx, u.ID, ""); err != nil {
				return err
			}
			if err := tx.OneTimeTokens().DeleteByUser(ctx, u.ID, ""); err != nil {
				return fmt.Errorf("account: void links: %w", err)
			}
		}
		details := map[string]string{"from": string(from), "to": string(u.State)}
		return r.audit(ctx, tx, storage.AuditEvent{Type: event, ActorID: actorID, UserID: u.ID, Details: details})
	})
	if err != nil {
		return storage.User{}, err
	}
	r.svc.log.InfoContext(ctx, "user state changed by administrator", logUser(u), logState(u.State))
	return u, nil
}

// DeleteUser removes the user with their sessions, identities and tokens
// (revoked first, so that replicas refuse them at once). An unknown user
// wraps storage.ErrNotFound; the actor themselves is ErrSelfAction.
func (r *Registrar) DeleteUser(ctx context.Context, userID, actorID string) error {
	if userID == actorID {
		return ErrSelfAction
	}
	return r.inTx(ctx, func(tx txStores) error {
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user %s: %w", userID, err)
		}
		if err := r.endEverything(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		if err := tx.Users().Delete(ctx, u.ID); err != nil {
			return fmt.Errorf("account: delete user %s: %w", userID, err)
		}
		details := map[string]string{"state": string(u.State), "role": string(u.Role)}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminUserDelete, ActorID: actorID, UserID: u.ID, Details: details})
	})
}

// EndUserSessions ends every browser session and revokes every access and
// refresh token of the user. An unknown user wraps storage.ErrNotFound.
func (r *Registrar) EndUserSessions(ctx context.Context, userID, actorID string) error {
	return r.inTx(ctx, func(tx txStores) error {
		if _, err := tx.Users().ByID(ctx, userID); err != nil {
			return fmt.Errorf("account: read user %s: %w", userID, err)
		}
		if err := r.endEverything(ctx, tx, userID, ""); err != nil {
			return err
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminSessionsEnded, ActorID: actorID, UserID: userID})
	})
}

// UserSessions lists the user's live browser sessions, most recent first.
func (r *Registrar) UserSessions(ctx context.Context, userID string) ([]storage.BrowserSession, error) {
	if _, err := r.User(ctx, userID); err != nil {
		return nil, err
	}
	return r.svc.ListSessions(ctx, userID)
}

// User returns one user (with PasswordHash: never show it). An unknown
// user wraps storage.ErrNotFound.
func (r *Registrar) User(ctx context.Context, userID string) (storage.User, error) {
	u, err := r.store.Users().ByID(ctx, userID)
	if err != nil {
		return storage.User{}, fmt.Errorf("account: read user %s: %w", userID, err)
	}
	return u, nil
}

// ListUsers returns one page of users, oldest first (see
// storage.UserFilter).
func (r *Registrar) ListUsers(ctx context.Context, f storage.UserFilter) (storage.Page[storage.User], error) {
	return r.svc.ListUsers(ctx, f)
}

// AdminUnlinkIdentity removes one of the user's linked identities on an
// administrator's behalf; unlike UnlinkIdentity it may remove the last
// sign-in method. An identity that is not the user's wraps
// storage.ErrNotFound.
func (r *Registrar) AdminUnlinkIdentity(ctx context.Context, userID, identityID, actorID string) error {
	return r.store.InTx(ctx, func(tx storage.Tx) error {
		list, err := tx.Identities().ListByUser(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: list identities: %w", err)
		}
		for _, id := range list {
			if id.ID != identityID {
				continue
			}
			if err := tx.Identities().Delete(ctx, id.ID); err != nil {
				return fmt.Errorf("account: unlink identity: %w", err)
			}
			details := map[string]string{"provider": id.Provider, "identity_id": id.ID}
			return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminIdentityUnlink, ActorID: actorID, UserID: userID, Details: details})
		}
		return fmt.Errorf("account: identity %s of user %s: %w", identityID, userID, storage.ErrNotFound)
	})
}

// AdminResendVerification sends a new confirmation (or activation) link
// to a user whose address is not confirmed yet, voiding the older one.
// Any other state is ErrStateConflict.
func (r *Registrar) AdminResendVerification(ctx context.Context, userID, actorID string) error {
	err := r.inTx(ctx, func(tx txStores) error {
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user %s: %w", userID, err)
		}
		if u.State != storage.UserPendingVerification {
			return fmt.Errorf("%w: user %s is %s, not %s", ErrStateConflict, u.ID, u.State, storage.UserPendingVerification)
		}
		if err := r.sendLink(ctx, tx, u, ""); err != nil {
			return err
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminResendVerify, ActorID: actorID, UserID: u.ID})
	})
	if err != nil {
		return err
	}
	r.kick()
	return nil
}

// AuditEvents returns one page of the audit log, newest first.
func (r *Registrar) AuditEvents(ctx context.Context, f storage.AuditFilter) (storage.Page[storage.AuditEvent], error) {
	var page storage.Page[storage.AuditEvent]
	err := r.store.InTx(ctx, func(tx storage.Tx) error {
		var err error
		page, err = tx.Audit().List(ctx, f)
		return err
	})
	if err != nil {
		return page, fmt.Errorf("account: list audit events: %w", err)
	}
	return page, nil
}

// AdminAudit appends an audit event of an administrator's change made
// outside the account layer (clients). Type is required.
func (r *Registrar) AdminAudit(ctx context.Context, e storage.AuditEvent) error {
	return r.inTx(ctx, func(tx txStores) error { return r.audit(ctx, tx, e) })
}

// SaveSettingsByAdmin validates and stores rs like SaveSettings, and
// audits the change with the keys that changed.
func (r *Registrar) SaveSettingsByAdmin(ctx context.Context, rs RegistrationSettings, actorID string) error {
	old, err := LoadRegistrationSettings(ctx, r.store.Settings(), r.settings.defaults)
	if err != nil {
		return err
	}
	if err := r.SaveSettings(ctx, rs); err != nil {
		return err
	}
	details := map[string]string{}
	if oldV, err := old.settingValues(); err == nil {
		if newV, err := rs.settingValues(); err == nil {
			for k, v := range newV {
				if string(oldV[k]) != string(v) {
					details[k] = string(v)
				}
			}
		}
	}
	return r.AdminAudit(ctx, storage.AuditEvent{Type: EventAdminSettingsUpdated, ActorID: actorID, Details: details})
}
