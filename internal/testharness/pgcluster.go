package testharness

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The throwaway cluster: one per test process, started on first use by
// PostgresAdminURL. postgres runs as a direct child (no pg_ctl), so that:
//   - it gets SIGQUIT (immediate shutdown) from the kernel if the test process
//     dies (Pdeathsig; the starting goroutine keeps its OS thread locked while
//     postgres runs, see go.dev/issue/27505);
//   - Main stops it with the same SIGQUIT that pg_ctl stop -m immediate sends.
//
// Data, log and unix socket live in one temp dir (gatehouse-pg-*), removed by
// Main; dirs left by dead processes are swept on the next start.

const (
	clusterDirPrefix    = "gatehouse-pg-"
	clusterReadyTimeout = 30 * time.Second
	initdbTimeout       = 2 * time.Minute
)

var cluster struct {
	mu    sync.Mutex
	tried bool
	c     *pgCluster
	err   error
}

type pgCluster struct {
	dir     string // temp root: data/, postgres.log, unix socket
	url     string // admin URL (superuser postgres, trust auth)
	version string
	proc    *os.Process
	done    chan struct{} // closed when postgres has exited
}

// unavailableError means no cluster can be had on this machine: a skip, not a
// failure, unless Postgres is required.
type unavailableError struct{ reason string }

func (e *unavailableError) Error() string { return e.reason }

// sharedCluster starts the cluster on first use and returns it. Unavailability
// comes back as an error; a cluster that fails to start fails the test.
func sharedCluster(t testing.TB) (*pgCluster, error) {
	t.Helper()
	cluster.mu.Lock()
	defer cluster.mu.Unlock()
	if !cluster.tried {
		cluster.tried = true
		began := time.Now()
		cluster.c, cluster.err = startCluster()
		if cluster.err == nil {
			t.Logf("testharness: started throwaway %s at %s in %s (dir %s)",
				cluster.c.version, redact(cluster.c.url), time.Since(began).Round(time.Millisecond), cluster.c.dir)
		}
	}
	var unavailable *unavailableError
	if errors.As(cluster.err, &unavailable) {
		return nil, cluster.err
	}
	if cluster.err != nil {
		t.Fatalf("testharness: could not start a throwaway PostgreSQL cluster: %v\n"+
			"(set %s to use an existing server instead)", cluster.err, EnvPostgresURL)
	}
	select {
	case <-cluster.c.done:
		t.Fatalf("testharness: the throwaway PostgreSQL cluster has exited; log:\n%s", logTail(cluster.c.dir))
	default:
	}
	return cluster.c, nil
}

// stopSharedCluster stops the cluster, if any, and removes its directory.
func stopSharedCluster() {
	cluster.mu.Lock()
	defer cluster.mu.Unlock()
	if cluster.c != nil {
		cluster.c.stop()
		_ = os.RemoveAll(cluster.c.dir)
		cluster.c = nil
		cluster.err = errors.New("the throwaway PostgreSQL cluster was stopped by testharness.Main")
	}
}

func startCluster() (*pgCluster, error) {
	bins, err := findPostgresBinaries()
	if err != nil {
		return nil, &unavailableError{err.Error()}
	}
	cred, err := postgresCredential()
	if err != nil {
		return nil, &unavailableError{err.Error()}
	}
	base := clusterBaseDir(cred)
	sweepStaleClusters(base)
	dir, err := os.MkdirTemp(base, clusterDirPrefix)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(dir)
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("chown %s to the postgres user: %w", dir, err)
		}
	}
	data := filepath.Join(dir, "data")
	out, err := runBounded(initdbTimeout, cred, dir, bins.initdb,
		"-D", data, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync")
	if err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, tail(out))
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		c, err := launchPostgres(bins, cred, dir, data)
		if err == nil {
			ok = true
			return c, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "could not bind") && !strings.Contains(err.Error(), "already in use") {
			break
		}
	}
	return nil, lastErr
}

// launchPostgres starts postgres on a free loopback port and waits until it
// accepts connections.
func launchPostgres(bins pgBinaries, cred *syscall.Credential, dir, data string) (*pgCluster, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(bins.postgres, "-D", data, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-k", dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB")
	cmd.Dir = dir
	cmd.Env = postgresEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}

	c := &pgCluster{
		dir:     dir,
		url:     fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		version: bins.version,
		done:    make(chan struct{}),
	}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that forked exits, so keep it.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", bins.postgres, err)
	}
	c.proc = cmd.Process
	if err := c.waitReady(data); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *pgCluster) waitReady(data string) error {
	db, err := sql.Open("postgres", c.url)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(clusterReadyTimeout)
	for {
		select {
		case <-c.done:
			return fmt.Errorf("postgres exited during start-up; log:\n%s", logTail(c.dir))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var got string
		err := db.QueryRowContext(ctx, "SELECT current_setting('data_directory')").Scan(&got)
		cancel()
		if err == nil {
			if got != data { // someone else's server took the port
				return fmt.Errorf("could not bind: port of %s is served by %s", redact(c.url), got)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after %s: %v; log:\n%s", clusterReadyTimeout, err, logTail(c.dir))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts postgres down like pg_ctl stop -m immediate (SIGQUIT), then kills
// its process group if it is still there after 10 s.
func (c *pgCluster) stop() {
	_ = c.proc.Signal(syscall.SIGQUIT)
	select {
	case <-c.done:
		return
	case <-time.After(10 * time.Second):
	}
	_ = syscall.Kill(-c.proc.Pid, syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
	}
}

// sweepStaleClusters removes cluster dirs whose test process and postmaster
// are both gone (the process died before Main could clean up).
func sweepStaleClusters(base string) {
	matches, _ := filepath.Glob(filepath.Join(base, clusterDirPrefix+"*"))
	for _, d := range matches {
		fi, err := os.Lstat(d)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		if pid, ok := readPID(filepath.Join(d, "owner.pid")); !ok || processAlive(pid) {
			continue
		}
		if pid, ok := readPID(filepath.Join(d, "data", "postmaster.pid")); ok && processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

func readPID(path string) (int, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	return pid, err == nil && pid > 0
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func logTail(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
	return tail(b)
}

func tail(b []byte) string {
	const max = 3000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
