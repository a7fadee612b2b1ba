package config

import (
	"errors"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MinSecretKeyLength is the shortest instance key accepted.
const MinSecretKeyLength = 32

// Validate checks every setting and returns the first problem as an *Error
// naming its key.
func (c *Config) Validate() error {
	checks := []func() error{
		c.validateListen, c.validatePprof, c.validateMemoryLimit, c.validateIssuer, c.validateDatabase, c.validateSecret,
		c.validateLogging, c.validateProxies, c.validateTimeouts, c.validateTokens,
		c.validateSessions, c.validateClients, c.validateRegistration, c.validateCaptcha, c.validateMail,
		c.validateFederation,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) validateListen() error {
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return invalid("LISTEN", "%q is not host:port or :port", c.Listen)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return invalid("LISTEN", "%q has no valid port (0-65535)", c.Listen)
	}
	if host != "" && strings.ContainsAny(host, " /") {
		return invalid("LISTEN", "%q has an invalid host", c.Listen)
	}
	return nil
}

// validatePprof keeps the profiling listener on loopback unless the
// operator explicitly allows another address: profiles and goroutine
// dumps reveal internals and cost CPU.
func (c *Config) validatePprof() error {
	if c.PprofListen == "" {
		if c.PprofAllowRemote {
			return invalid("PPROF_ALLOW_REMOTE", "is set but PPROF_LISTEN is empty")
		}
		return nil
	}
	host, port, err := net.SplitHostPort(c.PprofListen)
	if err != nil {
		return invalid("PPROF_LISTEN", "%q is not host:port", c.PprofListen)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return invalid("PPROF_LISTEN", "%q has no valid port (0-65535)", c.PprofListen)
	}
	if c.PprofAllowRemote {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	return invalid("PPROF_LISTEN", "%q is not a loopback address such as 127.0.0.1:6060 (set GATEHOUSE_PPROF_ALLOW_REMOTE=true to serve profiles on another address)", c.PprofListen)
}

func (c *Config) validateIssuer() error {
	u, err := url.Parse(c.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return invalid("ISSUER", "%q is not an absolute http(s) URL", c.Issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return invalid("ISSUER", "%q must not carry a query, fragment or user info", c.Issuer)
	}
	if strings.HasSuffix(u.Path, "/") {
		return invalid("ISSUER", "%q must not end with a slash", c.Issuer)
	}
	if u.Scheme == "http" && !c.Dev {
		return invalid("ISSUER", "%q uses http: production needs https (set GATEHOUSE_DEV=true to allow http for development)", c.Issuer)
	}
	if strings.TrimSpace(c.InstanceName) == "" || len(c.InstanceName) > 100 {
		return invalid("INSTANCE_NAME", "must be 1 to 100 characters")
	}
	return nil
}

// DatabaseKind is "sqlite" or "postgres".
type DatabaseKind string

// Database kinds.
const (
	SQLite   DatabaseKind = "sqlite"
	Postgres DatabaseKind = "postgres"
)

// DatabaseKind tells which database the URL names ("" when it is invalid).
func (c *Config) DatabaseKind() DatabaseKind {
	switch {
	case strings.HasPrefix(c.DatabaseURL, "sqlite:"):
		return SQLite
	case strings.HasPrefix(c.DatabaseURL, "postgres://"), strings.HasPrefix(c.DatabaseURL, "postgresql://"):
		return Postgres
	}
	return ""
}

// SQLitePath is the database file of a sqlite: URL, without any ?options.
func (c *Config) SQLitePath() string {
	p := strings.TrimPrefix(c.DatabaseURL, "sqlite:")
	p = strings.TrimPrefix(p, "//")
	p, _, _ = strings.Cut(p, "?")
	return p
}

func (c *Config) validateDatabase() error {
	switch c.DatabaseKind() {
	case SQLite:
		if c.SQLitePath() == "" {
			return invalid("DATABASE_URL", "sqlite: needs a file path, e.g. sqlite:gatehouse.db or sqlite:/data/gatehouse.db")
		}
		if strings.Contains(c.DatabaseURL, "?") {
			return invalid("DATABASE_URL", "sqlite: URLs take no ?options (Gatehouse sets WAL, busy_timeout and foreign keys itself)")
		}
	case Postgres:
		u, err := url.Parse(c.DatabaseURL)
		if err != nil {
			return invalid("DATABASE_URL", "malformed postgres URL (%s)", redactedParseError(err))
		}
		if u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return invalid("DATABASE_URL", "a postgres URL needs a host and a database name: postgres://user:pass@host:5432/dbname?sslmode=require")
		}
		if _, err := url.ParseQuery(u.RawQuery); err != nil {
			return invalid("DATABASE_URL", "malformed query in postgres URL")
		}
	default:
		return invalid("DATABASE_URL", "must start with sqlite: or postgres:// (got %q)", RedactURL(c.DatabaseURL))
	}
	if c.DatabaseMaxOpenConns < 1 {
		return invalid("DATABASE_MAX_OPEN_CONNS", "must be at least 1")
	}
	if c.DatabaseMaxIdleConns < 0 || c.DatabaseMaxIdleConns > c.DatabaseMaxOpenConns {
		return invalid("DATABASE_MAX_IDLE_CONNS", "must be between 0 and DATABASE_MAX_OPEN_CONNS (%d)", c.DatabaseMaxOpenConns)
	}
	if c.DatabaseConnMaxLife < 0 || c.DatabaseConnMaxIdle < 0 {
		return invalid("DATABASE_CONN_MAX_LIFETIME", "pool lifetimes must not be negative")
	}
	return nil
}

// redactedParseError keeps url.Parse's complaint but not the URL, which may
// hold a password.
func redactedParseError(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err.Error()
	}
	return "unparseable"
}

// RedactURL hides the password of a URL for logs and banners.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil && strings.Contains(raw, "@") {
			return "(unparseable URL)"
		}
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func (c *Config) validateSecret() error {
	if c.SecretKey != "" && c.SecretKeyFile != "" {
		return invalid("SECRET_KEY", "set GATEHOUSE_SECRET_KEY or GATEHOUSE_SECRET_KEY_FILE, not both")
	}
	if c.SecretKey != "" {
		keys := SplitSecretKeys(c.SecretKey)
		if len(keys) == 0 {
			return invalid("SECRET_KEY", "must be at least %d characters (try: openssl rand -hex 32)", MinSecretKeyLength)
		}
		for i, k := range keys {
			if len(k) < MinSecretKeyLength {
				return invalid("SECRET_KEY", "key %d of %d must be at least %d characters (try: openssl rand -hex 32)", i+1, len(keys), MinSecretKeyLength)
			}
			if slices.Contains(keys[:i], k) {
				return invalid("SECRET_KEY", "key %d of %d repeats an earlier one", i+1, len(keys))
			}
		}
	}
	if c.SecretKey == "" && c.SecretKeyFile == "" && c.DatabaseKind() == Postgres {
		return invalid("SECRET_KEY", "required with a Postgres database: every replica must share one key (set GATEHOUSE_SECRET_KEY or GATEHOUSE_SECRET_KEY_FILE)")
	}
	return nil
}

