package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestClientsCreateHomeURL: --home-url is stored and shown as home_url;
// an http URL off loopback is refused with a usage error naming it.
func TestClientsCreateHomeURL(t *testing.T) {
	env := sqliteEnv(t)
	code, _, stderr := runCLI(t, env, "clients", "create", "--id", "bad", "--redirect-uri", "https://app.example.com/cb",
		"--home-url", "http://app.example.com/")
	if code != 2 || !strings.Contains(stderr, "home_url") {
		t.Errorf("http home URL: code %d stderr %q, want 2 naming home_url", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "clients", "create", "--id", "notes", "--redirect-uri", "https://app.example.com/cb",
		"--home-url", "https://app.example.com/start"); code != 0 {
		t.Fatalf("create: %d %q", code, stderr)
	}
	code, stdout, _ := runCLI(t, env, "clients", "show", "notes")
	var shown struct {
		HomeURL string `json:"home_url"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &shown) != nil || shown.HomeURL != "https://app.example.com/start" {
		t.Errorf("show: %d %q", code, stdout)
	}
}
