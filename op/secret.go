package op

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MinClientSecretLength is the shortest client secret HashClientSecret
// accepts, in characters.
const MinClientSecretLength = 32

// ErrSecretTooShort: a client secret shorter than MinClientSecretLength.
var ErrSecretTooShort = fmt.Errorf("op: client secret must have at least %d characters", MinClientSecretLength)

// errBadSecretHash: a stored hash that is not ours; verification fails.
var errBadSecretHash = errors.New("op: malformed client secret hash")

// secretHashPrefix starts every client secret hash:
// $sha256$<base64url salt>$<base64url HMAC-SHA-256(salt, secret)>.
const secretHashPrefix = "$sha256$"

// GenerateClientSecret returns a new client secret: 32 random bytes,
// base64url without padding (43 characters).
func GenerateClientSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand aborts the program instead
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashClientSecret returns the PHC-like string to store for secret.
//
// Client secrets are not passwords: Gatehouse generates them with 256 bits
// of entropy and refuses user-supplied ones shorter than 32 characters, so a
// guessing attack on a leaked hash is hopeless whatever the hash speed. A
// slow password hash (argon2, bcrypt) would only cost CPU on every token,
// introspection and revocation request and make those endpoints a cheap
// denial of service. A salted HMAC-SHA-256 keeps equal secrets from having
// equal hashes and is verified in constant time.
func HashClientSecret(secret string) (string, error) {
	if utf8.RuneCountInString(secret) < MinClientSecretLength {
		return "", ErrSecretTooShort
	}
	var salt [16]byte
	_, _ = rand.Read(salt[:])
	return formatSecretHash(salt[:], secretMAC(salt[:], secret)), nil
}

// VerifyClientSecret reports whether secret matches hash (from
// HashClientSecret), in time independent of where they differ.
func VerifyClientSecret(hash, secret string) bool {
	salt, want, err := parseSecretHash(hash)
	if err != nil {
		// Same work as a real check, so a malformed row is not told
		// apart by timing.
		secretMAC(make([]byte, 16), secret)
		return false
	}
	return subtle.ConstantTimeCompare(secretMAC(salt, secret), want) == 1
}

func secretMAC(salt []byte, secret string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

func formatSecretHash(salt, sum []byte) string {
	enc := base64.RawURLEncoding
	return secretHashPrefix + enc.EncodeToString(salt) + "$" + enc.EncodeToString(sum)
}

func parseSecretHash(hash string) (salt, sum []byte, err error) {
	rest, ok := strings.CutPrefix(hash, secretHashPrefix)
	if !ok {
		return nil, nil, errBadSecretHash
	}
	saltPart, sumPart, ok := strings.Cut(rest, "$")
	if !ok {
		return nil, nil, errBadSecretHash
	}
	enc := base64.RawURLEncoding
	salt, err = enc.DecodeString(saltPart)
	if err != nil || len(salt) < 16 {
		return nil, nil, errBadSecretHash
	}
	sum, err = enc.DecodeString(sumPart)
	if err != nil || len(sum) != sha256.Size {
		return nil, nil, errBadSecretHash
	}
	return salt, sum, nil
}
