package config

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		raw   string
		slots int
		want  int64
	}{
		{"", 1, MemoryLimitBase + 19456<<10}, // the default is auto
		{"auto", 1, MemoryLimitBase + 19456<<10},
		{"auto", 8, MemoryLimitBase + 8*19456<<10},
		{"AUTO", 2, MemoryLimitBase + 2*19456<<10},
		{"off", 4, math.MaxInt64},
		{"256MiB", 8, 256 << 20},
		{"1GiB", 1, 1 << 30},
		{"40000KiB", 1, 40000 << 10},
		{"104857600", 1, 100 << 20},
		{"104857600B", 1, 100 << 20},
	}
	for _, tt := range tests {
		env := map[string]string{}
		if tt.raw != "" {
			env["GATEHOUSE_MEMORY_LIMIT"] = tt.raw
		}
		cfg, err := Load("", envOf(env))
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%q: %v", tt.raw, err)
			continue
		}
		if got := cfg.MemoryLimitBytes(tt.slots); got != tt.want {
			t.Errorf("%q with %d hash slots: %d bytes, want %d", tt.raw, tt.slots, got, tt.want)
		}
	}
	// auto follows the hash memory.
	cfg, _ := Load("", envOf(map[string]string{"GATEHOUSE_PASSWORD_HASH_MEMORY_KIB": "65536"}))
	if got, want := cfg.MemoryLimitBytes(2), int64(MemoryLimitBase+2*64<<20); got != want {
		t.Errorf("auto with 64 MiB hashes: %d, want %d", got, want)
	}
}

func TestMemoryLimitRefused(t *testing.T) {
	for _, raw := range []string{"lots", "256MB", "256 MiB", "-1", "1.5GiB", "16MiB", "99999999999TiB", "MiB"} {
		cfg, err := Load("", envOf(map[string]string{"GATEHOUSE_MEMORY_LIMIT": raw}))
		if err == nil {
			err = cfg.Validate()
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "GATEHOUSE_MEMORY_LIMIT") {
			t.Errorf("%q: error %v, want one naming GATEHOUSE_MEMORY_LIMIT", raw, err)
		}
	}
}
