package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// Letters and audit events of two-step verification.
const (
	LetterMFAEnabled           = "mfa_enabled"              // TOTP turned on
	LetterMFADisabled          = "mfa_disabled"             // TOTP turned off; Data: ByAdmin
	LetterRecoveryRegenerated  = "mfa_recovery_regenerated" // new recovery codes
	LetterRecoveryCodeUsed     = "mfa_recovery_used"        // Data: Left
	EventMFAEnabled            = "user.mfa_enabled"
	EventMFADisabled           = "user.mfa_disabled"
	EventMFARecoveryRegenerate = "user.mfa_recovery_regenerated"
	EventMFARecoveryUsed       = "user.mfa_recovery_used"
	EventMFAVerified           = "signin.mfa_success"
	EventMFAFailure            = "signin.mfa_failure"
)

// Two-step verification errors.
var (
	// ErrWrongCode: the code is neither a valid TOTP code nor an unused
	// recovery code of the user (a code already used included).
	ErrWrongCode = errors.New("account: wrong verification code")
	// ErrMFANotEnabled: the user has no authenticator.
	ErrMFANotEnabled = errors.New("account: two-step verification is off")
	// ErrMFAAlreadyEnabled: the user has an authenticator already.
	ErrMFAAlreadyEnabled = errors.New("account: two-step verification is already on")
	// ErrReauthRequired: the action needs a sign-in within RecentAuth.
	ErrReauthRequired = errors.New("account: recent sign-in required")
)

// RecentAuth is how recent a sign-in must be for enrolling, removing or
// regenerating second factors.
const RecentAuth = 5 * time.Minute

// pendingEnrolmentLifetime bounds how long an unconfirmed key is shown
// again rather than replaced.
const pendingEnrolmentLifetime = 15 * time.Minute

// mfaThrottlePrefix keys a second counter of wrong codes that only a
// correct code resets, so a correct password (which resets the account
// key) cannot reopen guessing of codes.
const mfaThrottlePrefix = "signin:mfa:"

// SecondFactorStore is what SecondFactors needs of the database
// (storage.Store provides it).
type SecondFactorStore interface {
	InTx(ctx context.Context, fn func(tx storage.Tx) error) error
	MFA() storage.MFAStore
	Users() storage.UserStore
	Passkeys() storage.PasskeyStore
}

// SecondFactors applies the two-step verification rules: enrolment of a
// TOTP authenticator, recovery codes, the second step at sign-in under
// the sign-in throttle, removal by the user or an administrator, and the
// MFA policy. It is safe for concurrent use.
type SecondFactors struct {
	reg    *Registrar
	store  SecondFactorStore
	sealer *mfa.Sealer
	issuer string
}

// NewSecondFactors returns the rules over store; keys[0] seals TOTP
// secrets and keys after it (from older instance keys, during a rotation)
// still open them (derive them with mfa.KeyPurpose); issuer names the
// instance in authenticator apps.
func NewSecondFactors(reg *Registrar, store SecondFactorStore, keys [][32]byte, issuer string) (*SecondFactors, error) {
	if reg == nil || store == nil {
		return nil, errors.New("account: NewSecondFactors needs a Registrar and a store")
	}
	if len(keys) == 0 {
		return nil, errors.New("account: NewSecondFactors needs a key")
	}
	sealer, err := mfa.NewSealer(keys[0], keys[1:]...)
	if err != nil {
		return nil, err
	}
	if issuer == "" {
		issuer = "Gatehouse"
	}
	return &SecondFactors{reg: reg, store: store, sealer: sealer, issuer: issuer}, nil
}

// MFAStatus is what the security page shows.
type MFAStatus struct {
	TOTP          bool      // an authenticator is on
	Since         time.Time // when it was turned on
	RecoveryCodes int       // unused recovery codes
	Passkeys      int       // passkeys, each also a second factor
}

