package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Registration errors. Test them with errors.Is.
var (
	// ErrRegistrationClosed: the instance takes no registrations; nothing
	// was created.
	ErrRegistrationClosed = errors.New("account: registration is closed")
	// ErrStateConflict: the user is not in a state that allows the
	// action (approving an active user, rejecting a blocked one).
	ErrStateConflict = errors.New("account: the user's state does not allow this")
)

// Audit event types written by registration, confirmation and approval.
const (
	EventRegistrationSubmitted   = "registration.submitted"   // a new account
	EventRegistrationResubmitted = "registration.resubmitted" // an unconfirmed account replaced
	EventRegistrationDuplicate   = "registration.duplicate"   // the address has an account: owner warned
	EventRegistrationConfirmed   = "registration.confirmed"   // the address confirmed through the link
	EventRegistrationActivated   = "registration.activated"   // shape B: confirmed and password set
	EventRegistrationResent      = "registration.resent"      // a new link for an unconfirmed account
	EventRegistrationApproved    = "registration.approved"
	EventRegistrationRejected    = "registration.rejected"
)

// Letter template names (templates/mail/<name>.txt and .html).
const (
	LetterVerifyEmail          = "verify_email"
	LetterActivate             = "activate"
	LetterAlreadyRegistered    = "already_registered"
	LetterAwaitingApproval     = "awaiting_approval"
	LetterAccountActive        = "account_active"
	LetterRegistrationRejected = "registration_rejected"
)

// Paths of the pages the letters link to (package ui serves them).
const (
	PathVerify   = "/verify"   // ?token= (verify_email)
	PathActivate = "/activate" // ?token= (activate: set a password)
)

// Query parameters of the links.
const (
	LinkTokenParam       = "token"
	LinkAuthRequestParam = "authRequestID"
)

// Letter is one mail to queue. The server hands it to internal/mail,
// which renders Template in Locale with Data (Link, Name, Login, Reason).
type Letter struct {
	To       string
	Locale   string
	Template string
	Data     map[string]any
}

// Mailer queues letters. internal/mail provides it through the server.
type Mailer interface {
	// Enqueue renders l and stores it in outbox: pass the transaction's
	// outbox, so the letter commits with the change that caused it.
	Enqueue(ctx context.Context, outbox storage.OutboxStore, l Letter) error
	// Link is the absolute URL of path with query q under the configured
	// issuer, never under the request's Host (SECURITY 15).
	Link(path string, q url.Values) string
	// Kick wakes the delivery worker after a commit.
	Kick()
}

// RegistrarStore is what a Registrar needs of the database
// (storage.Store provides it): transactions over every store, and reads
// outside one.
type RegistrarStore interface {
	InTx(ctx context.Context, fn func(tx storage.Tx) error) error
	Settings() storage.SettingStore
	Users() storage.UserStore
	OneTimeTokens() storage.OneTimeTokenStore
}

// RegistrarOptions configure a Registrar. Zero fields take the defaults.
type RegistrarOptions struct {
	// LinkLifetime is the lifetime of confirmation and activation links
	// (24h).
	LinkLifetime time.Duration
	// SettingsTTL is how long the settings read are kept (MaxSettingsTTL,
	// which is also the most allowed).
	SettingsTTL time.Duration
	// Languages are the accepted locale values, the first the default
	// (["en"]).
	Languages []string
	// Defaults are the settings of keys absent from the store
	// (DefaultRegistrationSettings when Mode is empty); the server seeds
	// the store from the configuration, so they rarely matter.
	Defaults RegistrationSettings
	// InstanceName is refused inside passwords (with the login and the
	// email's local part).
	InstanceName string
	// ResetLifetime is the lifetime of reset links and temporary
	// passwords (DefaultResetLifetime).
	ResetLifetime time.Duration
}

// Registrar applies the registration rules: sign-up in three shapes,
// confirmation links, resending them, and approval. It uses the Service's
// hasher, clock and logger. It is safe for concurrent use.
type Registrar struct {
	svc       *Service
	store     RegistrarStore
	mailer    Mailer
	lifetime  time.Duration
	resetLife time.Duration
	languages []string
	settings  *settingsCache
	console   *consoleSettingsCache  // console_settings.go
	protocol  *protocolSettingsCache // protocol_settings.go
}

