package main

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// syncBuffer is a bytes.Buffer safe for one writer and a polling reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// runCLI runs a command line to completion and returns its exit code and output.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, args, envOf(env), &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String()
}

func TestBadConfigurationExitsWithCode2(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		key  string
	}{
		{"listen nonsense", map[string]string{"GATEHOUSE_LISTEN": "nonsense"}, []string{"serve"}, "GATEHOUSE_LISTEN"},
		{"listen nonsense, no subcommand", map[string]string{"GATEHOUSE_LISTEN": "nonsense"}, nil, "GATEHOUSE_LISTEN"},
		{"malformed database URL", map[string]string{"GATEHOUSE_DATABASE_URL": "postgres://u:p@[::1/db"}, []string{"serve"}, "GATEHOUSE_DATABASE_URL"},
		{"unknown database", map[string]string{"GATEHOUSE_DATABASE_URL": "mongodb://x"}, []string{"migrate"}, "GATEHOUSE_DATABASE_URL"},
		{"missing config file", nil, []string{"serve", "--config", filepath.Join(dir, "none.yaml")}, "GATEHOUSE_CONFIG"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"GATEHOUSE_DATABASE_URL": "sqlite:" + filepath.Join(dir, "x.db")}
			for k, v := range tc.env {
				env[k] = v
			}
			code, _, stderr := runCLI(t, env, tc.args...)
			if code != 2 {
				t.Fatalf("exit code %d, want 2; stderr: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.key) {
				t.Errorf("want one line naming %s, got %q", tc.key, stderr)
			}
			if strings.Contains(stderr, "u:p@") {
				t.Errorf("the password leaked into the message: %q", stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "x.db")); err == nil {
				t.Error("a database was created although the configuration is bad")
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"migrate", "status", "--help"},
		{"healthcheck", "--help"}, {"version", "--help"}, {"backup", "--help"}, {"restore", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, nil, args...)
			if code != 0 || !strings.Contains(stderr, "Usage: gatehouse") || !strings.Contains(stderr, "-config") {
				t.Errorf("code %d, output %q", code, stderr)
			}
		})
	}
	t.Run("unknown command", func(t *testing.T) {
		code, _, stderr := runCLI(t, nil, "frobnicate")
		if code != 2 || !strings.Contains(stderr, `"frobnicate"`) {
			t.Errorf("code %d, output %q", code, stderr)
		}
	})
	t.Run("unknown flag", func(t *testing.T) {
		code, _, _ := runCLI(t, nil, "version", "--frob")
		if code != 2 {
			t.Errorf("code %d", code)
		}
	})
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "gatehouse ") {
		t.Errorf("code %d, output %q", code, stdout)
	}
}

var listeningRe = regexp.MustCompile(`listening on\s+(\S+)`)

// startServe runs `gatehouse serve` in the background and returns its base
// URL once the banner names the address.
func startServe(t *testing.T, env map[string]string) string {
	t.Helper()
	base, _, _ := startServeOutput(t, env)
	return base
}

