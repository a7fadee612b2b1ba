package account

import (
	"github.com/gatehouse/gatehouse/internal/argon2id"

	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

func newTestHasher(t *testing.T, p HashParams, maxConcurrent int) *Hasher {
	t.Helper()
	h, err := NewHasher(p, maxConcurrent)
	if err != nil {
		t.Fatalf("NewHasher: %v", err)
	}
	return h
}

func TestHashVerifyRoundTrip(t *testing.T) {
	h := newTestHasher(t, fastHash, 0)
	ctx := t.Context()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(enc) {
		t.Fatalf("hash %q is not the expected PHC form", enc)
	}
	enc2, _ := h.Hash(ctx, "correct horse battery")
	if enc == enc2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for _, tc := range []struct {
		name, password string
		want           bool
	}{
		{"same", "correct horse battery", true},
		{"other", "correct horse batterY", false},
		{"empty", "", false},
		{"suffix", "correct horse battery ", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, tc.password, enc)
			if err != nil || ok != tc.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	if h.NeedsRehash(enc) {
		t.Error("NeedsRehash of a current hash = true")
	}
}

func TestVerifyReferenceVector(t *testing.T) {
	// From the reference implementation's test suite (phc-winner-argon2,
	// src/test.c): password "password", salt "somesalt", m=64 MiB.
	const ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	h := newTestHasher(t, fastHash, 0)
	if ok, err := h.Verify(t.Context(), "password", ref); err != nil || !ok {
		t.Fatalf("Verify(reference) = %v, %v", ok, err)
	}
	if ok, _ := h.Verify(t.Context(), "Password", ref); ok {
		t.Fatal("Verify(reference, other case) = true")
	}
	if !h.NeedsRehash(ref) {
		t.Error("NeedsRehash(foreign parameters) = false")
	}
}

func TestVerifyForeignParams(t *testing.T) {
	salt := []byte("twelve bytes")
	key := argon2.IDKey([]byte("hunter2hunter2"), salt, 3, 256, 2, 24)
	s, k := b64.EncodeToString(salt), b64.EncodeToString(key)
	h := newTestHasher(t, fastHash, 0)
	for _, tc := range []struct{ name, enc string }{
		{"canonical", "$argon2id$v=19$m=256,t=3,p=2$" + s + "$" + k},
		{"reordered", "$argon2id$v=19$p=2,t=3,m=256$" + s + "$" + k},
		{"padded", "$argon2id$v=19$m=256,t=3,p=2$" + s + "====$" + k},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := h.Verify(t.Context(), "hunter2hunter2", tc.enc)
			if err != nil || !ok {
				t.Fatalf("Verify = %v, %v", ok, err)
			}
			if ok, _ := h.Verify(t.Context(), "hunter2hunter3", tc.enc); ok {
				t.Fatal("wrong password verified")
			}
			if !h.NeedsRehash(tc.enc) {
				t.Error("NeedsRehash = false")
			}
		})
	}
}

func TestParsePHCRejects(t *testing.T) {
	salt, key := b64.EncodeToString(make([]byte, 16)), b64.EncodeToString(make([]byte, 32))
	tail := "$" + salt + "$" + key
	for _, tc := range []struct{ name, enc string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv"},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1" + tail},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1" + tail},
		{"no version", "$argon2id$m=64,t=1,p=1" + tail},
		{"missing p", "$argon2id$v=19$m=64,t=1" + tail},
		{"duplicate m", "$argon2id$v=19$m=64,m=64,t=1" + tail},
		{"keyid", "$argon2id$v=19$m=64,t=1,p=1,keyid=abc" + tail},
		{"not a number", "$argon2id$v=19$m=x,t=1,p=1" + tail},
		{"memory too big", "$argon2id$v=19$m=4194304,t=1,p=1" + tail},
		{"memory under 8p", "$argon2id$v=19$m=16,t=1,p=4" + tail},
		{"zero time", "$argon2id$v=19$m=64,t=0,p=1" + tail},
		{"time too big", "$argon2id$v=19$m=64,t=1000,p=1" + tail},
		{"zero threads", "$argon2id$v=19$m=64,t=1,p=0" + tail},
		{"threads overflow", "$argon2id$v=19$m=4096,t=1,p=256" + tail},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$" + b64.EncodeToString(make([]byte, 4)) + "$" + key},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + b64.EncodeToString(make([]byte, 8))},
		{"bad base64", "$argon2id$v=19$m=64,t=1,p=1$!!!$" + key},
		{"extra field", "$argon2id$v=19$m=64,t=1,p=1" + tail + "$x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHasher(t, fastHash, 0)
			if _, err := h.Verify(t.Context(), "whatever1", tc.enc); !errors.Is(err, ErrInvalidHash) {
				t.Fatalf("Verify error = %v, want ErrInvalidHash", err)
			}
			if !h.NeedsRehash(tc.enc) {
				t.Error("NeedsRehash = false")
			}
		})
	}
}

