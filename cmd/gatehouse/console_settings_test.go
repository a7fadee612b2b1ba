package main

import (
	"strings"
	"testing"
)

// TestConsoleSettingsGetSet: the account console's settings (issue 14)
// are shown with their defaults and changed like the others; bad values
// are usage errors.
func TestConsoleSettingsGetSet(t *testing.T) {
	env := sqliteEnv(t)
	code, stdout, stderr := runCLI(t, env, "settings", "get")
	for _, want := range []string{`tokens.scopes	["openid","profile","email"]`, `tokens.max_lifetime	"365d"`,
		"notify.new_device\ttrue", "account.self_delete\ttrue"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("get lacks %q: %d %q %q", want, code, stdout, stderr)
		}
	}
	for _, tc := range []struct{ key, value, want string }{
		{"tokens.scopes", "openid profile", `["openid","profile"]`},
		{"tokens.max_lifetime", "90d", `"90d"`},
		{"notify.new_device", "false", "false"},
		{"account.self_delete", "false", "false"},
	} {
		code, stdout, stderr := runCLI(t, env, "settings", "set", tc.key, tc.value)
		if code != 0 || strings.TrimSpace(stdout) != tc.key+"\t"+tc.want {
			t.Errorf("set %s %s: %d %q %q", tc.key, tc.value, code, stdout, stderr)
		}
	}
	for _, tc := range [][]string{
		{"settings", "set", "tokens.scopes", "openid write:all"},
		{"settings", "set", "tokens.max_lifetime", "forever"},
		{"settings", "set", "tokens.max_lifetime", "0d"},
		{"settings", "set", "notify.new_device", "maybe"},
	} {
		if code, _, stderr := runCLI(t, env, tc...); code != 2 {
			t.Errorf("%v: %d %q, want usage error", tc, code, stderr)
		}
	}
	if code, stdout, _ := runCLI(t, env, "settings", "get", "tokens.max_lifetime"); code != 0 || strings.TrimSpace(stdout) != `"90d"` {
		t.Errorf("a refused set changed the lifetime: %q", stdout)
	}
}
