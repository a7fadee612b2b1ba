package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/config"
)

// TestGracefulShutdownLetsRequestsFinish cancels the serving context while a
// request is in flight: the request completes, new connections are refused,
// and Serve returns nil.
func TestGracefulShutdownLetsRequestsFinish(t *testing.T) {
	cfg := config.Defaults()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "gh.db")
	cfg.SecretKey = strings.Repeat("k", 40)
	cfg.Dev = true // http issuer
	cfg.ShutdownDrain = 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	started := make(chan struct{})
	srv.engine.GET("/slow", func(c *gin.Context) {
		close(started)
		time.Sleep(500 * time.Millisecond)
		c.String(http.StatusOK, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	result := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			result <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		result <- string(b)
	}()
	<-started
	cancel()
	select {
	case got := <-result:
		if got != "finished" {
			t.Errorf("in-flight request got %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request did not finish")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the listener still accepts after shutdown")
	}
}

// TestShutdownReportsNotReadyFirst: when shutdown begins (SIGTERM cancels
// the serving context) /readyz answers 503 at once while the replica still
// serves for the drain time, a request in flight finishes, and only then
// the listener closes.
func TestShutdownReportsNotReadyFirst(t *testing.T) {
	cfg := config.Defaults()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "gh.db")
	cfg.SecretKey = strings.Repeat("k", 40)
	cfg.Dev = true
	cfg.ShutdownDrain = 3 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	started, release := make(chan struct{}), make(chan struct{})
	srv.engine.GET("/slow", func(c *gin.Context) {
		close(started)
		<-release
		c.String(http.StatusOK, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	client := &http.Client{Timeout: 10 * time.Second}
	status := func(path string) int {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("/readyz"); got != http.StatusOK {
		t.Fatalf("/readyz before shutdown: %d", got)
	}
	result := make(chan string, 1)
	go func() {
		resp, err := client.Get(base + "/slow")
		if err != nil {
			result <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		result <- string(b)
	}()
	<-started
	cancel() // SIGTERM
	deadline := time.Now().Add(cfg.ShutdownDrain)
	for status("/readyz") != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not answer 503 after shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := status("/healthz"); got != http.StatusOK {
		t.Errorf("/healthz while draining: %d, want 200 (the process still serves)", got)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned while a request was in flight: %v", err)
	default:
	}
	close(release)
	if got := <-result; got != "finished" {
		t.Errorf("in-flight request got %q", got)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the listener still accepts after shutdown")
	}
}
