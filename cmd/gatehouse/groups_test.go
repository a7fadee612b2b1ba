package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestGroupsCommands: create, list, add-member, members, remove-member,
// delete, with a user named by email and a group by name or id; bad
// input exits 2 or 1 with one line.
func TestGroupsCommands(t *testing.T) {
	env := sqliteEnv(t)
	withStdin(t, "a long enough password\n")
	code, out, stderr := runCLI(t, env, "users", "create", "--email", "ann@example.com", "--password-stdin")
	if code != 0 {
		t.Fatalf("users create: %d %s", code, stderr)
	}
	userID := strings.TrimSpace(out)
	code, out, stderr = runCLI(t, env, "groups", "create", "--description", "everyone on the payroll", "Staff")
	groupID := strings.TrimSpace(out)
	if code != 0 || groupID == "" {
		t.Fatalf("groups create: %d %q %s", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, env, "groups", "create", "staff"); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("duplicate name in other case: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "groups", "create", "a,b"); code != 2 || !strings.Contains(stderr, "commas") {
		t.Errorf("name with a comma: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "groups", "create"); code != 2 || !strings.Contains(stderr, "NAME") {
		t.Errorf("no name: %d %q", code, stderr)
	}
	if code, out, _ := runCLI(t, env, "groups", "list"); code != 0 || !strings.Contains(out, "Staff") || !strings.Contains(out, "everyone on the payroll") {
		t.Errorf("groups list: %d %q", code, out)
	}
	if code, out, stderr := runCLI(t, env, "groups", "add-member", "staff", "ANN@example.com"); code != 0 || !strings.Contains(out, "added to Staff") {
		t.Fatalf("add-member: %d %q %q", code, out, stderr)
	}
	if code, out, _ := runCLI(t, env, "groups", "add-member", groupID, userID); code != 0 || !strings.Contains(out, "already in") {
		t.Errorf("add-member again: %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "groups", "members", "--json", "Staff")
	var m map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || m["id"] != userID {
		t.Errorf("members --json: %d %q", code, out)
	}
	if code, _, stderr := runCLI(t, env, "groups", "add-member", "staff", "nobody@example.com"); code != 1 || !strings.Contains(stderr, "no user") {
		t.Errorf("unknown user: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "groups", "add-member", "nope", userID); code != 1 || !strings.Contains(stderr, "no group") {
		t.Errorf("unknown group: %d %q", code, stderr)
	}
	if code, out, _ := runCLI(t, env, "groups", "remove-member", "staff", userID); code != 0 || !strings.Contains(out, "removed from Staff") {
		t.Errorf("remove-member: %d %q", code, out)
	}
	if code, _, stderr := runCLI(t, env, "groups", "remove-member", "staff", userID); code != 1 || !strings.Contains(stderr, "no such") {
		t.Errorf("remove-member of a non-member: %d %q", code, stderr)
	}
	if code, out, _ := runCLI(t, env, "groups", "delete", "staff"); code != 0 || !strings.Contains(out, "deleted") {
		t.Errorf("delete: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, env, "groups", "list", "--json"); code != 0 || out != "" {
		t.Errorf("list after delete: %d %q", code, out)
	}
}

// TestClientsAllowedGroupsFlag: --allowed-groups is stored and shown by
// clients show as allowed_groups; a bad name is refused.
func TestClientsAllowedGroupsFlag(t *testing.T) {
	env := sqliteEnv(t)
	code, _, stderr := runCLI(t, env, "clients", "create", "--id", "wiki", "--redirect-uri", "https://wiki.example/cb",
		"--allowed-groups", "staff, Wiki Editors")
	if code != 0 {
		t.Fatalf("clients create: %d %s", code, stderr)
	}
	code, out, _ := runCLI(t, env, "clients", "show", "wiki")
	var c struct {
		AllowedGroups []string `json:"allowed_groups"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &c) != nil || !slices.Equal(c.AllowedGroups, []string{"staff", "Wiki Editors"}) {
		t.Fatalf("clients show: %d %s", code, out)
	}
	if code, _, stderr := runCLI(t, env, "clients", "create", "--id", "bad", "--redirect-uri", "https://b.example/cb",
		"--allowed-groups", " ,x\ty"); code != 2 || !strings.Contains(stderr, "allowed group") {
		t.Errorf("bad group name: %d %q", code, stderr)
	}
}

// TestUsersImportExport: users import FILE reports the counts, a second
// run is unchanged, a bad line refuses the file naming the line, and
// users export writes the same format (hashes only with --with-hashes).
func TestUsersImportExport(t *testing.T) {
	env := sqliteEnv(t)
	dir := t.TempDir()
	good := dir + "/users.jsonl"
	hash := "$2b$04$abcdefghijklmnopqrstuu5Ugwn2O9TSmTgWfVKtIIW7QwqSW6bWW" // a well-formed bcrypt string
	writeFile(t, good, `{"email":"p@example.com","email_verified":true,"groups":["staff"],"password_hash":"`+hash+`"}
{"email":"q@example.com","username":"qq-user"}
`)
	if code, out, stderr := runCLI(t, env, "users", "import", good); code != 0 || out != "2 created, 0 updated, 0 unchanged\n" {
		t.Fatalf("import: %d %q %q", code, out, stderr)
	}
	if code, out, _ := runCLI(t, env, "users", "import", good); code != 0 || out != "0 created, 0 updated, 2 unchanged\n" {
		t.Fatalf("second import: %d %q", code, out)
	}
	bad := dir + "/bad.jsonl"
	writeFile(t, bad, `{"email":"r@example.com"}
{"email":"s@example.com","state":"sleeping"}
`)
	if code, _, stderr := runCLI(t, env, "users", "import", bad); code != 1 || !strings.Contains(stderr, "line 2: state") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("bad file: %d %q", code, stderr)
	}
	code, out, _ := runCLI(t, env, "users", "export")
	if code != 0 || strings.Count(out, "\n") != 2 || strings.Contains(out, "password_hash") || !strings.Contains(out, `"groups":["staff"]`) || strings.Contains(out, "r@example.com") {
		t.Fatalf("export: %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "users", "export", "--with-hashes")
	if code != 0 || !strings.Contains(out, `"password_hash":"`+hash+`"`) {
		t.Fatalf("export --with-hashes: %d %q", code, out)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