// Status returns the user's second factors.
func (f *SecondFactors) Status(ctx context.Context, userID string) (MFAStatus, error) {
	n, err := f.store.Passkeys().CountByUser(ctx, userID)
	if err != nil {
		return MFAStatus{}, fmt.Errorf("account: count passkeys: %w", err)
	}
	st := MFAStatus{Passkeys: n}
	t, err := f.store.MFA().TOTP(ctx, userID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return st, nil
	case err != nil:
		return MFAStatus{}, fmt.Errorf("account: read mfa: %w", err)
	}
	if !t.Confirmed {
		return st, nil
	}
	left, err := f.store.MFA().RecoveryCodesLeft(ctx, userID)
	if err != nil {
		return MFAStatus{}, fmt.Errorf("account: read mfa: %w", err)
	}
	st.TOTP, st.Since, st.RecoveryCodes = true, t.ConfirmedAt, left
	return st, nil
}

// Enabled reports whether the user has a second factor: an authenticator
// or a passkey.
func (f *SecondFactors) Enabled(ctx context.Context, userID string) (bool, error) {
	st, err := f.Status(ctx, userID)
	return st.TOTP || st.Passkeys > 0, err
}

// Policy returns the instance's MFA policy.
func (f *SecondFactors) Policy(ctx context.Context) (mfa.Policy, error) {
	rs, err := f.reg.Settings(ctx)
	if err != nil {
		return "", err
	}
	return rs.mfaPolicy(), nil
}

// Required reports whether the MFA policy requires a second factor of u.
func (f *SecondFactors) Required(ctx context.Context, u storage.User) (bool, error) {
	p, err := f.Policy(ctx)
	if err != nil {
		return false, err
	}
	return p.Requires(string(u.Role)), nil
}

// MustEnrol reports whether the policy requires a second factor of u and
// u has none yet.
func (f *SecondFactors) MustEnrol(ctx context.Context, u storage.User) (bool, error) {
	required, err := f.Required(ctx, u)
	if err != nil || !required {
		return false, err
	}
	on, err := f.Enabled(ctx, u.ID)
	return !on, err
}

// RecentlyAuthenticated reports whether the session's password (first
// factor) sign-in is recent enough for changing second factors.
func (f *SecondFactors) RecentlyAuthenticated(s storage.BrowserSession) bool {
	return f.reg.svc.now().Sub(s.AuthTime) <= RecentAuth
}

// BeginTOTP returns the key to show for enrolment: the pending one when it
// is recent, else a fresh one, stored encrypted and pending until
// ConfirmTOTP. ErrMFAAlreadyEnabled when an authenticator is on.
func (f *SecondFactors) BeginTOTP(ctx context.Context, u storage.User) (mfa.Enrolment, error) {
	account := u.Email
	if u.Username != "" {
		account = u.Username
	}
	t, err := f.store.MFA().TOTP(ctx, u.ID)
	switch {
	case err == nil && t.Confirmed:
		return mfa.Enrolment{}, ErrMFAAlreadyEnabled
	case err == nil && f.reg.svc.now().Sub(t.CreatedAt) < pendingEnrolmentLifetime:
		secret, err := f.sealer.Open(u.ID, t.SecretEnc)
		if err == nil {
			return mfa.EnrolmentFor(f.issuer, account, secret), nil
		}
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		return mfa.Enrolment{}, fmt.Errorf("account: read mfa: %w", err)
	}
	e, err := mfa.NewEnrolment(f.issuer, account)
	if err != nil {
		return mfa.Enrolment{}, err
	}
	pending := &storage.TOTP{UserID: u.ID, SecretEnc: f.sealer.Seal(u.ID, e.Secret), CreatedAt: f.reg.svc.now()}
	if err := f.store.MFA().BeginTOTP(ctx, pending); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return mfa.Enrolment{}, ErrMFAAlreadyEnabled
		}
		return mfa.Enrolment{}, fmt.Errorf("account: begin totp: %w", err)
	}
	return e, nil
}

