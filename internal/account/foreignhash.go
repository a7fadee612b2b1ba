package account

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Foreign password hashes: users imported from another system keep their
// hashes until their first successful sign-in, when NeedsRehash (true for
// every foreign hash) makes the sign-in store an argon2id hash instead.
// The stored forms, each a "$"-separated string (the forms of Ory Kratos):
//
//	bcrypt          $2a$, $2b$ or $2y$ modular crypt
//	argon2i         $argon2i$v=19$m=..,t=..,p=..$salt$hash  (argon2id is native)
//	PBKDF2          $pbkdf2-sha256$i=27500$salt$hash  (or pbkdf2-sha512, pbkdf2-sha1;
//	                optional l=keylen after i; salt and hash standard base64)
//	Firebase scrypt $firescrypt$ln=14,r=8,p=1$salt$hash$salt_separator$signer_key
//	                (all four base64; Firebase's modified scrypt)
//
// Every parameter is bounded so a tampered hash cannot make a verification
// allocate gigabytes or run for minutes.

// Bounds of foreign hashes' parameters.
const (
	maxPBKDF2Iterations = 10_000_000
	maxScryptLogN       = 20 // N = 2^20, 1 GiB with r=8
	maxScryptR          = 32
	maxForeignField     = 1024 // bytes of a decoded salt, key or hash
	bcryptMaxBytes      = 72
)

// IsForeignHash reports whether encoded is one of the imported forms.
func IsForeignHash(encoded string) bool {
	for _, p := range []string{"$2a$", "$2b$", "$2y$", "$argon2i$", "$pbkdf2-", "$firescrypt$"} {
		if strings.HasPrefix(encoded, p) {
			return true
		}
	}
	return false
}

// CheckImportedHash parses encoded without verifying anything: nil when
// it is an argon2id PHC string or a foreign form Verify can check.
func CheckImportedHash(encoded string) error {
	if strings.HasPrefix(encoded, "$argon2id$") {
		_, err := parsePHC(encoded)
		return err
	}
	_, err := parseForeign(encoded)
	return err
}

// foreignHash is a parsed foreign hash: verify derives and compares.
type foreignHash interface {
	verify(password []byte) bool
}

func parseForeign(encoded string) (foreignHash, error) {
	switch {
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"), strings.HasPrefix(encoded, "$2y$"):
		return parseBcrypt(encoded)
	case strings.HasPrefix(encoded, "$argon2i$"):
		return parseArgon2i(encoded)
	case strings.HasPrefix(encoded, "$pbkdf2-"):
		return parsePBKDF2(encoded)
	case strings.HasPrefix(encoded, "$firescrypt$"):
		return parseFirebaseScrypt(encoded)
	}
	return nil, fmt.Errorf("%w: unknown hash format", ErrInvalidHash)
}

// verifyForeign checks password against a foreign hash in a hashing slot.
func (h *Hasher) verifyForeign(ctx context.Context, password, encoded string) (bool, error) {
	f, err := parseForeign(encoded)
	if err != nil {
		return false, err
	}
	if tooLong(password) {
		return false, nil
	}
	slot, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer h.release(slot)
	return f.verify([]byte(password)), nil
}

type bcryptHash []byte

func parseBcrypt(encoded string) (foreignHash, error) {
	// $2y$ (PHP) is the same algorithm as $2b$.
	s := "$2b$" + strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(encoded, "$2y$"), "$2a$"), "$2b$")
	if strings.HasPrefix(encoded, "$2a$") {
		s = encoded
	}
	cost, err := bcrypt.Cost([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("%w: bcrypt: %w", ErrInvalidHash, err)
	}
	if cost > 16 {
		return nil, fmt.Errorf("%w: bcrypt cost %d above 16", ErrInvalidHash, cost)
	}
	return bcryptHash(s), nil
}

// verify refuses passwords over 72 bytes: bcrypt would ignore the rest,
// and a longer password must not match its 72-byte prefix (SECURITY 3).
func (b bcryptHash) verify(password []byte) bool {
	if len(password) > bcryptMaxBytes {
		return false
	}
	return bcrypt.CompareHashAndPassword(b, password) == nil
}

type argon2iHash struct{ phcHash }

func parseArgon2i(encoded string) (foreignHash, error) {
	h, err := parsePHC("$argon2id$" + strings.TrimPrefix(encoded, "$argon2i$"))
	if err != nil {
		return nil, err
	}
	return argon2iHash{h}, nil
}

