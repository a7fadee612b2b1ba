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

func TestKeyListForRotation(t *testing.T) {
	newer, older := strings.Repeat("n", 40), strings.Repeat("o", 40)
	k, err := FromSecret(" " + newer + " , " + older + "\n")
	if err != nil {
		t.Fatal(err)
	}
	single, _ := FromSecret(newer)
	old, _ := FromSecret(older)
	if !k.Rotating() || single.Rotating() {
		t.Errorf("Rotating: list %v, single %v", k.Rotating(), single.Rotating())
	}
	if k.Derive32("p") != single.Derive32("p") {
		t.Error("the first key of the list does not encrypt")
	}
	all := k.DeriveAll32("p")
	if len(all) != 2 || all[0] != single.Derive32("p") || all[1] != old.Derive32("p") {
		t.Errorf("DeriveAll32 is not current then older: %d keys", len(all))
	}
	if got := single.DeriveAll32("p"); len(got) != 1 {
		t.Errorf("a single key derives %d keys", len(got))
	}
	if k.Current().Rotating() || k.Current().Derive32("p") != single.Derive32("p") {
		t.Error("Current keeps older keys or changes the current one")
	}
	// A key file may list them one per line.
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte(newer+"\n"+older+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.SecretKeyFile = file
	fromFile, _, err := Load(&cfg)
	if err != nil || len(fromFile.DeriveAll32("p")) != 2 {
		t.Fatalf("key file with two lines: %v", err)
	}
	for name, bad := range map[string]error{
		newer + ",short":    ErrTooShort,
		newer + "," + newer: ErrRepeated,
		" , ":               ErrTooShort,
	} {
		if _, err := FromSecret(name); !errors.Is(err, bad) {
			t.Errorf("FromSecret(%q) = %v, want %v", name, err, bad)
		}
	}
}
