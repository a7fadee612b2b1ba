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
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Key is the instance key. The zero value is not usable.
type Key struct {
	secret []byte
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

// FromSecret wraps a secret of at least config.MinSecretKeyLength characters.
func FromSecret(secret string) (Key, error) {
	secret = strings.TrimSpace(secret)
	if len(secret) < config.MinSecretKeyLength {
		return Key{}, fmt.Errorf("%w: %d characters, need %d", ErrTooShort, len(secret), config.MinSecretKeyLength)
	}
	return Key{secret: []byte(secret)}, nil
}

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

// Derive32 returns a 32-byte key for one purpose.
func (k Key) Derive32(purpose string) [32]byte {
	var out [32]byte
	copy(out[:], k.Derive(purpose, 32))
	return out
}
