package op

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func TestKeyEncryptionRoundTrip(t *testing.T) {
	kek := [32]byte{7}
	for _, alg := range []string{AlgRS256, AlgES256, AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			priv, err := generateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			sealed, err := encryptPrivateKey(kek, "kid1", alg, priv)
			if err != nil {
				t.Fatal(err)
			}
			der := mustPKCS8(t, priv)
			if bytes.Contains(sealed, der[len(der)-16:]) {
				t.Fatal("ciphertext contains private key bytes")
			}
			got, err := decryptPrivateKey(kek, "kid1", alg, sealed)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(mustPKCS8(t, got), der) {
				t.Fatal("round trip changed the key")
			}
			checkSigns(t, got, alg)
		})
	}
}

func TestKeyDecryptionFailures(t *testing.T) {
	kek := [32]byte{7}
	priv, _ := generateKey(AlgES256)
	sealed, _ := encryptPrivateKey(kek, "kid1", AlgES256, priv)
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		kek    [32]byte
		kid    string
		alg    string
		sealed []byte
	}{
		{"wrong key encryption key", [32]byte{8}, "kid1", AlgES256, sealed},
		{"moved to another row", kek, "kid2", AlgES256, sealed},
		{"other algorithm", kek, "kid1", AlgRS256, sealed},
		{"altered ciphertext", kek, "kid1", AlgES256, flipped},
		{"truncated", kek, "kid1", AlgES256, sealed[:10]},
		{"empty", kek, "kid1", AlgES256, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decryptPrivateKey(tt.kek, tt.kid, tt.alg, tt.sealed); !errors.Is(err, errKeyCipher) {
				t.Fatalf("err = %v, want errKeyCipher", err)
			}
		})
	}
}

func TestPublicJWKHasNoPrivatePart(t *testing.T) {
	for _, alg := range []string{AlgRS256, AlgES256, AlgEdDSA} {
		priv, _ := generateKey(alg)
		b, err := publicJWK(priv, "k", alg)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if _, ok := m["d"]; ok {
			t.Errorf("%s public JWK has a private part: %s", alg, b)
		}
		if m["kid"] != "k" || m["alg"] != alg || m["use"] != "sig" {
			t.Errorf("%s JWK = %s", alg, b)
		}
	}
}

func mustPKCS8(t *testing.T, k crypto.Signer) []byte {
	t.Helper()
	b, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkSigns(t *testing.T, k crypto.Signer, alg string) {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: k}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 32)
	_, _ = rand.Read(msg)
	jws, err := s.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jws.Verify(k.Public()); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
}
