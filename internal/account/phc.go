package account

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrInvalidHash: a stored password hash is not a PHC argon2id string this
// package can verify (other algorithm, version or out-of-range parameters).
var ErrInvalidHash = errors.New("account: unsupported password hash")

// Bounds on argon2id parameters, for configured ones and for those read
// from stored hashes (a tampered or foreign hash must not be able to make a
// verification allocate gigabytes or run for minutes).
const (
	maxMemoryKiB = 1 << 21 // 2 GiB
	maxTime      = 64
	minKeyLen    = 16
	maxKeyLen    = 128
	minSaltLen   = 8 // RFC 9106 minimum, accepted in stored hashes
	minCfgSalt   = 16
	maxSaltLen   = 64
)

// phcHash is a parsed "$argon2id$v=19$m=..,t=..,p=..$salt$hash" string.
type phcHash struct {
	params HashParams
	salt   []byte
	key    []byte
}

// b64 is the PHC base64 alphabet: standard, without padding.
var b64 = base64.RawStdEncoding

func (h phcHash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.Memory, h.params.Time, h.params.Threads,
		b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

// parsePHC parses an argon2id PHC string. Parameters may come in any order;
// padding on the base64 fields is tolerated.
func parsePHC(s string) (phcHash, error) {
	fields := strings.Split(s, "$")
	if len(fields) != 6 || fields[0] != "" || fields[1] != "argon2id" {
		return phcHash{}, fmt.Errorf("%w: not an argon2id PHC string", ErrInvalidHash)
	}
	if fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return phcHash{}, fmt.Errorf("%w: argon2 version %q", ErrInvalidHash, fields[2])
	}
	var h phcHash
	var err error
	if h.params, err = parsePHCParams(fields[3]); err != nil {
		return phcHash{}, err
	}
	if h.salt, err = b64.DecodeString(strings.TrimRight(fields[4], "=")); err != nil {
		return phcHash{}, fmt.Errorf("%w: salt: %w", ErrInvalidHash, err)
	}
	if h.key, err = b64.DecodeString(strings.TrimRight(fields[5], "=")); err != nil {
		return phcHash{}, fmt.Errorf("%w: hash: %w", ErrInvalidHash, err)
	}
	h.params.SaltLen, h.params.KeyLen = uint32(len(h.salt)), uint32(len(h.key))
	if err := h.params.check(minSaltLen); err != nil {
		return phcHash{}, fmt.Errorf("%w: %w", ErrInvalidHash, err)
	}
	return h, nil
}

// parsePHCParams reads "m=65536,t=2,p=1"; each of m, t and p exactly once.
func parsePHCParams(s string) (HashParams, error) {
	var p HashParams
	seen := map[string]bool{}
	for kv := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return HashParams{}, fmt.Errorf("%w: parameters %q", ErrInvalidHash, s)
		}
		seen[k] = true
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return HashParams{}, fmt.Errorf("%w: parameter %s: %w", ErrInvalidHash, k, err)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return HashParams{}, fmt.Errorf("%w: p=%d", ErrInvalidHash, n)
			}
			p.Threads = uint8(n)
		default:
			return HashParams{}, fmt.Errorf("%w: unsupported parameter %q", ErrInvalidHash, k)
		}
	}
	if len(seen) != 3 {
		return HashParams{}, fmt.Errorf("%w: parameters %q need m, t and p", ErrInvalidHash, s)
	}
	return p, nil
}
