package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// waitStatus polls url until it answers want, or fails after limit.
func waitStatus(t *testing.T, url string, want int, limit time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(limit)
	last := 0
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			last = resp.StatusCode
			if last == want {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer %d within %v (last %d)", url, want, limit, last)
}

func TestServesOnSQLite(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	checkBasics(t, srv.URL)
}

func TestServesOnPostgres(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{Postgres: true})
	checkBasics(t, srv.URL)
}

func checkBasics(t *testing.T, base string) {
	t.Helper()
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, body := get(t, base+path); resp.StatusCode != http.StatusOK {
			t.Errorf("%s = %d %s", path, resp.StatusCode, body)
		}
	}
	resp, body := get(t, base+"/metrics")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "gatehouse_http_requests_total") ||
		!strings.Contains(body, "go_sql_max_open_connections") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics = %d, missing families", resp.StatusCode)
	}
	resp, body = get(t, base+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Gatehouse") {
		t.Errorf("/ = %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Request-ID") == "" {
		t.Errorf("headers = %v", resp.Header)
	}
	if resp, _ := get(t, base+"/no-such-page"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path = %d", resp.StatusCode)
	}
}

// TestReadyzFollowsTheDatabase cuts the connection to Postgres: /readyz
// turns 503 while the database is unreachable and 200 once it is back,
// while /healthz stays 200 throughout.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	dbURL, proxy := testharness.PostgresViaProxy(t)
	srv := testserver.Start(t, testserver.ServerOptions{
		DatabaseURL: dbURL,
		Env:         map[string]string{"GATEHOUSE_READINESS_TIMEOUT": "1s"},
	})
	waitStatus(t, srv.URL+"/readyz", http.StatusOK, 10*time.Second)
	proxy.Cut()
	waitStatus(t, srv.URL+"/readyz", http.StatusServiceUnavailable, 15*time.Second)
	if resp, _ := get(t, srv.URL+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d while the database is away", resp.StatusCode)
	}
	proxy.Restore()
	waitStatus(t, srv.URL+"/readyz", http.StatusOK, 20*time.Second)
}

func TestForwardedForIsNotTrustedByDefault(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	get(t, srv.URL+"/healthz", "X-Forwarded-For", "203.0.113.9")
	if strings.Contains(srv.Logs(), "203.0.113.9") {
		t.Error("a forwarded address was believed without a trusted proxy")
	}
	if !strings.Contains(srv.Logs(), "ip=127.0.0.1") {
		t.Errorf("the access log should name the peer address:\n%s", srv.Logs())
	}
}

func TestForwardedForFromTrustedProxy(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1"}})
	get(t, srv.URL+"/healthz", "X-Forwarded-For", "203.0.113.9")
	if !strings.Contains(srv.Logs(), "ip=203.0.113.9") {
		t.Errorf("a trusted proxy's forwarded address should be used:\n%s", srv.Logs())
	}
}
