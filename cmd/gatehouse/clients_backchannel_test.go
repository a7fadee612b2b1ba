package main

import (
	"os"
	"path/filepath"
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

// TestClientsCreatePrivateKeyJWT: --token-endpoint-auth-method
// private_key_jwt with --jwks @FILE is stored and shown; without keys it
// is refused with exit 2.
func TestClientsCreatePrivateKeyJWT(t *testing.T) {
	env := sqliteEnv(t)
	file := filepath.Join(t.TempDir(), "jwks.json")
	jwks := `{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	if err := os.WriteFile(file, []byte(jwks), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, env, "clients", "create", "--id", "keyed", "--grant-types", "client_credentials",
		"--scopes", "orders:read", "--token-endpoint-auth-method", "private_key_jwt", "--jwks", "@"+file)
	if code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	code, stdout, _ := runCLI(t, env, "clients", "show", "keyed")
	if code != 0 || !strings.Contains(stdout, `"token_endpoint_auth_method": "private_key_jwt"`) || !strings.Contains(stdout, `"kid": "k1"`) {
		t.Fatalf("show: %d\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, env, "clients", "create", "--id", "keyless", "--grant-types", "client_credentials",
		"--scopes", "orders:read", "--token-endpoint-auth-method", "private_key_jwt")
	if code != 2 || !strings.Contains(stderr, "jwks") {
		t.Fatalf("without keys: %d %q", code, stderr)
	}
}
