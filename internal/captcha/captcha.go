package captcha

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Providers, the values of Options.Provider (GATEHOUSE_CAPTCHA).
const (
	Builtin   = "builtin"
	HCaptcha  = "hcaptcha"
	Turnstile = "turnstile"
	ReCaptcha = "recaptcha"
	None      = "none"
)

// Form fields of the built-in captcha. The vendors' fields are in
// Challenge.ResponseField.
const (
	FieldID     = "captcha_id" // hidden: the challenge's id
	FieldAnswer = "captcha"    // the characters the user typed
)

// DefaultLifetime is how long a built-in challenge can be answered.
const DefaultLifetime = 10 * time.Minute

// verifyTimeout bounds one call to a vendor's verify URL.
const verifyTimeout = 5 * time.Second

// ErrFailed is the one error for a captcha that does not pass: missing,
// wrong, unknown, expired or already used. Verify wraps it; test it with
// errors.Is and show the form again with a fresh challenge. Any other
// error from Verify is a failure of Gatehouse itself (the database), not
// of the user.
var ErrFailed = errors.New("captcha: failed")

// ErrUnavailable marks a vendor verification that could not be completed
// (the vendor did not answer, answered with an error status or with
// something that is not its JSON). It always comes wrapped together with
// ErrFailed: the captcha fails closed.
var ErrUnavailable = errors.New("captcha: verification service unavailable")

// Challenge is what a form page needs to show one captcha. For the
// built-in provider: ID and ImageDataURI; for a vendor: SiteKey, ScriptURL
// and ResponseField. Provider None gives the zero Challenge but for
// Provider, and the partial template renders nothing for it.
type Challenge struct {
	Provider      string // one of the provider constants
	ID            string // built-in: the challenge's id, sent back in captcha_id
	ImageDataURI  string // built-in: data:image/png;base64,... of the image
	SiteKey       string // vendor: the public site key for the widget
	ScriptURL     string // vendor: the widget's script
	ResponseField string // vendor: the form field the widget fills in
	// Audio: built-in with a spoken alternative (audio.go), which
	// Captcha.Audio renders for ID.
	Audio bool
}

// Options configure New. They mirror GATEHOUSE_CAPTCHA_*.
type Options struct {
	// Provider is Builtin (the default when empty), HCaptcha, Turnstile,
	// ReCaptcha or None.
	Provider string
	// SiteKey and Secret are the vendor's keys (vendors only, required).
	SiteKey, Secret string
	// VerifyURL is the vendor's verification endpoint (default: the
	// vendor's own). Tests point it at a local fake.
	VerifyURL string
	// TestAnswer is accepted as the answer to any live built-in challenge,
	// in addition to the real one, for automated tests. Honoured only when
	// Dev is true; ignored with a warning otherwise.
	TestAnswer string
	// Dev is development mode.
	Dev bool
	// AudioKey (at least 16 bytes, the same on every replica) turns on
	// the built-in captcha's spoken alternative: AudioLength digits, an
	// HMAC of the challenge id under this key, accepted in place of the
	// image's characters (audio.go). Empty: no audio.
	AudioKey []byte
	// Lifetime is how long a built-in challenge stays answerable
	// (default DefaultLifetime).
	Lifetime time.Duration
	// HTTPClient calls the vendor (default: a client with a 5 s timeout
	// that does not follow redirects). Each call is also bounded to 5 s.
	HTTPClient *http.Client
	// Logger receives warnings and vendor failures (default: discarded).
	Logger *slog.Logger
}

// backend is one provider's implementation.
type backend interface {
	challenge(ctx context.Context) (Challenge, error)
	verify(ctx context.Context, form url.Values, remoteIP string) error
}

// Captcha issues and checks captchas of the configured provider. It is
// safe for concurrent use.
type Captcha struct {
	provider string
	backend  backend
	vendor   *vendor // nil unless a vendor provider
}

