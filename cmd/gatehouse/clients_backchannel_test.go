package main

import (
	"strings"
	"testing"
)

// TestClientsCreateBackchannel: --backchannel-logout-uri and
// --backchannel-logout-session-required are stored and shown; a
// non-loopback http URL is refused with exit 2 and one line.
func TestClientsCreateBackchannel(t *testing.T) {
	env := sqliteEnv(t)
	code, _, stderr := runCLI(t, env, "clients", "create", "--id", "bc", "--redirect-uri", "https://app.example.com/cb",
		"--backchannel-logout-uri", "https://app.example.com/backchannel", "--backchannel-logout-session-required")
	if code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	code, stdout, _ := runCLI(t, env, "clients", "show", "bc")
	if code != 0 || !strings.Contains(stdout, `"backchannel_logout_uri": "https://app.example.com/backchannel"`) ||
		!strings.Contains(stdout, `"backchannel_logout_session_required": true`) {
		t.Fatalf("show: %d\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, env, "clients", "create", "--id", "bc2", "--redirect-uri", "https://app.example.com/cb",
		"--backchannel-logout-uri", "http://app.example.com/backchannel")
	if code != 2 || !strings.Contains(stderr, "backchannel_logout_uri") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Fatalf("bad URL: %d %q", code, stderr)
	}
}
