package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unicode/utf8"
	"weak"

	"github.com/gatehouse/gatehouse/internal/argon2id"
)

// Password length limits. Longer passwords are refused before any hashing,
// so a megabyte "password" costs nothing. Nothing is ever truncated.
const (
	MinPasswordRunes = 8
	MaxPasswordRunes = 128
	MaxPasswordBytes = 1024
)

// HashParams are the argon2id parameters for new hashes. Stored hashes are
// verified with the parameters they carry.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	KeyLen  uint32 // bytes of derived key
	SaltLen uint32 // bytes of random salt
}

// DefaultHashParams are OWASP's first argon2id recommendation: 19 MiB,
// two passes, one lane. With the default bound of GOMAXPROCS concurrent
// hashes, a login flood holds at most GOMAXPROCS×19 MiB, and those
// buffers are reused from one hash to the next (see Hasher).
func DefaultHashParams() HashParams {
	return HashParams{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}
}

func (p HashParams) withDefaults() HashParams {
	d := DefaultHashParams()
	if p.Memory == 0 {
		p.Memory = d.Memory
	}
	if p.Time == 0 {
		p.Time = d.Time
	}
	if p.Threads == 0 {
		p.Threads = d.Threads
	}
	if p.KeyLen == 0 {
		p.KeyLen = d.KeyLen
	}
	if p.SaltLen == 0 {
		p.SaltLen = d.SaltLen
	}
	return p
}

// Validate reports parameters outside the supported bounds.
func (p HashParams) Validate() error { return p.check(minCfgSalt) }

func (p HashParams) check(minSalt uint32) error {
	switch {
	case p.Threads < 1:
		return errors.New("argon2id threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("argon2id memory %d KiB outside [8×threads, %d]", p.Memory, maxMemoryKiB)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2id time %d outside [1, %d]", p.Time, maxTime)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2id key length %d outside [%d, %d]", p.KeyLen, minKeyLen, maxKeyLen)
	case p.SaltLen < minSalt || p.SaltLen > maxSaltLen:
		return fmt.Errorf("argon2id salt length %d outside [%d, %d]", p.SaltLen, minSalt, maxSaltLen)
	}
	return nil
}

// Hasher hashes and verifies passwords with argon2id. At most a fixed
// number of hashes run at once; the others wait, giving up when their
// context ends. It is safe for concurrent use.
//
// Each hashing slot keeps the working memory of its last hash with the
// current parameters (19 MiB by default) and the next hash in that slot
// reuses it, instead of leaving 19 MiB of garbage at every sign-in: under
// a sign-in flood the heap holds one buffer per slot and the garbage
// collector seldom runs. A slot holds its memory only weakly between
// hashes, so the first collection after the flood (the runtime forces one
// every two minutes) frees it.
type Hasher struct {
	params HashParams
	sem    chan *hashSlot // the free slots
	derive func(mem *argon2id.Memory, password, salt []byte, p HashParams) []byte
	dummy  func() (phcHash, error)
}

// hashSlot is one hashing slot: the memory of its last hash, if no
// collection has freed it since.
type hashSlot struct {
	memory weak.Pointer[argon2id.Memory]
}

