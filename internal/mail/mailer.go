package mail

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/templates"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxAttempts  = 8
	DefaultPollInterval = 2 * time.Second
	DefaultRetryBase    = 10 * time.Second
	DefaultRetryMax     = time.Hour
	defaultInstanceName = "Gatehouse"
)

// Worker constants: how many letters one claim takes, how long they stay
// leased to this worker, and how long one SMTP delivery may take.
const (
	batchSize   = 10
	leaseTime   = time.Minute
	sendTimeout = 10 * time.Second
)

// Options configures a Mailer.
type Options struct {
	// Issuer is the configured public base URL; every link in a letter is
	// built from it and nothing else (SECURITY 15). Required.
	Issuer string
	// From is the sender, "Name <address>" or an address; empty means
	// no-reply@<issuer host>.
	From string
	// InstanceName is shown in every letter; empty means "Gatehouse".
	InstanceName string
	// SMTPURL is smtp://user:pass@host:port (STARTTLS when offered),
	// smtps://... (implicit TLS) or smtp://host:port?insecure=1 (plain SMTP,
	// loopback hosts only). Empty captures letters instead of sending them.
	SMTPURL string
	// MaxAttempts is how many deliveries are tried before a letter is
	// abandoned; zero means DefaultMaxAttempts.
	MaxAttempts int
	// Dev logs the links of captured letters (they carry tokens, so only in
	// development mode).
	Dev bool
	// Bundle holds the message catalogs; nil loads templates.Locales().
	Bundle *i18n.Bundle
	// Logger receives delivery failures and captured letters; nil discards.
	Logger *slog.Logger
	// Registerer receives the gatehouse_mail_* counters; nil keeps them
	// unregistered.
	Registerer prometheus.Registerer
	// PollInterval is how often the worker looks for due letters when not
	// kicked; zero means DefaultPollInterval.
	PollInterval time.Duration
	// RetryBase is the wait after the first failed attempt, doubled after
	// each further failure (with ±20% jitter) up to RetryMax; zero means
	// DefaultRetryBase and DefaultRetryMax. Tests use milliseconds.
	RetryBase time.Duration
	RetryMax  time.Duration
	// Brand, when set, gives the branding letters use (name, logo,
	// colour); it is read at every Enqueue. Nil: InstanceName and the
	// built-in look.
	Brand func(ctx context.Context) (Brand, error)
	// Templates replaces the embedded letter templates (templates.Mail());
	// the server passes templates_dir's overlay.
	Templates fs.FS
}

// Mailer renders letters into the outbox and delivers them. It is safe for
// concurrent use; several Mailers (replicas) may share one outbox.
type Mailer struct {
	issuer      *url.URL
	from        string
	instance    string
	dev         bool
	maxAttempts int
	poll        time.Duration
	retryBase   time.Duration
	retryMax    time.Duration
	sendTimeout time.Duration // one SMTP session; tests shorten it
	log         *slog.Logger
	bundle      *i18n.Bundle
	letters     letterSet
	smtp        *smtpTransport // nil: capture mode
	metrics     *counters
	kick        chan struct{}
	announced   sync.Once
	brand       func(context.Context) (Brand, error)
	templates   fs.FS // the letter templates: templates.Mail() or Options.Templates

	coloredMu sync.Mutex
	colored   map[string]letterSet // the letters parsed for each primary colour in use
}

// New checks opts, parses every letter for every language and prepares the
// SMTP client (or capture mode). Any defect is an error here rather than
// when a letter is sent.
func New(opts Options) (*Mailer, error) {
	m, err := newFromOptions(opts)
	if err != nil {
		return nil, err
	}
	if m.bundle == nil {
		if m.bundle, err = i18n.Load(templates.Locales()); err != nil {
			return nil, fmt.Errorf("mail: load message catalogs: %w", err)
		}
	}
	m.templates = templates.Mail()
	if opts.Templates != nil {
		m.templates = opts.Templates
	}
	if m.letters, err = loadLetters(m.templates, m.bundle, m.Link, defaultColor); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	if err := m.letters.selfCheck(m.checkView); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	m.colored = map[string]letterSet{defaultColor: m.letters}
	if opts.SMTPURL != "" {
		if m.smtp, err = newSMTPTransport(opts.SMTPURL, m.from, m.issuer.Hostname()); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
	}
	if m.metrics, err = newCounters(opts.Registerer); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return m, nil
}

