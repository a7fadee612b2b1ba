package instancekey

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

func TestGeneratesQuickstartKeyOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "gatehouse.db")
	k1, src, err := Load(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !src.Generated || src.Path != filepath.Join(dir, "gatehouse.key") {
		t.Fatalf("source = %+v", src)
	}
	info, err := os.Stat(src.Path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	k2, src2, err := Load(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	if src2.Generated {
		t.Error("second load generated again")
	}
	if !bytes.Equal(k1.Derive("x", 32), k2.Derive("x", 32)) {
		t.Error("the key changed between starts")
	}
}

func TestDeriveSeparatesPurposes(t *testing.T) {
	k, err := FromSecret(strings.Repeat("s", 40))
	if err != nil {
		t.Fatal(err)
	}
	a, b := k.Derive("cookies", 32), k.Derive("tokens", 32)
	if bytes.Equal(a, b) {
		t.Error("two purposes share a key")
	}
	if !bytes.Equal(a, k.Derive("cookies", 32)) {
		t.Error("derivation is not stable")
	}
	if k.Derive32("cookies") != [32]byte(a) {
		t.Error("Derive32 differs from Derive")
	}
}

func TestRejectsShortKeys(t *testing.T) {
	if _, err := FromSecret("too-short"); !errors.Is(err, ErrTooShort) {
		t.Errorf("err = %v", err)
	}
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.SecretKeyFile = file
	if _, _, err := Load(&cfg); !errors.Is(err, ErrTooShort) {
		t.Errorf("err = %v", err)
	}
}
