package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/storage"
)

// maxConfirmAttempts bounds the retries of a confirmation that met a
// concurrent change of the user (the link is consumed only on success).
const maxConfirmAttempts = 3

// confirm consumes a link of purpose and confirms its user, setting
// passwordHash when not empty. When checkedHash is not empty, it is the
// password hash the caller verified a password against: the user must
// still have it. It retries when the user changed meanwhile (the
// transaction rolls back, so the link is not spent).
func (r *Registrar) confirm(ctx context.Context, purpose, token, ip, passwordHash, checkedHash string) (Confirmation, error) {
	hash, ok := linkTokenHash(token)
	if !ok {
		return Confirmation{}, ErrLinkUnknown
	}
	rs, err := r.Settings(ctx)
	if err != nil {
		return Confirmation{}, err
	}
	var conf Confirmation
	for attempt := 1; ; attempt++ {
		conf, err = r.confirmOnce(ctx, rs, purpose, hash, ip, passwordHash, checkedHash)
		if !errors.Is(err, storage.ErrConflict) || attempt == maxConfirmAttempts {
			break
		}
	}
	if err != nil {
		return Confirmation{}, err
	}
	r.kick()
	return conf, nil
}

// confirmOnce is one attempt of confirm, in one transaction.
func (r *Registrar) confirmOnce(ctx context.Context, rs RegistrationSettings, purpose string, hash []byte, ip, passwordHash, checkedHash string) (Confirmation, error) {
	var conf Confirmation
	err := r.inTx(ctx, func(tx txStores) error {
		t, err := tx.OneTimeTokens().Consume(ctx, purpose, hash, r.svc.now())
		if err != nil {
			return r.linkError(ctx, tx, purpose, hash, err)
		}
		u, err := r.linkUser(ctx, tx, t)
		if err != nil {
			return err
		}
		if checkedHash != "" && u.PasswordHash != checkedHash {
			// The password changed after it was checked (a newer
			// registration of the address, which also replaced the link).
			return ErrLinkUnknown
		}
		if err := r.dropUnconfirmedIdentities(ctx, tx, u, ip); err != nil {
			return err
		}
		if err := r.confirmUser(ctx, tx, rs, &u, purpose, passwordHash); err != nil {
			return err
		}
		event := EventRegistrationConfirmed
		if purpose == storage.PurposeActivate {
			event = EventRegistrationActivated
		}
		details := map[string]string{"state": string(u.State)}
		if err := r.audit(ctx, tx, storage.AuditEvent{Type: event, UserID: u.ID, IP: ip, Details: details}); err != nil {
			return err
		}
		if u.State == storage.UserPendingApproval {
			if err := r.send(ctx, tx, u, LetterAwaitingApproval, nil); err != nil {
				return err
			}
		}
		conf = Confirmation{UserID: u.ID, Email: u.Email, State: u.State}
		return nil
	})
	return conf, err
}

// linkUser returns the user a consumed token belongs to, provided the
// token still fits it: the same address, still unconfirmed.
func (r *Registrar) linkUser(ctx context.Context, tx txStores, t storage.OneTimeToken) (storage.User, error) {
	u, err := tx.Users().ByID(ctx, t.UserID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.User{}, ErrLinkUnknown
	case err != nil:
		return storage.User{}, fmt.Errorf("account: read link user: %w", err)
	case storage.FoldCase(u.Email) != storage.FoldCase(t.Email):
		return storage.User{}, ErrLinkUnknown
	case u.State != storage.UserPendingVerification:
		return storage.User{}, ErrLinkUsed
	}
	return u, nil
}

// confirmUser marks u's address verified, moves u on (active, or
// pending_approval in audit mode), voids u's other links and ends any
// session u has.
func (r *Registrar) confirmUser(ctx context.Context, tx txStores, rs RegistrationSettings, u *storage.User, purpose, passwordHash string) error {
	u.EmailVerified = true
	if passwordHash != "" {
		u.PasswordHash = passwordHash
	}
	u.State = storage.UserActive
	if rs.Mode == ModeAudit {
		u.State = storage.UserPendingApproval
	}
	other := storage.PurposeActivate
	if purpose == storage.PurposeActivate {
		other = storage.PurposeVerifyEmail
	}
	if err := tx.OneTimeTokens().DeleteByUser(ctx, u.ID, other); err != nil {
		return fmt.Errorf("account: void other links: %w", err)
	}
	if _, err := tx.Sessions().DeleteByUser(ctx, u.ID, ""); err != nil {
		return fmt.Errorf("account: end sessions: %w", err)
	}
	if err := tx.Users().Update(ctx, u); err != nil {
		return fmt.Errorf("account: confirm user: %w", err)
	}
	return nil
}

// ResendVerification sends a new link to an address whose account is
// still unconfirmed (voiding the older link). Whether the address has
// such an account, another account or none, the caller gets the same
// answer: nil. A malformed address is a *RegistrationError.
func (r *Registrar) ResendVerification(ctx context.Context, email string, rc RegisterContext) error {
	email = trimBlanks(email)
	if err := CheckEmail(email); err != nil {
		return &RegistrationError{Fields: []*FieldError{asFieldError(FieldEmail, err)}}
	}
	sent := false
	err := r.inTx(ctx, func(tx txStores) error {
		u, err := findByEmail(ctx, tx.Users(), email)
		if err != nil || u == nil || u.State != storage.UserPendingVerification {
			return err
		}
		if err := r.sendLink(ctx, tx, *u, rc.AuthRequestID); err != nil {
			return err
		}
		sent = true
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventRegistrationResent, UserID: u.ID, IP: rc.IP})
	})
	if err != nil {
		return err
	}
	if sent {
		r.kick()
	}
	return nil
}
