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
	TemplatesDir string `key:"TEMPLATES_DIR" help:"folder whose pages/*.html and mail/*.txt|html files replace the embedded templates of the same name"`

	DatabaseURL          string        `key:"DATABASE_URL" help:"sqlite:PATH or postgres://user:pass@host:port/db?sslmode=..."`
	DatabaseMaxOpenConns int           `key:"DATABASE_MAX_OPEN_CONNS" help:"Postgres pool: most open connections"`
	DatabaseMaxIdleConns int           `key:"DATABASE_MAX_IDLE_CONNS" help:"Postgres pool: most idle connections kept (default: DATABASE_MAX_OPEN_CONNS)"`
	DatabaseConnMaxLife  time.Duration `key:"DATABASE_CONN_MAX_LIFETIME" help:"Postgres pool: a connection is closed after this age"`
	DatabaseConnMaxIdle  time.Duration `key:"DATABASE_CONN_MAX_IDLE_TIME" help:"Postgres pool: an idle connection is closed after this long"`
	AutoMigrate          bool          `key:"AUTO_MIGRATE" help:"serve applies pending migrations before it starts"`
	SecretKey            string        `key:"SECRET_KEY" secret:"true" help:"instance key (32+ characters); every purpose's key is derived from it; new,old during a rotation"`
	SecretKeyFile        string        `key:"SECRET_KEY_FILE" help:"file holding the instance key"`
	Dev                  bool          `key:"DEV" help:"dev mode: http issuer allowed, captured-mail page, test conveniences"`
	LogLevel             string        `key:"LOG_LEVEL" help:"debug, info, warn or error"`
	LogFormat            string        `key:"LOG_FORMAT" help:"text or json"`
	OTelEndpoint         string        `key:"OTEL_ENDPOINT" help:"OpenTelemetry OTLP/HTTP collector URL (http://collector:4318); when set, HTTP requests, SQL statements and outbound calls are traced"`
	TrustedProxies       []string      `key:"TRUSTED_PROXIES" help:"comma list of proxy IPs or CIDRs whose X-Forwarded-For is believed"`
	ShutdownTimeout      time.Duration `key:"SHUTDOWN_TIMEOUT" help:"how long in-flight requests may finish after SIGTERM"`
	ShutdownDrain        time.Duration `key:"SHUTDOWN_DRAIN" help:"after SIGTERM, how long /readyz answers 503 while requests are still served, before the shutdown starts"`
	ReadinessTimeout     time.Duration `key:"READINESS_TIMEOUT" help:"how long /readyz waits for the database"`
	ConfigFile           string        `key:"CONFIG" help:"YAML configuration file (also --config)"`
	PprofListen          string        `key:"PPROF_LISTEN" help:"address of a separate listener serving net/http/pprof (empty: off; loopback only unless PPROF_ALLOW_REMOTE)"`
	PprofAllowRemote     bool          `key:"PPROF_ALLOW_REMOTE" help:"let PPROF_LISTEN be a non-loopback address (the profiles expose internals: firewall it)"`
	MemoryLimit          string        `key:"MEMORY_LIMIT" help:"soft memory limit of serve's Go runtime: a size (512MiB, 1GiB), auto (64 MiB plus the memory of the password hashes that may run at once) or off; GOMEMLIMIT, when set, wins"`

	AccessTokenLifetime   time.Duration `key:"ACCESS_TOKEN_LIFETIME" help:"lifetime of access tokens"`
	IDTokenLifetime       time.Duration `key:"ID_TOKEN_LIFETIME" help:"lifetime of ID tokens"`
	RefreshTokenLifetime  time.Duration `key:"REFRESH_TOKEN_LIFETIME" help:"a refresh token unused this long expires"`
	RefreshFamilyLifetime time.Duration `key:"REFRESH_TOKEN_ABSOLUTE_LIFETIME" help:"absolute lifetime of a refresh token family; rotation never extends it"`
	CodeLifetime          time.Duration `key:"CODE_LIFETIME" help:"lifetime of authorization codes (at most 10m)"`
	SigningAlgorithm      string        `key:"SIGNING_ALGORITHM" help:"RS256, ES256 or EdDSA"`
	KeyRotationPeriod     time.Duration `key:"KEY_ROTATION_PERIOD" help:"how often a new signing key takes over"`
	JWKSMaxAge            time.Duration `key:"JWKS_MAX_AGE" help:"Cache-Control max-age of /keys"`
	SessionLifetime       time.Duration `key:"SESSION_LIFETIME" help:"lifetime of a remembered browser session (remember me)"`
	SessionIdleTimeout    time.Duration `key:"SESSION_IDLE_TIMEOUT" help:"a browser session without remember me ends after this much inactivity"`
	SessionMaxLifetime    time.Duration `key:"SESSION_MAX_LIFETIME" help:"absolute lifetime of a browser session without remember me"`
	SignInWindow          time.Duration `key:"SIGNIN_THROTTLE_WINDOW" help:"window over which failed sign-ins are counted"`
	SignInMaxPerAccount   int           `key:"SIGNIN_THROTTLE_PER_ACCOUNT" help:"failed sign-ins per account within the window before further attempts wait"`
	SignInMaxPerIP        int           `key:"SIGNIN_THROTTLE_PER_IP" help:"failed sign-ins per client IP within the window before further attempts wait"`
	SignInCaptchaAfter    int           `key:"SIGNIN_CAPTCHA_AFTER" help:"first value of the signin.captcha_after setting: failed sign-ins (account or IP) within the window before the sign-in form asks for a captcha; 0 never"`
	PasswordHashMemory    int           `key:"PASSWORD_HASH_MEMORY_KIB" help:"argon2id memory in KiB"`
	PasswordHashTime      int           `key:"PASSWORD_HASH_ITERATIONS" help:"argon2id iterations"`
	PasswordHashThreads   int           `key:"PASSWORD_HASH_THREADS" help:"argon2id parallelism"`
	PasswordMinLength     int           `key:"PASSWORD_MIN_LENGTH" help:"shortest accepted new password, in characters (8 to 128)"`
	PasswordRequire       []string      `key:"PASSWORD_REQUIRE" help:"character classes every new password must contain: any of upper, lower, digit, symbol"`
	SweepInterval         time.Duration `key:"SWEEP_INTERVAL" help:"how often expired codes, tokens and sessions are deleted"`

	RegistrationMode        string        `key:"REGISTRATION_MODE" help:"open, audit (an administrator approves new users), closed or invite (only invited addresses)"`
	RegistrationFields      []string      `key:"REGISTRATION_FIELDS" help:"fields of the registration form; a trailing ? marks a field optional"`
	RegistrationVerifyEmail bool          `key:"REGISTRATION_VERIFY_EMAIL" help:"new users confirm their email address through a link"`
	VerifyLinkLifetime      time.Duration `key:"VERIFY_LINK_LIFETIME" help:"lifetime of email confirmation links"`
	ResetStyle              string        `key:"RESET_STYLE" help:"password reset: link, generated or temporary"`
	ResetIdentify           string        `key:"RESET_IDENTIFY" help:"what the reset form asks for: email or login_and_email (default: login_and_email for generated, email otherwise)"`
	ResetLifetime           time.Duration `key:"RESET_LIFETIME" help:"lifetime of reset links and temporary passwords"`
	TermsURL                string        `key:"TERMS_URL" help:"user agreement linked from the accept_terms checkbox"`
	Captcha                 string        `key:"CAPTCHA" help:"builtin, hcaptcha, turnstile, recaptcha or none"`
	CaptchaSiteKey          string        `key:"CAPTCHA_SITE_KEY" help:"vendor captcha site key"`
	CaptchaSecret           string        `key:"CAPTCHA_SECRET" secret:"true" help:"vendor captcha secret"`
	CaptchaVerifyURL        string        `key:"CAPTCHA_VERIFY_URL" help:"vendor captcha verification URL (default: the vendor's)"`
	CaptchaTestAnswer       string        `key:"CAPTCHA_TEST_ANSWER" secret:"true" help:"dev mode only: an extra accepted captcha answer for automated tests"`
	SMTPURL                 string        `key:"SMTP_URL" secret:"true" help:"smtp://user:pass@host:port (STARTTLS when offered), smtps:// for implicit TLS, ?insecure=1 for plain SMTP to loopback"`
	MailFrom                string        `key:"MAIL_FROM" help:"sender address of letters"`
	MailMaxAttempts         int           `key:"MAIL_MAX_ATTEMPTS" help:"delivery attempts before a letter is abandoned"`

	// Clients are declared in the YAML file only; they are created or
	// updated at start.
	Clients []ClientConfig `yaml:"clients"`
	// Federation lists upstream identity providers (YAML only;
	// federation.go).
	Federation FederationConfig `yaml:"federation"`

	devSet                  bool
	given                   map[string]string // key tag -> "environment" or "file"
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
		DatabaseMaxIdleConns: 20, // Load makes it DatabaseMaxOpenConns unless given
		DatabaseConnMaxLife:  30 * time.Minute,
		DatabaseConnMaxIdle:  5 * time.Minute,
		AutoMigrate:          true,
		LogLevel:             "info",
		LogFormat:            "text",
		ShutdownTimeout:      20 * time.Second,
		ShutdownDrain:        5 * time.Second,
		ReadinessTimeout:     2 * time.Second,
		MemoryLimit:          "auto",

		AccessTokenLifetime:   15 * time.Minute,
		IDTokenLifetime:       15 * time.Minute,
		RefreshTokenLifetime:  30 * 24 * time.Hour,
		RefreshFamilyLifetime: 90 * 24 * time.Hour,
		CodeLifetime:          time.Minute,
		SigningAlgorithm:      "RS256",
		KeyRotationPeriod:     30 * 24 * time.Hour,
		JWKSMaxAge:            5 * time.Minute,
		SessionLifetime:       30 * 24 * time.Hour,
		SessionIdleTimeout:    2 * time.Hour,
		SessionMaxLifetime:    12 * time.Hour,
		SignInWindow:          15 * time.Minute,
		SignInMaxPerAccount:   10,
		SignInMaxPerIP:        50,
		SignInCaptchaAfter:    3,
		PasswordHashMemory:    19456,
		PasswordHashTime:      2,
		PasswordHashThreads:   1,
		PasswordMinLength:     8,
		SweepInterval:         5 * time.Minute,

		RegistrationMode:        "open",
		RegistrationFields:      []string{"login", "email", "password", "password_confirm"},
		RegistrationVerifyEmail: true,
		VerifyLinkLifetime:      24 * time.Hour,
		ResetStyle:              "link",
		ResetLifetime:           30 * time.Minute,
		Captcha:                 "builtin",
		MailFrom:                "Gatehouse <no-reply@localhost>",
		MailMaxAttempts:         8,
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

