package deploy

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeEnv is what an operator exports before `docker compose up`.
var composeEnv = []string{
	"GATEHOUSE_SECRET_KEY=" + strings.Repeat("a1", 32),
	"POSTGRES_PASSWORD=" + strings.Repeat("b2", 24),
}

// loadCompose loads file the way `docker compose` does: schema
// validation (embedded in compose-go), interpolation, consistency checks.
func loadCompose(t *testing.T, file string, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithEnv(env),
		cli.WithInterpolation(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestComposeFileLoads(t *testing.T) {
	p, err := loadCompose(t, "compose.yaml", composeEnv)
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v", err)
	}
	for _, name := range []string{"postgres", "migrate", "gatehouse-1", "gatehouse-2", "mailpit", "caddy"} {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("compose.yaml has no %s service", name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	caddy := p.Services["caddy"]
	caddyIP := caddy.Networks["gatehouse"].Ipv4Address
	var cfgs []string
	for _, name := range []string{"gatehouse-1", "gatehouse-2", "migrate"} {
		s := p.Services[name]
		if s.Build == nil || s.Build.Dockerfile != "Dockerfile" || filepath.Clean(s.Build.Context) != filepath.Clean(mustAbs(t, "..")) {
			t.Errorf("%s must build the repository's Dockerfile (build %+v)", name, s.Build)
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			if v != nil {
				env[k] = *v
			}
		}
		cfg := checkEnv(t, "compose.yaml "+name, env)
		cfgs = append(cfgs, cfg.DatabaseURL+" "+cfg.Issuer)
		if name == "migrate" {
			if !slices.Equal([]string(s.Command), []string{"migrate"}) {
				t.Errorf("migrate runs %v, want `gatehouse migrate`", s.Command)
			}
			continue
		}
		if cfg.DatabaseKind() != "postgres" || cfg.AutoMigrate || !cfg.IsHTTPS() {
			t.Errorf("%s: want Postgres, https and migrations left to the migrate service", name)
		}
		if !slices.Contains(cfg.TrustedProxies, caddyIP) {
			t.Errorf("%s must trust Caddy's address %s for X-Forwarded-For, trusts %v", name, caddyIP, cfg.TrustedProxies)
		}
		if dep, ok := s.DependsOn["migrate"]; !ok || dep.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s must start after migrate completed", name)
		}
		if s.HealthCheck == nil || !slices.Contains([]string(s.HealthCheck.Test), "healthcheck") {
			t.Errorf("%s needs the `gatehouse healthcheck` health check", name)
		}
		if !strings.Contains(env["GATEHOUSE_SMTP_URL"], "mailpit:1025") {
			t.Errorf("%s must send mail to Mailpit", name)
		}
	}
	if cfgs[0] != cfgs[1] || cfgs[0] != cfgs[2] {
		t.Errorf("replicas and migrate must share database and issuer: %q", cfgs)
	}
	subnet := netip.MustParsePrefix(p.Networks["gatehouse"].Ipam.Config[0].Subnet)
	if !subnet.Contains(netip.MustParseAddr(caddyIP)) {
		t.Errorf("Caddy's address %s is outside the network %s", caddyIP, subnet)
	}

	// Caddy fronts both replicas with TLS for a local hostname and checks
	// their readiness.
	var caddyfile string
	for _, v := range caddy.Volumes {
		if v.Target == "/etc/caddy/Caddyfile" {
			data, err := os.ReadFile(v.Source)
			if err != nil {
				t.Fatalf("Caddy's configuration: %v", err)
			}
			caddyfile = string(data)
		}
	}
	for _, want := range []string{"gatehouse.localhost {", "tls internal", "gatehouse-1:8080", "gatehouse-2:8080", "health_uri /readyz"} {
		if !strings.Contains(caddyfile, want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
	if !slices.ContainsFunc(caddy.Ports, func(p types.ServicePortConfig) bool { return p.Target == 443 }) {
		t.Error("Caddy must publish 443")
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestComposeRefusesMistakes: the embedded schema refuses a misspelled
// field, and the file refuses to start without the instance key.
func TestComposeRefusesMistakes(t *testing.T) {
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string][3]string{
		"misspelled service field": {"    restart: unless-stopped\n    environment:", "    restart: unless-stopped\n    enviroment:", "enviroment"},
		"misspelled depends_on":    {"condition: service_healthy", "condtion: service_healthy", "condtion"},
	} {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(string(data), edit[0], edit[1], 1)
			if bad == string(data) {
				t.Fatalf("%q is not in compose.yaml", edit[0])
			}
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(".")); err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(dir, "compose.yaml")
			if err := os.WriteFile(f, []byte(bad), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadCompose(t, f, composeEnv)
			if err == nil || !strings.Contains(err.Error(), edit[2]) {
				t.Fatalf("a compose file with a misspelled field: err = %v, want %q named", err, edit[2])
			}
		})
	}
	t.Run("no instance key", func(t *testing.T) {
		_, err := loadCompose(t, "compose.yaml", composeEnv[1:])
		if err == nil || !regexp.MustCompile(`GATEHOUSE_SECRET_KEY`).MatchString(err.Error()) {
			t.Fatalf("loading without GATEHOUSE_SECRET_KEY: err = %v, want it named", err)
		}
	})
}