// SplitSecretKeys splits an instance key setting into its keys: the
// current key first, then older keys that still decrypt what they
// encrypted (during a rotation: "new,old"). Keys are separated by commas or
// line breaks; surrounding spaces and empty entries are dropped.
func SplitSecretKeys(s string) []string {
	var keys []string
	for _, k := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// GeneratedKeyPath is where the instance key is generated when none is
// configured: gatehouse.key beside the SQLite database.
func (c *Config) GeneratedKeyPath() string {
	return filepath.Join(filepath.Dir(c.SQLitePath()), "gatehouse.key")
}

func (c *Config) validateLogging() error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return invalid("LOG_LEVEL", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return invalid("LOG_FORMAT", "%q is not text or json", c.LogFormat)
	}
	if c.OTelEndpoint != "" {
		u, err := url.Parse(c.OTelEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return invalid("OTEL_ENDPOINT", "%q is not an http(s) URL of an OTLP/HTTP collector (e.g. http://otel-collector:4318)", RedactURL(c.OTelEndpoint))
		}
	}
	return nil
}

// SlogLevel is the parsed LogLevel (info when invalid).
func (c *Config) SlogLevel() slog.Level {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return slog.LevelInfo
	}
	return lvl
}

func (c *Config) validateProxies() error {
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(p); err == nil {
			continue
		}
		return invalid("TRUSTED_PROXIES", "%q is not an IP address or CIDR", p)
	}
	return nil
}

