package deploy

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// unit is a parsed systemd unit: section -> directive -> values in order.
type unit map[string]map[string][]string

func parseUnit(t *testing.T, file string) unit {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, section := unit{}, ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not a directive: %q", file, n, line)
			}
			u[section][key] = append(u[section][key], value)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSystemdUnit(t *testing.T) {
	u := parseUnit(t, "systemd/gatehouse.service")
	for _, s := range []string{"Unit", "Service", "Install"} {
		if u[s] == nil {
			t.Fatalf("the unit has no [%s] section", s)
		}
	}
	svc := u["Service"]
	if got := svc["ExecStart"]; len(got) != 1 || got[0] != "/usr/local/bin/gatehouse serve" {
		t.Errorf("ExecStart = %v", got)
	}
	env := map[string]string{}
	for _, e := range svc["Environment"] {
		k, v, ok := strings.Cut(e, "=")
		if !ok {
			t.Fatalf("Environment=%s is not NAME=value", e)
		}
		env[k] = v
	}
	// The site file sets at least the https issuer.
	env["GATEHOUSE_ISSUER"] = "https://login.example.com"
	cfg := checkEnv(t, "systemd/gatehouse.service", env)
	if cfg.DatabaseKind() != "sqlite" || !strings.HasPrefix(cfg.SQLitePath(), "/var/lib/gatehouse/") {
		t.Errorf("the unit must keep SQLite in its state directory, has %s", cfg.DatabaseURL)
	}
	if !strings.HasPrefix(cfg.SecretKeyFile, "/var/lib/gatehouse/") {
		t.Errorf("the instance key must live in the state directory, is %q", cfg.SecretKeyFile)
	}
	if svc["StateDirectory"][0] != "gatehouse" || svc["WorkingDirectory"][0] != "/var/lib/gatehouse" {
		t.Error("the unit must own /var/lib/gatehouse through StateDirectory")
	}
	// Hardening: each of these must be set as shown.
	for key, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes",
		"MemoryDenyWriteExecute": "yes", "LockPersonality": "yes", "SystemCallArchitectures": "native",
		"ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectControlGroups": "yes",
		"RestrictNamespaces": "yes", "UMask": "0077", "User": "gatehouse",
	} {
		if got := svc[key]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %v, want %q", key, got, want)
		}
	}
	if len(svc["SystemCallFilter"]) == 0 || len(svc["RestrictAddressFamilies"]) == 0 {
		t.Error("the unit must filter system calls and address families")
	}
	if !strings.HasPrefix(cfg.Listen, "127.0.0.1:") {
		t.Errorf("behind a local TLS proxy Gatehouse listens on loopback, not %s", cfg.Listen)
	}
}
