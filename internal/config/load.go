package config

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DevListen is where dev mode listens when no address is given.
const DevListen = "127.0.0.1:8080"

// Load builds the configuration: defaults, then the YAML file (file, or
// GATEHOUSE_CONFIG when file is empty), then the environment read through
// getenv. It does not validate: call Validate.
func Load(file string, getenv func(string) string) (Config, error) {
	cfg := Defaults()
	if file == "" {
		file = getenv(EnvPrefix + "CONFIG")
	}
	cfg.ConfigFile = file
	if file != "" {
		if err := cfg.loadFile(file); err != nil {
			return cfg, err
		}
	}
	if err := cfg.loadEnv(getenv); err != nil {
		return cfg, err
	}
	cfg.databaseURLWasDefaulted = cfg.DatabaseURL == Defaults().DatabaseURL && !cfg.wasSet("DATABASE_URL", getenv)
	cfg.given = map[string]string{}
	for _, key := range Keys() {
		switch {
		case getenv(EnvPrefix+key) != "":
			cfg.given[key] = "environment"
		case cfg.fileKeys[key]:
			cfg.given[key] = "file"
		}
	}
	if cfg.given["DATABASE_MAX_IDLE_CONNS"] == "" {
		// Idle = open: under steady load a pool that may keep fewer idle
		// connections than it opens closes and reopens them all the time
		// (a new Postgres backend each time).
		cfg.DatabaseMaxIdleConns = cfg.DatabaseMaxOpenConns
	}
	if !cfg.devSet {
		cfg.Dev = IsLoopbackIssuer(cfg.Issuer)
	}
	if cfg.Dev && !cfg.wasSet("LISTEN", getenv) {
		// Dev mode shows letters with live links at /dev/mail: keep it
		// on this machine unless an address is given.
		cfg.Listen = DevListen
	}
	if cfg.Dev && !cfg.wasSet("SHUTDOWN_DRAIN", getenv) {
		// No load balancer to tell: Ctrl-C stops at once.
		cfg.ShutdownDrain = 0
	}
	return cfg, nil
}

// GivenBy says where the value of key (a key tag such as
// "REGISTRATION_MODE") came from: "environment", "file", or "" when it is
// the default.
func (c Config) GivenBy(key string) string { return c.given[key] }

// Keys lists the key tags of every setting.
func Keys() []string {
	t := reflect.TypeOf(Config{})
	var keys []string
	for i := range t.NumField() {
		if key := t.Field(i).Tag.Get("key"); key != "" {
			keys = append(keys, key)
		}
	}
	return keys
}

func (c *Config) wasSet(key string, getenv func(string) string) bool {
	return getenv(EnvPrefix+key) != "" || c.fileKeys[key]
}

func (c *Config) loadFile(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return invalid("CONFIG", "cannot read %s: %v", file, err)
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return invalid("CONFIG", "%s is not valid YAML: %v", file, err)
	}
	if len(root.Content) == 0 {
		return nil // empty file
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return invalid("CONFIG", "%s must hold a mapping of settings", file)
	}
	c.fileKeys = map[string]bool{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		name, value := doc.Content[i].Value, doc.Content[i+1]
		if err := c.setFromYAML(file, name, value); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) setFromYAML(file, name string, node *yaml.Node) error {
	key := strings.ToUpper(name)
	field, ok := c.field(key)
	if !ok {
		if dest, ok := c.structured(name); ok {
			if err := node.Decode(dest); err != nil {
				return invalid("CONFIG", "%s: %s: %v", file, name, err)
			}
			return nil
		}
		return invalid("CONFIG", "%s: unknown setting %q (line %d)", file, name, node.Line)
	}
	var raw string
	switch node.Kind {
	case yaml.ScalarNode:
		raw = node.Value
	case yaml.SequenceNode:
		parts := make([]string, 0, len(node.Content))
		for _, item := range node.Content {
			if item.Kind != yaml.ScalarNode {
				return invalid(key, "%s line %d: list items must be plain values", file, item.Line)
			}
			parts = append(parts, item.Value)
		}
		raw = strings.Join(parts, ",")
	default:
		return invalid(key, "%s line %d: expected a value, not a mapping", file, node.Line)
	}
	c.fileKeys[key] = true
	return c.set(key, field, raw)
}

func (c *Config) loadEnv(getenv func(string) string) error {
	t := reflect.TypeOf(*c)
	v := reflect.ValueOf(c).Elem()
	for i := range t.NumField() {
		key := t.Field(i).Tag.Get("key")
		if key == "" || key == "CONFIG" {
			continue
		}
		raw := getenv(EnvPrefix + key)
		if raw == "" {
			continue
		}
		if err := c.set(key, v.Field(i), raw); err != nil {
			return err
		}
	}
	return nil
}

// field finds the settable field whose key tag is key.
func (c *Config) field(key string) (reflect.Value, bool) {
	t := reflect.TypeOf(*c)
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("key") == key {
			return reflect.ValueOf(c).Elem().Field(i), true
		}
	}
	return reflect.Value{}, false
}

// structured returns the destination of a YAML-only structured section
// (lists of clients, providers, ...), tagged `yaml:"name"`.
func (c *Config) structured(name string) (any, bool) {
	t := reflect.TypeOf(*c)
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("yaml") == name {
			return reflect.ValueOf(c).Elem().Field(i).Addr().Interface(), true
		}
	}
	return nil, false
}

func (c *Config) set(key string, field reflect.Value, raw string) error {
	raw = strings.TrimSpace(raw)
	switch field.Interface().(type) {
	case string:
		field.SetString(raw)
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return invalid(key, "%q is not a whole number", raw)
		}
		field.SetInt(int64(n))
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return invalid(key, "%q is not true or false", raw)
		}
		field.SetBool(b)
		if key == "DEV" {
			c.devSet = true
		}
	case time.Duration:
		d, err := ParseDuration(raw)
		if err != nil {
			return invalid(key, "%q is not a duration (examples: 90s, 15m, 12h, 30d)", raw)
		}
		field.SetInt(int64(d))
	case []string:
		field.Set(reflect.ValueOf(splitList(raw)))
	default:
		return fmt.Errorf("config: field %s has an unsupported type %s", key, field.Type())
	}
	return nil
}

// ParseDuration is time.ParseDuration that also accepts whole days ("30d").
func ParseDuration(raw string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(raw, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad number of days %q", raw)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(raw)
}

func splitList(raw string) []string {
	var out []string
	for part := range strings.SplitSeq(raw, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
