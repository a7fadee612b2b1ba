package captcha

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"image/png"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

func TestAlphabetHasNoLookAlikes(t *testing.T) {
	for _, r := range "0Oo1lIij5Ss2Zz8B69qgr" + "CcKkPpUuVvWwXxYy" {
		if r == 'g' {
			continue // g stays: its twins 9 and q are out
		}
		if strings.ContainsRune(Alphabet, r) {
			t.Errorf("Alphabet contains the look-alike %q", r)
		}
	}
	var upper, lower, digit bool
	seen := map[rune]bool{}
	for _, r := range Alphabet {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			t.Errorf("Alphabet contains %q, not an English letter or digit", r)
		}
		if seen[r] {
			t.Errorf("Alphabet repeats %q", r)
		}
		seen[r] = true
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
		digit = digit || unicode.IsDigit(r)
	}
	if !upper || !lower || !digit {
		t.Errorf("Alphabet %q lacks capitals, small letters or digits", Alphabet)
	}
}

func TestRandomAnswerUsesTheWholeAlphabet(t *testing.T) {
	counts := map[rune]int{}
	answers := map[string]bool{}
	for range 2000 {
		a, err := randomAnswer()
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != AnswerLength {
			t.Fatalf("answer %q has %d characters, want %d", a, len(a), AnswerLength)
		}
		answers[a] = true
		for _, r := range a {
			if !strings.ContainsRune(Alphabet, r) {
				t.Fatalf("answer %q has %q, outside Alphabet", a, r)
			}
			counts[r]++
		}
	}
	if len(counts) != len(Alphabet) {
		t.Errorf("2000 answers used %d of %d characters", len(counts), len(Alphabet))
	}
	if len(answers) < 1990 {
		t.Errorf("2000 answers gave only %d distinct ones", len(answers))
	}
}

func TestChallengeStoresOnlyTheAnswerHash(t *testing.T) {
	f := newBuiltinFixture(t, Options{})
	ch := f.challenge(t)
	if ch.Provider != Builtin || ch.ID == "" || ch.SiteKey != "" || ch.ScriptURL != "" {
		t.Fatalf("challenge = %+v", ch)
	}
	row, ok := f.store.rows[ch.ID]
	if !ok {
		t.Fatalf("challenge %s not stored", ch.ID)
	}
	want := sha256.Sum256([]byte(testAnswer))
	if !bytes.Equal(row.AnswerHash, want[:]) {
		t.Errorf("stored hash %x, want SHA-256 of the answer", row.AnswerHash)
	}
	if got := row.ExpiresAt.Sub(row.CreatedAt); got != DefaultLifetime {
		t.Errorf("lifetime %v, want %v", got, DefaultLifetime)
	}
	if !row.CreatedAt.Equal(f.clock.now()) {
		t.Errorf("CreatedAt %v, want %v", row.CreatedAt, f.clock.now())
	}
}

func TestChallengeImageIsAPNGDataURI(t *testing.T) {
	c, err := New(Options{}, newMemStore()) // the real random answer
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.Challenge(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	data, ok := strings.CutPrefix(ch.ImageDataURI, "data:image/png;base64,")
	if !ok {
		t.Fatalf("ImageDataURI starts %.40q", ch.ImageDataURI)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != ImageWidth || cfg.Height != ImageHeight {
		t.Errorf("image %dx%d, want %dx%d", cfg.Width, cfg.Height, ImageWidth, ImageHeight)
	}
}

func TestChallengeLifetimeOption(t *testing.T) {
	f := newBuiltinFixture(t, Options{Lifetime: 2 * time.Minute})
	ch := f.challenge(t)
	row := f.store.rows[ch.ID]
	if got := row.ExpiresAt.Sub(row.CreatedAt); got != 2*time.Minute {
		t.Errorf("lifetime %v, want 2m", got)
	}
	if _, err := New(Options{Lifetime: -time.Second}, newMemStore()); err == nil {
		t.Error("New accepted a negative lifetime")
	}
}

func TestCorrectAnswerPassesOnce(t *testing.T) {
	f := newBuiltinFixture(t, Options{})
	ch := f.challenge(t)
	wantPass(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "first answer")
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "same answer again")
	if f.store.len() != 0 {
		t.Errorf("%d challenges left in the store", f.store.len())
	}
}

func TestAnswerIsCaseSensitive(t *testing.T) {
	for _, answer := range []string{strings.ToLower(testAnswer), strings.ToUpper(testAnswer), "aB3DeF"} {
		f := newBuiltinFixture(t, Options{})
		ch := f.challenge(t)
		wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, answer), ""), answer)
	}
}

func TestSurroundingSpacesAreIgnored(t *testing.T) {
	f := newBuiltinFixture(t, Options{})
	ch := f.challenge(t)
	wantPass(t, f.c.Verify(t.Context(), answerForm(ch.ID, " "+testAnswer+"\t"), ""), "padded answer")
}

func TestWrongAnswerConsumesTheChallenge(t *testing.T) {
	f := newBuiltinFixture(t, Options{})
	ch := f.challenge(t)
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, "wrong1"), ""), "wrong answer")
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "right answer after a wrong one")
}

