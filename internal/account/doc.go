// Package account owns the account lifecycle rules of Gatehouse, without
// HTTP: password hashing (argon2id in PHC format, with a bound on concurrent
// hashes), creating and listing users, password sign-in with throttling kept
// in the database, and browser sessions.
//
// The hosted pages (ui), the management API and the CLI call a *Service;
// the Service reads and writes through the small store interfaces of
// package storage, so every replica sharing a database sees the same users,
// sessions and throttle counters.
//
// A Registrar (register*.go, verify*.go, approve.go, settings.go) adds the
// registration rules: sign-up in three shapes (login/email/password
// confirmed by a link; profile first with the password set through the
// link; immediate), confirmation links (256-bit, stored hashed, single use,
// purpose-bound, a newer one voiding the older), approval in audit mode,
// and the registration settings kept as instance settings. Each change
// commits in one transaction with the letter it causes.
//
// SecondFactors (mfa*.go) applies two-step verification over internal/mfa:
// TOTP enrolment (the secret sealed with a key derived from the instance
// key, active only after a valid code), recovery codes, the second step at
// sign-in (a pending sign-in sealed for a cookie; wrong codes count in the
// sign-in throttle), removal by the user or an administrator, the MFA
// policy, and the session step-up (Service.StepUpSession).
//
// The account console (console*.go, tokens.go): personal API tokens
// (internal/personaltoken gives their format), the user's own sessions,
// connected applications, activity, export and self-deletion, "new
// sign-in" letters, and their instance settings (console_settings.go).
//
// Passkeys (passkeys.go) applies the passkey rules over internal/mfa and
// go-webauthn: registration and sign-in ceremonies whose challenges are
// stored hashed, single-use, bound to the browser and expiring; the
// signature counter (a regression is refused and audited as a possible
// clone); renaming and removal (never the last way to sign in of a user
// without a password), each audited and mailed.
//
// Errors are sentinels and typed errors wrapped with %w: test them with
// errors.Is (ErrInvalidCredentials, ErrThrottled, ErrNoSession, ErrInvalid,
// storage.ErrAlreadyExists, ...) and errors.As (*FieldError,
// *DuplicateError, *ThrottledError). Sign-in returns the same
// ErrInvalidCredentials for an unknown login and a wrong password; the
// state errors (ErrNotVerified, ErrPendingApproval, ErrBlocked, ErrRejected)
// come only after a correct password.
package account
