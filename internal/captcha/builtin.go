package captcha

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Alphabet is the characters of built-in answers: English letters and
// digits, mixed case, without look-alikes. Left out are
//   - digits that pass for letters: 0 (O), 1 (I, l), 2 (Z), 5 (S), 6 (b, G),
//     8 (B), 9 (g, q);
//   - letters that pass for digits or other letters: B, I, i, j, l, O, o,
//     q, S, s, Z, z, and r ("rn" reads as "m");
//   - both cases of the letters whose capital and small forms differ only
//     in size (C K O P S U V W X Y Z), since the image draws characters at
//     random sizes and the answer is case-sensitive.
const Alphabet = "347" + "ADEFGHJLMNQRT" + "abdefghmnt"

// AnswerLength is the number of characters in a built-in answer.
const AnswerLength = 6

// Built-in image size, in pixels. About 44 pixels per character leaves room
// for the widest glyphs at the largest size the driver draws.
const (
	ImageWidth  = 264
	ImageHeight = 80
)

// minAudioKey is the shortest Options.AudioKey accepted, in bytes.
const minAudioKey = 16

// maxFieldLength caps what Verify reads from the form before touching the
// database.
const maxFieldLength = 64

// imageFonts are the driver's fonts whose capital and small letters differ
// in shape, drawn solid (others are capitals only, small caps or hollow).
var imageFonts = []string{"RitaSmith.ttf", "wqy-microhei.ttc"}

// driver draws the images. Fonts are parsed once per process; DrawCaptcha
// keeps no state between calls.
var driver = sync.OnceValue(newDriver)

// builtin is the image captcha whose answers live in the database.
type builtin struct {
	store      storage.CaptchaStore
	lifetime   time.Duration
	testAnswer []byte // SHA-256 of the dev-mode test answer, or nil
	audioKey   []byte // the spoken answers' key (audio.go), or nil: no audio
	log        *slog.Logger
	now        func() time.Time
	newAnswer  func() (string, error) // randomAnswer; tests pin it
}

func newBuiltin(opts Options, store storage.CaptchaStore) (*builtin, error) {
	if store == nil {
		return nil, errors.New("captcha: the builtin provider needs a captcha store")
	}
	if opts.Lifetime < 0 {
		return nil, fmt.Errorf("captcha: lifetime %v is negative", opts.Lifetime)
	}
	b := &builtin{store: store, lifetime: opts.Lifetime, log: opts.Logger, now: time.Now, newAnswer: randomAnswer}
	if b.lifetime == 0 {
		b.lifetime = DefaultLifetime
	}
	if opts.TestAnswer != "" {
		b.testAnswer = hash(opts.TestAnswer)
	}
	switch {
	case len(opts.AudioKey) > 0 && len(opts.AudioKey) < minAudioKey:
		return nil, fmt.Errorf("captcha: the audio key has %d bytes, want at least %d", len(opts.AudioKey), minAudioKey)
	case len(opts.AudioKey) > 0:
		b.audioKey = bytes.Clone(opts.AudioKey)
	}
	return b, nil
}

// challenge draws a new image of a fresh random answer and stores the
// answer's hash.
func (b *builtin) challenge(ctx context.Context) (Challenge, error) {
	answer, err := b.newAnswer()
	if err != nil {
		return Challenge{}, err
	}
	img, err := drawImage(answer)
	if err != nil {
		return Challenge{}, err
	}
	now := storage.Time(b.now())
	ch := &storage.CaptchaChallenge{
		ID:         storage.NewID(),
		AnswerHash: hash(answer),
		CreatedAt:  now,
		ExpiresAt:  now.Add(b.lifetime),
	}
	if err := b.store.Create(ctx, ch); err != nil {
		return Challenge{}, fmt.Errorf("captcha: store challenge: %w", err)
	}
	return Challenge{Provider: Builtin, ID: ch.ID, ImageDataURI: img, Audio: b.audioKey != nil}, nil
}

// verify takes the challenge out of the store (so it is checked once,
// whatever the answer) and compares the answer's hash in constant time.
func (b *builtin) verify(ctx context.Context, form url.Values, _ string) error {
	id := form.Get(FieldID)
	answer := strings.TrimSpace(form.Get(FieldAnswer))
	switch {
	case id == "" || answer == "":
		return failed("no challenge id or no answer")
	case len(id) > maxFieldLength || len(answer) > maxFieldLength:
		return failed("challenge id or answer too long")
	}
	now := b.now()
	ch, err := b.store.Take(ctx, id, now)
	if errors.Is(err, storage.ErrNotFound) {
		return failed("unknown, used or expired challenge")
	}
	if err != nil {
		return fmt.Errorf("captcha: take challenge: %w", err)
	}
	if !now.Before(ch.ExpiresAt) {
		return failed("expired challenge")
	}
	if !b.matches(ch.AnswerHash, answer) && !b.matchesAudio(id, answer) {
		return failed("wrong answer")
	}
	return nil
}

// matches compares the answer with the stored hash, and with the dev-mode
// test answer when one is set.
func (b *builtin) matches(want []byte, answer string) bool {
	got := hash(answer)
	ok := subtle.ConstantTimeCompare(got, want) == 1
	if b.testAnswer != nil && subtle.ConstantTimeCompare(got, b.testAnswer) == 1 {
		b.log.Info("captcha passed with the dev-mode test answer")
		ok = true
	}
	return ok
}

// randomAnswer draws AnswerLength characters of Alphabet uniformly from
// crypto/rand.
func randomAnswer() (string, error) {
	n := big.NewInt(int64(len(Alphabet)))
	buf := make([]byte, AnswerLength)
	for i := range buf {
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			return "", fmt.Errorf("captcha: random answer: %w", err)
		}
		buf[i] = Alphabet[k.Int64()]
	}
	return string(buf), nil
}

func hash(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}
