package server_test

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// buildGatehouse builds cmd/gatehouse once per test binary run, for tests
// that need a real process (SIGKILL, SIGTERM).
var buildGatehouse = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gatehouse-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "gatehouse")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/gatehouse/gatehouse/cmd/gatehouse").CombinedOutput()
	if err != nil {
		return "", errors.New("go build: " + err.Error() + "\n" + string(out))
	}
	return bin, nil
})

// replicaProcess is `gatehouse serve` running as its own process.
type replicaProcess struct {
	cmd    *exec.Cmd
	url    string
	output *syncedBuffer
	exited chan struct{} // closed when the process has exited
	err    error         // its exit, once exited is closed
}

type syncedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncedBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startProcess runs the built binary with env (GATEHOUSE_* settings) on a
// free loopback port and waits until /readyz answers 200.
func startProcess(t *testing.T, env map[string]string) *replicaProcess {
	t.Helper()
	bin, err := buildGatehouse()
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"GATEHOUSE_LISTEN=" + addr, "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &replicaProcess{cmd: cmd, url: "http://" + addr, output: &syncedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr, cmd.Dir = p.output, p.output, t.TempDir()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("process output:\n%s", p.output.String())
		}
	})
	waitStatus(t, p.url+"/readyz", http.StatusOK, 60*time.Second)
	return p
}

// TestReplicaKilledMidCodeExchange: a replica running as its own process is
// killed with SIGKILL while it redeems a code (its claim waits on a row
// lock the test holds, so the kill lands in the middle); afterwards the
// code is either redeemed or redeemable on the surviving replica, never
// both: of two redemptions at most one succeeds, and the other gets
// invalid_grant.
func TestReplicaKilledMidCodeExchange(t *testing.T) {
	dbURL := testharness.PostgresURL(t)
	lnA, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	key := random(t) + random(t)
	issuer := "http://" + lnA.Addr().String()
	a := testserver.Start(t, testserver.ServerOptions{DatabaseURL: dbURL, Listener: lnA,
		Env: map[string]string{"GATEHOUSE_SECRET_KEY": key}})
	a.CreateUser(t, "kim@example.test", testPass)
	secret := registerClient(t, a, "kill-app", true)
	victim := startProcess(t, map[string]string{
		"GATEHOUSE_DATABASE_URL": dbURL, "GATEHOUSE_SECRET_KEY": key, "GATEHOUSE_ISSUER": issuer,
	})

	rp := newRelyingParty(t, a, "kill-app", secret)
	f := rp.newFlow()
	code := rp.signIn(f, "kim@example.test", testPass)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}, "code_verifier": {f.verifier}}

	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	hash := sha256.Sum256([]byte(code))
	var id string
	if err := lock.QueryRowContext(t.Context(), `SELECT id FROM auth_requests WHERE code_hash = $1 FOR UPDATE`, hash[:]).Scan(&id); err != nil {
		t.Fatalf("lock the code's row: %v", err)
	}
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, victim.url+"/oauth/token", bytes.NewBufferString(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("kill-app", url.QueryEscape(secret))
		resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	// The victim's claim of the code waits for the lock: kill it then.
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the victim's code exchange never reached the database")
		}
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.exited
	if status := <-answered; status != 0 {
		t.Fatalf("the killed replica answered %d", status)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}

	// On the surviving replica: redeemed (invalid_grant) or redeemable
	// (tokens, once), never both.
	redeemed := 0
	var answers []string
	for range 2 {
		status, tok, _ := tokenRequest(t, a.URL, "kill-app", secret, form)
		switch {
		case status == http.StatusOK:
			redeemed++
			answers = append(answers, "tokens")
		case status == http.StatusBadRequest && tok["error"] == "invalid_grant":
			answers = append(answers, "invalid_grant")
		default:
			t.Fatalf("redeeming after the kill: %d %v", status, tok)
		}
	}
	doubleSpent := max(0, redeemed-1)
	t.Logf("killed mid code exchange: answers after the kill %v; double-spent codes %d", answers, doubleSpent)
	if doubleSpent != 0 || answers[1] != "invalid_grant" {
		t.Errorf("the code was redeemed %d times after the kill (%v), want at most once and then invalid_grant", redeemed, answers)
	}
}

// TestProcessSIGTERMReportsNotReadyFirst: `gatehouse serve` as a process
// gets SIGTERM: /readyz answers 503 while it still serves (the drain),
// then it exits 0.
func TestProcessSIGTERMReportsNotReadyFirst(t *testing.T) {
	p := startProcess(t, map[string]string{
		"GATEHOUSE_DATABASE_URL":   "sqlite:" + filepath.Join(t.TempDir(), "gh.db"),
		"GATEHOUSE_SECRET_KEY":     random(t) + random(t),
		"GATEHOUSE_SHUTDOWN_DRAIN": "3s",
	})
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, p.url+"/readyz", http.StatusServiceUnavailable, 3*time.Second)
	if resp, err := http.Get(p.url + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz while draining: %v %v, want 200", resp, err)
	} else {
		resp.Body.Close()
	}
	select {
	case <-p.exited:
		if p.err != nil {
			t.Errorf("exit after SIGTERM: %v, want 0", p.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the process did not exit after SIGTERM")
	}
}