func TestExpiredChallengeFails(t *testing.T) {
	f := newBuiltinFixture(t, Options{})
	ch := f.challenge(t)
	f.clock.advance(DefaultLifetime)
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "answer at expiry")

	f = newBuiltinFixture(t, Options{})
	ch = f.challenge(t)
	f.clock.advance(DefaultLifetime - time.Second)
	wantPass(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "answer just before expiry")
}

// lenientStore hands out expired challenges, as a store with a clock
// behind the server's could.
type lenientStore struct{ *memStore }

func (s lenientStore) Take(ctx context.Context, id string, _ time.Time) (storage.CaptchaChallenge, error) {
	return s.memStore.Take(ctx, id, time.Time{})
}

func TestExpiryIsCheckedEvenIfTheStoreReturnsTheRow(t *testing.T) {
	mem := newMemStore()
	f := newBuiltinOn(t, Options{}, lenientStore{mem}, mem)
	ch := f.challenge(t)
	f.clock.advance(DefaultLifetime + time.Second)
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "expired row from the store")
}

func TestMissingOrUnknownFieldsFail(t *testing.T) {
	f := newBuiltinFixture(t, Options{})
	ch := f.challenge(t)
	long := strings.Repeat("a", maxFieldLength+1)
	cases := map[string]map[string][]string{
		"empty form":     {},
		"no id":          {FieldAnswer: {testAnswer}},
		"no answer":      {FieldID: {ch.ID}},
		"blank answer":   {FieldID: {ch.ID}, FieldAnswer: {"   "}},
		"unknown id":     answerForm(storage.NewID(), testAnswer),
		"overlong id":    answerForm(long, testAnswer),
		"overlong reply": answerForm(ch.ID, long),
	}
	for name, form := range cases {
		wantFailed(t, f.c.Verify(t.Context(), form, ""), name)
	}
}

func TestStoreFailureIsNotACaptchaFailure(t *testing.T) {
	f := newBuiltinFixture(t, Options{})
	ch := f.challenge(t)
	boom := errors.New("database is down")
	f.store.err = boom
	err := f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), "")
	if err == nil || errors.Is(err, ErrFailed) || !errors.Is(err, boom) {
		t.Fatalf("Verify with a failing store: %v, want the store's error, not ErrFailed", err)
	}
	if _, err := f.c.Challenge(t.Context()); err == nil || !errors.Is(err, boom) {
		t.Fatalf("Challenge with a failing store: %v", err)
	}
}

func TestParallelAnswersPassExactlyOnce(t *testing.T) {
	f := newBuiltinFixture(t, Options{})
	testParallelAnswers(t, f)
}

// testParallelAnswers sends 20 correct answers to one challenge at once:
// exactly one passes.
func testParallelAnswers(t *testing.T, f builtinFixture) {
	t.Helper()
	ch := f.challenge(t)
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), "")
		})
	}
	close(start)
	wg.Wait()
	passed := 0
	for _, err := range errs {
		switch {
		case err == nil:
			passed++
		case !errors.Is(err, ErrFailed):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if passed != 1 {
		t.Fatalf("%d of %d parallel answers passed, want exactly 1", passed, n)
	}
}

func TestParallelChallenges(t *testing.T) {
	c, err := New(Options{}, newMemStore())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			ch, err := c.Challenge(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = ch.ID
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			t.Fatalf("ids %q: empty or repeated", ids)
		}
		seen[id] = true
	}
}

// sqliteStore is a migrated SQLite database in a temporary directory.
func sqliteStore(t *testing.T) storage.Store {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "gh.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestBuiltinOnSQLite(t *testing.T) {
	st := sqliteStore(t)
	f := newBuiltinOn(t, Options{}, st.Captchas(), nil)

	ch := f.challenge(t)
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, "ab3DEF"), ""), "wrong case")
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "after a wrong answer")

	ch = f.challenge(t)
	wantPass(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "correct answer")
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "reused")

	ch = f.challenge(t)
	f.clock.advance(DefaultLifetime + time.Millisecond)
	wantFailed(t, f.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "expired")

	wantFailed(t, f.c.Verify(t.Context(), answerForm(storage.NewID(), testAnswer), ""), "unknown")
}

func TestParallelAnswersPassExactlyOnceOnSQLite(t *testing.T) {
	st := sqliteStore(t)
	testParallelAnswers(t, newBuiltinOn(t, Options{}, st.Captchas(), nil))
}

// Any replica checks an answer: a second Captcha on the same database
// accepts a challenge the first one issued.
func TestAnotherInstanceChecksTheAnswer(t *testing.T) {
	st := sqliteStore(t)
	issuer := newBuiltinOn(t, Options{}, st.Captchas(), nil)
	checker := newBuiltinOn(t, Options{}, st.Captchas(), nil)
	ch := issuer.challenge(t)
	wantPass(t, checker.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "answer on another instance")
	wantFailed(t, issuer.c.Verify(t.Context(), answerForm(ch.ID, testAnswer), ""), "then on the first")
}