// New returns the configured captcha. The built-in provider keeps its
// challenges in store (required for it, unused otherwise), so that any
// replica sharing the database can check an answer.
func New(opts Options, store storage.CaptchaStore) (*Captcha, error) {
	if opts.Provider == "" {
		opts.Provider = Builtin
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.TestAnswer = checkTestAnswer(opts)
	c := &Captcha{provider: opts.Provider}
	switch opts.Provider {
	case Builtin:
		b, err := newBuiltin(opts, store)
		if err != nil {
			return nil, err
		}
		c.backend = b
	case HCaptcha, Turnstile, ReCaptcha:
		v, err := newVendorClient(opts)
		if err != nil {
			return nil, err
		}
		c.backend, c.vendor = v, v.vendor
	case None:
		c.backend = noCaptcha{}
	default:
		return nil, fmt.Errorf("captcha: unknown provider %q (want %s, %s, %s, %s or %s)",
			opts.Provider, Builtin, HCaptcha, Turnstile, ReCaptcha, None)
	}
	return c, nil
}

// checkTestAnswer returns the test answer to honour, and warns at start
// whenever one is configured: it is a bypass, acceptable only in
// development and only for the built-in captcha.
func checkTestAnswer(opts Options) string {
	if opts.TestAnswer == "" {
		return ""
	}
	log := opts.Logger
	switch {
	case !opts.Dev:
		log.Warn("GATEHOUSE_CAPTCHA_TEST_ANSWER is set outside dev mode: ignored")
		return ""
	case opts.Provider != Builtin:
		log.Warn("GATEHOUSE_CAPTCHA_TEST_ANSWER applies to the builtin captcha only: ignored; use the vendor's test keys",
			slog.String("provider", opts.Provider))
		return ""
	}
	log.Warn("GATEHOUSE_CAPTCHA_TEST_ANSWER is set (dev mode): every captcha challenge also accepts the test answer")
	return opts.TestAnswer
}

// Provider is the configured provider.
func (c *Captcha) Provider() string { return c.provider }

// Enabled reports whether forms must show and check a captcha (false for
// None).
func (c *Captcha) Enabled() bool { return c.provider != None }

// Challenge returns a new captcha to show. For the built-in provider it
// draws a fresh image and stores its answer; call it for every rendering
// of a form (a challenge is answered once).
func (c *Captcha) Challenge(ctx context.Context) (Challenge, error) {
	return c.backend.challenge(ctx)
}

// Verify checks the captcha answer in a submitted form, once: a built-in
// challenge is consumed whatever the answer. remoteIP is the client's
// address as Gatehouse determined it (forwarded to vendors; may be empty).
// A captcha that does not pass gives an error wrapping ErrFailed; any
// other error is an internal failure. With provider None it returns nil.
func (c *Captcha) Verify(ctx context.Context, form url.Values, remoteIP string) error {
	return c.backend.verify(ctx, form, remoteIP)
}

// CSPSources lists the origins a vendor's widget needs in the page's
// Content-Security-Policy: script-src, frame-src and connect-src (each
// empty for Builtin and None; the built-in image is a data: URI, which
// img-src already allows). See also CSPStyleSources.
func (c *Captcha) CSPSources() (script, frame, connect []string) {
	if c.vendor == nil {
		return nil, nil, nil
	}
	v := c.vendor
	return clone(v.scriptSrc), clone(v.frameSrc), clone(v.connectSrc)
}

// CSPStyleSources lists the origins a vendor's widget needs in style-src
// (hCaptcha loads its stylesheets from its own origin).
func (c *Captcha) CSPStyleSources() []string {
	if c.vendor == nil {
		return nil
	}
	return clone(c.vendor.styleSrc)
}

func clone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// failed wraps ErrFailed with the reason, for logs and tests.
func failed(reason string) error {
	return fmt.Errorf("%w: %s", ErrFailed, reason)
}

// noCaptcha is provider None: nothing to show, everything passes.
type noCaptcha struct{}

func (noCaptcha) challenge(context.Context) (Challenge, error) {
	return Challenge{Provider: None}, nil
}

func (noCaptcha) verify(context.Context, url.Values, string) error { return nil }
