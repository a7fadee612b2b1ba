package captcha

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

var testAudioKey = bytes.Repeat([]byte{7}, 32)

// audioDigitsOf is the spoken answer of challenge id for the fixture's
// captcha.
func audioDigitsOf(t *testing.T, f builtinFixture, id string) string {
	t.Helper()
	d := f.c.backend.(*builtin).audioDigits(id)
	if len(d) != AudioLength || strings.Trim(d, "0123456789") != "" {
		t.Fatalf("audio digits %q", d)
	}
	return d
}

// checkWAV fails unless wav is a RIFF/WAVE file of 8 kHz mono 8-bit PCM
// whose chunk sizes match its length and which lasts several seconds.
func checkWAV(t *testing.T, wav []byte) {
	t.Helper()
	if len(wav) < 44 || string(wav[0:4]) != "RIFF" || string(wav[8:12]) != "WAVE" || string(wav[12:16]) != "fmt " {
		t.Fatalf("not a RIFF WAVE file: % x", wav[:min(len(wav), 16)])
	}
	le := binary.LittleEndian
	if got := int(le.Uint32(wav[4:8])); got != len(wav)-8 && got != len(wav)-9 {
		t.Errorf("RIFF size %d for %d bytes", got, len(wav))
	}
	if format, channels, rate, bits := le.Uint16(wav[20:22]), le.Uint16(wav[22:24]), le.Uint32(wav[24:28]), le.Uint16(wav[34:36]); format != 1 || channels != 1 || rate != 8000 || bits != 8 {
		t.Errorf("format %d, %d channels, %d Hz, %d bits; want PCM mono 8000 Hz 8 bits", format, channels, rate, bits)
	}
	if string(wav[36:40]) != "data" {
		t.Fatalf("no data chunk at 36: %q", wav[36:40])
	}
	data := int(le.Uint32(wav[40:44]))
	if data != len(wav)-44 && data != len(wav)-45 {
		t.Errorf("data size %d for %d bytes", data, len(wav))
	}
	if seconds := data / 8000; seconds < AudioLength {
		t.Errorf("%d s of audio for %d digits", seconds, AudioLength)
	}
}

func TestAudioIsAWAVInEnglishAndRussian(t *testing.T) {
	f := newBuiltinFixture(t, Options{AudioKey: testAudioKey})
	ch := f.challenge(t)
	if !ch.Audio || !f.c.HasAudio() {
		t.Fatalf("challenge %+v has no audio", ch)
	}
	for _, lang := range []string{"en", "ru", "de", ""} { // others get English
		wav, err := f.c.Audio(t.Context(), ch.ID, lang)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		checkWAV(t, wav)
	}
	if !strings.Contains(strings.Join(AudioLanguages, " "), "ru") || AudioLanguages[0] != "en" {
		t.Errorf("AudioLanguages = %v", AudioLanguages)
	}
}

// The digits are accepted in place of the characters, once; listening
// does not consume the challenge.
func TestAudioDigitsPassTheChallengeOnce(t *testing.T) {
	f := newBuiltinFixture(t, Options{AudioKey: testAudioKey})
	ch := f.challenge(t)
	if _, err := f.c.Audio(t.Context(), ch.ID, "ru"); err != nil {
		t.Fatal(err)
	}
	digits := audioDigitsOf(t, f, ch.ID)
	wantPass(t, f.c.Verify(t.Context(), answerForm(ch.ID, digits), ""), "spoken digits")
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, digits), ""), "spoken digits again")

	ch = f.challenge(t)
	wantPass(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "characters with audio on")
}

func TestWrongOrForeignDigitsFail(t *testing.T) {
	f := newBuiltinFixture(t, Options{AudioKey: testAudioKey})
	a, b := f.challenge(t), f.challenge(t)
	digits := audioDigitsOf(t, f, a.ID)
	wrong := []byte(digits)
	wrong[0] = '0' + (wrong[0]-'0'+1)%10
	wantFailed(t, f.c.Verify(t.Context(), answerForm(a.ID, string(wrong)), ""), "one digit off")
	if audioDigitsOf(t, f, b.ID) != digits {
		wantFailed(t, f.c.Verify(t.Context(), answerForm(b.ID, digits), ""), "another challenge's digits")
	}
}

