package main

import (
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"

	"github.com/gatehouse/gatehouse/internal/config"
)

// applyMemoryLimit gives the Go runtime the soft memory limit of
// GATEHOUSE_MEMORY_LIMIT, unless GOMEMLIMIT is set (the runtime has
// applied that one itself). It returns what undoes it: serve also runs
// inside tests' processes.
func applyMemoryLimit(cfg config.Config, getenv func(string) string, logger *slog.Logger) (restore func()) {
	if getenv("GOMEMLIMIT") != "" {
		logger.Debug("memory limit from GOMEMLIMIT", slog.Int64("bytes", debug.SetMemoryLimit(-1)))
		return func() {}
	}
	limit := cfg.MemoryLimitBytes(runtime.GOMAXPROCS(0))
	previous := debug.SetMemoryLimit(limit)
	if limit != math.MaxInt64 {
		logger.Info("memory limit", slog.String("setting", cfg.MemoryLimit), slog.Int64("mib", limit>>20))
	}
	return func() { debug.SetMemoryLimit(previous) }
}

// releaseStartupMemory collects what starting left behind (the migration
// parser's pooled 4 MiB buffers, which only a second collection drops;
// template parsing; the first administrator's password hash) and hands the
// freed pages back to the system, so that an idle server's RSS is its live
// heap rather than the peak of its start.
func releaseStartupMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}
