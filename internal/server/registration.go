package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/branding"
	"github.com/gatehouse/gatehouse/internal/captcha"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
	"github.com/gatehouse/gatehouse/templates"
	"github.com/gatehouse/gatehouse/ui"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Registration wiring (issue 4): the mailer and its worker, the captcha,
// the registration rules over the instance settings, and the pages'
// services. build calls buildRegistration before the pages exist and
// routeRegistration after the route table; Serve runs runMail. (Sweep
// deletes expired links, captcha challenges and old letters.)

// TestHooks shorten timings for tests. They are not configuration: only
// package testserver sets them, through WithTestHooks on the context
// passed to New. Zero fields keep the defaults.
type TestHooks struct {
	// MailRetryBase is the first retry delay of a failed delivery;
	// MailRetryMax, when set, caps the doubled delays.
	MailRetryBase time.Duration
	MailRetryMax  time.Duration
	// MailPollInterval is how often the mail worker looks for due letters.
	MailPollInterval time.Duration
	// BackchannelRetryBase is the first retry delay of a logout token;
	// BackchannelPollInterval how often the worker looks for due ones.
	BackchannelRetryBase    time.Duration
	BackchannelPollInterval time.Duration
	// SpanExporter, when set, receives the spans (tracing on without a
	// collector; observability tests).
	SpanExporter sdktrace.SpanExporter
}

type testHooksKey struct{}

// WithTestHooks returns ctx carrying hooks for New.
func WithTestHooks(ctx context.Context, hooks TestHooks) context.Context {
	return context.WithValue(ctx, testHooksKey{}, hooks)
}

func testHooksFrom(ctx context.Context) TestHooks {
	h, _ := ctx.Value(testHooksKey{}).(TestHooks)
	return h
}

// registration is what the server holds for registration.
type registration struct {
	bundle    *i18n.Bundle
	mailer    *mail.Mailer
	captcha   *captcha.Captcha
	registrar *account.Registrar
}

// buildRegistration builds the mailer, the captcha and the registration
// rules, and seeds the registration settings from the configuration.
func (s *Server) buildRegistration(ctx context.Context) error {
	bundle, err := i18n.Load(templates.Locales())
	if err != nil {
		return fmt.Errorf("load message catalogs: %w", err)
	}
	mailer, err := NewMailer(s.cfg, s.log, bundle, s.metrics.Registry, testHooksFrom(ctx), s.branding)
	if err != nil {
		return err
	}
	registrar, err := NewRegistrar(ctx, s.cfg, s.store, s.accounts, mailer, bundle.Supported())
	if err != nil {
		return err
	}
	capt, err := captcha.New(captcha.Options{
		Provider: s.cfg.Captcha, SiteKey: s.cfg.CaptchaSiteKey, Secret: s.cfg.CaptchaSecret,
		VerifyURL: s.cfg.CaptchaVerifyURL, TestAnswer: s.cfg.CaptchaTestAnswer, Dev: s.cfg.Dev, Logger: s.log,
		AudioKey:   s.key.Derive(captcha.AudioKeyPurpose, 32),
		HTTPClient: s.outboundClient(captchaVerifyTimeout), // observability.go
	}, s.store.Captchas())
	if err != nil {
		return fmt.Errorf("captcha: %w", err)
	}
	s.reg = &registration{bundle: bundle, mailer: mailer, captcha: capt, registrar: registrar}
	return nil
}

// registrationPages fills in the pages' registration services.
func (s *Server) registrationPages(opts *ui.Options) {
	opts.Bundle = s.reg.bundle
	opts.Registration = s.reg.registrar
	opts.Passwords = s.reg.registrar
	opts.Profiles = profiles{Registrar: s.reg.registrar, store: s.store}
	opts.Admin = s.adminConsole()  // admin_console.go
	opts.Console = s.reg.registrar // the account console (issue 14)
	opts.Captcha = captchaAdapter{c: s.reg.captcha, settings: s.reg.registrar.Settings,
		throttles: s.store.Throttles(), now: time.Now}
}

