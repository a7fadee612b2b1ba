package op

import (
	"errors"
	"strings"
	"testing"
)

func TestGenerateClientSecret(t *testing.T) {
	a, b := GenerateClientSecret(), GenerateClientSecret()
	if len(a) < MinClientSecretLength || a == b {
		t.Fatalf("secrets %q and %q: want two different ones of %d+ characters", a, b, MinClientSecretLength)
	}
}

func TestHashClientSecret(t *testing.T) {
	secret := GenerateClientSecret()
	h1, err := HashClientSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashClientSecret(secret)
	if !strings.HasPrefix(h1, "$sha256$") || h1 == h2 {
		t.Fatalf("hashes %q, %q: want salted $sha256$ strings", h1, h2)
	}
	if strings.Contains(h1, secret) {
		t.Fatal("hash contains the secret")
	}
	tests := []struct {
		name   string
		hash   string
		secret string
		want   bool
	}{
		{"right secret", h1, secret, true},
		{"right secret other salt", h2, secret, true},
		{"wrong secret", h1, secret + "x", false},
		{"prefix of secret", h1, secret[:len(secret)-1], false},
		{"empty secret", h1, "", false},
		{"empty hash", "", secret, false},
		{"garbage hash", "$sha256$!!$!!", secret, false},
		{"plaintext stored", secret, secret, false},
		{"other scheme", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", secret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifyClientSecret(tt.hash, tt.secret); got != tt.want {
				t.Fatalf("VerifyClientSecret = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHashClientSecretRefusesShortSecrets(t *testing.T) {
	for _, s := range []string{"", "short", strings.Repeat("a", MinClientSecretLength-1)} {
		if _, err := HashClientSecret(s); !errors.Is(err, ErrSecretTooShort) {
			t.Errorf("HashClientSecret(%d chars) err = %v, want ErrSecretTooShort", len(s), err)
		}
	}
	if _, err := HashClientSecret(strings.Repeat("a", MinClientSecretLength)); err != nil {
		t.Errorf("32 characters refused: %v", err)
	}
}