// ConfirmTOTP turns the pending authenticator on when code is valid for
// it (ErrWrongCode otherwise, counted in the sign-in throttle), replaces
// the recovery codes, audits and mails the user, and returns the new
// recovery codes to show once.
func (f *SecondFactors) ConfirmTOTP(ctx context.Context, userID, code, ip string) ([]string, error) {
	t, err := f.store.MFA().TOTP(ctx, userID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, ErrMFANotEnabled
	case err != nil:
		return nil, fmt.Errorf("account: read mfa: %w", err)
	case t.Confirmed:
		return nil, ErrMFAAlreadyEnabled
	}
	step, err := f.matchThrottled(ctx, userID, t, code, ip)
	if err != nil {
		return nil, err
	}
	codes := mfa.NewRecoveryCodes()
	err = f.store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.MFA().ConfirmTOTP(ctx, userID, step, f.reg.svc.now()); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return ErrMFAAlreadyEnabled
			}
			return fmt.Errorf("account: confirm totp: %w", err)
		}
		if err := tx.MFA().ReplaceRecoveryCodes(ctx, userID, hashCodes(codes), f.reg.svc.now()); err != nil {
			return fmt.Errorf("account: store recovery codes: %w", err)
		}
		return f.announce(ctx, tx, userID, userID, ip, EventMFAEnabled, LetterMFAEnabled, nil)
	})
	if err != nil {
		return nil, err
	}
	f.reg.kick()
	return codes, nil
}

// RegenerateRecoveryCodes voids every recovery code of the user and
// returns ten new ones; audited and mailed.
func (f *SecondFactors) RegenerateRecoveryCodes(ctx context.Context, userID, ip string) ([]string, error) {
	codes := mfa.NewRecoveryCodes()
	err := f.store.InTx(ctx, func(tx storage.Tx) error {
		t, err := tx.MFA().TOTP(ctx, userID)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && !t.Confirmed) {
			return ErrMFANotEnabled
		}
		if err != nil {
			return fmt.Errorf("account: read mfa: %w", err)
		}
		if err := tx.MFA().ReplaceRecoveryCodes(ctx, userID, hashCodes(codes), f.reg.svc.now()); err != nil {
			return fmt.Errorf("account: store recovery codes: %w", err)
		}
		return f.announce(ctx, tx, userID, userID, ip, EventMFARecoveryRegenerate, LetterRecoveryRegenerated, nil)
	})
	if err != nil {
		return nil, err
	}
	f.reg.kick()
	return codes, nil
}

// Disable turns off the user's authenticator and recovery codes, by the
// user (actorID == userID) or an administrator; audited with the actor
// and mailed. ErrMFANotEnabled when there was nothing to turn off.
func (f *SecondFactors) Disable(ctx context.Context, userID, actorID, ip string) error {
	err := f.store.InTx(ctx, func(tx storage.Tx) error {
		if _, err := tx.Users().ByID(ctx, userID); err != nil {
			return fmt.Errorf("account: read user: %w", err)
		}
		on, err := tx.MFA().DeleteTOTP(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: remove totp: %w", err)
		}
		if err := tx.MFA().DeleteRecoveryCodes(ctx, userID); err != nil {
			return fmt.Errorf("account: remove recovery codes: %w", err)
		}
		if !on {
			return ErrMFANotEnabled
		}
		data := map[string]any{"ByAdmin": actorID != userID}
		return f.announce(ctx, tx, userID, actorID, ip, EventMFADisabled, LetterMFADisabled, data)
	})
	if err != nil {
		return err
	}
	f.reg.kick()
	return nil
}

// announce audits an event and mails the user within tx.
func (f *SecondFactors) announce(ctx context.Context, tx storage.Tx, userID, actorID, ip, event, letter string, data map[string]any) error {
	u, err := tx.Users().ByID(ctx, userID)
	if err != nil {
		return fmt.Errorf("account: read user: %w", err)
	}
	if err := f.reg.audit(ctx, tx, storage.AuditEvent{Type: event, ActorID: actorID, UserID: userID, IP: ip}); err != nil {
		return err
	}
	return f.reg.send(ctx, tx, u, letter, data)
}

func hashCodes(codes []string) [][]byte {
	out := make([][]byte, len(codes))
	for i, c := range codes {
		out[i] = mfa.HashRecoveryCode(c)
	}
	return out
}
