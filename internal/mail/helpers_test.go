package mail

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// TestMain stops the throwaway Postgres cluster, if a test started one.
func TestMain(m *testing.M) { testharness.Main(m) }

const testIssuer = "https://id.example.com"

// newTestMailer builds a Mailer for the tests: the test issuer and
// instance name, fast polling and retries, unless opts says otherwise.
func newTestMailer(t *testing.T, opts Options) *Mailer {
	t.Helper()
	if opts.Issuer == "" {
		opts.Issuer = testIssuer
	}
	if opts.InstanceName == "" {
		opts.InstanceName = "Acme ID"
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	if opts.RetryBase == 0 {
		opts.RetryBase = 10 * time.Millisecond
		opts.RetryMax = 50 * time.Millisecond
	}
	m, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// runWorker runs m.Run until the test ends and waits for it to return.
func runWorker(t *testing.T, m *Mailer, outbox storage.OutboxStore) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Run(ctx, outbox)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
}

// enqueue stores a letter and returns its id.
func enqueue(t *testing.T, m *Mailer, outbox *memOutbox, l Letter) string {
	t.Helper()
	if err := m.Enqueue(context.Background(), outbox, l); err != nil {
		t.Fatalf("Enqueue %s: %v", l.Template, err)
	}
	outbox.mu.Lock()
	defer outbox.mu.Unlock()
	return outbox.msgs[len(outbox.msgs)-1].ID
}

// verifyLetter is a verify_email letter to addr.
func verifyLetter(m *Mailer, addr string) Letter {
	return Letter{To: addr, Locale: "en", Template: VerifyEmail,
		Data: map[string]any{"Link": m.Link("/verify", map[string][]string{"token": {"tok-" + addr}})}}
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// counterValue reads one gatehouse_mail_* counter for kind from reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name, kind string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return metric.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
