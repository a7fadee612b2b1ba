package account

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// PendingLifetime bounds the time between a correct first factor and the
// second step.
const PendingLifetime = 10 * time.Minute

// pendingAD separates sealed pending sign-ins from sealed TOTP secrets
// (whose additional data is a user id, never starting with NUL).
const pendingAD = "\x00pending-signin"

// PendingSignIn is a sign-in that passed its first factor and waits for
// the second. It travels sealed in a cookie: no session exists yet.
type PendingSignIn struct {
	UserID     string    `json:"u"`
	AMR        []string  `json:"m"` // the first factor: ["pwd"] or ["fed"]
	Persistent bool      `json:"p"` // "remember me"
	AuthTime   time.Time `json:"t"` // when the first factor was presented
	Expires    time.Time `json:"e"`
}

// ErrPendingInvalid: the pending sign-in token is missing, altered or
// expired.
var ErrPendingInvalid = errors.New("account: no pending sign-in")

// SealPending returns p as an opaque token for a cookie.
func (f *SecondFactors) SealPending(p PendingSignIn) string {
	now := f.reg.svc.now()
	p.AuthTime, p.Expires = now, now.Add(PendingLifetime)
	b, _ := json.Marshal(p) // plain strings, bools and times: never fails
	return base64.RawURLEncoding.EncodeToString(f.sealer.Seal(pendingAD, string(b)))
}

// OpenPending reads a token SealPending made; ErrPendingInvalid when it
// is altered or expired.
func (f *SecondFactors) OpenPending(token string) (PendingSignIn, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || token == "" {
		return PendingSignIn{}, ErrPendingInvalid
	}
	plain, err := f.sealer.Open(pendingAD, raw)
	if err != nil {
		return PendingSignIn{}, ErrPendingInvalid
	}
	var p PendingSignIn
	if err := json.Unmarshal([]byte(plain), &p); err != nil || p.UserID == "" {
		return PendingSignIn{}, ErrPendingInvalid
	}
	if !f.reg.svc.now().Before(p.Expires) {
		return PendingSignIn{}, ErrPendingInvalid
	}
	return p, nil
}

// Verify checks the second step of a sign-in: code is a TOTP code (within
// one step either side, and later than the last step used: the step is
// recorded with a compare-and-set, so one code opens one sign-in) or an
// unused recovery code (spent at once; the user gets a letter with the
// number left). It returns the methods to add ("otp").
//
// Wrong codes count in the account's sign-in throttle like wrong
// passwords, and in a counter only a correct code resets; past either
// limit every code, a correct one too, is refused (*ThrottledError).
func (f *SecondFactors) Verify(ctx context.Context, userID, code, ip string) error {
	t, err := f.store.MFA().TOTP(ctx, userID)
	switch {
	case errors.Is(err, storage.ErrNotFound) || (err == nil && !t.Confirmed):
		return ErrMFANotEnabled
	case err != nil:
		return fmt.Errorf("account: read mfa: %w", err)
	}
	if err := f.checkCodeThrottle(ctx, userID); err != nil {
		return err
	}
	code = mfa.NormalizeCode(code)
	var method string
	switch {
	case mfa.IsTOTPCode(code):
		method, err = "totp", f.useTOTP(ctx, t, code)
	case mfa.IsRecoveryCode(mfa.NormalizeRecoveryCode(code)):
		method, err = "recovery_code", f.useRecoveryCode(ctx, userID, code, ip)
	default:
		err = ErrWrongCode
	}
	if errors.Is(err, ErrWrongCode) {
		return f.codeFailed(ctx, userID, ip)
	}
	if err != nil {
		return err
	}
	if err := f.reg.svc.stores.Throttles().Reset(ctx, mfaThrottlePrefix+userID); err != nil {
		f.reg.svc.log.WarnContext(ctx, "reset mfa throttle", slog.String("user_id", userID), slog.Any("error", err))
	}
	return f.reg.svc.audit(ctx, EventMFAVerified, userID, ip, map[string]string{"method": method})
}

// useTOTP spends the step of a valid code.
func (f *SecondFactors) useTOTP(ctx context.Context, t storage.TOTP, code string) error {
	secret, err := f.sealer.Open(t.UserID, t.SecretEnc)
	if err != nil {
		return fmt.Errorf("account: open totp secret of %s: %w", t.UserID, err)
	}
	step, err := mfa.Match(secret, code, f.reg.svc.now())
	if errors.Is(err, mfa.ErrWrongCode) || (err == nil && step <= t.LastStep) {
		return ErrWrongCode
	}
	if err != nil {
		return err
	}
	err = f.store.MFA().UseTOTPStep(ctx, t.UserID, step)
	switch {
	case errors.Is(err, storage.ErrConflict):
		return ErrWrongCode // used meanwhile by a parallel request
	case err != nil:
		return fmt.Errorf("account: use totp step: %w", err)
	}
	return nil
}

// useRecoveryCode spends an unused recovery code and mails the number left.
func (f *SecondFactors) useRecoveryCode(ctx context.Context, userID, code, ip string) error {
	return f.store.InTx(ctx, func(tx storage.Tx) error {
		left, err := tx.MFA().UseRecoveryCode(ctx, userID, mfa.HashRecoveryCode(code), f.reg.svc.now())
		if errors.Is(err, storage.ErrNotFound) {
			return ErrWrongCode
		}
		if err != nil {
			return fmt.Errorf("account: use recovery code: %w", err)
		}
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user: %w", err)
		}
		details := map[string]string{"method": "recovery_code", "left": strconv.Itoa(left)}
		if err := f.reg.audit(ctx, tx, storage.AuditEvent{Type: EventMFARecoveryUsed, ActorID: userID, UserID: userID, IP: ip, Details: details}); err != nil {
			return err
		}
		return f.reg.send(ctx, tx, u, LetterRecoveryCodeUsed, map[string]any{"Left": left})
	})
}

// matchThrottled checks an enrolment code against the pending key under
// the same throttles as the sign-in step, and returns its step.
func (f *SecondFactors) matchThrottled(ctx context.Context, userID string, t storage.TOTP, code, ip string) (int64, error) {
	if err := f.checkCodeThrottle(ctx, userID); err != nil {
		return 0, err
	}
	secret, err := f.sealer.Open(userID, t.SecretEnc)
	if err != nil {
		return 0, fmt.Errorf("account: open pending totp secret: %w", err)
	}
	step, err := mfa.Match(secret, code, f.reg.svc.now())
	if errors.Is(err, mfa.ErrWrongCode) {
		return 0, f.codeFailed(ctx, userID, ip)
	}
	return step, err
}

// checkCodeThrottle refuses while the account or its code counter is at
// its limit, before the code is looked at.
func (f *SecondFactors) checkCodeThrottle(ctx context.Context, userID string) error {
	svc := f.reg.svc
	if err := svc.checkThrottle(ctx, keyUser+userID, "account", svc.throttle.PerAccount); err != nil {
		return err
	}
	return svc.checkThrottle(ctx, mfaThrottlePrefix+userID, "account", svc.throttle.PerAccount)
}

// codeFailed counts and audits a wrong code.
func (f *SecondFactors) codeFailed(ctx context.Context, userID, ip string) error {
	svc := f.reg.svc
	if err := svc.recordFailure(ctx, keyUser+userID, mfaThrottlePrefix+userID); err != nil {
		return err
	}
	if err := svc.audit(ctx, EventMFAFailure, userID, ip, map[string]string{"reason": "wrong_code"}); err != nil {
		return err
	}
	return ErrWrongCode
}