// NewHasher returns a Hasher for params (zero fields take the defaults)
// running at most maxConcurrent hashes at once (zero or less: GOMAXPROCS,
// as each hash keeps a core busy: more at once only hold more 19 MiB
// buffers without finishing sooner). It fails on parameters outside the
// supported bounds.
func NewHasher(params HashParams, maxConcurrent int) (*Hasher, error) {
	params = params.withDefaults()
	if err := params.Validate(); err != nil {
		return nil, fmt.Errorf("account: hash parameters: %w", err)
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{params: params, sem: make(chan *hashSlot, maxConcurrent), derive: argon2idKey}
	for range maxConcurrent {
		h.sem <- &hashSlot{}
	}
	h.dummy = sync.OnceValues(h.newDummy)
	return h, nil
}

func argon2idKey(mem *argon2id.Memory, password, salt []byte, p HashParams) []byte {
	return mem.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// Params returns the parameters of new hashes.
func (h *Hasher) Params() HashParams { return h.params }

// CheckPasswordLength applies the length rule: 8 to 128 characters
// (runes) and at most 1024 bytes. It returns a *FieldError.
func CheckPasswordLength(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return fieldError(FieldPassword, ErrRequired, "")
	case n < MinPasswordRunes:
		return fieldError(FieldPassword, ErrTooShort, fmt.Sprintf("at least %d characters", MinPasswordRunes))
	case n > MaxPasswordRunes || len(password) > MaxPasswordBytes:
		return fieldError(FieldPassword, ErrTooLong, fmt.Sprintf("at most %d characters", MaxPasswordRunes))
	}
	return nil
}

// tooLong reports a password no hash can match: it is refused unhashed.
func tooLong(password string) bool {
	return len(password) > MaxPasswordBytes || utf8.RuneCountInString(password) > MaxPasswordRunes
}

// Hash returns the PHC string of password under a fresh random salt. It
// refuses passwords longer than the limits (a *FieldError); shorter ones
// are the caller's policy.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if tooLong(password) {
		return "", fieldError(FieldPassword, ErrTooLong, fmt.Sprintf("at most %d characters", MaxPasswordRunes))
	}
	salt := make([]byte, h.params.SaltLen)
	_, _ = rand.Read(salt) // never fails: crypto/rand aborts the program instead
	key, err := h.run(ctx, []byte(password), salt, h.params)
	if err != nil {
		return "", err
	}
	return phcHash{params: h.params, salt: salt, key: key}.String(), nil
}

// Verify reports whether password matches the PHC string encoded, using
// the parameters encoded carries, or one of the imported foreign forms
// (foreignhash.go), for which NeedsRehash is always true. A malformed or unsupported hash is an
// error wrapping ErrInvalidHash; an over-long password is false, unhashed.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	if IsForeignHash(encoded) { // imported users (foreignhash.go)
		return h.verifyForeign(ctx, password, encoded)
	}
	stored, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	return h.verify(ctx, password, stored)
}

func (h *Hasher) verify(ctx context.Context, password string, stored phcHash) (bool, error) {
	if tooLong(password) {
		return false, nil
	}
	key, err := h.run(ctx, []byte(password), stored.salt, stored.params)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(key, stored.key) == 1, nil
}

// VerifyDummy spends the time of a Verify against a hash with the current
// parameters and matches nothing. Call it when there is no user (or no
// password) to verify, so that case takes as long as a wrong password.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	dummy, err := h.dummy()
	if err != nil {
		return err
	}
	_, err = h.verify(ctx, password, dummy)
	return err
}

// newDummy hashes a random secret once; no password can match it.
func (h *Hasher) newDummy() (phcHash, error) {
	secret, salt := make([]byte, 32), make([]byte, h.params.SaltLen)
	_, _ = rand.Read(secret)
	_, _ = rand.Read(salt)
	key, err := h.run(context.Background(), secret, salt, h.params)
	return phcHash{params: h.params, salt: salt, key: key}, err
}

// NeedsRehash reports whether encoded should be replaced by a hash with
// the current parameters (after a successful verification).
func (h *Hasher) NeedsRehash(encoded string) bool {
	stored, err := parsePHC(encoded)
	return err != nil || stored.params != h.params
}

// run derives the key once a hashing slot is free, in the slot's memory
// when p are the current parameters. A stored hash with other parameters
// gets memory of its own, so that the kept memory never grows past the
// current size.
func (h *Hasher) run(ctx context.Context, password, salt []byte, p HashParams) ([]byte, error) {
	slot, err := h.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer h.release(slot)
	if p != h.params {
		return h.derive(new(argon2id.Memory), password, salt, p), nil
	}
	mem := slot.memory.Value()
	if mem == nil {
		mem = new(argon2id.Memory)
	}
	key := h.derive(mem, password, salt, p)
	slot.memory = weak.Make(mem)
	runtime.KeepAlive(mem)
	return key, nil
}

// acquire waits for a free hashing slot.
func (h *Hasher) acquire(ctx context.Context) (*hashSlot, error) {
	select {
	case slot := <-h.sem:
		return slot, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("account: waiting to hash a password: %w", context.Cause(ctx))
	}
}

func (h *Hasher) release(slot *hashSlot) { h.sem <- slot }
