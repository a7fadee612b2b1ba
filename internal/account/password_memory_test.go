package account

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/gatehouse/gatehouse/internal/argon2id"
)

// TestPooledHashesAreArgon2id checks the hashes made in reused memory
// against x/crypto's argon2.IDKey, and that stored hashes with other
// parameters still verify.
func TestPooledHashesAreArgon2id(t *testing.T) {
	params := HashParams{Memory: 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}
	h := newTestHasher(t, params, 1)
	other := newTestHasher(t, HashParams{Memory: 2048, Time: 1, Threads: 2, KeyLen: 32, SaltLen: 16}, 1)
	older, err := other.Hash(t.Context(), "an older password")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"first password", "second password", "third password"} {
		enc, err := h.Hash(t.Context(), pw)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := parsePHC(enc)
		if err != nil {
			t.Fatal(err)
		}
		want := argon2.IDKey([]byte(pw), stored.salt, params.Time, params.Memory, params.Threads, params.KeyLen)
		if !bytes.Equal(stored.key, want) {
			t.Fatalf("%q: key %x, x/crypto derives %x", pw, stored.key, want)
		}
		if ok, err := h.Verify(t.Context(), pw, enc); err != nil || !ok {
			t.Fatalf("Verify(%q) = %v, %v", pw, ok, err)
		}
		if ok, err := h.Verify(t.Context(), pw+"!", enc); err != nil || ok {
			t.Fatalf("Verify(wrong) = %v, %v", ok, err)
		}
		if ok, err := h.Verify(t.Context(), "an older password", older); err != nil || !ok {
			t.Fatalf("Verify(hash with other parameters) = %v, %v", ok, err)
		}
	}
}

// slotMemory is the memory the hashing slots keep (nil where none).
func slotMemory(h *Hasher) []*argon2id.Memory {
	var kept []*argon2id.Memory
	for range cap(h.sem) {
		slot := <-h.sem
		kept = append(kept, slot.memory.Value())
		defer func() { h.sem <- slot }()
	}
	return kept
}

// TestHashReusesItsMemory: once a hash has run, the next one with the
// current parameters does not allocate its memory again, and verifying a
// stored hash with other (larger) parameters does not grow the kept
// memory. The collector is off meanwhile: it would free the kept memory.
func TestHashReusesItsMemory(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const kib = 4096
	h := newTestHasher(t, HashParams{Memory: kib, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 1)
	larger := newTestHasher(t, HashParams{Memory: 2 * kib, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 1)
	older, err := larger.Hash(t.Context(), "an older password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Hash(t.Context(), "warm the slot"); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := h.Hash(t.Context(), "a password"); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > kib*1024/4 {
		t.Fatalf("a hash allocated %d bytes after the first: its %d KiB were not reused", n, kib)
	}
	if ok, err := h.Verify(t.Context(), "an older password", older); err != nil || !ok {
		t.Fatalf("Verify(older) = %v, %v", ok, err)
	}
	kept := slotMemory(h)
	if len(kept) != 1 || kept[0] == nil {
		t.Fatalf("kept memory after hashing: %v", kept)
	}
	if got := kept[0].Bytes(); got != kib*1024 {
		t.Fatalf("the slot keeps %d bytes, want %d (the current parameters')", got, kib*1024)
	}
}

// TestHashMemoryFreedByCollection: the slots hold their memory weakly, so
// an idle process gives it back at the next collection.
func TestHashMemoryFreedByCollection(t *testing.T) {
	h := newTestHasher(t, HashParams{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)
	if _, err := h.Hash(t.Context(), "a password"); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	for i, m := range slotMemory(h) {
		if m != nil {
			t.Fatalf("slot %d still holds %d bytes after a collection", i, m.Bytes())
		}
	}
}
