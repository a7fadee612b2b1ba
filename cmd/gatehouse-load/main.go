package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse-load:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// options are the command line.
type options struct {
	base        string
	workers     int
	duration    time.Duration
	scenarios   []scenario
	pid         int
	adminClient string
	adminSecret string
	postgresCPU bool
}

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("gatehouse-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.base, "url", "http://localhost:8080", "base URL (issuer) of the server")
	fs.IntVar(&o.workers, "workers", 8, "concurrent workers (connections)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each scenario runs")
	list := fs.String("scenarios", "all", "comma-separated scenarios, or all: "+scenarioNames())
	fs.IntVar(&o.pid, "pid", 0, "the server's process id: report its CPU time per request and its memory from /proc")
	fs.BoolVar(&o.postgresCPU, "postgres-cpu", false, "also report the CPU time per request of every process named postgres on this machine (a local PostgreSQL server), from /proc")
	fs.StringVar(&o.adminClient, "admin-client", "", "service client with --admin and client_credentials (its secret in GATEHOUSE_LOAD_ADMIN_SECRET)")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	o.base = strings.TrimSuffix(o.base, "/")
	o.adminSecret = getenv("GATEHOUSE_LOAD_ADMIN_SECRET")
	switch {
	case o.workers < 1:
		return o, fmt.Errorf("%w: -workers must be at least 1", errUsage)
	case o.duration <= 0:
		return o, fmt.Errorf("%w: -duration must be positive", errUsage)
	case o.pid < 0:
		return o, fmt.Errorf("%w: -pid must be a process id", errUsage)
	case o.adminClient == "" || o.adminSecret == "":
		return o, fmt.Errorf("%w: -admin-client and GATEHOUSE_LOAD_ADMIN_SECRET are required (a client created with gatehouse clients create --id ID --grant-types client_credentials --admin)", errUsage)
	}
	if *list == "all" {
		o.scenarios = scenarios
		return o, nil
	}
	for _, name := range strings.Split(*list, ",") {
		s, ok := scenarioNamed(strings.TrimSpace(name))
		if !ok {
			return o, fmt.Errorf("%w: unknown scenario %q (known: %s)", errUsage, name, scenarioNames())
		}
		o.scenarios = append(o.scenarios, s)
	}
	return o, nil
}

