package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestClientsCreateRequirePAR: --require-par and its long form
// --require-pushed-authorization-requests are stored and shown by clients
// show.
func TestClientsCreateRequirePAR(t *testing.T) {
	env := sqliteEnv(t)
	for _, tc := range []struct{ id, flag string }{{"short", "--require-par"}, {"long", "--require-pushed-authorization-requests"}} {
		code, _, stderr := runCLI(t, env, "clients", "create", "--id", tc.id, "--redirect-uri", "https://app.example.com/cb", tc.flag)
		if code != 0 {
			t.Fatalf("create %s: %d %s", tc.flag, code, stderr)
		}
		code, stdout, _ := runCLI(t, env, "clients", "show", tc.id)
		if code != 0 || !strings.Contains(stdout, `"require_pushed_authorization_requests": true`) ||
			!strings.Contains(stdout, `"token_exchange_delegation": false`) {
			t.Fatalf("show %s: %d\n%s", tc.id, code, stdout)
		}
	}
}

// TestSettingsProtocolSwitches: settings set/get the OAuth protocol
// switches; a value that is not a boolean is refused with exit 2.
func TestSettingsProtocolSwitches(t *testing.T) {
	env := sqliteEnv(t)
	code, stdout, stderr := runCLI(t, env, "settings", "get", "oauth.require_pushed_authorization_requests")
	if code != 0 || strings.TrimSpace(stdout) != "false" {
		t.Fatalf("get default: %d %q %s", code, stdout, stderr)
	}
	for _, key := range []string{"oauth.require_pushed_authorization_requests", "oauth.dynamic_client_registration"} {
		code, stdout, stderr = runCLI(t, env, "settings", "set", key, "true")
		if code != 0 || strings.TrimSpace(stdout) != key+"\ttrue" {
			t.Fatalf("set %s: %d %q %s", key, code, stdout, stderr)
		}
		code, stdout, _ = runCLI(t, env, "settings", "get", key)
		if code != 0 || strings.TrimSpace(stdout) != "true" {
			t.Fatalf("get %s: %d %q", key, code, stdout)
		}
	}
	code, _, stderr = runCLI(t, env, "settings", "set", "oauth.dynamic_client_registration", "maybe")
	if code != 2 || !strings.Contains(stderr, "true or false") {
		t.Fatalf("bad value: %d %q", code, stderr)
	}
}

// TestClientsCreateTokenExchange: the token exchange grant and
// --token-exchange-delegation are stored and shown; the grant is refused
// for a public client.
func TestClientsCreateTokenExchange(t *testing.T) {
	env := sqliteEnv(t)
	code, _, stderr := runCLI(t, env, "clients", "create", "--id", "delegate", "--redirect-uri", "https://app.example.com/cb",
		"--grant-types", "authorization_code,urn:ietf:params:oauth:grant-type:token-exchange", "--token-exchange-delegation")
	if code != 0 {
		t.Fatalf("create delegate: %d %s", code, stderr)
	}
	code, stdout, _ := runCLI(t, env, "clients", "show", "delegate")
	if code != 0 || !strings.Contains(stdout, `"token_exchange_delegation": true`) || !strings.Contains(stdout, `"require_pushed_authorization_requests": false`) ||
		!strings.Contains(stdout, "urn:ietf:params:oauth:grant-type:token-exchange") {
		t.Fatalf("show delegate: %d\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, env, "clients", "create", "--id", "spa", "--public", "--redirect-uri", "https://app.example.com/cb",
		"--grant-types", "authorization_code,urn:ietf:params:oauth:grant-type:token-exchange")
	if code != 2 || !strings.Contains(stderr, "token exchange needs a confidential client") {
		t.Fatalf("public client with token exchange: %d %q", code, stderr)
	}
}

// TestRegistrationTokensCLI: create prints the id and the token once,
// list shows it without the token (table and --json), revoke marks it
// revoked; an unknown id and a bad lifetime are usage errors.
func TestRegistrationTokensCLI(t *testing.T) {
	env := sqliteEnv(t)
	code, stdout, stderr := runCLI(t, env, "registration-tokens", "create", "--name", "ci", "--expires-in", "30d")
	var created struct{ ID, Token string }
	if code != 0 || json.Unmarshal([]byte(stdout), &created) != nil || !strings.HasPrefix(created.Token, "ghreg_") || created.ID == "" {
		t.Fatalf("create: %d %q %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, env, "registration-tokens", "list")
	if code != 0 || !strings.Contains(stdout, created.ID) || !strings.Contains(stdout, "active") || strings.Contains(stdout, created.Token) {
		t.Fatalf("list: %d\n%s", code, stdout)
	}
	if code, _, _ = runCLI(t, env, "registration-tokens", "revoke", created.ID); code != 0 {
		t.Fatalf("revoke: %d", code)
	}
	code, stdout, _ = runCLI(t, env, "registration-tokens", "list", "--json")
	if code != 0 || !strings.Contains(stdout, `"state":"revoked"`) {
		t.Fatalf("list --json: %d\n%s", code, stdout)
	}
	if code, _, stderr = runCLI(t, env, "registration-tokens", "revoke", "missing"); code != 2 || !strings.Contains(stderr, "missing") {
		t.Fatalf("revoke unknown: %d %q", code, stderr)
	}
	if code, _, stderr = runCLI(t, env, "registration-tokens", "create", "--expires-in", "soon"); code != 2 {
		t.Fatalf("bad lifetime: %d %q", code, stderr)
	}
}