// ClientConfig is a client declared in the YAML file (`clients:`), with the
// same fields as `gatehouse clients create`.
type ClientConfig struct {
	ID                     string   `yaml:"id"`
	Secret                 string   `yaml:"secret"`
	SecretFile             string   `yaml:"secret_file"`
	Public                 bool     `yaml:"public"`
	Name                   string   `yaml:"name"`
	RedirectURIs           []string `yaml:"redirect_uris"`
	PostLogoutRedirectURIs []string `yaml:"post_logout_redirect_uris"`
	GrantTypes             []string `yaml:"grant_types"`
	Scopes                 []string `yaml:"scopes"`
	FirstParty             bool     `yaml:"first_party"`
	AccessTokenFormat      string   `yaml:"access_token_format"`
	Dev                    bool     `yaml:"dev"`
	Admin                  bool     `yaml:"admin"`
	// RequireMFA: users must pass a second factor for this client.
	RequireMFA bool `yaml:"require_mfa"`
	// AllowedGroups admits only members of these groups (issue 16).
	AllowedGroups []string `yaml:"allowed_groups"`
	// Back-channel logout (issue 18).
	BackchannelLogoutURI             string `yaml:"backchannel_logout_uri"`
	BackchannelLogoutSessionRequired bool   `yaml:"backchannel_logout_session_required"`
	// Client authentication (issue 18): jwks is the key set as a JSON
	// string (or YAML mapping, see ClientJWKS).
	TokenEndpointAuthMethod string `yaml:"token_endpoint_auth_method"`
	JWKS                    any    `yaml:"jwks"`
	JWKSURI                 string `yaml:"jwks_uri"`
	// IDTokenSignedResponseAlg: RS256, ES256 or EdDSA; empty is the
	// instance's algorithm (issue 18).
	IDTokenSignedResponseAlg string `yaml:"id_token_signed_response_alg"`
	// Issue 18 items 4 and 8: pushed authorization requests required
	// (require_par is the short name; either turns it on), and token
	// exchange delegation (act claim) allowed.
	RequirePushedAuthorizationRequests bool `yaml:"require_pushed_authorization_requests"`
	RequirePAR                         bool `yaml:"require_par"`
	TokenExchangeDelegation            bool `yaml:"token_exchange_delegation"`
	// HomeURL is where the users' list of applications links; empty is
	// the origin of the first redirect URI (issue 17).
	HomeURL string `yaml:"home_url"`
}
