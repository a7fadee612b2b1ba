package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestREADMEDocumentsEverySetting keeps the configuration table (docs/configuration.md)
// true: every setting is listed, and every GATEHOUSE_ name listed exists.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	data, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	known := map[string]bool{}
	typ := reflect.TypeOf(Config{})
	for i := range typ.NumField() {
		key := typ.Field(i).Tag.Get("key")
		if key == "" {
			continue
		}
		known[EnvPrefix+key] = true
		if !strings.Contains(readme, "| `"+EnvPrefix+key+"` |") {
			t.Errorf("docs/configuration.md has no configuration row for %s%s", EnvPrefix, key)
		}
	}
	for _, line := range strings.Split(readme, "\n") {
		if !strings.HasPrefix(line, "| `GATEHOUSE_") || strings.HasPrefix(line, "| `GATEHOUSE_TEST_") {
			continue
		}
		name := strings.TrimPrefix(line, "| `")
		name = name[:strings.Index(name, "`")]
		if !known[name] {
			t.Errorf("docs/configuration.md documents %s, which is not a setting", name)
		}
	}
}
