package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat;
// Linux fixes it at 100 for every architecture it reports to user space.
const clockTicks = 100

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted, or 0 for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// latencies summarises one scenario's samples.
type latencies struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

func summarise(samples []time.Duration) latencies {
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	l := latencies{N: len(sorted)}
	if l.N == 0 {
		return l
	}
	l.P50, l.P90, l.P99 = percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99)
	l.Max = sorted[len(sorted)-1]
	return l
}

// cpuTime parses /proc/<pid>/stat and returns utime+stime.
func cpuTime(stat string) (time.Duration, error) {
	// The second field (comm) is in parentheses and may hold spaces or
	// parentheses itself: the fields after it start after the last ')'.
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("stat: no command name")
	}
	fields := strings.Fields(stat[end+1:])
	// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the command name", len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// memory is what /proc/<pid>/status says about resident memory.
type memory struct {
	RSS, PeakRSS int64 // bytes
}

// parseStatus reads VmRSS and VmHWM (the peak) from /proc/<pid>/status.
func parseStatus(r io.Reader) (memory, error) {
	var m memory
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("status: unexpected %s line %q", name, sc.Text())
		}
		kib, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("status: %w", err)
		}
		if name == "VmRSS" {
			m.RSS = kib * 1024
		} else {
			m.PeakRSS = kib * 1024
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("status: %w", err)
	}
	if found != 2 {
		return m, errors.New("status: no VmRSS or VmHWM line")
	}
	return m, nil
}

// process reads a server's counters from /proc.
type process struct{ pid int }

func (p process) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return 0, err
	}
	return cpuTime(string(b))
}

func (p process) memory() (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	return parseStatus(f)
}

// formatDuration prints a latency with a unit that keeps three figures.
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%dµs", d.Microseconds())
	}
}
