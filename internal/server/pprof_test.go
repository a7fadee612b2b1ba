package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

func pprofGet(t *testing.T, raw string) (int, string) {
	t.Helper()
	resp, err := http.Get(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestPprofListener: GATEHOUSE_PPROF_LISTEN serves the profiles on a
// listener of its own; the public server never does.
func TestPprofListener(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_PPROF_LISTEN": "127.0.0.1:0"}})
	addr := srv.Srv.PprofAddr()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("pprof address %q", addr)
	}
	if status, body := pprofGet(t, "http://"+addr+"/debug/pprof/"); status != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof index: %d\n%.300s", status, body)
	}
	if status, body := pprofGet(t, "http://"+addr+"/debug/pprof/goroutine?debug=1"); status != http.StatusOK || !strings.Contains(body, "goroutine profile") {
		t.Errorf("goroutine profile: %d\n%.300s", status, body)
	}
	if status, _ := pprofGet(t, srv.URL+"/debug/pprof/"); status != http.StatusNotFound {
		t.Errorf("the public listener answers /debug/pprof/ with %d, want 404", status)
	}
}

func TestPprofOffByDefault(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	if addr := srv.Srv.PprofAddr(); addr != "" {
		t.Errorf("profiling listens on %q without GATEHOUSE_PPROF_LISTEN", addr)
	}
	if status, _ := pprofGet(t, srv.URL+"/debug/pprof/cmdline"); status != http.StatusNotFound {
		t.Errorf("/debug/pprof/cmdline: %d, want 404", status)
	}
}
