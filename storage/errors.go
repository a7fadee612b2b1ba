package storage

import "errors"

// Sentinel errors. Stores wrap them with context (fmt.Errorf("...: %w", ...));
// callers test them with errors.Is.
var (
	// ErrNotFound: the row does not exist (or no longer counts, such as an
	// expired session), or a row it refers to does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrAlreadyExists: a unique key (id, email, username, provider and
	// subject, token hash, ...) is already taken.
	ErrAlreadyExists = errors.New("storage: already exists")
	// ErrConflict: the row changed since it was read (optimistic update).
	// Read it again and retry.
	ErrConflict = errors.New("storage: conflict")
	// ErrInvalid: the caller passed something the store cannot keep, such
	// as an unknown user state, a malformed cursor or settings value that is
	// not JSON.
	ErrInvalid = errors.New("storage: invalid argument")
)