func (c *Config) validateTimeouts() error {
	if c.ShutdownTimeout <= 0 {
		return invalid("SHUTDOWN_TIMEOUT", "must be positive")
	}
	if c.ReadinessTimeout <= 0 {
		return invalid("READINESS_TIMEOUT", "must be positive")
	}
	if c.ShutdownDrain < 0 {
		return invalid("SHUTDOWN_DRAIN", "must not be negative")
	}
	return nil
}

func (c *Config) validateTokens() error {
	positive := map[string]time.Duration{
		"ACCESS_TOKEN_LIFETIME": c.AccessTokenLifetime, "ID_TOKEN_LIFETIME": c.IDTokenLifetime,
		"REFRESH_TOKEN_LIFETIME": c.RefreshTokenLifetime, "REFRESH_TOKEN_ABSOLUTE_LIFETIME": c.RefreshFamilyLifetime,
		"KEY_ROTATION_PERIOD": c.KeyRotationPeriod, "SWEEP_INTERVAL": c.SweepInterval,
	}
	for _, key := range sortedKeys(positive) {
		if positive[key] <= 0 {
			return invalid(key, "must be positive")
		}
	}
	if c.CodeLifetime <= 0 || c.CodeLifetime > 10*time.Minute {
		return invalid("CODE_LIFETIME", "must be between 1s and 10m")
	}
	if c.RefreshTokenLifetime > c.RefreshFamilyLifetime {
		return invalid("REFRESH_TOKEN_LIFETIME", "must not exceed REFRESH_TOKEN_ABSOLUTE_LIFETIME")
	}
	if c.JWKSMaxAge < 0 {
		return invalid("JWKS_MAX_AGE", "must not be negative")
	}
	switch c.SigningAlgorithm {
	case "RS256", "ES256", "EdDSA":
	default:
		return invalid("SIGNING_ALGORITHM", "%q is not RS256, ES256 or EdDSA", c.SigningAlgorithm)
	}
	return nil
}

func (c *Config) validateSessions() error {
	positive := map[string]time.Duration{
		"SESSION_LIFETIME": c.SessionLifetime, "SESSION_IDLE_TIMEOUT": c.SessionIdleTimeout,
		"SESSION_MAX_LIFETIME": c.SessionMaxLifetime, "SIGNIN_THROTTLE_WINDOW": c.SignInWindow,
	}
	for _, key := range sortedKeys(positive) {
		if positive[key] <= 0 {
			return invalid(key, "must be positive")
		}
	}
	counts := map[string]int{
		"SIGNIN_THROTTLE_PER_ACCOUNT": c.SignInMaxPerAccount, "SIGNIN_THROTTLE_PER_IP": c.SignInMaxPerIP,
		"PASSWORD_HASH_ITERATIONS": c.PasswordHashTime, "PASSWORD_HASH_THREADS": c.PasswordHashThreads,
	}
	for _, key := range sortedKeys(counts) {
		if counts[key] < 1 {
			return invalid(key, "must be at least 1")
		}
	}
	if c.SignInCaptchaAfter < 0 || c.SignInCaptchaAfter > 1000 {
		return invalid("SIGNIN_CAPTCHA_AFTER", "must be from 0 (never) to 1000")
	}
	if c.PasswordHashMemory < 8192 || c.PasswordHashMemory > 4<<20 {
		return invalid("PASSWORD_HASH_MEMORY_KIB", "must be between 8192 and 4194304")
	}
	return c.validatePasswordPolicy()
}

// PasswordClasses are the character classes PASSWORD_REQUIRE may list.
var PasswordClasses = []string{"upper", "lower", "digit", "symbol"}

func (c *Config) validatePasswordPolicy() error {
	if c.PasswordMinLength < 8 || c.PasswordMinLength > 128 {
		return invalid("PASSWORD_MIN_LENGTH", "must be between 8 and 128")
	}
	for _, class := range c.PasswordRequire {
		if !slices.Contains(PasswordClasses, class) {
			return invalid("PASSWORD_REQUIRE", "unknown class %q (known: %s)", class, strings.Join(PasswordClasses, ", "))
		}
	}
	return nil
}

