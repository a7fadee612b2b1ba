package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsAreValid(t *testing.T) {
	cfg, err := Load("", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if !cfg.Dev {
		t.Error("dev mode should be on by default for http://localhost")
	}
	if cfg.Listen != DevListen || cfg.DatabaseURL != "sqlite:gatehouse.db" || cfg.Issuer != "http://localhost:8080" {
		t.Errorf("unexpected defaults: %+v", cfg)
	}
	if len(cfg.TrustedProxies) != 0 {
		t.Errorf("no proxy may be trusted by default, got %v", cfg.TrustedProxies)
	}
	if !cfg.DatabaseURLDefaulted() {
		t.Error("database URL should count as defaulted")
	}
}

func TestInvalidSettingsNameTheirKey(t *testing.T) {
	long := strings.Repeat("k", 40)
	tests := []struct {
		name string
		env  map[string]string
		key  string
	}{
		{"listen without port", map[string]string{"GATEHOUSE_LISTEN": "nonsense"}, "GATEHOUSE_LISTEN"},
		{"listen bad port", map[string]string{"GATEHOUSE_LISTEN": ":99999"}, "GATEHOUSE_LISTEN"},
		{"pprof on every address", map[string]string{"GATEHOUSE_PPROF_LISTEN": ":6060"}, "GATEHOUSE_PPROF_LISTEN"},
		{"pprof on a public address", map[string]string{"GATEHOUSE_PPROF_LISTEN": "10.1.2.3:6060"}, "GATEHOUSE_PPROF_LISTEN"},
		{"pprof on a name", map[string]string{"GATEHOUSE_PPROF_LISTEN": "db.internal:6060"}, "GATEHOUSE_PPROF_LISTEN"},
		{"pprof without port", map[string]string{"GATEHOUSE_PPROF_LISTEN": "127.0.0.1"}, "GATEHOUSE_PPROF_LISTEN"},
		{"pprof remote without listener", map[string]string{"GATEHOUSE_PPROF_ALLOW_REMOTE": "true"}, "GATEHOUSE_PPROF_ALLOW_REMOTE"},
		{"database scheme", map[string]string{"GATEHOUSE_DATABASE_URL": "mysql://x"}, "GATEHOUSE_DATABASE_URL"},
		{"database malformed", map[string]string{"GATEHOUSE_DATABASE_URL": "postgres://%zz@host/db", "GATEHOUSE_SECRET_KEY": long}, "GATEHOUSE_DATABASE_URL"},
		{"database without name", map[string]string{"GATEHOUSE_DATABASE_URL": "postgres://host:5432", "GATEHOUSE_SECRET_KEY": long}, "GATEHOUSE_DATABASE_URL"},
		{"sqlite with options", map[string]string{"GATEHOUSE_DATABASE_URL": "sqlite:gh.db?_pragma=x"}, "GATEHOUSE_DATABASE_URL"},
		{"sqlite without path", map[string]string{"GATEHOUSE_DATABASE_URL": "sqlite:"}, "GATEHOUSE_DATABASE_URL"},
		{"postgres needs key", map[string]string{"GATEHOUSE_DATABASE_URL": "postgres://u@h:5432/db"}, "GATEHOUSE_SECRET_KEY"},
		{"short key", map[string]string{"GATEHOUSE_SECRET_KEY": "short"}, "GATEHOUSE_SECRET_KEY"},
		{"http issuer outside dev", map[string]string{"GATEHOUSE_ISSUER": "http://id.example.com"}, "GATEHOUSE_ISSUER"},
		{"issuer with slash", map[string]string{"GATEHOUSE_ISSUER": "https://id.example.com/"}, "GATEHOUSE_ISSUER"},
		{"issuer relative", map[string]string{"GATEHOUSE_ISSUER": "/auth"}, "GATEHOUSE_ISSUER"},
		{"log level", map[string]string{"GATEHOUSE_LOG_LEVEL": "loud"}, "GATEHOUSE_LOG_LEVEL"},
		{"log format", map[string]string{"GATEHOUSE_LOG_FORMAT": "xml"}, "GATEHOUSE_LOG_FORMAT"},
		{"otel endpoint without scheme", map[string]string{"GATEHOUSE_OTEL_ENDPOINT": "collector:4318"}, "GATEHOUSE_OTEL_ENDPOINT"},
		{"otel endpoint with credentials", map[string]string{"GATEHOUSE_OTEL_ENDPOINT": "https://u:p@collector:4318"}, "GATEHOUSE_OTEL_ENDPOINT"},
		{"proxy", map[string]string{"GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/8,not-an-ip"}, "GATEHOUSE_TRUSTED_PROXIES"},
		{"bool", map[string]string{"GATEHOUSE_DEV": "maybe"}, "GATEHOUSE_DEV"},
		{"int", map[string]string{"GATEHOUSE_DATABASE_MAX_OPEN_CONNS": "many"}, "GATEHOUSE_DATABASE_MAX_OPEN_CONNS"},
		{"duration", map[string]string{"GATEHOUSE_SHUTDOWN_TIMEOUT": "soon"}, "GATEHOUSE_SHUTDOWN_TIMEOUT"},
		{"registration mode", map[string]string{"GATEHOUSE_REGISTRATION_MODE": "lottery"}, "GATEHOUSE_REGISTRATION_MODE"},
		{"password minimum too low", map[string]string{"GATEHOUSE_PASSWORD_MIN_LENGTH": "7"}, "GATEHOUSE_PASSWORD_MIN_LENGTH"},
		{"password minimum too high", map[string]string{"GATEHOUSE_PASSWORD_MIN_LENGTH": "129"}, "GATEHOUSE_PASSWORD_MIN_LENGTH"},
		{"password class unknown", map[string]string{"GATEHOUSE_PASSWORD_REQUIRE": "upper,emoji"}, "GATEHOUSE_PASSWORD_REQUIRE"},
		{"unknown field", map[string]string{"GATEHOUSE_REGISTRATION_FIELDS": "email,shoe_size"}, "GATEHOUSE_REGISTRATION_FIELDS"},
		{"fields without email", map[string]string{"GATEHOUSE_REGISTRATION_FIELDS": "login,password"}, "GATEHOUSE_REGISTRATION_FIELDS"},
		{"terms without URL", map[string]string{"GATEHOUSE_REGISTRATION_FIELDS": "email,accept_terms"}, "GATEHOUSE_TERMS_URL"},
		{"captcha vendor without keys", map[string]string{"GATEHOUSE_CAPTCHA": "hcaptcha"}, "GATEHOUSE_CAPTCHA_SECRET"},
		{"captcha unknown", map[string]string{"GATEHOUSE_CAPTCHA": "riddle"}, "GATEHOUSE_CAPTCHA"},
		{"smtp scheme", map[string]string{"GATEHOUSE_SMTP_URL": "http://mail.example.com"}, "GATEHOUSE_SMTP_URL"},
		{"plain smtp off loopback", map[string]string{"GATEHOUSE_SMTP_URL": "smtp://mail.example.com:25?insecure=1"}, "GATEHOUSE_SMTP_URL"},
		{"mail from", map[string]string{"GATEHOUSE_MAIL_FROM": "not an address"}, "GATEHOUSE_MAIL_FROM"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load("", envOf(tc.env))
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil {
				t.Fatal("expected an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), tc.key+": ") {
				t.Errorf("error %q does not start with %s", err, tc.key)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error must be one line: %q", err)
			}
		})
	}
}

func TestYAMLThenEnvironment(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gatehouse.yaml")
	yaml := "listen: 127.0.0.1:9000\nissuer: https://id.example.com\nsecret_key: " + strings.Repeat("a", 32) +
		"\ntrusted_proxies:\n  - 10.0.0.0/8\n  - 192.168.1.1\nshutdown_timeout: 1d\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, envOf(map[string]string{"GATEHOUSE_LISTEN": ":7000"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != ":7000" {
		t.Errorf("environment should override the file, listen = %q", cfg.Listen)
	}
	if cfg.Issuer != "https://id.example.com" || cfg.Dev {
		t.Errorf("issuer %q dev %v", cfg.Issuer, cfg.Dev)
	}
	if len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1] != "192.168.1.1" {
		t.Errorf("proxies = %v", cfg.TrustedProxies)
	}
	if cfg.ShutdownTimeout != 24*time.Hour {
		t.Errorf("shutdown = %v", cfg.ShutdownTimeout)
	}
}

func TestYAMLErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, body, want string }{
		{"unknown key", "lisen: :80\n", `unknown setting "lisen"`},
		{"not a mapping", "- a\n- b\n", "mapping"},
		{"bad yaml", "listen: [\n", "not valid YAML"},
		{"bad value", "auto_migrate: perhaps\n", "GATEHOUSE_AUTO_MIGRATE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			if err := os.WriteFile(file, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(file, envOf(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want an invalid-config error containing %q", err, tc.want)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), envOf(nil)); err == nil || !strings.HasPrefix(err.Error(), "GATEHOUSE_CONFIG: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDevMode(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"localhost", map[string]string{"GATEHOUSE_ISSUER": "http://localhost:9999"}, true},
		{"loopback ip", map[string]string{"GATEHOUSE_ISSUER": "http://127.0.0.1:8080"}, true},
		{"https", map[string]string{"GATEHOUSE_ISSUER": "https://localhost"}, false},
		{"other host", map[string]string{"GATEHOUSE_ISSUER": "http://localhost.example.com", "GATEHOUSE_DEV": "true"}, true},
		{"explicitly off", map[string]string{"GATEHOUSE_DEV": "false"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load("", envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Dev != tc.want {
				t.Errorf("dev = %v, want %v", cfg.Dev, tc.want)
			}
		})
	}
}

