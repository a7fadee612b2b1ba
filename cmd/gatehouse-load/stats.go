package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// procStat is what /proc/<pid>/stat says about a process's CPU time.
type procStat struct {
	Comm string // the command name (field 2, without its parentheses)
	// CPU is utime+stime; Children is cutime+cstime, the CPU time of the
	// children it has waited for (a PostgreSQL server's ended backends).
	CPU, Children time.Duration
}

// parseStat parses a /proc/<pid>/stat line.
func parseStat(stat string) (procStat, error) {
	// The second field (comm) is in parentheses and may hold spaces or
	// parentheses itself: the fields after it start after the last ')'.
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return procStat{}, errors.New("stat: no command name")
	}
	fields := strings.Fields(stat[end+1:])
	// fields[0] is field 3 (state); utime, stime, cutime and cstime are
	// fields 14 to 17.
	if len(fields) < 15 {
		return procStat{}, fmt.Errorf("stat: %d fields after the command name", len(fields))
	}
	var ticks [4]int64
	for i, f := range fields[11:15] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("stat: %w", err)
		}
		ticks[i] = n
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	return procStat{Comm: stat[open+1 : end], CPU: tick(ticks[0] + ticks[1]), Children: tick(ticks[2] + ticks[3])}, nil
}

// cpuTime parses /proc/<pid>/stat and returns utime+stime.
func cpuTime(stat string) (time.Duration, error) {
	st, err := parseStat(stat)
	return st.CPU, err
}

// commandCPU sums the CPU time of every process named comm under the proc
// file system at root (/proc): its own (utime+stime) and its waited-for
// children's (cutime+cstime), so that the time of a PostgreSQL backend
// that ends during a scenario stays counted, in its postmaster's children
// time. It also returns how many processes it found. Processes that end
// while it reads are skipped.
func commandCPU(root, comm string) (time.Duration, int, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return 0, 0, err
	}
	var total time.Duration
	n := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, e.Name(), "stat"))
		if err != nil {
			continue // ended meanwhile, or not ours to read
		}
		st, err := parseStat(string(b))
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if st.Comm == comm {
			total += st.CPU + st.Children
			n++
		}
	}
	return total, n, nil
}

// memory is what /proc/<pid>/status says about resident memory.
type memory struct {
	RSS, PeakRSS int64 // bytes
	// AnonRSS is the resident memory that is the process's own (RssAnon:
	// heap, stacks), without the pages of the executable and other files,
	// which the kernel can drop and reread; 0 when the kernel does not say.
	AnonRSS int64
}

// parseStatus reads VmRSS, VmHWM (the peak) and RssAnon from
// /proc/<pid>/status.
func parseStatus(r io.Reader) (memory, error) {
	var m memory
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM" && name != "RssAnon") {
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
		switch name {
		case "VmRSS":
			m.RSS = kib * 1024
			found++
		case "VmHWM":
			m.PeakRSS = kib * 1024
			found++
		default:
			m.AnonRSS = kib * 1024
		}
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
