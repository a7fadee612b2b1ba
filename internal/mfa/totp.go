package mfa

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: the common authenticator defaults (SHA-1, 6 digits,
// 30-second steps), which every app understands.
const (
	Period     = 30
	Digits     = 6
	secretSize = 20 // 160 bits, RFC 4226's recommendation
	qrSize     = 240
)

// Skew is how many steps either side of now a code may come from.
const Skew = 1

// Enrolment is a new authenticator key to show the user.
type Enrolment struct {
	Secret string // base32, no padding
	URI    string // otpauth://totp/...
}

// NewEnrolment makes a fresh random key for account (the user's login or
// email) at issuer (the instance name).
func NewEnrolment(issuer, account string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: Period, SecretSize: secretSize,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return Enrolment{}, fmt.Errorf("mfa: generate totp key: %w", err)
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// EnrolmentFor rebuilds the enrolment of a stored secret (a pending
// enrolment shown again).
func EnrolmentFor(issuer, account, secret string) Enrolment {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: Period, Secret: mustDecode(secret),
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return Enrolment{Secret: secret}
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL()}
}

func mustDecode(secret string) []byte {
	b, err := base32NoPad.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return nil
	}
	return b
}

// GroupedSecret is the secret in groups of four for typing by hand.
func (e Enrolment) GroupedSecret() string {
	var b strings.Builder
	for i, r := range e.Secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// QRDataURI is the otpauth URI as a QR code, a PNG in a data: URI, so the
// page needs no external service and no script.
func (e Enrolment) QRDataURI() (string, error) {
	key, err := otp.NewKeyFromURL(e.URI)
	if err != nil {
		return "", fmt.Errorf("mfa: parse otpauth uri: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return "", fmt.Errorf("mfa: qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("mfa: encode qr png: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// Step is the TOTP time step of t.
func Step(t time.Time) int64 { return t.Unix() / Period }

// ErrWrongCode: the code matches no step within Skew of now.
var ErrWrongCode = errors.New("mfa: wrong code")

// NormalizeCode strips the spaces and dashes people type or paste.
func NormalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(code))
}

// IsTOTPCode reports whether code (normalized) has the shape of a TOTP
// code: exactly six digits.
func IsTOTPCode(code string) bool {
	if len(code) != Digits {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Match returns the step within Skew of now whose code is code, trying
// every step in constant time; ErrWrongCode when none matches. It does not
// know which steps were used: the caller records the step with a
// compare-and-set and refuses steps not later than the last one.
func Match(secret, code string, now time.Time) (int64, error) {
	code = NormalizeCode(code)
	if !IsTOTPCode(code) {
		return 0, ErrWrongCode
	}
	opts := totp.ValidateOpts{Period: Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	found, step := false, int64(0)
	cur := Step(now)
	for s := cur - Skew; s <= cur+Skew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*Period, 0), opts)
		if err != nil {
			return 0, fmt.Errorf("mfa: totp code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !found {
			found, step = true, s
		}
	}
	if !found {
		return 0, ErrWrongCode
	}
	return step, nil
}
