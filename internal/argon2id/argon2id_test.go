package argon2id

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/crypto/argon2"
)

// The Argon2id known answers of golang.org/x/crypto/argon2's tests
// (password "password", salt "somesalt", 24-byte keys).
var knownAnswers = []struct {
	time, memory uint32
	threads      uint8
	hash         string
}{
	{1, 64, 1, "655ad15eac652dc59f7170a7332bf49b8469be1fdb9c28bb"},
	{2, 64, 1, "068d62b26455936aa6ebe60060b0a65870dbfa3ddf8d41f7"},
	{2, 64, 2, "350ac37222f436ccb5c0972f1ebd3bf6b958bf2071841362"},
	{3, 256, 2, "4668d30ac4187e6878eedeacf0fd83c5a0a30db2cc16ef0b"},
	{4, 4096, 4, "145db9733a9f4ee43edf33c509be96b934d505a4efb33c5a"},
	{4, 1024, 8, "8dafa8e004f8ea96bf7c0f93eecf67a6047476143d15577f"},
	{2, 64, 3, "4a15b31aec7c2590b87d1f520be7d96f56658172deaa3079"},
	{3, 1024, 6, "1640b932f4b60e272f5d2207b9a9c626ffa1bd88d2349016"},
}

// eachImplementation runs fn with the SSE4 blocks (where the CPU has
// them) and with the generic Go ones.
func eachImplementation(t *testing.T, fn func(t *testing.T)) {
	defer func(sse4 bool) { useSSE4 = sse4 }(useSSE4)
	if useSSE4 {
		t.Run("sse4", fn)
		useSSE4 = false
	}
	t.Run("generic", fn)
}

// dirty fills m's blocks with random bytes, as another password's
// derivation would have left them.
func dirty(t *testing.T, m *Memory) {
	t.Helper()
	if len(m.blocks) == 0 {
		return
	}
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&m.blocks[0])), m.Bytes())
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
}

func TestKnownAnswersOnFreshAndReusedMemory(t *testing.T) {
	eachImplementation(t, func(t *testing.T) {
		var reused Memory
		for _, v := range knownAnswers {
			want, _ := hex.DecodeString(v.hash)
			var fresh Memory
			if got := fresh.IDKey([]byte("password"), []byte("somesalt"), v.time, v.memory, v.threads, uint32(len(want))); !bytes.Equal(got, want) {
				t.Errorf("fresh memory, t=%d m=%d p=%d: %x, want %x", v.time, v.memory, v.threads, got, want)
			}
			dirty(t, &reused)
			if got := reused.IDKey([]byte("password"), []byte("somesalt"), v.time, v.memory, v.threads, uint32(len(want))); !bytes.Equal(got, want) {
				t.Errorf("reused memory, t=%d m=%d p=%d: %x, want %x", v.time, v.memory, v.threads, got, want)
			}
		}
	})
}

// TestSameKeysAsXCrypto derives with the parameters Gatehouse uses and a
// few others, one Memory for all of them, each time over memory full of
// random bytes, and compares with x/crypto's argon2.IDKey.
func TestSameKeysAsXCrypto(t *testing.T) {
	params := []struct {
		time, memory uint32
		threads      uint8
		keyLen       uint32
	}{
		{2, 19 * 1024, 1, 32}, // Gatehouse's default (OWASP)
		{1, 47 * 1024, 1, 32},
		{3, 12 * 1024, 1, 32},
		{2, 8 * 1024, 4, 32},
		{1, 9 * 1024, 2, 64},
		{2, 19 * 1024, 1, 32}, // back to a smaller size on the grown memory
		{1, 37, 3, 16},        // less than 8 blocks per lane: rounded up
	}
	eachImplementation(t, func(t *testing.T) {
		var m Memory
		for i, p := range params {
			password, salt := make([]byte, 20), make([]byte, 16)
			_, _ = rand.Read(password)
			_, _ = rand.Read(salt)
			dirty(t, &m)
			got := m.IDKey(password, salt, p.time, p.memory, p.threads, p.keyLen)
			want := argon2.IDKey(password, salt, p.time, p.memory, p.threads, p.keyLen)
			if !bytes.Equal(got, want) {
				t.Errorf("%d %+v: %x, want %x", i, p, got, want)
			}
		}
	})
}

func TestMemoryIsKeptAndGrownOnlyWhenNeeded(t *testing.T) {
	var m Memory
	m.IDKey([]byte("password"), []byte("somesalt"), 1, 1024, 1, 32)
	if m.Bytes() != 1024*1024 {
		t.Fatalf("after 1024 KiB: %d bytes held", m.Bytes())
	}
	first := &m.blocks[0]
	m.IDKey([]byte("password"), []byte("somesalt"), 1, 512, 1, 32)
	if m.Bytes() != 1024*1024 || &m.blocks[0] != first {
		t.Fatalf("a smaller derivation replaced the memory (%d bytes)", m.Bytes())
	}
	m.IDKey([]byte("password"), []byte("somesalt"), 1, 2048, 1, 32)
	if m.Bytes() != 2048*1024 {
		t.Fatalf("after 2048 KiB: %d bytes held", m.Bytes())
	}
}

func TestReusedMemoryAllocatesOnlyTheKey(t *testing.T) {
	var m Memory
	derive := func() { m.IDKey([]byte("password"), []byte("somesalt"), 1, 4096, 1, 32) }
	derive()
	// What is allocated is the key, blake2b's state and the slices'
	// goroutines: nothing near the 4 MiB of blocks.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	derive()
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
		t.Fatalf("a derivation over kept memory allocated %d bytes", n)
	}
}

func BenchmarkIDKey(b *testing.B) {
	password, salt := []byte("password"), []byte("somesalt")
	b.Run("x/crypto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			argon2.IDKey(password, salt, 2, 19*1024, 1, 32)
		}
	})
	b.Run("reused memory", func(b *testing.B) {
		b.ReportAllocs()
		var m Memory
		for b.Loop() {
			m.IDKey(password, salt, 2, 19*1024, 1, 32)
		}
	})
}
