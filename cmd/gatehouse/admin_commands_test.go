package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func sqliteEnv(t *testing.T) map[string]string {
	return map[string]string{"GATEHOUSE_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "gh.db")}
}

func withStdin(t *testing.T, input string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(input)
	t.Cleanup(func() { stdin = old })
}

func TestUsersCreateAndList(t *testing.T) {
	env := sqliteEnv(t)
	withStdin(t, "a long enough password\n")
	code, stdout, stderr := runCLI(t, env, "users", "create", "--email", "Root@Example.com", "--username", "root",
		"--password-stdin", "--given-name", "Ada", "--family-name", "Lovelace", "--admin")
	id := strings.TrimSpace(stdout)
	if code != 0 || len(id) != 22 {
		t.Fatalf("create: code %d id %q stderr %q", code, id, stderr)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"duplicate email in other case", []string{"--email", "root@example.com"}, "email is already taken"},
		{"duplicate username", []string{"--email", "x@example.com", "--username", "ROOT"}, "username is already taken"},
		{"bad email", []string{"--email", "not-an-address"}, "email"},
		{"missing email", nil, "--email is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, env, append([]string{"users", "create"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("code %d stderr %q, want 2 and %q", code, stderr, tc.want)
			}
		})
	}
	withStdin(t, "short\n")
	if code, _, stderr := runCLI(t, env, "users", "create", "--email", "s@example.com", "--password-stdin"); code != 2 || !strings.Contains(stderr, "password") {
		t.Errorf("short password: code %d stderr %q", code, stderr)
	}
	for _, tc := range []struct{ password, want string }{
		{"qwerty123", "the password is refused: it is one of the most common passwords"},
		{"sam's own secret", "the password is refused: contains the login, email or instance name\n"},
	} {
		withStdin(t, tc.password+"\n")
		code, _, stderr := runCLI(t, env, "users", "create", "--email", "sam@example.com", "--password-stdin")
		// One line, no "usage:", the reason said once (issue 12).
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, tc.password) ||
			strings.Contains(stderr, "usage") || strings.Count(stderr, "\n") != 1 || strings.Count(stderr, "contains") > 1 {
			t.Errorf("password %q: code %d stderr %q, want 2 and %q", tc.password, code, stderr, tc.want)
		}
	}

	code, stdout, _ = runCLI(t, env, "users", "list")
	if code != 0 || !strings.Contains(stdout, id) || !strings.Contains(stdout, "active") || !strings.Contains(stdout, "admin") {
		t.Errorf("list: %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, env, "users", "list", "--state", "pending_approval")
	if code != 0 || strings.Contains(stdout, id) {
		t.Errorf("state filter: %d\n%s", code, stdout)
	}
	if code, _, _ := runCLI(t, env, "users", "list", "--state", "sleeping"); code != 2 {
		t.Errorf("unknown state: code %d", code)
	}
	code, stdout, _ = runCLI(t, env, "users", "list", "--json")
	var row map[string]any
	if code != 0 || json.Unmarshal([]byte(strings.SplitN(stdout, "\n", 2)[0]), &row) != nil || row["id"] != id {
		t.Errorf("json list: %d %q", code, stdout)
	}
	if strings.Contains(stdout, "argon2") {
		t.Error("a password hash was printed")
	}
}

func TestClientsCommands(t *testing.T) {
	env := sqliteEnv(t)
	code, stdout, stderr := runCLI(t, env, "clients", "create", "--id", "web", "--redirect-uri", "https://app.example.com/cb",
		"--redirect-uri", "http://127.0.0.1:3000/cb", "--grant-types", "authorization_code,refresh_token", "--name", "Web App")
	var out map[string]string
	if code != 0 || json.Unmarshal([]byte(stdout), &out) != nil || out["client_id"] != "web" || len(out["client_secret"]) < 32 {
		t.Fatalf("create: code %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, env, "clients", "create", "--id", "spa", "--public", "--redirect-uri", "https://spa.example.com/cb")
	if code != 0 || strings.Contains(stdout, "client_secret") {
		t.Fatalf("public client: %d %q", code, stdout)
	}
	refused := []struct {
		name string
		args []string
		want string
	}{
		{"http redirect off loopback", []string{"--id", "a", "--redirect-uri", "http://app.example.com/cb"}, "redirect"},
		{"wildcard", []string{"--id", "b", "--redirect-uri", "https://*.example.com/cb"}, "redirect"},
		{"javascript", []string{"--id", "c", "--redirect-uri", "JavaScript:alert(1)"}, "redirect"},
		{"data", []string{"--id", "d", "--redirect-uri", "data:text/html,x"}, "redirect"},
		{"fragment", []string{"--id", "e", "--redirect-uri", "https://app.example.com/cb#x"}, "redirect"},
		{"short secret", []string{"--id", "f", "--secret", "short", "--redirect-uri", "https://a.example/cb"}, "at least 32"},
		{"duplicate id", []string{"--id", "web", "--redirect-uri", "https://a.example/cb"}, "already exists"},
		{"public with secret", []string{"--id", "g", "--public", "--secret", strings.Repeat("s", 40)}, "exclude"},
		{"unknown grant", []string{"--id", "h", "--grant-types", "password", "--redirect-uri", "https://a.example/cb"}, "grant"},
		{"no id", []string{"--redirect-uri", "https://a.example/cb"}, "--id is required"},
		{"offline_access without refresh_token", []string{"--id", "i", "--grant-types", "authorization_code",
			"--scopes", "openid,offline_access", "--redirect-uri", "https://a.example/cb"}, "offline_access needs the refresh_token"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, env, append([]string{"clients", "create"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("code %d stderr %q, want 2 and %q", code, stderr, tc.want)
			}
		})
	}
	code, stdout, _ = runCLI(t, env, "clients", "list")
	if code != 0 || !strings.Contains(stdout, "web") || !strings.Contains(stdout, "public") || !strings.HasSuffix(stdout, "\n") {
		t.Errorf("list: %d\n%q", code, stdout)
	}
	// Defaults as the console's: the code flow with refresh tokens and
	// offline_access; without refresh_token, no offline_access (issue 12).
	if code, _, stderr := runCLI(t, env, "clients", "create", "--id", "plain", "--redirect-uri", "https://p.example/cb"); code != 0 {
		t.Fatalf("create with defaults: %d %q", code, stderr)
	}
	code, stdout, _ = runCLI(t, env, "clients", "show", "plain")
	var shown struct{ GrantTypes, Scopes []string }
	if err := json.Unmarshal([]byte(stdout), &struct {
		GrantTypes *[]string `json:"grant_types"`
		Scopes     *[]string `json:"scopes"`
	}{&shown.GrantTypes, &shown.Scopes}); code != 0 || err != nil ||
		strings.Join(shown.GrantTypes, ",") != "authorization_code,refresh_token" || !slices.Contains(shown.Scopes, "offline_access") {
		t.Errorf("defaults: %d %+v %v", code, shown, err)
	}
	if code, _, stderr := runCLI(t, env, "clients", "create", "--id", "nore", "--grant-types", "authorization_code", "--redirect-uri", "https://p.example/cb"); code != 0 {
		t.Fatalf("create without refresh_token: %d %q", code, stderr)
	}
	if _, stdout, _ = runCLI(t, env, "clients", "show", "nore"); strings.Contains(stdout, "offline_access") {
		t.Errorf("a client without refresh_token got offline_access:\n%s", stdout)
	}
	// Commands print no log lines without --verbose.
	if _, _, stderr := runCLI(t, env, "clients", "list"); stderr != "" {
		t.Errorf("clients list logged %q", stderr)
	}
	if _, _, stderr := runCLI(t, env, "clients", "list", "--verbose"); !strings.Contains(stderr, "level=") {
		t.Errorf("clients list --verbose logged nothing: %q", stderr)
	}
	code, stdout, _ = runCLI(t, env, "clients", "show", "web")
	if code != 0 || !strings.Contains(stdout, `"name": "Web App"`) || strings.Contains(stdout, "sha256") {
		t.Errorf("show: %d\n%s", code, stdout)
	}
	if code, _, _ := runCLI(t, env, "clients", "delete", "web"); code != 0 {
		t.Error("delete failed")
	}
	if code, _, stderr := runCLI(t, env, "clients", "show", "web"); code != 2 || !strings.Contains(stderr, "no client") {
		t.Errorf("show after delete: %d %q", code, stderr)
	}
}

func TestKeysCommands(t *testing.T) {
	env := sqliteEnv(t)
	code, stdout, stderr := runCLI(t, env, "keys", "list")
	if code != 0 || !strings.Contains(stdout, "active") || !strings.Contains(stdout, "next") || !strings.Contains(stdout, "RS256") {
		t.Fatalf("list: %d\n%s\n%s", code, stdout, stderr)
	}
	// A next key published moments ago may not sign yet: caches must see it first.
	code, _, stderr = runCLI(t, env, "keys", "rotate")
	if code != 2 || !strings.Contains(stderr, "not published long enough") {
		t.Errorf("early rotate: code %d stderr %q", code, stderr)
	}
}

// TestFlagsAfterArguments: flags may come before or after the arguments
// (INTERFACES.md), and "--" ends the flags.
func TestFlagsAfterArguments(t *testing.T) {
	env := sqliteEnv(t)
	if code, _, stderr := runCLI(t, env, "clients", "create", "--id", "late", "--redirect-uri", "https://l.example/cb"); code != 0 {
		t.Fatalf("create: %d %q", code, stderr)
	}
	code, stdout, stderr := runCLI(t, env, "clients", "show", "late", "--verbose")
	if code != 0 || !strings.Contains(stdout, `"client_id": "late"`) || !strings.Contains(stderr, "level=") {
		t.Fatalf("show ID --verbose: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, env, "clients", "show", "late", "--frob"); code != 2 || !strings.Contains(stderr, "frob") {
		t.Errorf("an unknown flag after the argument: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "clients", "show", "--", "--verbose"); code != 2 || !strings.Contains(stderr, `"--verbose"`) {
		t.Errorf("after --, --verbose is an argument (no such client): %d %q", code, stderr)
	}
}