// startServeOutput is startServe that also returns the server's standard
// output and error.
func startServeOutput(t *testing.T, env map[string]string) (string, *syncBuffer, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	if _, ok := env["GATEHOUSE_MEMORY_LIMIT"]; !ok { // the test binary's heap is not serve's
		env = maps.Clone(env)
		if env == nil {
			env = map[string]string{}
		}
		env["GATEHOUSE_MEMORY_LIMIT"] = "off"
	}
	go func() { done <- run(ctx, []string{"serve"}, envOf(env), stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30s of cancellation")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRe.FindStringSubmatch(stdout.String()); m != nil {
			return "http://" + m[1], stdout, stderr
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\nstderr: %s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no banner within 60s; stdout %q stderr %q", stdout.String(), stderr.String())
	return "", nil, nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestQuickstartOnSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	base, out, logs := startServeOutput(t, map[string]string{"GATEHOUSE_LISTEN": "127.0.0.1:0"})
	checkFirstAdmin(t, base, out.String(), logs.String())
	if code, body := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "gatehouse.db")); err != nil {
		t.Errorf("gatehouse.db: %v", err)
	}
	info, err := os.Stat(filepath.Join(dir, "gatehouse.key"))
	if err != nil {
		t.Fatalf("gatehouse.key: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("gatehouse.key mode = %v, want 0600", info.Mode().Perm())
	}
	code, stdout, stderr := runCLI(t, map[string]string{"GATEHOUSE_LISTEN": strings.TrimPrefix(base, "http://")}, "healthcheck")
	if code != 0 || strings.TrimSpace(stdout) != "ok" {
		t.Errorf("healthcheck: code %d, %q %q", code, stdout, stderr)
	}
}

var firstAdminRe = regexp.MustCompile(`first admin .* as "admin" \(address (\S+)\) with the one-time password (\S+)`)

// checkFirstAdmin: the quickstart's banner names the administrator made on
// the empty database, its address and a one-time password (printed, never
// logged). Signing in with it leads to the change-password page, which
// asks only for the new password; then the console opens and the one-time
// password no longer works. A second start makes no other administrator.
func checkFirstAdmin(t *testing.T, base, stdout, stderr string) {
	t.Helper()
	m := firstAdminRe.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("the banner names no first administrator with an address:\n%s", stdout)
	}
	address, oneTime := m[1], m[2]
	if address != "admin@127.0.0.1" && address != "admin@localhost" {
		t.Errorf("first admin address %q", address)
	}
	if strings.Contains(stderr, oneTime) {
		t.Error("the one-time password reached the log")
	}
	admin := newBrowserlessUser(t, base)
	loc := admin.post("/login", url.Values{"login": {"admin"}, "password": {oneTime}, "return_to": {"/admin"}}, http.StatusSeeOther)
	if !strings.HasPrefix(loc, "/account/password") {
		t.Fatalf("first sign-in as admin goes to %q, want the change-password page", loc)
	}
	page := admin.get(loc, http.StatusOK)
	if strings.Contains(page, `name="current_password"`) || !strings.Contains(page, `id="forced-change"`) {
		t.Fatalf("the forced change asks for the one-time password again:\n%s", page)
	}
	admin.post("/account/password", url.Values{"password": {"quiet meadow lantern"}, "password_confirm": {"quiet meadow lantern"}}, http.StatusOK)
	if dash := admin.get("/admin", http.StatusOK); !strings.Contains(dash, `href="/admin/users"`) {
		t.Fatalf("/admin after the new password is not the console:\n%s", dash)
	}
	again := newBrowserlessUser(t, base)
	again.post("/login", url.Values{"login": {"admin"}, "password": {oneTime}}, http.StatusUnprocessableEntity)
	if loc := again.post("/login", url.Values{"login": {address}, "password": {"quiet meadow lantern"}, "return_to": {"/admin"}}, http.StatusSeeOther); loc != "/admin" {
		t.Errorf("sign-in with the new password goes to %q, want /admin", loc)
	}
	_, restarted, _ := startServeOutput(t, map[string]string{"GATEHOUSE_LISTEN": "127.0.0.1:0"})
	if strings.Contains(restarted.String(), "first admin") {
		t.Errorf("a second start made another administrator:\n%s", restarted.String())
	}
}

// browserlessUser is an HTTP client with a cookie jar that does not follow
// redirects, like a person's browser seen one response at a time.
type browserlessUser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowserlessUser(t *testing.T, base string) *browserlessUser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browserlessUser{t: t, base: base, client: &http.Client{Jar: jar, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// post submits a form, checks the status and returns the Location header.
func (b *browserlessUser) post(path string, form url.Values, want int) string {
	b.t.Helper()
	resp, err := b.client.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.t.Fatalf("POST %s = %d, want %d\n%s", path, resp.StatusCode, want, body)
	}
	return resp.Header.Get("Location")
}

// get fetches a page, checks the status and returns the body.
func (b *browserlessUser) get(path string, want int) string {
	b.t.Helper()
	resp, err := b.client.Get(b.base + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.t.Fatalf("GET %s = %d, want %d\n%s", path, resp.StatusCode, want, body)
	}
	return string(body)
}

func TestHealthcheckFailsWithoutServer(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "healthcheck", "--url", "http://127.0.0.1:1/healthz", "--timeout", "2s")
	if code != 1 || !strings.Contains(stderr, "health check") {
		t.Errorf("code %d, stderr %q", code, stderr)
	}
}

