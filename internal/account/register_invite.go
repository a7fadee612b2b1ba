package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/storage"
)

// Registration through an invitation (issue 16). The invitation's link
// proves the address, so the account is active at once with the address
// verified, without a confirmation letter and without approval, in every
// registration mode; the invitation's groups are joined.

// ErrInvitationAccountExists: the invited address has an account already
// (sign in instead).
var ErrInvitationAccountExists = errors.New("account: the invited address has an account")

// InvitedInput is the invitation form: the address comes from the
// invitation, not from the form.
type InvitedInput struct {
	Login           string
	GivenName       string
	FamilyName      string
	Password        string
	PasswordConfirm string
	Locale          string
}

// Invitation returns the live invitation of token, or an error wrapping
// access.ErrInvitationInvalid or access.ErrInvitationUsed.
func (r *Registrar) Invitation(ctx context.Context, token string) (storage.Invitation, error) {
	var inv storage.Invitation
	err := r.store.InTx(ctx, func(tx storage.Tx) error {
		var err error
		inv, err = access.PeekInvitation(ctx, tx, token, r.svc.now())
		return err
	})
	return inv, err
}

// RegisterInvited creates the invited user from in, signs nobody in (the
// caller starts the session) and uses the invitation up; the user is
// returned. A wrong field is a *RegistrationError; an unknown, expired,
// revoked or used invitation wraps access.ErrInvitationInvalid or
// access.ErrInvitationUsed; an address with an account other than an
// unconfirmed registration is ErrInvitationAccountExists. An unconfirmed
// registration of the address is replaced (SECURITY 12).
func (r *Registrar) RegisterInvited(ctx context.Context, token string, in InvitedInput, ip string) (storage.User, error) {
	rs, err := r.Settings(ctx)
	if err != nil {
		return storage.User{}, err
	}
	inv, err := r.Invitation(ctx, token)
	if err != nil {
		return storage.User{}, err
	}
	if err := checkInvitedInput(rs, inv.Email, in); err != nil {
		return storage.User{}, err
	}
	hash, err := r.svc.hasher.Hash(ctx, in.Password)
	if err != nil {
		return storage.User{}, fmt.Errorf("account: hash password: %w", err)
	}
	now := storage.Time(r.svc.now())
	u := storage.User{Username: trimBlanks(in.Login), Email: inv.Email, EmailVerified: true, PasswordHash: hash,
		GivenName: trimBlanks(in.GivenName), FamilyName: trimBlanks(in.FamilyName), Locale: in.Locale,
		Role: storage.RoleUser, State: storage.UserActive, CreatedAt: now}
	if u.Locale == "" && len(r.languages) > 0 {
		u.Locale = r.languages[0]
	}
	err = r.store.InTx(ctx, func(tx storage.Tx) error {
		existing, err := findByEmail(ctx, tx.Users(), inv.Email)
		if err != nil {
			return err
		}
		if existing != nil {
			if existing.State != storage.UserPendingVerification {
				return ErrInvitationAccountExists
			}
			// An unconfirmed registration of the invited address: whoever
			// made it keeps nothing (SECURITY 12).
			if err := tx.Users().Delete(ctx, existing.ID); err != nil {
				return fmt.Errorf("account: replace unconfirmed registration: %w", err)
			}
		}
		if err := checkLoginFree(ctx, tx.Users(), u.Username, ""); err != nil {
			return err
		}
		if err := tx.Users().Create(ctx, &u); err != nil {
			return fmt.Errorf("account: create invited user: %w", err)
		}
		if _, err := access.ConsumeInvitation(ctx, tx, token, u.ID, now); err != nil {
			return err
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventRegistrationSubmitted, UserID: u.ID, IP: ip,
			Details: map[string]string{"mode": string(rs.Mode), "invitation_id": inv.ID, "state": string(u.State)}})
	})
	if err != nil {
		return storage.User{}, err
	}
	return u, nil
}

// checkInvitedInput checks the invitation form: optional login and names,
// and the password under the instance policy.
func checkInvitedInput(rs RegistrationSettings, email string, in InvitedInput) error {
	var errs []*FieldError
	add := func(err error) {
		var fe *FieldError
		if errors.As(err, &fe) {
			errs = append(errs, fe)
		}
	}
	if login := trimBlanks(in.Login); login != "" {
		if err := CheckUsername(login); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				errs = append(errs, fieldError(FieldLogin, fe.Reason, fe.Detail))
			}
		}
	}
	add(checkName(FieldGivenName, in.GivenName))
	add(checkName(FieldFamilyName, in.FamilyName))
	who := RegistrationInput{Login: trimBlanks(in.Login), Email: email}
	var re *RegistrationError
	if errors.As(checkNewPassword(rs, who, in.Password, in.PasswordConfirm), &re) {
		errs = append(errs, re.Fields...)
	}
	if len(errs) == 0 {
		return nil
	}
	return &RegistrationError{Fields: errs}
}
