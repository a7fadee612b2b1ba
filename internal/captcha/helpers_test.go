package captcha

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// memStore is an in-memory storage.CaptchaStore with the contract of the
// real ones: Take is atomic and ignores expired rows.
type memStore struct {
	mu    sync.Mutex
	rows  map[string]storage.CaptchaChallenge
	err   error // returned by every call when set
	takes int
}

func newMemStore() *memStore { return &memStore{rows: map[string]storage.CaptchaChallenge{}} }

func (m *memStore) Create(_ context.Context, c *storage.CaptchaChallenge) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if _, dup := m.rows[c.ID]; dup {
		return fmt.Errorf("create %s: %w", c.ID, storage.ErrAlreadyExists)
	}
	m.rows[c.ID] = *c
	return nil
}

func (m *memStore) Take(_ context.Context, id string, now time.Time) (storage.CaptchaChallenge, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.takes++
	if m.err != nil {
		return storage.CaptchaChallenge{}, m.err
	}
	c, ok := m.rows[id]
	if !ok || !now.Before(c.ExpiresAt) {
		return storage.CaptchaChallenge{}, fmt.Errorf("take %s: %w", id, storage.ErrNotFound)
	}
	delete(m.rows, id)
	return c, nil
}

func (m *memStore) Exists(_ context.Context, id string, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.rows[id]
	return ok && now.Before(c.ExpiresAt), m.err
}

func (m *memStore) DeleteExpired(_ context.Context, now time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for id, c := range m.rows {
		if !now.Before(c.ExpiresAt) {
			delete(m.rows, id)
			n++
		}
	}
	return n, m.err
}

func (m *memStore) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rows)
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testAnswer is the answer every challenge of a pinned builtin gets.
const testAnswer = "Ab3dEf"

// builtinFixture is a builtin captcha on a memStore with a fake clock and
// a fixed answer.
type builtinFixture struct {
	c     *Captcha
	store *memStore
	clock *clock
}

func newBuiltinFixture(t *testing.T, opts Options) builtinFixture {
	t.Helper()
	store := newMemStore()
	return newBuiltinOn(t, opts, store, store)
}

func newBuiltinOn(t *testing.T, opts Options, store storage.CaptchaStore, mem *memStore) builtinFixture {
	t.Helper()
	opts.Provider = Builtin
	c, err := New(opts, store)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	b := c.backend.(*builtin)
	b.now = clk.now
	b.newAnswer = func() (string, error) { return testAnswer, nil }
	return builtinFixture{c: c, store: mem, clock: clk}
}

func (f builtinFixture) challenge(t *testing.T) Challenge {
	t.Helper()
	ch, err := f.c.Challenge(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func answerForm(id, answer string) url.Values {
	return url.Values{FieldID: {id}, FieldAnswer: {answer}}
}

func wantFailed(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("%s: err = %v, want ErrFailed", what, err)
	}
}

func wantPass(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: err = %v, want nil", what, err)
	}
}

// logBuffer is a logger that writes text records to a buffer.
func logBuffer() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, nil)), buf
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
