package testharness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// SoftAuthenticator is a software WebAuthn authenticator (ECDSA P-256,
// "none" attestation) for tests below the browser: it builds
// authenticatorData, clientDataJSON and signatures by hand, so a test can
// choose the origin, the counter and the challenge it answers.
type SoftAuthenticator struct {
	key        *ecdsa.PrivateKey
	CredID     []byte
	UserHandle []byte
	Counter    uint32
	// UserVerified sets the UV flag of what it signs (default true).
	UserVerified bool
}

// NewSoftAuthenticator returns an authenticator with a new key pair.
func NewSoftAuthenticator() *SoftAuthenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &SoftAuthenticator{key: key, CredID: id, UserVerified: true}
}

// ceremonyOptions is the part of the options a test authenticator reads.
type ceremonyOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

// Challenge reads the challenge out of ceremony options (JSON).
func Challenge(options []byte) (string, error) {
	var o ceremonyOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return "", err
	}
	return o.PublicKey.Challenge, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (a *SoftAuthenticator) flags(attested bool) byte {
	f := byte(0x01) // UP
	if a.UserVerified {
		f |= 0x04
	}
	if attested {
		f |= 0x40
	}
	return f
}

func clientData(typ, challenge, origin string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

// Register answers registration options (JSON) for rpID as the browser at
// origin would, and returns the credential JSON to send back.
func (a *SoftAuthenticator) Register(options []byte, rpID, origin string) ([]byte, error) {
	var o ceremonyOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, err
	}
	if h, err := base64.RawURLEncoding.DecodeString(o.PublicKey.User.ID); err == nil {
		a.UserHandle = h
	}
	x, y := a.key.X.FillBytes(make([]byte, 32)), a.key.Y.FillBytes(make([]byte, 32))
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		return nil, err
	}
	rpHash := sha256.Sum256([]byte(rpID))
	auth := append([]byte{}, rpHash[:]...)
	auth = append(auth, a.flags(true))
	auth = binary.BigEndian.AppendUint32(auth, a.Counter)
	auth = append(auth, make([]byte, 16)...) // AAGUID
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(a.CredID)))
	auth = append(auth, a.CredID...)
	auth = append(auth, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64(a.CredID), "rawId": b64(a.CredID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64(clientData("webauthn.create", o.PublicKey.Challenge, origin)),
			"attestationObject": b64(att),
			"transports":        []string{"internal"},
		},
	})
}

// Assert signs challenge for rpID as the browser at origin would, with
// the counter moved on by one, and returns the credential JSON.
func (a *SoftAuthenticator) Assert(challenge, rpID, origin string) ([]byte, error) {
	a.Counter++
	return a.AssertWithCounter(challenge, rpID, origin, a.Counter)
}

// AssertWithCounter is Assert with the counter given (a clone's).
func (a *SoftAuthenticator) AssertWithCounter(challenge, rpID, origin string, counter uint32) ([]byte, error) {
	if len(a.UserHandle) == 0 {
		return nil, fmt.Errorf("testharness: soft authenticator not registered")
	}
	rpHash := sha256.Sum256([]byte(rpID))
	auth := append([]byte{}, rpHash[:]...)
	auth = append(auth, a.flags(false))
	auth = binary.BigEndian.AppendUint32(auth, counter)
	cd := clientData("webauthn.get", challenge, origin)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64(a.CredID), "rawId": b64(a.CredID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64(cd),
			"authenticatorData": b64(auth),
			"signature":         b64(sig),
			"userHandle":        b64(a.UserHandle),
		},
	})
}
