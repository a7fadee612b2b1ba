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
// another user's row does not open).
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer with key (derive it from the instance key
// with KeyPurpose).
func NewSealer(key [32]byte) (*Sealer, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("mfa: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("mfa: gcm: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts secret for userID (or another additional-data label).
func (s *Sealer) Seal(userID, secret string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // never fails: crypto/rand aborts instead
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(userID))
}

// ErrUnseal: the sealed secret does not open with this key for this user.
var ErrUnseal = errors.New("mfa: sealed secret does not open")

// Open decrypts what Seal made for userID.
func (s *Sealer) Open(userID string, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", ErrUnseal
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(userID))
	if err != nil {
		return "", ErrUnseal
	}
	return string(plain), nil
}