// TestDevModeListensOnLoopback: dev mode (whose /dev/mail shows live
// links) listens on 127.0.0.1 unless an address is given; otherwise the
// default is every interface.
func TestDevModeListensOnLoopback(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"quickstart", nil, "127.0.0.1:8080"},
		{"dev, address given", map[string]string{"GATEHOUSE_LISTEN": ":9000"}, ":9000"},
		{"dev off", map[string]string{"GATEHOUSE_DEV": "false"}, ":8080"},
		{"production issuer", map[string]string{"GATEHOUSE_ISSUER": "https://id.example.com"}, ":8080"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load("", envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Listen != tc.want {
				t.Errorf("listen = %q, want %q", cfg.Listen, tc.want)
			}
		})
	}
	dir := t.TempDir()
	file := dir + "/gatehouse.yaml"
	if err := os.WriteFile(file, []byte("listen: \":7000\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := Load(file, envOf(nil)); err != nil || cfg.Listen != ":7000" {
		t.Errorf("listen from the file = %q, %v", cfg.Listen, err)
	}
}

func TestRedactURL(t *testing.T) {
	got := RedactURL("postgres://app:s3cret@db:5432/gh?sslmode=require")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "app:xxxxx@db") {
		t.Errorf("RedactURL = %q", got)
	}
	if RedactURL("sqlite:gatehouse.db") != "sqlite:gatehouse.db" {
		t.Error("sqlite URL changed")
	}
}

func TestGeneratedKeyPath(t *testing.T) {
	cfg := Defaults()
	cfg.DatabaseURL = "sqlite:/data/gatehouse.db"
	if got := cfg.GeneratedKeyPath(); got != "/data/gatehouse.key" {
		t.Errorf("got %q", got)
	}
}

func TestPasswordPolicySettings(t *testing.T) {
	cfg, err := Load("", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PasswordMinLength != 8 || len(cfg.PasswordRequire) != 0 {
		t.Errorf("password policy defaults: min %d, require %v", cfg.PasswordMinLength, cfg.PasswordRequire)
	}
	cfg, err = Load("", envOf(map[string]string{"GATEHOUSE_PASSWORD_MIN_LENGTH": "12", "GATEHOUSE_PASSWORD_REQUIRE": "upper,digit"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.PasswordMinLength != 12 || strings.Join(cfg.PasswordRequire, ",") != "upper,digit" {
		t.Errorf("password policy: min %d, require %v", cfg.PasswordMinLength, cfg.PasswordRequire)
	}
}

func TestPprofListenAccepted(t *testing.T) {
	for _, env := range []map[string]string{
		{"GATEHOUSE_PPROF_LISTEN": "127.0.0.1:6060"},
		{"GATEHOUSE_PPROF_LISTEN": "[::1]:6060"},
		{"GATEHOUSE_PPROF_LISTEN": "localhost:0"},
		{"GATEHOUSE_PPROF_LISTEN": ":6060", "GATEHOUSE_PPROF_ALLOW_REMOTE": "true"},
		{"GATEHOUSE_PPROF_LISTEN": "10.1.2.3:6060", "GATEHOUSE_PPROF_ALLOW_REMOTE": "true"},
	} {
		cfg, err := Load("", envOf(env))
		if err == nil {
			err = cfg.Validate()
		}
		if err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
	if d := Defaults(); d.PprofListen != "" || d.PprofAllowRemote {
		t.Errorf("profiling is on by default: %q %v", d.PprofListen, d.PprofAllowRemote)
	}
}

// TestPoolIdleFollowsOpen: the pool keeps as many idle connections as it
// may open, unless told otherwise.
func TestPoolIdleFollowsOpen(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		open, idle int
	}{
		{"defaults", nil, 20, 20},
		{"open only", map[string]string{"GATEHOUSE_DATABASE_MAX_OPEN_CONNS": "40"}, 40, 40},
		{"smaller open only", map[string]string{"GATEHOUSE_DATABASE_MAX_OPEN_CONNS": "5"}, 5, 5},
		{"both", map[string]string{"GATEHOUSE_DATABASE_MAX_OPEN_CONNS": "40", "GATEHOUSE_DATABASE_MAX_IDLE_CONNS": "4"}, 40, 4},
		{"idle only", map[string]string{"GATEHOUSE_DATABASE_MAX_IDLE_CONNS": "0"}, 20, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load("", envOf(tc.env))
			if err == nil {
				err = cfg.Validate()
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DatabaseMaxOpenConns != tc.open || cfg.DatabaseMaxIdleConns != tc.idle {
				t.Errorf("open %d idle %d, want %d %d", cfg.DatabaseMaxOpenConns, cfg.DatabaseMaxIdleConns, tc.open, tc.idle)
			}
		})
	}
}