// Replicas sharing the key speak the same digits; another key, others;
// without a key there is no audio and digits are only wrong characters.
func TestAudioDigitsDependOnTheKey(t *testing.T) {
	one := newBuiltinFixture(t, Options{AudioKey: testAudioKey})
	two := newBuiltinOn(t, Options{AudioKey: testAudioKey}, one.store, one.store)
	other := newBuiltinOn(t, Options{AudioKey: bytes.Repeat([]byte{8}, 32)}, one.store, one.store)
	ch := one.challenge(t)
	if audioDigitsOf(t, one, ch.ID) != audioDigitsOf(t, two, ch.ID) {
		t.Error("two replicas with one key disagree")
	}
	same := 0
	for range 20 {
		id := one.challenge(t).ID
		if audioDigitsOf(t, one, id) == audioDigitsOf(t, other, id) {
			same++
		}
	}
	if same > 1 {
		t.Errorf("%d of 20 challenges have the same digits under two keys", same)
	}
	wantPass(t, two.c.Verify(t.Context(), answerForm(ch.ID, audioDigitsOf(t, one, ch.ID)), ""), "digits on the other replica")

	plain := newBuiltinFixture(t, Options{})
	pch := plain.challenge(t)
	if pch.Audio || plain.c.HasAudio() || AudioURL(pch) != "" {
		t.Errorf("audio without a key: %+v", pch)
	}
	if _, err := plain.c.Audio(t.Context(), pch.ID, "en"); !errors.Is(err, ErrNoAudio) {
		t.Errorf("Audio without a key: %v, want ErrNoAudio", err)
	}
	digits := newBuiltinFixture(t, Options{AudioKey: testAudioKey}).c.backend.(*builtin).audioDigits(pch.ID)
	wantFailed(t, plain.c.Verify(t.Context(), answerForm(pch.ID, digits), ""), "digits without audio")
}

func TestAudioRefusesBadInput(t *testing.T) {
	if _, err := New(Options{AudioKey: []byte("short")}, newMemStore()); err == nil {
		t.Error("New accepted a 5-byte audio key")
	}
	f := newBuiltinFixture(t, Options{AudioKey: testAudioKey})
	for _, id := range []string{"", strings.Repeat("x", maxFieldLength+1)} {
		if _, err := f.c.Audio(t.Context(), id, "en"); !errors.Is(err, ErrFailed) {
			t.Errorf("Audio(%.10q): %v, want ErrFailed", id, err)
		}
	}
	v := newVendorCaptcha(t, Turnstile, "")
	if _, err := v.Audio(t.Context(), "id", "en"); !errors.Is(err, ErrNoAudio) || v.HasAudio() {
		t.Errorf("vendor Audio: %v", err)
	}
}

func TestViewAndJSONNameTheEndpoints(t *testing.T) {
	f := newBuiltinFixture(t, Options{AudioKey: testAudioKey})
	ch := f.challenge(t)
	v := NewView(ch, nil, nil)
	if v.ChallengeURL != NewChallengePath || v.AudioURL != AudioPath+"?id="+ch.ID {
		t.Errorf("view URLs %q %q", v.ChallengeURL, v.AudioURL)
	}
	j := ch.JSON()
	if j.ID != ch.ID || j.Image != ch.ImageDataURI || j.AudioURL != v.AudioURL {
		t.Errorf("JSON %+v", j)
	}
	html := form(t, renderPage(t, "ru", v))
	for _, want := range []string{
		`<audio id="captcha-audio" controls preload="none" src="/captcha/audio?id=` + ch.ID + `" aria-label="Цифры голосом"></audio>`,
		`<p class="hint" id="captcha-audio-hint">Не видно картинку?`,
		`aria-describedby="captcha-hint captcha-audio-hint"`,
		`<a id="captcha-audio-link" href="/captcha/audio?id=` + ch.ID + `" target="_blank" rel="noopener">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered form lacks %s\n%s", want, abbreviate(html))
		}
	}
}
