package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/gatehouse/gatehouse/storage"
)

// maxLoginBytes bounds the login looked up; longer ones cannot exist.
const maxLoginBytes = 320

// Audit event types written by sign-in.
const (
	EventSignInSuccess = "signin.success"
	EventSignInFailure = "signin.failure"
)

// Authenticate checks a password sign-in from clientIP and returns the
// user. In order:
//
//   - the client address and then the account must be under their failure
//     limits, else a *ThrottledError (ErrThrottled), even for a correct
//     password. The account's attempt holds an in-flight slot (atomic)
//     while the password is verified, so parallel requests cannot verify
//     more than the limit between them; only failures stay counted;
//   - an unknown login and a wrong password both give ErrInvalidCredentials
//     after the same work (an unknown login is verified against a dummy
//     hash) and count one failure for the account and the address;
//   - only after a correct password does the state matter: ErrNotVerified,
//     ErrPendingApproval, ErrBlocked or ErrRejected, returned with the user
//     so the page can offer what fits (such as a new confirmation mail);
//   - success forgets the account's failures and upgrades an outdated hash.
//
// Any store error is returned as an error, never as a pass: throttling
// fails closed.
func (s *Service) Authenticate(ctx context.Context, login, password, clientIP string) (storage.User, error) {
	ipK := ipKey(clientIP)
	if err := s.checkThrottle(ctx, ipK, "ip", s.throttle.PerIP); err != nil {
		return storage.User{}, s.refused(ctx, err, clientIP)
	}
	u, err := s.lookup(ctx, login)
	if err != nil {
		return storage.User{}, err
	}
	a, err := s.beginAttempt(ctx, accountKey(u, login))
	if err != nil {
		return storage.User{}, s.refused(ctx, err, clientIP)
	}
	ok, err := s.checkPassword(ctx, u, password)
	if err != nil {
		a.release(ctx)
		return storage.User{}, err
	}
	if !ok {
		return storage.User{}, s.failed(ctx, a, u, clientIP, ipK)
	}
	if err := stateError(u.State); err != nil {
		a.release(ctx)
		return *u, s.wrongState(ctx, u, clientIP, err)
	}
	return s.succeeded(ctx, a, u, password, clientIP)
}

// lookup returns the user named by login, or nil when there is none.
func (s *Service) lookup(ctx context.Context, login string) (*storage.User, error) {
	if login == "" || len(login) > maxLoginBytes {
		return nil, nil
	}
	u, err := s.stores.Users().ByLogin(ctx, login)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("account: sign-in lookup: %w", err)
	}
	return &u, nil
}

// checkPassword verifies password against u's hash, or against the dummy
// hash when there is no user or no password, so both take as long.
func (s *Service) checkPassword(ctx context.Context, u *storage.User, password string) (bool, error) {
	if u == nil || u.PasswordHash == "" {
		return false, s.hasher.VerifyDummy(ctx, password)
	}
	ok, err := s.hasher.Verify(ctx, password, u.PasswordHash)
	if errors.Is(err, ErrInvalidHash) {
		s.log.ErrorContext(ctx, "stored password hash unusable",
			slog.String("user_id", u.ID), slog.Any("error", err))
		return false, s.hasher.VerifyDummy(ctx, password)
	}
	return ok, err
}

// refused passes on a throttling refusal (or a store error) unaudited: a
// flood of refused attempts must not flood the audit log.
func (s *Service) refused(ctx context.Context, err error, clientIP string) error {
	var te *ThrottledError
	if errors.As(err, &te) {
		s.log.DebugContext(ctx, "sign-in throttled", slog.String("scope", te.Scope), slog.String("ip", clientIP))
	}
	return err
}

// failed counts a wrong password or unknown login against the account and
// the address, ends the attempt and audits.
func (s *Service) failed(ctx context.Context, a *attempt, u *storage.User, clientIP, ipK string) error {
	if err := a.fail(ctx, ipK); err != nil {
		return err
	}
	userID := ""
	if u != nil {
		userID = u.ID
	}
	details := map[string]string{"reason": "invalid_credentials", "known_login": strconv.FormatBool(u != nil)}
	if err := s.audit(ctx, EventSignInFailure, userID, clientIP, details); err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// wrongState audits a correct password for a user who may not sign in.
func (s *Service) wrongState(ctx context.Context, u *storage.User, clientIP string, stateErr error) error {
	details := map[string]string{"reason": "state", "state": string(u.State)}
	if err := s.audit(ctx, EventSignInFailure, u.ID, clientIP, details); err != nil {
		return err
	}
	return stateErr
}

// succeeded forgets the account's failures, audits, and upgrades an
// outdated hash.
func (s *Service) succeeded(ctx context.Context, a *attempt, u *storage.User, password, clientIP string) (storage.User, error) {
	if err := a.succeed(ctx); err != nil {
		return storage.User{}, err
	}
	if err := s.audit(ctx, EventSignInSuccess, u.ID, clientIP, map[string]string{"method": "pwd"}); err != nil {
		return storage.User{}, err
	}
	if s.hasher.NeedsRehash(u.PasswordHash) {
		s.rehash(ctx, u, password)
	}
	return *u, nil
}

// rehash stores a hash with the current parameters. It is best effort:
// the old hash still works, so a failure is only logged.
func (s *Service) rehash(ctx context.Context, u *storage.User, password string) {
	encoded, err := s.hasher.Hash(ctx, password)
	if err == nil {
		next := *u
		next.PasswordHash = encoded
		if err = s.stores.Users().Update(ctx, &next); err == nil {
			*u = next
			return
		}
	}
	s.log.WarnContext(ctx, "password rehash skipped", slog.String("user_id", u.ID), slog.Any("error", err))
}
