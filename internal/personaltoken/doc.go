// Package personaltoken owns personal API tokens: their format, hashing,
// scopes, expiry and verification.
//
// A token is "gth_" followed by 32 random bytes in base62 (43 characters)
// and a CRC32 checksum of everything before it in base62 (6 characters):
// secret scanners recognise the prefix, and a mistyped or altered token is
// refused by the checksum without a database lookup. Only the token's
// SHA-256 is stored. Verification reads the row every time (no cache), so
// a revocation counts at once on every replica; "last used" (time and IP)
// is written at most once a minute.
//
// internal/account creates, lists and revokes tokens within its
// transactions; the OpenID endpoints (op: /userinfo, /oauth/introspect) and
// the management API verify them through a Verifier.
package personaltoken
