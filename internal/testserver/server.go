package testserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testharness"
)

// ServerOptions shape a test server.
type ServerOptions struct {
	// Env holds GATEHOUSE_* settings applied over the test defaults.
	Env map[string]string
	// Postgres runs the server on a fresh Postgres database (skipping or
	// failing as PostgresURL does) instead of a SQLite file.
	Postgres bool
	// DatabaseURL, when set, is used as is (for two servers sharing one
	// database, or a database behind a TCPProxy).
	DatabaseURL string
	// Listener, when set, is served instead of a new random port (so a
	// test can know a server's address before it starts).
	Listener net.Listener
	// MailRetryBase is the mail worker's first retry delay after a failed
	// delivery (a test hook, not configuration); zero means
	// DefaultMailRetryBase.
	MailRetryBase time.Duration
	// SpanExporter, when set, receives the server's spans (set
	// GATEHOUSE_OTEL_ENDPOINT in Env to trace SQL and outbound calls too).
	SpanExporter sdktrace.SpanExporter
	// MailRetryMax caps the mail worker's doubled retry delays (a test
	// hook); zero keeps the production cap.
	MailRetryMax time.Duration
}

// Mail worker timings of test servers, much shorter than production's so
// a test sees letters (and retries) within a second.
const (
	DefaultMailRetryBase    = 200 * time.Millisecond
	DefaultMailPollInterval = 100 * time.Millisecond
)

// Server is a real Gatehouse server on a random loopback port.
type Server struct {
	// URL is the base URL, which is also the issuer.
	URL    string
	Config config.Config
	Srv    *server.Server
	logs   *lockedBuffer
	stop   func()
}

// Stop shuts the server down now (as SIGTERM would: in-flight requests
// finish) and closes its database, instead of at the end of the test. Its
// address may then be listened on again by a new server. Safe to call more
// than once.
func (s *Server) Stop() { s.stop() }

// Logs returns what the server logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// Start starts the real server in-process against SQLite (default) or
// Postgres, and stops it at the end of the test. Its issuer is its own URL.
func Start(t testing.TB, opts ServerOptions) *Server {
	t.Helper()
	ln := opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatalf("listen: %v", err)
		}
	}
	base := "http://" + ln.Addr().String()
	env := map[string]string{
		"GATEHOUSE_LISTEN":     ln.Addr().String(),
		"GATEHOUSE_ISSUER":     base,
		"GATEHOUSE_SECRET_KEY": randomSecret(),
		"GATEHOUSE_LOG_LEVEL":  "debug",
	}
	switch {
	case opts.DatabaseURL != "":
		env["GATEHOUSE_DATABASE_URL"] = opts.DatabaseURL
	case opts.Postgres:
		env["GATEHOUSE_DATABASE_URL"] = testharness.PostgresURL(t)
	default:
		env["GATEHOUSE_DATABASE_URL"] = "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db")
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	cfg, err := config.Load("", func(k string) string { return env[k] })
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		ln.Close()
		t.Fatalf("test server configuration: %v", err)
	}
	logs := &lockedBuffer{}
	var handler slog.Handler = slog.NewTextHandler(logs, &slog.HandlerOptions{Level: cfg.SlogLevel()})
	if cfg.LogFormat == "json" {
		handler = slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: cfg.SlogLevel()})
	}
	logger := slog.New(handler)
	hooks := server.TestHooks{MailRetryBase: opts.MailRetryBase, MailRetryMax: opts.MailRetryMax, MailPollInterval: DefaultMailPollInterval,
		BackchannelRetryBase: DefaultMailRetryBase, BackchannelPollInterval: DefaultMailPollInterval,
		SpanExporter: opts.SpanExporter}
	if hooks.MailRetryBase == 0 {
		hooks.MailRetryBase = DefaultMailRetryBase
	}
	ctx, cancel := context.WithCancel(server.WithTestHooks(context.Background(), hooks))
	srv, err := server.New(ctx, cfg, logger)
	if err != nil {
		cancel()
		ln.Close()
		t.Fatalf("start test server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	s := &Server{URL: base, Config: cfg, Srv: srv, logs: logs}
	var once sync.Once
	s.stop = func() { once.Do(func() { stopServer(t, cancel, done, srv, logs) }) }
	t.Cleanup(s.stop)
	waitHealthy(t, base)
	return s
}

func stopServer(t testing.TB, cancel context.CancelFunc, done <-chan error, srv *server.Server, logs *lockedBuffer) {
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("test server stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("test server did not stop within 30s")
	}
	srv.Close()
	if t.Failed() {
		t.Logf("server log (last 8 KiB):\n%s", lastBytes(logs.String(), 8<<10))
	}
}

func waitHealthy(t testing.TB, base string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("test server at %s did not become healthy", base)
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// lockedBuffer collects a server's log lines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
