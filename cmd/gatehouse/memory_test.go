package main

import (
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// memoryLimit reads the runtime's soft memory limit without changing it.
func memoryLimit() int64 { return debug.SetMemoryLimit(-1) }

func TestApplyMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Defaults()

	cfg.MemoryLimit = "300MiB"
	debug.SetMemoryLimit(math.MaxInt64)
	restore := applyMemoryLimit(cfg, envOf(nil), quiet)
	if got := memoryLimit(); got != 300<<20 {
		t.Fatalf("limit %d, want 300 MiB", got)
	}
	restore()
	if got := memoryLimit(); got != math.MaxInt64 {
		t.Fatalf("limit %d after restore, want none", got)
	}

	cfg.MemoryLimit = "auto"
	restore = applyMemoryLimit(cfg, envOf(nil), quiet)
	if got, want := memoryLimit(), cfg.MemoryLimitBytes(runtime.GOMAXPROCS(0)); got != want || got == math.MaxInt64 {
		t.Fatalf("auto: limit %d, want %d", got, want)
	}
	restore()

	// GOMEMLIMIT wins: the runtime applied it; serve leaves it.
	debug.SetMemoryLimit(123 << 20)
	cfg.MemoryLimit = "300MiB"
	restore = applyMemoryLimit(cfg, envOf(map[string]string{"GOMEMLIMIT": "123MiB"}), quiet)
	if got := memoryLimit(); got != 123<<20 {
		t.Fatalf("limit %d with GOMEMLIMIT=123MiB set", got)
	}
	restore()
	if got := memoryLimit(); got != 123<<20 {
		t.Fatalf("limit %d after restore with GOMEMLIMIT", got)
	}
}

// TestServeAppliesMemoryLimit: serve runs under GATEHOUSE_MEMORY_LIMIT and
// gives the previous limit back when it stops.
func TestServeAppliesMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	debug.SetMemoryLimit(math.MaxInt64)
	env := map[string]string{
		"GATEHOUSE_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "gh.db"),
		"GATEHOUSE_LISTEN":       "127.0.0.1:0",
		"GATEHOUSE_MEMORY_LIMIT": "200MiB",
	}
	t.Run("serving", func(t *testing.T) {
		startServe(t, env)
		if got := memoryLimit(); got != 200<<20 {
			t.Fatalf("limit %d while serving, want 200 MiB", got)
		}
	}) // the subtest's cleanup stops serve
	if got := memoryLimit(); got != math.MaxInt64 {
		t.Fatalf("limit %d after serve stopped, want the previous (none)", got)
	}
	env["GATEHOUSE_MEMORY_LIMIT"] = "12MiB"
	if code, _, stderr := runCLI(t, env, "serve"); code != 2 || !strings.Contains(stderr, "GATEHOUSE_MEMORY_LIMIT") {
		t.Fatalf("serve with a 12MiB limit: code %d, stderr %q", code, stderr)
	}
}

// releaseChildEnv marks the process TestReleaseStartupMemory starts to
// measure in: the heap's free and released pages are the whole process's,
// and in the test binary's own process the goroutines earlier tests left
// (servers draining, background workers) allocate and free beside it.
const releaseChildEnv = "GATEHOUSE_TEST_RELEASE_MEMORY_CHILD"

// TestReleaseStartupMemory: what starting leaves behind (a large buffer
// dropped, buffers parked in a sync.Pool as goose's parser leaves them)
// is collected and its pages returned to the system. It measures in a
// fresh process of the test binary that runs this test alone.
func TestReleaseStartupMemory(t *testing.T) {
	if os.Getenv(releaseChildEnv) == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestReleaseStartupMemory$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), releaseChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestReleaseStartupMemory") {
			t.Fatalf("the measuring process: %v\n%s", err, out)
		}
		return
	}
	gcPercent := debug.SetGCPercent(-1) // no collection before the release
	var pool sync.Pool
	for range 4 {
		pool.Put(make([]byte, 4<<20))
	}
	garbage := make([]byte, 32<<20)
	for i := range garbage {
		garbage[i] = byte(i)
	}
	garbage = nil
	debug.SetGCPercent(gcPercent)

	releaseStartupMemory()

	if pool.Get() != nil {
		t.Error("the pooled buffers survived: one collection only parks them")
	}
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	free, released := s[0].Value.Uint64(), s[1].Value.Uint64()
	// free: pages the heap holds unused but still mapped (RSS); the
	// testing package's own goroutines may have allocated a little since.
	if free > 4<<20 {
		t.Errorf("%d bytes of free heap still resident after the release", free)
	}
	if released < 32<<20 {
		t.Errorf("only %d bytes returned to the system; the 48 MiB of garbage were not", released)
	}
}
