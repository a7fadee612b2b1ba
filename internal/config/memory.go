package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MemoryLimitBase is what auto allows besides the password hashes: the
// heap of an idle server (about 25 MiB) with room for requests and for
// the collector to work without running all the time.
const MemoryLimitBase = 64 << 20

// minMemoryLimit is the smallest limit accepted: below it the collector
// would run continuously.
const minMemoryLimit = 32 << 20

// MemoryLimitBytes is the soft memory limit serve gives the Go runtime
// (runtime/debug.SetMemoryLimit): the size MEMORY_LIMIT gives; for auto,
// MemoryLimitBase plus hashSlots password hashes of PASSWORD_HASH_MEMORY_KIB
// each (hashSlots is how many may run at once, GOMAXPROCS by default);
// math.MaxInt64 (no limit) for off. The configuration must be valid.
func (c *Config) MemoryLimitBytes(hashSlots int) int64 {
	switch strings.ToLower(c.MemoryLimit) {
	case "off":
		return math.MaxInt64
	case "auto", "":
		return MemoryLimitBase + int64(hashSlots)*int64(c.PasswordHashMemory)<<10
	}
	n, _ := parseSize(c.MemoryLimit)
	return n
}

func (c *Config) validateMemoryLimit() error {
	switch strings.ToLower(c.MemoryLimit) {
	case "off", "auto", "":
		return nil
	}
	n, err := parseSize(c.MemoryLimit)
	if err != nil {
		return invalid("MEMORY_LIMIT", "%q is not auto, off or a size such as 256MiB or 1GiB", c.MemoryLimit)
	}
	if n < minMemoryLimit {
		return invalid("MEMORY_LIMIT", "%q is below 32MiB: the collector would run all the time", c.MemoryLimit)
	}
	return nil
}

// parseSize reads a whole number of bytes with an optional unit, as
// GOMEMLIMIT does: B, KiB, MiB, GiB, TiB.
func parseSize(raw string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	num, shift := raw, uint(0)
	for _, u := range units {
		if v, ok := strings.CutSuffix(raw, u.suffix); ok {
			num, shift = v, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("bad size %q", raw)
	}
	return n << shift, nil
}