func TestMigrateAndStatus(t *testing.T) {
	env := map[string]string{"GATEHOUSE_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "gh.db")}
	code, stdout, stderr := runCLI(t, env, "migrate", "status")
	if code != 0 || !strings.Contains(stdout, "pending") || strings.Contains(stdout, "applied ") {
		t.Fatalf("status before migrate: code %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, env, "migrate")
	if code != 0 || !strings.Contains(stdout, "migrations applied") {
		t.Fatalf("migrate: code %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, env, "migrate", "status")
	if code != 0 || strings.Contains(stdout, "pending") || !strings.Contains(stdout, "applied") {
		t.Fatalf("status after migrate: code %d\n%s", code, stdout)
	}
	if code, _, _ = runCLI(t, env, "migrate"); code != 0 {
		t.Fatal("a second migrate must be a no-op")
	}
}

func TestServeRefusesPendingMigrationsWithoutAutoMigrate(t *testing.T) {
	env := map[string]string{
		"GATEHOUSE_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "gh.db"),
		"GATEHOUSE_AUTO_MIGRATE": "false",
		"GATEHOUSE_LISTEN":       "127.0.0.1:0",
	}
	code, _, stderr := runCLI(t, env, "serve")
	if code != 1 || !strings.Contains(stderr, "gatehouse migrate") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCLI(t, env, "migrate"); code != 0 {
		t.Fatal("migrate failed")
	}
	base := startServe(t, env)
	if code, _ := get(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d after migrating", code)
	}
}

func TestBannerNamesWhereMailGoes(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
		hide string
	}{
		{"dev capture", nil, "/dev/mail", ""},
		{"smtp", map[string]string{"GATEHOUSE_SMTP_URL": "smtp://mailer:hunter22@127.0.0.1:2525?insecure=1"}, "SMTP smtp://mailer:xxxxx@127.0.0.1:2525", "hunter22"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load("", envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			got := mailDestination(cfg)
			if !strings.Contains(got, tc.want) || (tc.hide != "" && strings.Contains(got, tc.hide)) {
				t.Errorf("mail line %q", got)
			}
		})
	}
}

// TestServeWarnsOfIgnoredSettings: after the first start the database
// holds the instance settings; an environment value that differs is
// named in a warning with the command that changes it (issue 12). One
// that agrees is not.
func TestServeWarnsOfIgnoredSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	startServe(t, map[string]string{"GATEHOUSE_LISTEN": "127.0.0.1:0"})
	_, _, logs := startServeOutput(t, map[string]string{"GATEHOUSE_LISTEN": "127.0.0.1:0",
		"GATEHOUSE_REGISTRATION_MODE": "closed", "GATEHOUSE_SIGNIN_CAPTCHA_AFTER": "3"})
	got := logs.String()
	if !strings.Contains(got, "GATEHOUSE_REGISTRATION_MODE") || !strings.Contains(got, "gatehouse settings set registration.mode closed") {
		t.Fatalf("no warning names the ignored GATEHOUSE_REGISTRATION_MODE:\n%s", got)
	}
	if strings.Contains(got, "GATEHOUSE_SIGNIN_CAPTCHA_AFTER") {
		t.Errorf("a value equal to the stored setting was reported:\n%s", got)
	}
	code, stdout, _ := runCLI(t, nil, "settings", "get", "registration.mode")
	if code != 0 || !strings.Contains(stdout, "open") {
		t.Errorf("settings get registration.mode = %d %q; the stored value must stay", code, stdout)
	}
}
