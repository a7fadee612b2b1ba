package op

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// rsaKeyBits is the size of new RSA signing keys.
const rsaKeyBits = 2048

// keyCipherVersion starts every encrypted private key, so the format can
// change later.
const keyCipherVersion = 1

var errKeyCipher = errors.New("op: cannot decrypt signing key")

// generateKey returns a new private key for alg.
func generateKey(alg string) (crypto.Signer, error) {
	switch alg {
	case AlgRS256:
		return rsa.GenerateKey(rand.Reader, rsaKeyBits)
	case AlgES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgEdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("op: unsupported signing algorithm %q", alg)
}

// publicJWK is the JSON Web Key of the public half of priv.
func publicJWK(priv crypto.Signer, kid, alg string) ([]byte, error) {
	jwk := jose.JSONWebKey{Key: priv.Public(), KeyID: kid, Algorithm: alg, Use: "sig"}
	b, err := jwk.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("op: marshal public key %s: %w", kid, err)
	}
	return b, nil
}

// keyAAD binds a ciphertext to its key id and algorithm: a private key
// copied onto another row does not decrypt.
func keyAAD(kid, alg string) []byte {
	return []byte("gatehouse signing key\x00" + kid + "\x00" + alg)
}

// encryptPrivateKey seals priv (PKCS #8) with AES-256-GCM under kek:
// version byte, 12-byte random nonce, ciphertext with tag.
func encryptPrivateKey(kek [32]byte, kid, alg string, priv crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("op: marshal private key %s: %w", kid, err)
	}
	aead, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(der)+aead.Overhead())
	out[0] = keyCipherVersion
	_, _ = rand.Read(out[1:])
	return aead.Seal(out, out[1:], der, keyAAD(kid, alg)), nil
}

// decryptPrivateKey opens what encryptPrivateKey sealed and checks the key
// fits alg.
func decryptPrivateKey(kek [32]byte, kid, alg string, sealed []byte) (crypto.Signer, error) {
	aead, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < 1+n+aead.Overhead() || sealed[0] != keyCipherVersion {
		return nil, fmt.Errorf("%w %s: unknown format", errKeyCipher, kid)
	}
	der, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], keyAAD(kid, alg))
	if err != nil {
		return nil, fmt.Errorf("%w %s: wrong key encryption key or altered row", errKeyCipher, kid)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", errKeyCipher, kid, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok || !keyFitsAlg(signer, alg) {
		return nil, fmt.Errorf("%w %s: key type %T does not fit %s", errKeyCipher, kid, key, alg)
	}
	return signer, nil
}

func newGCM(kek [32]byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(kek[:])
	if err != nil {
		return nil, fmt.Errorf("op: key encryption cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("op: key encryption cipher: %w", err)
	}
	return aead, nil
}

func keyFitsAlg(k crypto.Signer, alg string) bool {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return alg == AlgRS256
	case *ecdsa.PrivateKey:
		return alg == AlgES256 && k.Curve == elliptic.P256()
	case ed25519.PrivateKey:
		return alg == AlgEdDSA
	}
	return false
}
