package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// EnvPrefix starts the name of every environment variable Gatehouse reads.
const EnvPrefix = "GATEHOUSE_"

// Config is the whole configuration of one Gatehouse process.
//
// The `key` tag gives the setting's name without prefix: GATEHOUSE_<key> in
// the environment, lower-case <key> in YAML. The `help` tag documents it; the
// README's configuration table is checked against these tags by a test.
type Config struct {
	Listen       string `key:"LISTEN" help:"address the HTTP server listens on (host:port or :port)"`
	Issuer       string `key:"ISSUER" help:"public base URL of this instance; every link and token uses it"`
	InstanceName string `key:"INSTANCE_NAME" help:"name shown on pages and in letters"`

	DatabaseURL             string        `key:"DATABASE_URL" help:"sqlite:PATH or postgres://user:pass@host:port/db?sslmode=..."`
	DatabaseMaxOpenConns    int           `key:"DATABASE_MAX_OPEN_CONNS" help:"Postgres pool: most open connections"`
	DatabaseMaxIdleConns    int           `key:"DATABASE_MAX_IDLE_CONNS" help:"Postgres pool: most idle connections kept"`
	DatabaseConnMaxLife     time.Duration `key:"DATABASE_CONN_MAX_LIFETIME" help:"Postgres pool: a connection is closed after this age"`
	DatabaseConnMaxIdle     time.Duration `key:"DATABASE_CONN_MAX_IDLE_TIME" help:"Postgres pool: an idle connection is closed after this long"`
	AutoMigrate             bool          `key:"AUTO_MIGRATE" help:"serve applies pending migrations before it starts"`
	SecretKey               string        `key:"SECRET_KEY" secret:"true" help:"instance key (32+ characters); every purpose's key is derived from it"`
	SecretKeyFile           string        `key:"SECRET_KEY_FILE" help:"file holding the instance key"`
	Dev                     bool          `key:"DEV" help:"dev mode: http issuer allowed, captured-mail page, test conveniences"`
	LogLevel                string        `key:"LOG_LEVEL" help:"debug, info, warn or error"`
	LogFormat               string        `key:"LOG_FORMAT" help:"text or json"`
	TrustedProxies          []string      `key:"TRUSTED_PROXIES" help:"comma list of proxy IPs or CIDRs whose X-Forwarded-For is believed"`
	ShutdownTimeout         time.Duration `key:"SHUTDOWN_TIMEOUT" help:"how long in-flight requests may finish after SIGTERM"`
	ReadinessTimeout        time.Duration `key:"READINESS_TIMEOUT" help:"how long /readyz waits for the database"`
	ConfigFile              string        `key:"CONFIG" help:"YAML configuration file (also --config)"`
	devSet                  bool
	databaseURLWasDefaulted bool
	fileKeys                map[string]bool
}

// Defaults returns the configuration used when nothing is set: the
// quickstart on SQLite with a generated key.
func Defaults() Config {
	return Config{
		Listen:               ":8080",
		Issuer:               "http://localhost:8080",
		InstanceName:         "Gatehouse",
		DatabaseURL:          "sqlite:gatehouse.db",
		DatabaseMaxOpenConns: 20,
		DatabaseMaxIdleConns: 10,
		DatabaseConnMaxLife:  30 * time.Minute,
		DatabaseConnMaxIdle:  5 * time.Minute,
		AutoMigrate:          true,
		LogLevel:             "info",
		LogFormat:            "text",
		ShutdownTimeout:      20 * time.Second,
		ReadinessTimeout:     2 * time.Second,
	}
}

// Error is a bad setting: Key is the environment name, Msg what is wrong.
type Error struct {
	Key string
	Msg string
}

func (e *Error) Error() string { return EnvPrefix + e.Key + ": " + e.Msg }

// ErrInvalid is wrapped by every configuration error, so callers can tell a
// bad setting (exit code 2) from a failure to start.
var ErrInvalid = errors.New("invalid configuration")

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

func invalid(key, format string, args ...any) error {
	return &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// IsHTTPS reports whether the issuer is served over TLS: cookies then get
// the Secure flag and the __Host- prefix.
func (c *Config) IsHTTPS() bool {
	return strings.HasPrefix(strings.ToLower(c.Issuer), "https://")
}

// IsLoopbackIssuer reports whether the issuer is http://localhost or
// http://127.0.0.1, the only issuers for which dev mode is on by default.
func IsLoopbackIssuer(issuer string) bool {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1"
}

// DevModeExplicit reports whether GATEHOUSE_DEV (or dev:) was set, rather
// than derived from the issuer.
func (c *Config) DevModeExplicit() bool { return c.devSet }

// DatabaseURLDefaulted reports whether the database URL is the built-in
// default rather than one the operator chose.
func (c *Config) DatabaseURLDefaulted() bool { return c.databaseURLWasDefaulted }
