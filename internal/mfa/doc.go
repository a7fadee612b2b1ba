// Package mfa owns second factors, without HTTP: TOTP authenticators
// (RFC 6238 through github.com/pquerna/otp: enrolment keys with their QR
// code, verification within one time step either side that reports the
// step so the caller can refuse a step used before), recovery codes
// (generated, normalized and hashed for single use), the sealing of TOTP
// secrets with a key derived from the instance key, and the decisions:
// the MFA policy (optional, required_for_admins, required), whether an
// authorization request wants a second factor (acr_values=mfa, a client's
// require_mfa), and the amr and acr values (RFC 8176) a sign-in reports.
// For passkeys (passkey.go) it makes the WebAuthn relying party of an
// issuer (github.com/go-webauthn/webauthn: RP ID the issuer's host, the
// issuer's origin the only origin), adapts users to the library, and
// decides the methods a passkey proves (hwk or swk, user, mfa) and the
// signature-counter rule.
//
// internal/account calls it; it stores nothing itself.
package mfa
