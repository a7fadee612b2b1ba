package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestTenMinutePath walks the README's "Run" section as a newcomer would, in
// a real browser against the real `serve`: the banner's one-time password,
// the administrator's own password, an application created in the console,
// the example relying party under examples/rp started with its id and
// secret, and a sign-in through it that ends with the ID token's claims on
// its page.
func TestTenMinutePath(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	page := testharness.NewPageTimeout(t, 4*time.Minute)
	rpBin := buildExample(t, root)

	dir := t.TempDir()
	t.Chdir(dir)
	// As `go run ./cmd/gatehouse serve`, on a free port instead of 8080.
	addr := freeLoopbackAddr(t)
	base, out, _ := startServeOutput(t, map[string]string{"GATEHOUSE_LISTEN": addr, "GATEHOUSE_ISSUER": "http://" + addr})
	banner := out.String()
	m := firstAdminRe.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner names no first administrator:\n%s", banner)
	}
	if !strings.Contains(banner, "/dev/mail") {
		t.Errorf("the banner does not say where the mail goes (/dev/mail in dev mode):\n%s", banner)
	}
	oneTime := m[2]

	// Sign in as the administrator and choose a password.
	page.Navigate(base + "/admin")
	page.Fill("#login", "admin")
	page.Fill("#password", oneTime)
	page.ClickAndWait(`main form button[type="submit"]`)
	if !page.Has("#forced-change") {
		t.Fatalf("the first sign-in did not ask for a new password; at %s", page.CurrentURL())
	}
	const newPassword = "amber harbour whistle 42"
	page.Fill("#password", newPassword)
	page.Fill("#password_confirm", newPassword)
	page.ClickAndWait(`main form button[type="submit"]`)
	page.Navigate(base + "/admin")
	if !page.Has(`a[href="/admin/clients"]`) {
		t.Fatalf("the console did not open after the new password; at %s", page.CurrentURL())
	}

	// Create the application in the console, with the example's redirect URI.
	rpAddr := freeLoopbackAddr(t)
	page.Navigate(base + "/admin/clients/new")
	page.Fill("#id", "example")
	page.Fill("#name", "Example app")
	page.Fill("#redirect_uris", "http://"+rpAddr+"/callback")
	page.ClickAndWait("#save-client")
	secret := page.Value("#client-secret")
	if len(secret) < 20 {
		t.Fatalf("no client secret shown after creating the application (at %s)", page.CurrentURL())
	}

	// The discovery URL the README names answers.
	if code, body := get(t, base+"/.well-known/openid-configuration"); code != 200 || !strings.Contains(body, `"issuer":"`+base+`"`) {
		t.Fatalf("discovery = %d %s", code, body)
	}

	// Start the example relying party and sign in through it.
	rpOut := startExample(t, rpBin, "-issuer", base, "-client-id", "example", "-client-secret", secret, "-listen", rpAddr)
	page.Navigate("http://" + rpAddr + "/")
	page.ClickAndWait("#sign-in")
	if strings.HasPrefix(page.CurrentURL(), base+"/consent") || page.Has(`button[value="allow"]`) {
		page.ClickAndWait(`button[value="allow"]`)
	}
	claims := page.Text("#claims")
	for _, want := range []string{`"iss": "` + base + `"`, `"azp": "example"`, `"email": "admin@`, `"sub": "`} {
		if !strings.Contains(claims, want) {
			t.Errorf("the example's page lacks %s; claims:\n%s", want, claims)
		}
	}
	if !strings.Contains(rpOut.String(), "ID token claims") {
		t.Errorf("the example printed no claims on its output:\n%s", rpOut.String())
	}
}

// buildExample compiles examples/rp into a temporary directory.
func buildExample(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rp")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/rp")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/rp: %v\n%s", err, out)
	}
	return bin
}

// freeLoopbackAddr picks a free loopback port for the example, which must
// know its redirect URI before the application is registered.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

var exampleListening = regexp.MustCompile(`rp: listening on `)

// startExample runs the example relying party until the test ends and
// returns its standard output once it listens.
func startExample(t *testing.T, bin string, args ...string) *syncBuffer {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out := &syncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := false
		for sc.Scan() {
			_, _ = out.Write([]byte(sc.Text() + "\n"))
			if !once && exampleListening.MatchString(sc.Text()) {
				once = true
				close(ready)
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = pw.Close()
	})
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("the example did not start within 30s:\n%s", out.String())
	}
	return out
}
