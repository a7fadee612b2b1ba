package personaltoken

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"math/big"
	"strings"
)

// Prefix starts every personal token.
const Prefix = "gth_"

// Token text layout: Prefix, the random part and the checksum.
const (
	randomBytes = 32
	randomLen   = 43 // 62^43 > 2^256
	checksumLen = 6  // 62^6 > 2^32
	// Length is the length of every token.
	Length = len(Prefix) + randomLen + checksumLen
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ErrMalformed: the text is not a personal token (wrong prefix, length,
// characters or checksum). No database was asked.
var ErrMalformed = errors.New("personaltoken: malformed token")

// LooksLike reports whether s carries the personal-token prefix, so that a
// caller can route it here rather than to another kind of token.
func LooksLike(s string) bool { return strings.HasPrefix(s, Prefix) }

// Generate returns a new token text and its hash.
func Generate() (string, []byte) {
	b := make([]byte, randomBytes)
	_, _ = rand.Read(b) // never fails: crypto/rand aborts the program instead
	body := Prefix + encode(new(big.Int).SetBytes(b), randomLen)
	text := body + checksum(body)
	return text, Hash(text)
}

// Hash is what the store keeps of a token: its SHA-256.
func Hash(text string) []byte {
	sum := sha256.Sum256([]byte(text))
	return sum[:]
}

// Check verifies the format and checksum of text; ErrMalformed when they
// are wrong. It never touches a database.
func Check(text string) error {
	if len(text) != Length || !LooksLike(text) {
		return ErrMalformed
	}
	for i := len(Prefix); i < len(text); i++ {
		if strings.IndexByte(alphabet, text[i]) < 0 {
			return ErrMalformed
		}
	}
	body := text[:len(text)-checksumLen]
	if checksum(body) != text[len(body):] {
		return ErrMalformed
	}
	return nil
}

func checksum(body string) string {
	return encode(new(big.Int).SetUint64(uint64(crc32.ChecksumIEEE([]byte(body)))), checksumLen)
}

// encode writes n in base62 with exactly width digits (leading zeros).
func encode(n *big.Int, width int) string {
	out := make([]byte, width)
	base := big.NewInt(int64(len(alphabet)))
	mod := new(big.Int)
	for i := width - 1; i >= 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = alphabet[mod.Int64()]
	}
	return string(out)
}
