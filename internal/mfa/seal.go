package mfa

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
)

// KeyPurpose is the instance-key derivation purpose of the TOTP secret
// sealing key.
const KeyPurpose = "gatehouse mfa totp secret v1"

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// Sealer encrypts TOTP secrets for storage (AES-256-GCM, random nonce,
// bound to the user id as additional data, so a sealed secret copied to
// another user's row does not open). During an instance key rotation it
// also holds keys derived from the older instance keys, which only open.
type Sealer struct {
	aead     cipher.AEAD
	previous []cipher.AEAD
}

// NewSealer returns a Sealer that seals with key and opens with key, then
// with each of previous (derive them from the instance keys with
// KeyPurpose).
func NewSealer(key [32]byte, previous ...[32]byte) (*Sealer, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead}
	for _, k := range previous {
		old, err := newAEAD(k)
		if err != nil {
			return nil, err
		}
		s.previous = append(s.previous, old)
	}
	return s, nil
}

func newAEAD(key [32]byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("mfa: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("mfa: gcm: %w", err)
	}
	return aead, nil
}

// Seal encrypts secret for userID (or another additional-data label).
func (s *Sealer) Seal(userID, secret string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // never fails: crypto/rand aborts instead
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(userID))
}

// ErrUnseal: the sealed secret does not open with this key for this user.
var ErrUnseal = errors.New("mfa: sealed secret does not open")

// Open decrypts what Seal made for userID, with the current key or an
// older one.
func (s *Sealer) Open(userID string, sealed []byte) (string, error) {
	plain, _, err := s.OpenWithAge(userID, sealed)
	return plain, err
}

// OpenWithAge is Open that also reports whether an older key opened it
// (so the secret should be sealed again under the current key).
func (s *Sealer) OpenWithAge(userID string, sealed []byte) (plain string, old bool, err error) {
	if p, ok := open(s.aead, userID, sealed); ok {
		return p, false, nil
	}
	for _, a := range s.previous {
		if p, ok := open(a, userID, sealed); ok {
			return p, true, nil
		}
	}
	return "", false, ErrUnseal
}

func open(aead cipher.AEAD, userID string, sealed []byte) (string, bool) {
	n := aead.NonceSize()
	if len(sealed) < n {
		return "", false
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(userID))
	if err != nil {
		return "", false
	}
	return string(plain), true
}
