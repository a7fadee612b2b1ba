package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestKeysReencrypt: after GATEHOUSE_SECRET_KEY=new,old, `keys reencrypt`
// seals the signing keys under the new key and says how many; a second run
// changes nothing; then the new key alone opens them. A key list that
// cannot open a stored key fails with exit 1 and one line naming it.
func TestKeysReencrypt(t *testing.T) {
	oldKey, newKey := strings.Repeat("o", 40), strings.Repeat("n", 40)
	env := sqliteEnv(t)
	env["GATEHOUSE_SECRET_KEY"] = oldKey
	if code, _, stderr := runCLI(t, env, "keys", "list"); code != 0 { // creates the keys under the old key
		t.Fatalf("keys list: %d %s", code, stderr)
	}

	env["GATEHOUSE_SECRET_KEY"] = newKey
	if code, _, stderr := runCLI(t, env, "keys", "list"); code != 1 || !strings.Contains(stderr, "decrypt") {
		t.Fatalf("the new key alone before reencrypt: %d %q, want exit 1 (cannot decrypt)", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "keys", "reencrypt"); code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("reencrypt with the new key alone: %d %q, want exit 1 and one line", code, stderr)
	}

	env["GATEHOUSE_SECRET_KEY"] = newKey + "," + oldKey
	code, stdout, stderr := runCLI(t, env, "keys", "reencrypt")
	if code != 0 || stdout != "signing keys: 2 re-encrypted, 0 already under the current key\n"+
		"authenticator secrets: 0 re-encrypted, 0 already under the current key\n" {
		t.Fatalf("reencrypt: %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, env, "keys", "reencrypt", "--json")
	var report struct {
		SigningKeys struct{ Reencrypted, Current int } `json:"signing_keys"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); code != 0 || err != nil ||
		report.SigningKeys.Reencrypted != 0 || report.SigningKeys.Current != 2 {
		t.Fatalf("second reencrypt --json: %d %v\n%s\n%s", code, err, stdout, stderr)
	}

	env["GATEHOUSE_SECRET_KEY"] = newKey
	if code, stdout, stderr := runCLI(t, env, "keys", "list"); code != 0 || !strings.Contains(stdout, "active") {
		t.Fatalf("the new key alone after reencrypt: %d\n%s\n%s", code, stdout, stderr)
	}

	env["GATEHOUSE_SECRET_KEY"] = newKey + ",short"
	if code, _, stderr := runCLI(t, env, "keys", "list"); code != 2 || !strings.Contains(stderr, "SECRET_KEY") {
		t.Errorf("a short older key: %d %q, want exit 2 naming GATEHOUSE_SECRET_KEY", code, stderr)
	}
}