func (a argon2iHash) verify(password []byte) bool {
	p := a.params
	key := argon2.Key(password, a.salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(key, a.key) == 1
}

type pbkdf2Hash struct {
	newHash    func() hash.Hash
	iterations int
	salt, key  []byte
}

// decodeB64 reads standard or URL-safe base64, padded or not.
func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b) > maxForeignField {
		return nil, fmt.Errorf("longer than %d bytes", maxForeignField)
	}
	return b, nil
}

func parsePBKDF2(encoded string) (foreignHash, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 5 || f[0] != "" {
		return nil, fmt.Errorf("%w: pbkdf2: want $pbkdf2-ALG$i=N$salt$hash", ErrInvalidHash)
	}
	var h pbkdf2Hash
	switch f[1] {
	case "pbkdf2-sha256":
		h.newHash = sha256.New
	case "pbkdf2-sha512":
		h.newHash = sha512.New
	default:
		return nil, fmt.Errorf("%w: pbkdf2 algorithm %q (sha256 or sha512)", ErrInvalidHash, f[1])
	}
	keyLen := 0
	for kv := range strings.SplitSeq(f[2], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%w: pbkdf2 parameter %q", ErrInvalidHash, kv)
		}
		switch k {
		case "i":
			h.iterations = n
		case "l":
			keyLen = n
		default:
			return nil, fmt.Errorf("%w: pbkdf2 parameter %q", ErrInvalidHash, k)
		}
	}
	if h.iterations < 1 || h.iterations > maxPBKDF2Iterations {
		return nil, fmt.Errorf("%w: pbkdf2 iterations %d outside [1, %d]", ErrInvalidHash, h.iterations, maxPBKDF2Iterations)
	}
	var err error
	if h.salt, err = decodeB64(f[3]); err != nil || len(h.salt) == 0 {
		return nil, fmt.Errorf("%w: pbkdf2 salt", ErrInvalidHash)
	}
	if h.key, err = decodeB64(f[4]); err != nil || len(h.key) < 16 || (keyLen != 0 && keyLen != len(h.key)) {
		return nil, fmt.Errorf("%w: pbkdf2 hash", ErrInvalidHash)
	}
	return h, nil
}

func (p pbkdf2Hash) verify(password []byte) bool {
	key, err := pbkdf2.Key(p.newHash, string(password), p.salt, p.iterations, len(p.key))
	return err == nil && subtle.ConstantTimeCompare(key, p.key) == 1
}

// firebaseScrypt is Firebase's modified scrypt (github.com/firebase/scrypt):
// the scrypt key of password and salt+separator encrypts the project's
// signer key with AES-256-CTR under a zero IV; the result is the hash.
type firebaseScrypt struct {
	logN, r                   int
	salt, key, sep, signerKey []byte
}

func parseFirebaseScrypt(encoded string) (foreignHash, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 7 || f[0] != "" {
		return nil, fmt.Errorf("%w: firescrypt: want $firescrypt$ln=..,r=..,p=1$salt$hash$separator$signer_key", ErrInvalidHash)
	}
	h := firebaseScrypt{}
	for kv := range strings.SplitSeq(f[2], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("%w: firescrypt parameter %q", ErrInvalidHash, kv)
		}
		switch k {
		case "ln":
			h.logN = n
		case "r":
			h.r = n
		case "p":
			if n != 1 {
				return nil, fmt.Errorf("%w: firescrypt p must be 1", ErrInvalidHash)
			}
		default:
			return nil, fmt.Errorf("%w: firescrypt parameter %q", ErrInvalidHash, k)
		}
	}
	if h.logN < 1 || h.logN > maxScryptLogN || h.r < 1 || h.r > maxScryptR {
		return nil, fmt.Errorf("%w: firescrypt ln=%d r=%d out of range", ErrInvalidHash, h.logN, h.r)
	}
	fields := []*[]byte{&h.salt, &h.key, &h.sep, &h.signerKey}
	for i, dst := range fields {
		b, err := decodeB64(f[3+i])
		if err != nil {
			return nil, fmt.Errorf("%w: firescrypt field %d: %w", ErrInvalidHash, i+1, err)
		}
		*dst = b
	}
	if len(h.key) == 0 || len(h.key) != len(h.signerKey) {
		return nil, fmt.Errorf("%w: firescrypt hash and signer key differ in length", ErrInvalidHash)
	}
	return h, nil
}

func (f firebaseScrypt) verify(password []byte) bool {
	salt := append(append([]byte{}, f.salt...), f.sep...)
	derived, err := scrypt.Key(password, salt, 1<<f.logN, f.r, 1, 32)
	if err != nil {
		return false
	}
	block, err := aes.NewCipher(derived)
	if err != nil {
		return false
	}
	out := make([]byte, len(f.signerKey))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(out, f.signerKey)
	return subtle.ConstantTimeCompare(out, f.key) == 1
}
