package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gatehouse/gatehouse/storage"
)

// FieldCurrentPassword is the form field of the current password on the
// change-password page.
const FieldCurrentPassword = "current_password"

// Temporary password and password change errors.
var (
	// ErrTemporaryPasswordUsed: the temporary password was used to sign
	// in already; a new reset gives a new one.
	ErrTemporaryPasswordUsed = errors.New("account: temporary password already used")
	// ErrTemporaryPasswordExpired: the temporary password is too old.
	ErrTemporaryPasswordExpired = errors.New("account: temporary password expired")
	// ErrIncorrect is the reason of a *FieldError for a current password
	// that is wrong.
	ErrIncorrect = errors.New("incorrect")
)

// UseTemporaryPassword signs in with an emailed temporary password, once:
// call it when Authenticate refused login and password with
// ErrInvalidCredentials (which has counted the failure against the
// throttles). It returns ErrInvalidCredentials when password is not a
// temporary password of the account, ErrTemporaryPasswordUsed or
// ErrTemporaryPasswordExpired when it was one, or the state error of a
// user who may not sign in. On success, atomically: the temporary
// password is spent, the old password stops working, every session and
// token of the user ends, and the user must choose a new password
// (User.PasswordChangeRequired) before anything else.
func (r *Registrar) UseTemporaryPassword(ctx context.Context, login, password, ip string) (storage.User, error) {
	u, err := r.store.Users().ByLogin(ctx, trimBlanks(login))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, ErrInvalidCredentials
	}
	if err != nil {
		return storage.User{}, fmt.Errorf("account: read user: %w", err)
	}
	hash := hashSecret(password)
	t, err := r.store.OneTimeTokens().Peek(ctx, storage.PurposeTemporaryPassword, hash)
	switch {
	case errors.Is(err, storage.ErrNotFound) || (err == nil && t.UserID != u.ID):
		return storage.User{}, ErrInvalidCredentials
	case err != nil:
		return storage.User{}, fmt.Errorf("account: read temporary password: %w", err)
	case !t.UsedAt.IsZero():
		return storage.User{}, ErrTemporaryPasswordUsed
	case !r.svc.now().Before(t.ExpiresAt):
		return storage.User{}, ErrTemporaryPasswordExpired
	}
	if err := stateError(u.State); err != nil {
		return storage.User{}, err
	}
	err = r.inTx(ctx, func(tx txStores) error {
		if _, err := tx.OneTimeTokens().Consume(ctx, storage.PurposeTemporaryPassword, hash, r.svc.now()); err != nil {
			if errors.Is(err, storage.ErrConflict) {
				return ErrTemporaryPasswordUsed
			}
			if errors.Is(err, storage.ErrNotFound) {
				return ErrTemporaryPasswordExpired
			}
			return fmt.Errorf("account: use temporary password: %w", err)
		}
		if u, err = tx.Users().ByID(ctx, u.ID); err != nil {
			return fmt.Errorf("account: read user: %w", err)
		}
		if err := r.confirmMailbox(ctx, tx, &u, ip); err != nil {
			return err
		}
		if err := r.setPassword(ctx, tx, &u, "", "", storage.PurposeTemporaryPassword); err != nil {
			return err
		}
		u.PasswordChangeRequired = true
		if err := tx.Users().Update(ctx, &u); err != nil {
			return fmt.Errorf("account: require a password change: %w", err)
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventTemporaryPassword, UserID: u.ID, IP: ip})
	})
	if err != nil {
		return storage.User{}, err
	}
	if err := r.svc.stores.Throttles().Reset(ctx, accountKey(&u, "")); err != nil {
		r.svc.log.WarnContext(ctx, "reset sign-in throttle after temporary password", logUser(u), slog.Any("error", err))
	}
	return u, nil
}

// PasswordChange is the change-password form.
type PasswordChange struct {
	Current, New, Confirm string
}

