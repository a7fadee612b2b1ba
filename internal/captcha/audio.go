package captcha

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/mojocn/base64Captcha"
)

// The spoken alternative of the built-in captcha, for people who cannot
// see the image. The image's answer is case-sensitive letters, which a
// voice cannot spell unambiguously in every language, so each challenge
// also has a second answer: AudioLength digits, read out in a WAV file in
// English or Russian over background noise. Either answer passes the
// challenge, once.
//
// The digits are not stored: they are an HMAC of the challenge's id under
// Options.AudioKey (derived from the instance key, so every replica
// computes the same digits). The database keeps only the image answer's
// hash, as before; whoever reads it learns nothing about either answer.

// AudioKeyPurpose names the instance key's derivation for Options.AudioKey.
const AudioKeyPurpose = "gatehouse captcha audio v1"

// AudioLength is the number of digits in the spoken answer.
const AudioLength = 6

// AudioContentType is the media type of Audio's result.
const AudioContentType = "audio/wav"

// AudioLanguages are the languages the digits are spoken in (the driver
// also has Japanese and Chinese; Gatehouse's pages are English and
// Russian). The first is the default.
var AudioLanguages = []string{"en", "ru"}

// ErrNoAudio: the configured captcha has no spoken alternative (a vendor,
// none, or no Options.AudioKey).
var ErrNoAudio = errors.New("captcha: no audio alternative")

// HasAudio reports whether challenges have a spoken alternative.
func (c *Captcha) HasAudio() bool {
	b, ok := c.backend.(*builtin)
	return ok && b.audioKey != nil
}

// Audio returns the spoken digits of the challenge id as a WAV file
// (AudioContentType) in lang, one of AudioLanguages (others get the
// first). It does not look the challenge up: the digits of an unknown
// id pass nothing. Each call draws new noise and pauses.
func (c *Captcha) Audio(_ context.Context, id, lang string) ([]byte, error) {
	b, ok := c.backend.(*builtin)
	if !ok || b.audioKey == nil {
		return nil, ErrNoAudio
	}
	if id == "" || len(id) > maxFieldLength {
		return nil, failed("no or overlong challenge id")
	}
	if !slices.Contains(AudioLanguages, lang) {
		lang = AudioLanguages[0]
	}
	item, err := base64Captcha.NewDriverAudio(AudioLength, lang).DrawCaptcha(b.audioDigits(id))
	if err != nil {
		return nil, fmt.Errorf("captcha: draw audio: %w", err)
	}
	var buf bytes.Buffer
	if _, err := item.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("captcha: encode audio: %w", err)
	}
	return buf.Bytes(), nil
}

// audioDigits are the spoken answer of challenge id.
func (b *builtin) audioDigits(id string) string { return AudioAnswer(b.audioKey, id) }

// AudioAnswer is the spoken answer of challenge id under key
// (Options.AudioKey): AudioLength decimal digits of HMAC-SHA256(key, id).
// Whoever holds the key can answer any challenge, as with the database's
// access to the image answers; tests use it in place of ears.
func AudioAnswer(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("gatehouse captcha audio\x00" + id))
	n := binary.BigEndian.Uint64(m.Sum(nil)) % audioModulus // bias below 2^-44
	return fmt.Sprintf("%0*d", AudioLength, n)
}

// audioModulus is 10^AudioLength.
const audioModulus = 1_000_000

// matchesAudio reports whether answer is the spoken answer of challenge
// id, in constant time.
func (b *builtin) matchesAudio(id, answer string) bool {
	if b.audioKey == nil || len(answer) != AudioLength {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(answer), []byte(b.audioDigits(id))) == 1
}