func scenarioNames() string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return strings.Join(names, ",")
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2*o.workers + 4
	defer tr.CloseIdleConnections()
	e := &env{t: &target{base: o.base, transport: tr}}
	var proc *process
	if o.pid > 0 {
		proc = &process{pid: o.pid}
	}

	setupCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	adm, err := newAdmin(setupCtx, e.t, o.adminClient, o.adminSecret)
	if err != nil {
		return err
	}
	runID := randomString()[:8]
	if e.client, err = adm.createClient(setupCtx, runID); err != nil {
		return err
	}
	if needUsers(o.scenarios) {
		if e.users, err = adm.importUsers(setupCtx, runID, o.workers); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "gatehouse-load %s: %d workers, %s per scenario, client %s\n", o.base, o.workers, o.duration, e.client.ID)
	if proc != nil {
		m, err := proc.memory()
		if err != nil {
			return fmt.Errorf("server process %d: %w", o.pid, err)
		}
		fmt.Fprintf(stdout, "server pid %d: RSS %s before the run (%s of it anonymous; peak so far %s)\n", o.pid, mib(m.RSS), mib(m.AnonRSS), mib(m.PeakRSS))
	}
	if o.postgresCPU {
		_, n, err := commandCPU(procRoot, "postgres")
		if err != nil {
			return fmt.Errorf("-postgres-cpu: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("-postgres-cpu: no process named postgres in %s", procRoot)
		}
		fmt.Fprintf(stdout, "postgres: %d processes\n", n)
	}
	fmt.Fprintf(stdout, "%-20s %8s %9s %9s %9s %9s %9s %7s %7s %10s %9s",
		"scenario", "requests", "req/s", "p50", "p90", "p99", "max", "p99/p50", "errors", "cpu/req", "peak RSS")
	if o.postgresCPU {
		fmt.Fprintf(stdout, " %11s", "pg cpu/req")
	}
	fmt.Fprintln(stdout)
	for _, s := range o.scenarios {
		if err := runScenario(ctx, e, s, o, proc, stdout, stderr); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

func needUsers(list []scenario) bool {
	for _, s := range list {
		if s.users {
			return true
		}
	}
	return false
}

// result is one worker's share of a scenario.
type result struct {
	samples  []time.Duration
	errors   int
	firstErr error
}

func runScenario(ctx context.Context, e *env, s scenario, o options, proc *process, stdout, stderr io.Writer) error {
	workers := make([]*worker, o.workers)
	for i := range workers {
		workers[i] = &worker{http: e.t.client(nil)}
		if s.users {
			workers[i].user = e.users[i]
		}
	}
	if s.users {
		if err := prepareAll(ctx, e, workers); err != nil {
			return err
		}
	}
	var cpu0, pg0 time.Duration
	if proc != nil {
		var err error
		if cpu0, err = proc.cpu(); err != nil {
			return fmt.Errorf("server process: %w", err)
		}
	}
	if o.postgresCPU {
		var err error
		if pg0, _, err = commandCPU(procRoot, "postgres"); err != nil {
			return fmt.Errorf("postgres processes: %w", err)
		}
	}
	results := make([]result, len(workers))
	start := time.Now()
	deadline := start.Add(o.duration)
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() { results[i] = loop(ctx, e, s, w, deadline) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	var pg1 time.Duration
	if o.postgresCPU {
		var err error
		if pg1, _, err = commandCPU(procRoot, "postgres"); err != nil {
			return fmt.Errorf("postgres processes: %w", err)
		}
	}

	var all []time.Duration
	var errs int
	for _, r := range results {
		all = append(all, r.samples...)
		errs += r.errors
		if r.firstErr != nil && errs == r.errors {
			fmt.Fprintf(stderr, "%s: first error: %v\n", s.name, r.firstErr)
		}
	}
	l := summarise(all)
	cpuPer, peak := "-", "-"
	if proc != nil {
		cpu1, err := proc.cpu()
		if err != nil {
			return fmt.Errorf("server process: %w", err)
		}
		if done := l.N + errs; done > 0 {
			cpuPer = fmt.Sprintf("%dµs", ((cpu1 - cpu0) / time.Duration(done)).Microseconds())
		}
		m, err := proc.memory()
		if err != nil {
			return fmt.Errorf("server process: %w", err)
		}
		peak = mib(m.PeakRSS)
	}
	ratio := "-"
	if l.P50 > 0 {
		ratio = fmt.Sprintf("%.1f", float64(l.P99)/float64(l.P50))
	}
	fmt.Fprintf(stdout, "%-20s %8d %9.1f %9s %9s %9s %9s %7s %7d %10s %9s", s.name, l.N,
		float64(l.N)/elapsed.Seconds(), formatDuration(l.P50), formatDuration(l.P90), formatDuration(l.P99),
		formatDuration(l.Max), ratio, errs, cpuPer, peak)
	if o.postgresCPU {
		pgPer := "-"
		if done := l.N + errs; done > 0 {
			pgPer = fmt.Sprintf("%dµs", ((pg1 - pg0) / time.Duration(done)).Microseconds())
		}
		fmt.Fprintf(stdout, " %11s", pgPer)
	}
	fmt.Fprintln(stdout)
	if l.N == 0 {
		return errors.New("no request succeeded")
	}
	return nil
}

// prepareAll signs every worker's user in, a few at a time.
func prepareAll(ctx context.Context, e *env, workers []*worker) error {
	sem := make(chan struct{}, 4)
	errs := make([]error, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = e.prepare(ctx, w)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// loop repeats the scenario's operation until the deadline. After a failed
// operation a worker with a user signs in again (untimed), so a broken
// refresh chain does not fail every later request.
func loop(ctx context.Context, e *env, s scenario, w *worker, deadline time.Time) result {
	var r result
	for ctx.Err() == nil && time.Now().Before(deadline) {
		t0 := time.Now()
		err := s.op(ctx, e, w)
		d := time.Since(t0)
		if err == nil {
			r.samples = append(r.samples, d)
			continue
		}
		r.errors++
		if r.firstErr == nil {
			r.firstErr = err
		}
		if s.users {
			if perr := e.prepare(ctx, w); perr != nil {
				return r
			}
		}
	}
	return r
}

// procRoot is where the proc file system is mounted.
const procRoot = "/proc"

func mib(b int64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }
