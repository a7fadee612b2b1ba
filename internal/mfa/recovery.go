package mfa

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"
)

// RecoveryCodeCount is how many recovery codes a user gets at a time.
const RecoveryCodeCount = 10

// recoveryAlphabet has no 0/o, 1/l/i: codes are read off paper.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// recoveryLen is the characters of a code (two groups of five): about 49
// bits each, more than enough for a single-use, throttled code.
const recoveryLen = 10

// NewRecoveryCodes returns RecoveryCodeCount fresh codes as shown to the
// user ("abcde-fghjk").
func NewRecoveryCodes() []string {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
	}
	return codes
}

func newRecoveryCode() string {
	b := make([]byte, recoveryLen)
	out := make([]byte, 0, recoveryLen+1)
	for len(out) < recoveryLen+1 {
		_, _ = rand.Read(b)
		for _, x := range b {
			// Rejection sampling keeps every letter equally likely.
			if int(x) >= 256-256%len(recoveryAlphabet) {
				continue
			}
			if len(out) == recoveryLen/2 {
				out = append(out, '-')
			}
			out = append(out, recoveryAlphabet[int(x)%len(recoveryAlphabet)])
			if len(out) == recoveryLen+1 {
				break
			}
		}
	}
	return string(out)
}

// NormalizeRecoveryCode lowercases code and drops spaces and dashes, so
// "ABCDE FGHJK" and "abcde-fghjk" are the same code.
func NormalizeRecoveryCode(code string) string {
	return strings.ToLower(NormalizeCode(code))
}

// IsRecoveryCode reports whether code (normalized) has the shape of a
// recovery code.
func IsRecoveryCode(code string) bool {
	if len(code) != recoveryLen {
		return false
	}
	for _, r := range code {
		if !strings.ContainsRune(recoveryAlphabet, r) {
			return false
		}
	}
	return true
}

// HashRecoveryCode is what the store keeps of a code: the SHA-256 of its
// normalized form (the code is random, so a plain hash suffices).
func HashRecoveryCode(code string) []byte {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return sum[:]
}
