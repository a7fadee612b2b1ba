package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/storage"
)

// BootstrapLogin is the username of the first administrator.
const BootstrapLogin = "admin"

// EventAdminBootstrap: the first administrator was created on an empty
// database.
const EventAdminBootstrap = "admin.bootstrap"

// BootstrapAdmin is the administrator created on an empty database.
type BootstrapAdmin struct {
	User storage.User
	// Password is one-time: the first sign-in with it must set a new one.
	Password string
}

// BootstrapAdmin creates the first administrator when the database has no
// users at all: username BootstrapLogin, address email, a random password
// the policy accepts that must be changed at the first sign-in. ok is false
// when there are users already, or when another replica starting at the
// same time created the administrator first. The password is returned
// once, for the operator's console; it is never logged.
func (r *Registrar) BootstrapAdmin(ctx context.Context, email string) (BootstrapAdmin, bool, error) {
	page, err := r.store.Users().List(ctx, storage.UserFilter{Limit: 1})
	if err != nil {
		return BootstrapAdmin{}, false, fmt.Errorf("account: look for users: %w", err)
	}
	if len(page.Items) > 0 {
		return BootstrapAdmin{}, false, nil
	}
	rs, err := r.Settings(ctx)
	if err != nil {
		return BootstrapAdmin{}, false, err
	}
	u := storage.User{
		Username: BootstrapLogin, Email: email, EmailVerified: true, Role: storage.RoleAdmin,
		State: storage.UserActive, PasswordChangeRequired: true, Locale: r.languages[0], CreatedAt: r.svc.now(),
	}
	password, err := generatePassword(rs.Password, rs.InstanceName, u)
	if err != nil {
		return BootstrapAdmin{}, false, err
	}
	if u.PasswordHash, err = r.svc.hasher.Hash(ctx, password); err != nil {
		return BootstrapAdmin{}, false, err
	}
	err = r.inTx(ctx, func(tx txStores) error {
		if err := tx.Users().Create(ctx, &u); err != nil {
			return err
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminBootstrap, UserID: u.ID})
	})
	if errors.Is(err, storage.ErrAlreadyExists) {
		return BootstrapAdmin{}, false, nil // another replica was first
	}
	if err != nil {
		return BootstrapAdmin{}, false, fmt.Errorf("account: create the first administrator: %w", err)
	}
	r.svc.log.InfoContext(ctx, "first administrator created", logUser(u))
	return BootstrapAdmin{User: u, Password: password}, true, nil
}