// validateClients checks what the configuration alone can tell; redirect
// URI rules are applied by the OpenID Provider when the clients are stored.
func (c *Config) validateClients() error {
	seen := map[string]bool{}
	for i, cl := range c.Clients {
		if strings.TrimSpace(cl.ID) == "" {
			return invalid("CONFIG", "clients[%d]: id is required", i)
		}
		if seen[cl.ID] {
			return invalid("CONFIG", "clients[%d]: duplicate id %q", i, cl.ID)
		}
		seen[cl.ID] = true
		if cl.Public && (cl.Secret != "" || cl.SecretFile != "") {
			return invalid("CONFIG", "clients[%d] (%s): a public client has no secret", i, cl.ID)
		}
		if !cl.Public && cl.Secret == "" && cl.SecretFile == "" {
			return invalid("CONFIG", "clients[%d] (%s): set secret or secret_file, or public: true", i, cl.ID)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RegistrationFieldNames are the fields a registration form may have.
var RegistrationFieldNames = []string{
	"login", "email", "password", "password_confirm", "given_name", "family_name",
	"company", "country", "accept_terms", "locale",
}

func (c *Config) validateRegistration() error {
	switch c.RegistrationMode {
	case "open", "audit", "closed", "invite":
	default:
		return invalid("REGISTRATION_MODE", "%q is not open, audit, closed or invite", c.RegistrationMode)
	}
	seen := map[string]bool{}
	for _, f := range c.RegistrationFields {
		name := strings.TrimSuffix(f, "?")
		if !slices.Contains(RegistrationFieldNames, name) {
			return invalid("REGISTRATION_FIELDS", "unknown field %q (known: %s)", name, strings.Join(RegistrationFieldNames, ", "))
		}
		if seen[name] {
			return invalid("REGISTRATION_FIELDS", "field %q is listed twice", name)
		}
		seen[name] = true
	}
	if !seen["email"] {
		return invalid("REGISTRATION_FIELDS", "email is required")
	}
	if seen["password_confirm"] && !seen["password"] {
		return invalid("REGISTRATION_FIELDS", "password_confirm needs password")
	}
	if seen["accept_terms"] && c.TermsURL == "" {
		return invalid("TERMS_URL", "required when the registration form has accept_terms")
	}
	if c.TermsURL != "" {
		if u, err := url.Parse(c.TermsURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalid("TERMS_URL", "%q is not an absolute http(s) URL", c.TermsURL)
		}
	}
	if c.VerifyLinkLifetime <= 0 {
		return invalid("VERIFY_LINK_LIFETIME", "must be positive")
	}
	return c.validateReset()
}

func (c *Config) validateReset() error {
	switch c.ResetStyle {
	case "link", "generated", "temporary":
	default:
		return invalid("RESET_STYLE", "%q is not link, generated or temporary", c.ResetStyle)
	}
	switch c.ResetIdentify {
	case "", "email", "login_and_email":
	default:
		return invalid("RESET_IDENTIFY", "%q is not email or login_and_email", c.ResetIdentify)
	}
	if c.ResetLifetime < time.Minute || c.ResetLifetime > 24*time.Hour {
		return invalid("RESET_LIFETIME", "must be between 1m and 24h")
	}
	return nil
}

func (c *Config) validateCaptcha() error {
	switch c.Captcha {
	case "builtin", "none":
	case "hcaptcha", "turnstile", "recaptcha":
		if c.CaptchaSiteKey == "" || c.CaptchaSecret == "" {
			return invalid("CAPTCHA_SECRET", "%s needs GATEHOUSE_CAPTCHA_SITE_KEY and GATEHOUSE_CAPTCHA_SECRET", c.Captcha)
		}
	default:
		return invalid("CAPTCHA", "%q is not builtin, hcaptcha, turnstile, recaptcha or none", c.Captcha)
	}
	if c.CaptchaVerifyURL != "" {
		if u, err := url.Parse(c.CaptchaVerifyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalid("CAPTCHA_VERIFY_URL", "not an absolute http(s) URL")
		}
	}
	return nil
}

func (c *Config) validateMail() error {
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return invalid("SMTP_URL", "must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
		}
		if u.Query().Get("insecure") == "1" && !isLoopbackHost(u.Hostname()) {
			return invalid("SMTP_URL", "insecure=1 (plain SMTP) is allowed only to a loopback host")
		}
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil || strings.ContainsAny(c.MailFrom, "\r\n") {
		return invalid("MAIL_FROM", "%q is not an email address (e.g. Gatehouse <no-reply@example.com>)", c.MailFrom)
	}
	if c.MailMaxAttempts < 1 {
		return invalid("MAIL_MAX_ATTEMPTS", "must be at least 1")
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}