func newFromOptions(opts Options) (*Mailer, error) {
	issuer, err := parseIssuer(opts.Issuer)
	if err != nil {
		return nil, err
	}
	if opts.MaxAttempts < 0 || opts.PollInterval < 0 || opts.RetryBase < 0 || opts.RetryMax < 0 {
		return nil, errors.New("mail: negative MaxAttempts, PollInterval, RetryBase or RetryMax")
	}
	m := &Mailer{
		issuer:      issuer,
		from:        opts.From,
		instance:    opts.InstanceName,
		dev:         opts.Dev,
		maxAttempts: orDefault(opts.MaxAttempts, DefaultMaxAttempts),
		poll:        orDefault(opts.PollInterval, DefaultPollInterval),
		retryBase:   orDefault(opts.RetryBase, DefaultRetryBase),
		retryMax:    orDefault(opts.RetryMax, DefaultRetryMax),
		sendTimeout: sendTimeout,
		log:         opts.Logger,
		bundle:      opts.Bundle,
		kick:        make(chan struct{}, 1),
		brand:       opts.Brand,
	}
	if m.instance == "" {
		m.instance = defaultInstanceName
	}
	if hasLineBreak(m.instance) {
		return nil, errors.New("mail: InstanceName contains a line break")
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.retryMax < m.retryBase {
		m.retryMax = m.retryBase
	}
	if m.from == "" {
		m.from = "no-reply@" + issuer.Hostname()
	}
	if err := checkFrom(m.from); err != nil {
		return nil, err
	}
	return m, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// parseIssuer accepts an absolute http(s) URL without query, fragment or
// user info; a trailing slash is dropped.
func parseIssuer(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("mail: issuer: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("mail: issuer %q is not an absolute http(s) URL without query or fragment", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func checkFrom(from string) error {
	if strings.ContainsAny(from, "\r\n") {
		return errors.New("mail: From contains a line break")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return fmt.Errorf("mail: From %q: %w", from, err)
	}
	return nil
}

// checkView is the view of the start-up check: with a logo, so that the
// layout's logo branch is checked too.
func (m *Mailer) checkView(lang string, data map[string]any) letterView {
	v := m.view(lang, data)
	v.LogoURL = m.Link("/branding/logo-check.png", nil)
	return v
}

// lettersFor returns the letters parsed with color as their primary
// colour, parsing them the first time a colour is used (the colour is a
// template function, since the button template sees only its button).
func (m *Mailer) lettersFor(color string) (letterSet, error) {
	m.coloredMu.Lock()
	defer m.coloredMu.Unlock()
	if set, ok := m.colored[color]; ok {
		return set, nil
	}
	set, err := loadLetters(m.templates, m.bundle, m.Link, color)
	if err != nil {
		return nil, fmt.Errorf("mail: letters in %s: %w", color, err)
	}
	if len(m.colored) > 16 { // colours changed many times: keep memory bounded
		m.colored = map[string]letterSet{defaultColor: m.letters}
	}
	m.colored[color] = set
	return set, nil
}

// Issuer is the base URL links are built from, without a trailing slash.
func (m *Mailer) Issuer() string { return m.issuer.String() }

// Link returns the absolute URL of path under the configured issuer, with
// q as its query. Only the path of path counts: a scheme, host, query or
// fragment in it is ignored, and dot segments cannot climb above the
// issuer's own path, so no input can point a link elsewhere (SECURITY 15).
func (m *Mailer) Link(p string, q url.Values) string {
	if parsed, err := url.Parse(p); err == nil {
		p = parsed.Path
	} else {
		p = ""
	}
	u := *m.issuer
	u.Path = m.issuer.Path + path.Clean("/"+p)
	u.RawQuery = q.Encode()
	return u.String()
}

// Kick wakes the worker so it looks for due letters now rather than at the
// next poll. Call it after the transaction that enqueued a letter commits.
func (m *Mailer) Kick() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}
