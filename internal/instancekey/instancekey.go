package instancekey

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Key is the instance key. The zero value is not usable.
//
// During a rotation the key also holds older keys (GATEHOUSE_SECRET_KEY
// "new,old"): everything is encrypted with the current key, and what an
// older key encrypted still decrypts (DeriveAll32) until `gatehouse keys
// reencrypt` has sealed it again under the current key.
type Key struct {
	secret   []byte
	previous [][]byte
}

// Source tells where the key came from, for the start banner.
type Source struct {
	// Path is the file the key was read from or generated into ("" when it
	// came from the environment).
	Path string
	// Generated is true when this start created the file.
	Generated bool
}

// ErrTooShort is returned for a key of fewer than config.MinSecretKeyLength
// characters.
var ErrTooShort = errors.New("instance key too short")

// ErrRepeated is returned when a key list names the same key twice.
var ErrRepeated = errors.New("instance key listed twice")

// FromSecret reads a key setting: one secret of at least
// config.MinSecretKeyLength characters, or the current secret followed by
// older ones, separated by commas or line breaks ("new,old").
func FromSecret(secret string) (Key, error) {
	parts := config.SplitSecretKeys(secret)
	if len(parts) == 0 {
		return Key{}, fmt.Errorf("%w: 0 characters, need %d", ErrTooShort, config.MinSecretKeyLength)
	}
	var k Key
	for i, p := range parts {
		if len(p) < config.MinSecretKeyLength {
			return Key{}, fmt.Errorf("%w: key %d of %d has %d characters, need %d", ErrTooShort, i+1, len(parts), len(p), config.MinSecretKeyLength)
		}
		if slices.Contains(parts[:i], p) {
			return Key{}, fmt.Errorf("%w: key %d of %d", ErrRepeated, i+1, len(parts))
		}
		if i == 0 {
			k.secret = []byte(p)
		} else {
			k.previous = append(k.previous, []byte(p))
		}
	}
	return k, nil
}

// Rotating reports whether older keys are listed after the current one.
func (k Key) Rotating() bool { return len(k.previous) > 0 }

// Current is k without its older keys.
func (k Key) Current() Key { return Key{secret: k.secret} }

// Load resolves the instance key of cfg, generating the quickstart key file
// when cfg names no key and the database is SQLite.
func Load(cfg *config.Config) (Key, Source, error) {
	switch {
	case cfg.SecretKey != "":
		k, err := FromSecret(cfg.SecretKey)
		return k, Source{}, err
	case cfg.SecretKeyFile != "":
		k, err := readFile(cfg.SecretKeyFile)
		return k, Source{Path: cfg.SecretKeyFile}, err
	case cfg.DatabaseKind() == config.SQLite:
		return loadOrGenerate(cfg.GeneratedKeyPath())
	}
	return Key{}, Source{}, errors.New("no instance key: set GATEHOUSE_SECRET_KEY or GATEHOUSE_SECRET_KEY_FILE")
}

func readFile(path string) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("read instance key: %w", err)
	}
	k, err := FromSecret(string(data))
	if err != nil {
		return Key{}, fmt.Errorf("instance key file %s: %w", path, err)
	}
	return k, nil
}

func loadOrGenerate(path string) (Key, Source, error) {
	k, err := readFile(path)
	if err == nil {
		return k, Source{Path: path}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Key{}, Source{}, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Key{}, Source{}, fmt.Errorf("generate instance key: %w", err)
	}
	secret := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process won the race: use its key
		k, err := readFile(path)
		return k, Source{Path: path}, err
	}
	if err != nil {
		return Key{}, Source{}, fmt.Errorf("create instance key file: %w", err)
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return Key{}, Source{}, fmt.Errorf("write instance key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return Key{}, Source{}, fmt.Errorf("write instance key file: %w", err)
	}
	return Key{secret: []byte(secret)}, Source{Path: path, Generated: true}, nil
}

// Derive returns n bytes of key material for one purpose. Different purposes
// get independent keys; the same purpose always gets the same key.
func (k Key) Derive(purpose string, n int) []byte {
	if len(k.secret) == 0 {
		panic("instancekey: Derive on a zero Key")
	}
	out, err := hkdf.Key(sha256.New, k.secret, nil, "gatehouse/"+purpose, n)
	if err != nil {
		panic(fmt.Sprintf("instancekey: hkdf: %v", err)) // only for n > 255*32
	}
	return out
}

// Derive32 returns a 32-byte key for one purpose, derived from the
// current key: use it to encrypt.
func (k Key) Derive32(purpose string) [32]byte {
	var out [32]byte
	copy(out[:], k.Derive(purpose, 32))
	return out
}

// DeriveAll32 returns the 32-byte keys for one purpose from the current
// key and then from each older key: try them in this order to decrypt.
func (k Key) DeriveAll32(purpose string) [][32]byte {
	out := [][32]byte{k.Derive32(purpose)}
	for _, old := range k.previous {
		out = append(out, Key{secret: old}.Derive32(purpose))
	}
	return out
}
