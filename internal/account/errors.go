package account

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Sign-in and session errors. Test them with errors.Is.
var (
	// ErrInvalidCredentials: the login is unknown or the password is wrong.
	// The two cases are deliberately indistinguishable.
	ErrInvalidCredentials = errors.New("account: invalid login or password")
	// ErrThrottled: too many recent failures for the account or the client
	// address. Use errors.As with *ThrottledError for the retry delay.
	ErrThrottled = errors.New("account: too many attempts")
	// ErrNotVerified: correct password, email address not yet confirmed.
	ErrNotVerified = errors.New("account: email address not verified")
	// ErrPendingApproval: correct password, waiting for an administrator.
	ErrPendingApproval = errors.New("account: waiting for approval")
	// ErrBlocked: correct password, the account is blocked.
	ErrBlocked = errors.New("account: account blocked")
	// ErrRejected: correct password, the registration was rejected.
	ErrRejected = errors.New("account: registration rejected")
	// ErrNoSession: the cookie names no live session of an active user.
	ErrNoSession = errors.New("account: no session")
)

// Input errors. A *FieldError wraps ErrInvalid and one of the reasons
// below, so errors.Is works with either.
var (
	// ErrInvalid is wrapped by every input validation error.
	ErrInvalid = errors.New("account: invalid input")
	// ErrRequired: the field is empty.
	ErrRequired = errors.New("required")
	// ErrTooShort: the field is shorter than allowed.
	ErrTooShort = errors.New("too short")
	// ErrTooLong: the field is longer than allowed.
	ErrTooLong = errors.New("too long")
	// ErrSyntax: the field has characters or a form that is not allowed.
	ErrSyntax = errors.New("malformed")
)

// Field names used in FieldError and DuplicateError.
const (
	FieldEmail      = "email"
	FieldUsername   = "username"
	FieldPassword   = "password"
	FieldGivenName  = "given_name"
	FieldFamilyName = "family_name"
)

// FieldError says which input field is wrong and why. It never holds the
// value (which may be a password).
type FieldError struct {
	Field  string // one of the Field* constants
	Reason error  // ErrRequired, ErrTooShort, ErrTooLong, ErrSyntax, or another reason the checker names
	Detail string // for people, e.g. "at least 8 characters"
}

func (e *FieldError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("account: invalid %s: %v", e.Field, e.Reason)
	}
	return fmt.Sprintf("account: invalid %s: %v (%s)", e.Field, e.Reason, e.Detail)
}

// Unwrap returns ErrInvalid and the reason.
func (e *FieldError) Unwrap() []error { return []error{ErrInvalid, e.Reason} }

func fieldError(field string, reason error, detail string) *FieldError {
	return &FieldError{Field: field, Reason: reason, Detail: detail}
}

// DuplicateError says which unique field is already taken. It wraps
// storage.ErrAlreadyExists.
type DuplicateError struct {
	Field string // FieldEmail or FieldUsername; empty when the store did not say
}

func (e *DuplicateError) Error() string {
	if e.Field == "" {
		return "account: user already exists"
	}
	return fmt.Sprintf("account: %s already taken", e.Field)
}

// Unwrap returns storage.ErrAlreadyExists.
func (e *DuplicateError) Unwrap() error { return storage.ErrAlreadyExists }

// ThrottledError is returned when sign-in attempts are throttled. It wraps
// ErrThrottled.
type ThrottledError struct {
	// RetryAfter is an upper bound on the wait before attempts count again.
	RetryAfter time.Duration
	// Scope is "account" or "ip".
	Scope string
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("account: too many attempts (%s); retry after %s", e.Scope, e.RetryAfter)
}

// Unwrap returns ErrThrottled.
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// stateError maps a user state other than active to its sign-in error.
func stateError(s storage.UserState) error {
	switch s {
	case storage.UserActive:
		return nil
	case storage.UserPendingVerification:
		return ErrNotVerified
	case storage.UserPendingApproval:
		return ErrPendingApproval
	case storage.UserBlocked:
		return ErrBlocked
	case storage.UserRejected:
		return ErrRejected
	}
	return fmt.Errorf("account: unknown user state %q: %w", s, ErrBlocked)
}