// routeRegistration adds the development mailbox in dev mode.
func (s *Server) routeRegistration(r gin.IRouter) {
	if s.cfg.Dev {
		s.pages.RegisterDevMail(r, s.store.Outbox(), s.cfg.Issuer)
	}
}

// runMail delivers the outbox until ctx ends. Every replica runs one; the
// outbox leases letters, so each is sent once.
func (s *Server) runMail(ctx context.Context) { s.reg.mailer.Run(ctx, s.store.Outbox()) }

// NewMailer builds the mailer of cfg (SMTP, or capture when no SMTP URL
// is set). reg receives its metrics; nil leaves them unregistered.
//
// brand, when given, is the branding letters use (Branding); the
// templates come from cfg.TemplatesDir over the embedded ones.
func NewMailer(cfg config.Config, logger *slog.Logger, bundle *i18n.Bundle, reg prometheus.Registerer, hooks TestHooks,
	brand ...*branding.Service) (*mail.Mailer, error) {
	_, letters, err := templates.Overlay(cfg.TemplatesDir)
	if err != nil {
		return nil, err
	}
	opts := mail.Options{
		Issuer: cfg.Issuer, From: cfg.MailFrom, InstanceName: cfg.InstanceName, SMTPURL: cfg.SMTPURL,
		MaxAttempts: cfg.MailMaxAttempts, Dev: cfg.Dev, Bundle: bundle, Logger: logger, Registerer: reg,
		PollInterval: hooks.MailPollInterval, RetryBase: hooks.MailRetryBase, RetryMax: hooks.MailRetryMax, Templates: letters,
	}
	if len(brand) > 0 && brand[0] != nil {
		opts.Brand = mailBrand(brand[0])
	}
	m, err := mail.New(opts)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return m, nil
}

// RegistrationSettings are the first values of the registration settings
// that cfg gives.
func RegistrationSettings(cfg config.Config) (account.RegistrationSettings, error) {
	fields, err := account.ParseRegistrationFields(cfg.RegistrationFields)
	if err != nil {
		return account.RegistrationSettings{}, err
	}
	return account.RegistrationSettings{
		Mode: account.RegistrationMode(cfg.RegistrationMode), Fields: fields,
		VerifyEmail: cfg.RegistrationVerifyEmail, TermsURL: cfg.TermsURL, CaptchaProvider: cfg.Captcha,
		Password:           PasswordPolicy(cfg),
		Reset:              account.ResetSettings{Style: account.ResetStyle(cfg.ResetStyle), Identify: account.ResetIdentify(cfg.ResetIdentify)},
		SignInCaptchaAfter: cfg.SignInCaptchaAfter,
	}, nil
}

// NewRegistrar seeds the registration settings from cfg (keeping what
// administrators changed) and returns the registration rules over store.
// languages are the accepted locale values.
func NewRegistrar(ctx context.Context, cfg config.Config, store *sqlstore.Store, accounts *account.Service,
	mailer *mail.Mailer, languages []string) (*account.Registrar, error) {
	first, err := RegistrationSettings(cfg)
	if err != nil {
		return nil, fmt.Errorf("registration settings: %w", err)
	}
	if err := account.SeedRegistrationSettings(ctx, store.Settings(), first); err != nil {
		return nil, fmt.Errorf("registration settings: %w", err)
	}
	if err := account.SeedConsoleSettings(ctx, store.Settings()); err != nil {
		return nil, fmt.Errorf("account console settings: %w", err)
	}
	r, err := account.NewRegistrar(accounts, store, mailAdapter{mailer}, account.RegistrarOptions{
		LinkLifetime: cfg.VerifyLinkLifetime, Languages: languages, Defaults: first,
		InstanceName: cfg.InstanceName, ResetLifetime: cfg.ResetLifetime,
	})
	if err != nil {
		return nil, fmt.Errorf("registration: %w", err)
	}
	return r, nil
}

// mailAdapter hands the account rules' letters to the mailer.
type mailAdapter struct{ m *mail.Mailer }

