package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestLoadEveryScenario runs every scenario for a moment against an
// in-process server (whose pid is the test's own) and checks each one
// completed requests without errors and reported CPU and memory.
func TestLoadEveryScenario(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_LOG_LEVEL": "warn"}})
	secret := srv.CreateClient(t, config.ClientConfig{ID: "load-admin", GrantTypes: []string{"client_credentials"}, Admin: true})
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := []string{"-url", srv.URL, "-workers", "2", "-duration", "1s", "-pid", strconv.Itoa(os.Getpid()), "-admin-client", "load-admin"}
	getenv := func(k string) string {
		if k == "GATEHOUSE_LOAD_ADMIN_SECRET" {
			return secret
		}
		return ""
	}
	if err := run(ctx, args, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	t.Logf("\n%s", &stdout)
	if stderr.Len() > 0 {
		t.Errorf("errors reported:\n%s", &stderr)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if f := strings.Fields(line); len(f) == 11 {
			rows[f[0]] = f
		}
	}
	for _, s := range scenarios {
		f, ok := rows[s.name]
		if !ok {
			t.Errorf("no row for %s", s.name)
			continue
		}
		if n, _ := strconv.Atoi(f[1]); n == 0 {
			t.Errorf("%s: no requests: %v", s.name, f)
		}
		if f[8] != "0" {
			t.Errorf("%s: %s errors", s.name, f[8])
		}
		if !strings.HasSuffix(f[9], "µs") || !strings.HasSuffix(f[10], "MiB") {
			t.Errorf("%s: no CPU or memory figures: %v", s.name, f)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	env := func(k string) string {
		if k == "GATEHOUSE_LOAD_ADMIN_SECRET" {
			return "s"
		}
		return ""
	}
	for name, args := range map[string][]string{
		"no admin client":  {"-url", "http://127.0.0.1:1"},
		"unknown scenario": {"-admin-client", "a", "-scenarios", "discovery,teleport"},
		"zero workers":     {"-admin-client", "a", "-workers", "0"},
		"stray argument":   {"-admin-client", "a", "now"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), args, env, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), "usage") {
				t.Errorf("run(%v) = %v, want a usage error", args, err)
			}
		})
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-admin-client", "a"}, func(string) string { return "" }, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_LOAD_ADMIN_SECRET") {
		t.Errorf("without a secret: %v", err)
	}
}
