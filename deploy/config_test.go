package deploy

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// unknownSettings lists the GATEHOUSE_ variables of env that Gatehouse does
// not read: a typo in a deploy file would be silently ignored at run time.
func unknownSettings(env map[string]string) []string {
	known := map[string]bool{}
	for _, k := range config.Keys() {
		known[config.EnvPrefix+k] = true
	}
	var unknown []string
	for _, name := range slices.Sorted(maps.Keys(env)) {
		if strings.HasPrefix(name, config.EnvPrefix) && !known[name] {
			unknown = append(unknown, name)
		}
	}
	return unknown
}

// configFrom loads and validates the configuration env makes.
func configFrom(env map[string]string) (config.Config, error) {
	cfg, err := config.Load("", func(k string) string { return env[k] })
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// checkEnv fails the test for unknown settings or a refused configuration
// and returns the configuration.
func checkEnv(t *testing.T, where string, env map[string]string) config.Config {
	t.Helper()
	for _, name := range unknownSettings(env) {
		t.Errorf("%s sets %s, which is not a Gatehouse setting", where, name)
	}
	cfg, err := configFrom(env)
	if err != nil {
		t.Fatalf("%s: Gatehouse refuses this configuration: %v", where, err)
	}
	return cfg
}

func TestEnvCheckCatchesMistakes(t *testing.T) {
	good := map[string]string{"GATEHOUSE_ISSUER": "https://login.example.com", "GATEHOUSE_LISTEN": ":8080"}
	if u := unknownSettings(good); len(u) != 0 {
		t.Fatalf("known settings reported unknown: %v", u)
	}
	if _, err := configFrom(good); err != nil {
		t.Fatalf("a good configuration is refused: %v", err)
	}
	typo := map[string]string{"GATEHOUSE_ISUER": "https://login.example.com", "PATH": "/bin"}
	if u := unknownSettings(typo); !slices.Equal(u, []string{"GATEHOUSE_ISUER"}) {
		t.Fatalf("unknownSettings = %v, want the misspelled GATEHOUSE_ISUER only", u)
	}
	bad := map[string]string{"GATEHOUSE_ISSUER": "https://login.example.com", "GATEHOUSE_DATABASE_URL": "postgres://db/gatehouse"}
	if _, err := configFrom(bad); !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("Postgres without an instance key: err = %v, want a configuration error", err)
	}
}