func (a mailAdapter) Enqueue(ctx context.Context, outbox storage.OutboxStore, l account.Letter) error {
	return a.m.Enqueue(ctx, outbox, mail.Letter{To: l.To, Locale: l.Locale, Template: l.Template, Data: l.Data})
}

func (a mailAdapter) Link(path string, q url.Values) string { return a.m.Link(path, q) }

func (a mailAdapter) Kick() { a.m.Kick() }

// captchaAdapter gives the pages the configured captcha, turned off while
// the captcha.provider instance setting says "none".
type captchaAdapter struct {
	c         *captcha.Captcha
	settings  func(context.Context) (account.RegistrationSettings, error)
	throttles storage.ThrottleStore // limits the script and audio endpoints
	now       func() time.Time
}

// Limits of the captcha endpoints (ui's CaptchaEndpoints), per client
// address, counted in the database so that every replica shares them: a
// person asks for a few new images or listens a few times; a script
// drawing images to train a solver stops here.
const (
	captchaEndpointWindow = time.Minute
	captchaNewLimit       = 20 // GET /captcha/new
	captchaAudioLimit     = 20 // GET /captcha/audio (a player may fetch twice)
)

// NewChallenge draws a new challenge for GET /captcha/new.
func (a captchaAdapter) NewChallenge(ctx context.Context, remoteIP string) (any, error) {
	if a.c.Provider() != captcha.Builtin {
		return nil, ui.ErrCaptchaNotFound
	}
	if err := a.limit(ctx, "captcha:new:ip:"+remoteIP, captchaNewLimit); err != nil {
		return nil, err
	}
	ch, err := a.c.Challenge(ctx)
	if err != nil {
		return nil, fmt.Errorf("captcha challenge: %w", err)
	}
	return ch.JSON(), nil
}

// Audio speaks challenge id's digits for GET /captcha/audio.
func (a captchaAdapter) Audio(ctx context.Context, id, lang, remoteIP string) ([]byte, error) {
	if !a.c.HasAudio() {
		return nil, ui.ErrCaptchaNotFound
	}
	if err := a.limit(ctx, "captcha:audio:ip:"+remoteIP, captchaAudioLimit); err != nil {
		return nil, err
	}
	wav, err := a.c.Audio(ctx, id, lang)
	if errors.Is(err, captcha.ErrFailed) || errors.Is(err, captcha.ErrNoAudio) {
		return nil, fmt.Errorf("%w: %w", ui.ErrCaptchaNotFound, err)
	}
	return wav, err
}

// limit counts one request for key and refuses it past limit within the
// window. A counter that cannot be read fails closed.
func (a captchaAdapter) limit(ctx context.Context, key string, limit int) error {
	n, err := a.throttles.Hit(ctx, key, a.now(), captchaEndpointWindow)
	if err != nil {
		return fmt.Errorf("captcha rate limit: %w", err)
	}
	if n > limit {
		return ui.ErrCaptchaLimited
	}
	return nil
}

// Enabled keeps the captcha when the settings cannot be read: failing
// closed.
func (a captchaAdapter) Enabled(ctx context.Context) bool {
	if !a.c.Enabled() {
		return false
	}
	rs, err := a.settings(ctx)
	return err != nil || rs.CaptchaProvider != captcha.None
}

func (a captchaAdapter) View(ctx context.Context, page *url.URL, verr error) (any, error) {
	ch, err := a.c.Challenge(ctx)
	if err != nil {
		return nil, fmt.Errorf("captcha challenge: %w", err)
	}
	return captcha.NewView(ch, page, verr), nil
}

func (a captchaAdapter) Verify(ctx context.Context, form url.Values, remoteIP string) error {
	err := a.c.Verify(ctx, form, remoteIP)
	if errors.Is(err, captcha.ErrFailed) {
		return fmt.Errorf("%w: %w", ui.ErrCaptchaFailed, err)
	}
	return err
}

func (a captchaAdapter) CSP() ui.CaptchaCSP {
	script, frame, connect := a.c.CSPSources()
	return ui.CaptchaCSP{Script: script, Frame: frame, Connect: connect, Style: a.c.CSPStyleSources()}
}