// NewRegistrar returns the registration rules over store, queueing
// letters with mailer.
func NewRegistrar(svc *Service, store RegistrarStore, mailer Mailer, opts RegistrarOptions) (*Registrar, error) {
	if svc == nil || store == nil || mailer == nil {
		return nil, errors.New("account: NewRegistrar needs a Service, a store and a mailer")
	}
	if opts.LinkLifetime == 0 {
		opts.LinkLifetime = 24 * time.Hour
	}
	if opts.SettingsTTL == 0 || opts.SettingsTTL > MaxSettingsTTL {
		opts.SettingsTTL = MaxSettingsTTL
	}
	if len(opts.Languages) == 0 {
		opts.Languages = []string{"en"}
	}
	defaults := opts.Defaults
	if defaults.Mode == "" {
		defaults = DefaultRegistrationSettings()
	}
	if opts.ResetLifetime == 0 {
		opts.ResetLifetime = DefaultResetLifetime
	}
	if opts.LinkLifetime < time.Minute || opts.ResetLifetime < time.Minute || opts.SettingsTTL < 0 {
		return nil, errors.New("account: link and reset lifetimes must be at least 1m and the settings TTL not negative")
	}
	r := &Registrar{
		svc: svc, store: store, mailer: mailer, lifetime: opts.LinkLifetime, resetLife: opts.ResetLifetime,
		languages: append([]string(nil), opts.Languages...),
		settings: &settingsCache{
			settings: store.Settings(), defaults: defaults, ttl: opts.SettingsTTL, now: svc.now,
			instance: opts.InstanceName,
		},
		console:  &consoleSettingsCache{settings: store.Settings(), now: svc.now},
		protocol: &protocolSettingsCache{settings: store.Settings(), now: svc.now},
	}
	svc.registrationSettings = r.Settings
	return r, nil
}

// Settings returns the registration settings, as read at most
// SettingsTTL ago.
func (r *Registrar) Settings(ctx context.Context) (RegistrationSettings, error) {
	return r.settings.get(ctx)
}

// SaveSettings stores new registration settings (an administrator's
// change); this replica sees them at once, others within SettingsTTL.
func (r *Registrar) SaveSettings(ctx context.Context, rs RegistrationSettings) error {
	defer r.settings.forget()
	return SaveRegistrationSettings(ctx, r.store.Settings(), rs)
}

// Languages returns the accepted locale values.
func (r *Registrar) Languages() []string { return append([]string(nil), r.languages...) }

// txStores are the stores registration writes within one transaction.
type txStores interface {
	Users() storage.UserStore
	Sessions() storage.SessionStore
	Audit() storage.AuditStore
	OneTimeTokens() storage.OneTimeTokenStore
	Outbox() storage.OutboxStore
	Tokens() storage.TokenStore
	Identities() storage.IdentityStore
	PersonalTokens() storage.PersonalTokenStore
	Devices() storage.DeviceStore
}

// inTx runs fn in one transaction.
func (r *Registrar) inTx(ctx context.Context, fn func(tx txStores) error) error {
	return r.store.InTx(ctx, func(tx storage.Tx) error { return fn(tx) })
}

// audit appends an event within tx.
func (r *Registrar) audit(ctx context.Context, tx txStores, e storage.AuditEvent) error {
	e.Time = r.svc.now()
	if e.IP == "" {
		e.IP = clientIP(ctx)
	}
	withBrowser(ctx, &e)
	if err := tx.Audit().Append(ctx, &e); err != nil {
		return fmt.Errorf("account: audit %s: %w", e.Type, err)
	}
	return nil
}

// send queues a letter to u within tx.
func (r *Registrar) send(ctx context.Context, tx txStores, u storage.User, template string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	data["Name"] = displayName(u)
	l := Letter{To: u.Email, Locale: u.Locale, Template: template, Data: data}
	if l.Locale == "" {
		l.Locale = r.languages[0]
	}
	if err := r.mailer.Enqueue(ctx, tx.Outbox(), l); err != nil {
		return fmt.Errorf("account: queue %s letter: %w", template, err)
	}
	return nil
}

// kick wakes the mail worker once letters are committed.
func (r *Registrar) kick() { r.mailer.Kick() }

// displayName is how letters greet u: the given name, else the login,
// else nobody in particular.
func displayName(u storage.User) string {
	switch {
	case u.GivenName != "":
		return u.GivenName
	case u.Username != "":
		return u.Username
	}
	return ""
}

// findByEmail returns the user whose email equals email under
// storage.FoldCase, or nil.
func findByEmail(ctx context.Context, users storage.UserStore, email string) (*storage.User, error) {
	u, err := users.ByLogin(ctx, email)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("account: look up email: %w", err)
	}
	if storage.FoldCase(u.Email) != storage.FoldCase(email) {
		return nil, nil
	}
	return &u, nil
}

// logUser names u in log lines by id: never the address, never a token.
func logUser(u storage.User) slog.Attr { return slog.String("user_id", u.ID) }

// logState names a user state in log lines.
func logState(s storage.UserState) slog.Attr { return slog.String("state", string(s)) }