func TestPasswordNoTruncationAndCase(t *testing.T) {
	h := newTestHasher(t, fastHash, 0)
	p := strings.Repeat("Abcdefghij", 10) // 100 characters
	enc, err := h.Hash(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, password string
		want           bool
	}{
		{"exact", p, true},
		{"72-byte prefix plus other", p[:72] + "zzzzzzzzzzzzzzzzzzzzzzzzzzzz", false},
		{"72-byte prefix", p[:72], false},
		{"upper case", strings.ToUpper(p), false},
		{"lower case", strings.ToLower(p), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ok, err := h.Verify(t.Context(), tc.password, enc); err != nil || ok != tc.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
}

func TestCheckPasswordLength(t *testing.T) {
	for _, tc := range []struct {
		name, password string
		want           error
	}{
		{"empty", "", ErrRequired},
		{"7 characters", "abcdefg", ErrTooShort},
		{"8 characters", "abcdefgh", nil},
		{"7 multibyte runes", "日本語のパスワ", ErrTooShort},
		{"64 multibyte characters", strings.Repeat("é日🔑ß", 16), nil},
		{"128 characters", strings.Repeat("x", 128), nil},
		{"129 characters", strings.Repeat("x", 129), ErrTooLong},
		{"128 four-byte runes", strings.Repeat("🔑", 128), nil},
		{"1025 invalid bytes", strings.Repeat("\xff", 1025), ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPasswordLength(tc.password)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CheckPasswordLength = %v, want nil", err)
				}
				return
			}
			var fe *FieldError
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Field != FieldPassword {
				t.Fatalf("CheckPasswordLength = %v, want password field error %v", err, tc.want)
			}
		})
	}
}

func TestMultibytePasswordRoundTrip(t *testing.T) {
	h := newTestHasher(t, fastHash, 0)
	p := strings.Repeat("é日🔑ß", 16)
	enc, err := h.Hash(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(t.Context(), p, enc); err != nil || !ok {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	// NFC vs NFD: no normalization, so the decomposed form is another password.
	if ok, _ := h.Verify(t.Context(), strings.ReplaceAll(p, "é", "e\u0301"), enc); ok {
		t.Fatal("decomposed form verified")
	}
}

func TestTooLongNeverHashed(t *testing.T) {
	h := newTestHasher(t, fastHash, 0)
	var calls atomic.Int32
	orig := h.derive
	h.derive = func(m *argon2id.Memory, pw, salt []byte, p HashParams) []byte {
		calls.Add(1)
		return orig(m, pw, salt, p)
	}
	enc, _ := h.Hash(t.Context(), "long enough")
	_ = h.VerifyDummy(t.Context(), "prime the dummy hash")
	calls.Store(0)
	huge := strings.Repeat("x", 1<<20)
	if _, err := h.Hash(t.Context(), huge); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Hash(1 MiB) error = %v, want ErrTooLong", err)
	}
	if ok, err := h.Verify(t.Context(), huge, enc); ok || err != nil {
		t.Fatalf("Verify(1 MiB) = %v, %v", ok, err)
	}
	if err := h.VerifyDummy(t.Context(), strings.Repeat("y", 129)); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("over-long passwords were hashed %d times", n)
	}
}

func TestConcurrentHashBound(t *testing.T) {
	const bound, workers = 2, 20
	h := newTestHasher(t, fastHash, bound)
	var running, peak atomic.Int32
	orig := h.derive
	h.derive = func(mem *argon2id.Memory, pw, salt []byte, p HashParams) []byte {
		n := running.Add(1)
		for {
			m := peak.Load()
			if n <= m || peak.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		defer running.Add(-1)
		return orig(mem, pw, salt, p)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			_, err := h.Hash(t.Context(), "parallel password")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := peak.Load(); p != bound {
		t.Fatalf("peak concurrent hashes = %d, want %d", p, bound)
	}
}

func TestHashWaitHonoursContext(t *testing.T) {
	h := newTestHasher(t, fastHash, 1)
	release, started := make(chan struct{}), make(chan struct{})
	h.derive = func(_ *argon2id.Memory, pw, salt []byte, p HashParams) []byte {
		close(started)
		<-release
		return make([]byte, p.KeyLen)
	}
	go func() { _, _ = h.Hash(context.Background(), "first in line") }()
	<-started
	defer close(release)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "second in line"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash while the only slot is busy = %v, want DeadlineExceeded", err)
	}
}

func TestHashParamsValidate(t *testing.T) {
	if err := DefaultHashParams().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	for _, tc := range []struct {
		name string
		p    HashParams
	}{
		{"short salt", HashParams{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 8}},
		{"short key", HashParams{Memory: 64, Time: 1, Threads: 1, KeyLen: 8, SaltLen: 16}},
		{"huge memory", HashParams{Memory: 1 << 30, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewHasher(tc.p, 0); err == nil {
				t.Fatal("NewHasher accepted invalid parameters")
			}
		})
	}
}

// BenchmarkDefaultHash measures a hash with the default parameters.
func BenchmarkDefaultHash(b *testing.B) {
	h, _ := NewHasher(DefaultHashParams(), 0)
	for b.Loop() {
		if _, err := h.Hash(b.Context(), "benchmark password"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDefaultVerify measures a verification with the default
// parameters.
func BenchmarkDefaultVerify(b *testing.B) {
	h, _ := NewHasher(DefaultHashParams(), 0)
	enc, _ := h.Hash(b.Context(), "benchmark password")
	for b.Loop() {
		if _, err := h.Verify(b.Context(), "benchmark passwore", enc); err != nil {
			b.Fatal(err)
		}
	}
}
