package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Stores lists the stores the Service uses. storage.Store and storage.Tx
// provide it once storage.Stores has Throttles.
type Stores interface {
	Users() storage.UserStore
	Sessions() storage.SessionStore
	Throttles() storage.ThrottleStore
	Audit() storage.AuditStore
}

// Options configure a Service. Zero fields take the defaults.
type Options struct {
	// Hash holds the argon2id parameters of new hashes (DefaultHashParams).
	Hash HashParams
	// MaxConcurrentHashes bounds the hashes running at once
	// (GOMAXPROCS).
	MaxConcurrentHashes int
	// Throttle sets the sign-in failure limits (DefaultThrottleOptions).
	Throttle ThrottleOptions
	// Sessions sets browser session lifetimes (DefaultSessionLifetimes).
	Sessions SessionLifetimes
	// Logger receives operational events (default: discarded).
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
	// PasswordPolicy applies to passwords CreateUser sets when the stores
	// hold no password settings (DefaultPasswordPolicy).
	PasswordPolicy PasswordPolicy
	// InstanceName is refused inside new passwords.
	InstanceName string
}

func (o Options) withDefaults() Options {
	o.Hash = o.Hash.withDefaults()
	o.Throttle = o.Throttle.withDefaults()
	o.Sessions = o.Sessions.withDefaults()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.PasswordPolicy = o.PasswordPolicy.Normalized()
	return o
}

// Validate reports options New would refuse, after applying the defaults.
func (o Options) Validate() error {
	o = o.withDefaults()
	return errors.Join(o.Hash.Validate(), o.Throttle.validate(), o.Sessions.validate(), o.PasswordPolicy.Validate())
}

// Service applies the account lifecycle rules over the stores. It is safe
// for concurrent use.
type Service struct {
	stores    Stores
	hasher    *Hasher
	throttle  ThrottleOptions
	lifetimes SessionLifetimes
	log       *slog.Logger
	now       func() time.Time
	policy    PasswordPolicy
	instance  string

	// sessionSettings, when set, reads lifetimes from the instance
	// settings (admin_sessions.go).
	sessionSettings *lifetimeCache
	// registrationSettings reads the instance settings (the sign-in
	// captcha threshold) once a Registrar serves this Service.
	registrationSettings func(context.Context) (RegistrationSettings, error)
}

// New returns a Service over stores. It panics when opts fail Validate:
// check configuration first.
func New(stores Stores, opts Options) *Service {
	if err := opts.Validate(); err != nil {
		panic(fmt.Sprintf("account: invalid options: %v", err))
	}
	opts = opts.withDefaults()
	hasher, err := NewHasher(opts.Hash, opts.MaxConcurrentHashes)
	if err != nil {
		panic(err.Error()) // unreachable: Validate checked the parameters
	}
	return &Service{
		stores:    stores,
		hasher:    hasher,
		throttle:  opts.Throttle,
		lifetimes: opts.Sessions,
		log:       opts.Logger,
		now:       opts.Now,
		policy:    opts.PasswordPolicy,
		instance:  opts.InstanceName,
	}
}

// Hasher returns the Service's password hasher.
func (s *Service) Hasher() *Hasher { return s.hasher }

// audit appends an event at the Service's time.
func (s *Service) audit(ctx context.Context, typ, userID, ip string, details map[string]string) error {
	e := &storage.AuditEvent{Time: s.now(), Type: typ, UserID: userID, IP: ip, Details: details}
	withBrowser(ctx, e)
	if err := s.stores.Audit().Append(ctx, e); err != nil {
		return fmt.Errorf("account: audit %s: %w", typ, err)
	}
	return nil
}