// ChangePassword sets a new password for the signed-in user userID, whose
// current browser session is sessionID. The current password must be
// given (SECURITY 8), under the sign-in throttles, except in the forced
// change after a one-time or temporary password, where the live session
// sessionID that credential opened stands for it (ErrSessionRequired
// without one); a wrong one is a *RegistrationError with a
// FieldCurrentPassword error (ErrIncorrect), as are policy refusals of the
// new password; too many failures a *ThrottledError. On success every
// other session ends, every token of the user is revoked, pending resets
// are void, and a letter tells the user.
func (r *Registrar) ChangePassword(ctx context.Context, userID, sessionID string, in PasswordChange, ip string) error {
	rs, err := r.Settings(ctx)
	if err != nil {
		return err
	}
	u, err := r.store.Users().ByID(ctx, userID)
	if err != nil {
		return fmt.Errorf("account: read user: %w", err)
	}
	var fields []*FieldError
	if perr := checkNewPassword(rs, RegistrationInput{Login: u.Username, Email: u.Email}, in.New, in.Confirm); perr != nil {
		if re, ok := errors.AsType[*RegistrationError](perr); ok {
			fields = append(fields, re.Fields...)
		}
	}
	acctK := ""
	if u.PasswordChangeRequired {
		// A forced change follows a sign-in with a one-time or temporary
		// password seconds earlier: that fresh session is the proof, so
		// the password just typed is not asked for again.
		if err := r.checkForcedChangeSession(ctx, u, sessionID); err != nil {
			return err
		}
	} else if in.Current == "" {
		fields = append(fields, fieldError(FieldCurrentPassword, ErrRequired, ""))
	} else if len(fields) == 0 {
		// The current password is checked only once the new one is
		// acceptable, so fixing the new one costs no throttled attempt.
		acctK, err = r.checkRegistrantPassword(ctx, &u, in.Current, ip)
		switch {
		case errors.Is(err, ErrInvalidCredentials):
			fields = append(fields, fieldError(FieldCurrentPassword, ErrIncorrect, ""))
		case err != nil:
			return err
		}
	}
	if len(fields) > 0 {
		return &RegistrationError{Fields: fields}
	}
	hash, err := r.svc.hasher.Hash(ctx, in.New)
	if err != nil {
		return fmt.Errorf("account: hash password: %w", err)
	}
	err = r.inTx(ctx, func(tx txStores) error {
		cur, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user: %w", err)
		}
		if cur.PasswordHash != u.PasswordHash {
			return fmt.Errorf("account: the password changed meanwhile: %w", storage.ErrConflict)
		}
		if err := r.setPassword(ctx, tx, &cur, hash, sessionID, ""); err != nil {
			return err
		}
		if err := r.audit(ctx, tx, storage.AuditEvent{Type: EventPasswordChanged, ActorID: userID, UserID: userID, IP: ip}); err != nil {
			return err
		}
		return r.send(ctx, tx, cur, LetterPasswordChanged, nil)
	})
	if err != nil {
		return err
	}
	r.kick()
	if err := r.svc.stores.Throttles().Reset(ctx, acctK); err != nil {
		r.svc.log.WarnContext(ctx, "reset sign-in throttle after password change", logUser(u), slog.Any("error", err))
	}
	return nil
}

// ErrSessionRequired: a forced password change came without a live
// session of the user.
var ErrSessionRequired = errors.New("account: a live session of the user is required")

// checkForcedChangeSession makes sure sessionID is a live session of u, the
// one the one-time or temporary password opened. Signing in with a
// temporary password ends every older session, and the first
// administrator has none before its first sign-in, so a live session of a
// user who must change the password was opened by that credential.
func (r *Registrar) checkForcedChangeSession(ctx context.Context, u storage.User, sessionID string) error {
	if sessionID == "" {
		return ErrSessionRequired
	}
	live, err := r.svc.stores.Sessions().ListByUser(ctx, u.ID, r.svc.now())
	if err != nil {
		return fmt.Errorf("account: read sessions: %w", err)
	}
	for _, s := range live {
		if s.ID == sessionID {
			return nil
		}
	}
	return ErrSessionRequired
}
