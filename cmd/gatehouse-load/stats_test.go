package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample", ms(7), 99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p90 of ten", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
		{"p99 of a hundred", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"tiny p is the min", ms(5, 6), 0.1, 5 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestSummariseSortsAndKeepsSamples(t *testing.T) {
	samples := []time.Duration{30, 10, 20, 50, 40}
	l := summarise(samples)
	if l.N != 5 || l.P50 != 30 || l.P90 != 50 || l.P99 != 50 || l.Max != 50 {
		t.Errorf("summarise = %+v", l)
	}
	if samples[0] != 30 {
		t.Error("summarise reordered its argument")
	}
	if z := summarise(nil); z != (latencies{}) {
		t.Errorf("summarise(nil) = %+v", z)
	}
}

func TestCPUTime(t *testing.T) {
	// A real line, with a command name holding a space and a parenthesis.
	stat := "4242 (gate house) x) S 1 4242 4242 0 -1 4194560 51923 0 0 0 1234 567 0 0 20 0 12 0 98765 1500000000 20000 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0\n"
	got, err := cpuTime(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := (1234 + 567) * 10 * time.Millisecond; got != want {
		t.Errorf("cpuTime = %v, want %v", got, want)
	}
	for name, bad := range map[string]string{
		"no comm":      "4242 gatehouse S 1",
		"short":        "4242 (gatehouse) S 1 2 3",
		"not a number": "4242 (gatehouse) S 1 4242 4242 0 -1 4194560 51923 0 0 0 12x4 567 0 0",
	} {
		if _, err := cpuTime(bad); err == nil {
			t.Errorf("%s: cpuTime accepted %q", name, bad)
		}
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\tgatehouse\nVmPeak:\t 1300000 kB\nVmHWM:\t  218112 kB\nVmRSS:\t   59392 kB\nRssAnon:\t   20480 kB\nRssFile:\t   38912 kB\nThreads:\t12\n"
	m, err := parseStatus(strings.NewReader(status))
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 59392*1024 || m.PeakRSS != 218112*1024 || m.AnonRSS != 20480*1024 {
		t.Errorf("parseStatus = %+v", m)
	}
	if _, err := parseStatus(strings.NewReader("Name:\tkthreadd\nThreads:\t1\n")); err == nil {
		t.Error("a status without VmRSS (a kernel thread) was accepted")
	}
	if _, err := parseStatus(strings.NewReader("VmHWM:\t 12 MB\nVmRSS:\t 1 kB\n")); err == nil {
		t.Error("a unit other than kB was accepted")
	}
}

// TestOwnProcess reads the test's own /proc entries, as -pid does.
func TestOwnProcess(t *testing.T) {
	p := process{pid: os.Getpid()}
	if _, err := p.cpu(); err != nil {
		t.Fatal(err)
	}
	m, err := p.memory()
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.PeakRSS < m.RSS || m.AnonRSS <= 0 || m.AnonRSS > m.RSS {
		t.Errorf("memory = %+v", m)
	}
}

func TestParseStat(t *testing.T) {
	// A PostgreSQL postmaster: its ended backends' time is in cutime and cstime.
	stat := "2215 (postgres) S 1 2215 2215 0 -1 4194304 3930 12291 0 0 4 3 11 19 20 0 1 0 4500 227000000 7000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
	st, err := parseStat(stat)
	if err != nil {
		t.Fatal(err)
	}
	if st.Comm != "postgres" || st.CPU != 70*time.Millisecond || st.Children != 300*time.Millisecond {
		t.Errorf("parseStat = %+v", st)
	}
	st, err = parseStat("4242 (gate house) x) S 1 4242 4242 0 -1 4194560 51923 0 0 0 1234 567 8 9 20 0 12 0\n")
	if err != nil || st.Comm != "gate house) x" {
		t.Errorf("parseStat of a command name with ') ' = %+v, %v", st, err)
	}
	if _, err := parseStat("4242 (postgres) S 1 4242 4242 0 -1 4194560 51923 0 0 0 1 2 3\n"); err == nil {
		t.Error("a line without cstime was accepted")
	}
}

// TestCommandCPU sums a made-up /proc: two postgres processes count (one's
// children too), another command and non-process entries do not.
func TestCommandCPU(t *testing.T) {
	root := t.TempDir()
	write := func(dir, stat string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dir, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("100", "100 (postgres) S 1 100 100 0 -1 0 0 0 0 0 10 20 30 40 20 0 1 0\n")
	write("101", "101 (postgres) S 100 101 101 0 -1 0 0 0 0 0 5 5 0 0 20 0 1 0\n")
	write("102", "102 (gatehouse) S 1 102 102 0 -1 0 0 0 0 0 500 500 0 0 20 0 1 0\n")
	write("self", "100 (postgres) S 1 100 100 0 -1 0 0 0 0 0 999 999 0 0 20 0 1 0\n")
	if err := os.WriteFile(filepath.Join(root, "uptime"), []byte("1 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "103"), 0o755); err != nil { // ended: no stat
		t.Fatal(err)
	}
	total, n, err := commandCPU(root, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	if want := 1100 * time.Millisecond; total != want || n != 2 {
		t.Errorf("commandCPU = %v over %d processes, want %v over 2", total, n, want)
	}
	if _, n, err := commandCPU(root, "nothing"); err != nil || n != 0 {
		t.Errorf("commandCPU of an absent command = %d processes, %v", n, err)
	}
	if _, _, err := commandCPU(filepath.Join(root, "missing"), "postgres"); err == nil {
		t.Error("a missing proc root was accepted")
	}
}

// TestCommandCPUOfThisMachine reads the real /proc, as -postgres-cpu does.
func TestCommandCPUOfThisMachine(t *testing.T) {
	self, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc")
	}
	st, err := parseStat(string(self))
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := commandCPU(procRoot, st.Comm); err != nil || n < 1 {
		t.Errorf("commandCPU(%q) found %d processes, %v; want at least this one", st.Comm, n, err)
	}
}
