package op

import (
	"errors"
	"fmt"
	"github.com/gatehouse/gatehouse/internal/personaltoken"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Defaults of Options. Zero fields of Options take these values.
const (
	DefaultAccessTokenLifetime   = 15 * time.Minute
	DefaultIDTokenLifetime       = 15 * time.Minute
	DefaultRefreshTokenLifetime  = 30 * 24 * time.Hour // idle: each rotation starts it again
	DefaultRefreshFamilyLifetime = 90 * 24 * time.Hour // absolute: rotation never extends it
	DefaultCodeLifetime          = time.Minute
	MaxCodeLifetime              = 10 * time.Minute // RFC 6749 §4.1.2, SECURITY 40
	DefaultAuthRequestLifetime   = 30 * time.Minute
	DefaultKeyRotationPeriod     = 30 * 24 * time.Hour
	DefaultKeysMaxAge            = 5 * time.Minute
	// NoKeysCache as Options.KeysMaxAge makes JWKS and discovery
	// responses Cache-Control: no-cache.
	NoKeysCache       time.Duration = -1
	DefaultCacheTTL                 = 15 * time.Second
	DefaultLoginPath                = "/login"
	DefaultLogoutPath               = "/logout"
	DefaultDevicePath               = "/device" // the device flow's user page
)

// Signing algorithms a Provider can sign with.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

// Options configure New. Only Issuer, CryptoKey and KeyEncryptionKey are
// required; every zero duration takes its Default.
type Options struct {
	// Issuer is the static issuer URL (https unless Dev). A trailing slash
	// is removed. Paths are served relative to it: when it has a path, the
	// reverse proxy in front strips it.
	Issuer string
	// Dev allows an http issuer (zop.WithAllowInsecure).
	Dev bool
	// CryptoKey encrypts opaque access tokens and codes (AES-256-GCM). It
	// must be the same on every replica: derive it from the instance key.
	CryptoKey [32]byte
	// KeyEncryptionKey encrypts the private parts of signing keys at rest
	// (AES-256-GCM). Derive it from the instance key, apart from CryptoKey.
	KeyEncryptionKey [32]byte
	// PreviousCryptoKeys and PreviousKeyEncryptionKeys are the same keys
	// derived from older instance keys during a rotation: they only
	// decrypt (opaque access tokens issued before, and signing keys not
	// yet sealed again with ReencryptSigningKeys), newest first.
	PreviousCryptoKeys        [][32]byte
	PreviousKeyEncryptionKeys [][32]byte
	// SigningAlgorithm of new signing keys: RS256 (default), ES256 or EdDSA.
	// Changing it takes effect at the next rotation.
	SigningAlgorithm string
	// KeyRotationPeriod is how long a key signs before the next one takes
	// over.
	KeyRotationPeriod time.Duration

	AccessTokenLifetime   time.Duration
	IDTokenLifetime       time.Duration
	RefreshTokenLifetime  time.Duration // idle lifetime of one refresh token
	RefreshFamilyLifetime time.Duration // absolute lifetime of a rotation family
	CodeLifetime          time.Duration // at most MaxCodeLifetime
	AuthRequestLifetime   time.Duration

	// KeysMaxAge is the public max-age of the JWKS and discovery responses
	// (DefaultKeysMaxAge when zero; NoKeysCache sends no-cache).
	KeysMaxAge time.Duration
	// CacheTTL bounds how stale the in-memory client and key caches get.
	CacheTTL time.Duration

	// LoginPath and LogoutPath are the ui pages (relative to the issuer)
	// that log users in and confirm a logout.
	LoginPath  string
	LogoutPath string
	// DevicePath is the ui page where a user enters a device's user code
	// (RFC 8628 verification_uri), relative to the issuer.
	DevicePath string

	// PersonalTokens, when set, lets /userinfo and /oauth/introspect
	// accept personal API tokens (personal.go).
	PersonalTokens *personaltoken.Verifier

	Logger *slog.Logger
}

// withDefaults returns o with every zero field set to its default, or an
// error naming the first invalid field.
func (o Options) withDefaults() (Options, error) {
	o.Issuer = strings.TrimSuffix(o.Issuer, "/")
	if err := o.checkIssuer(); err != nil {
		return o, err
	}
	var zero [32]byte
	if o.CryptoKey == zero || o.KeyEncryptionKey == zero {
		return o, errors.New("op: CryptoKey and KeyEncryptionKey are required")
	}
	if o.CryptoKey == o.KeyEncryptionKey {
		return o, errors.New("op: CryptoKey and KeyEncryptionKey must differ")
	}
	if o.SigningAlgorithm == "" {
		o.SigningAlgorithm = AlgRS256
	}
	if !validAlgorithm(o.SigningAlgorithm) {
		return o, fmt.Errorf("op: unsupported signing algorithm %q (RS256, ES256, EdDSA)", o.SigningAlgorithm)
	}
	o.setDurations()
	if o.CodeLifetime > MaxCodeLifetime {
		return o, fmt.Errorf("op: code lifetime %s is above the maximum %s", o.CodeLifetime, MaxCodeLifetime)
	}
	if o.RefreshTokenLifetime > o.RefreshFamilyLifetime {
		o.RefreshTokenLifetime = o.RefreshFamilyLifetime
	}
	if o.LoginPath == "" {
		o.LoginPath = DefaultLoginPath
	}
	if o.DevicePath == "" {
		o.DevicePath = DefaultDevicePath
	}
	if o.LogoutPath == "" {
		o.LogoutPath = DefaultLogoutPath
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

func (o *Options) checkIssuer() error {
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Host == "" {
		return fmt.Errorf("op: invalid issuer %q", o.Issuer)
	}
	if u.Scheme != "https" && !(o.Dev && u.Scheme == "http") {
		return fmt.Errorf("op: issuer %q must be https (http only in dev mode)", o.Issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("op: issuer %q must not have a query, fragment or user info", o.Issuer)
	}
	return nil
}

func (o *Options) setDurations() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.KeyRotationPeriod, DefaultKeyRotationPeriod)
	def(&o.AccessTokenLifetime, DefaultAccessTokenLifetime)
	def(&o.IDTokenLifetime, DefaultIDTokenLifetime)
	def(&o.RefreshTokenLifetime, DefaultRefreshTokenLifetime)
	def(&o.RefreshFamilyLifetime, DefaultRefreshFamilyLifetime)
	def(&o.CodeLifetime, DefaultCodeLifetime)
	def(&o.AuthRequestLifetime, DefaultAuthRequestLifetime)
	if o.KeysMaxAge == 0 {
		o.KeysMaxAge = DefaultKeysMaxAge
	}
	def(&o.CacheTTL, DefaultCacheTTL)
}

// longestJWTLifetime is how long a token signed now may still be checked
// against the key that signed it.
func (o *Options) longestJWTLifetime() time.Duration {
	return max(o.AccessTokenLifetime, o.IDTokenLifetime)
}

// publishMargin is how long a key must be in JWKS before it signs: every
// replica's key cache and every relying party's cached JWKS (KeysMaxAge)
// has seen it by then.
func (o *Options) publishMargin() time.Duration {
	return max(o.KeysMaxAge, 0) + o.CacheTTL
}

func validAlgorithm(alg string) bool {
	return alg == AlgRS256 || alg == AlgES256 || alg == AlgEdDSA
}
