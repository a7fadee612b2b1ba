package captcha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// vendor describes one hosted captcha service.
type vendor struct {
	verifyURL     string // the vendor's siteverify endpoint
	scriptURL     string // the widget's script
	responseField string // the form field the widget fills in
	widgetClass   string // the class of the element the script turns into the widget
	sendSiteKey   bool   // siteverify takes the site key too
	// Content-Security-Policy sources the widget needs, per the vendor's
	// documentation.
	scriptSrc, frameSrc, styleSrc, connectSrc []string
}

var vendors = map[string]*vendor{
	HCaptcha: {
		verifyURL:     "https://api.hcaptcha.com/siteverify",
		scriptURL:     "https://js.hcaptcha.com/1/api.js",
		responseField: "h-captcha-response",
		widgetClass:   "h-captcha",
		sendSiteKey:   true,
		scriptSrc:     []string{"https://hcaptcha.com", "https://*.hcaptcha.com"},
		frameSrc:      []string{"https://hcaptcha.com", "https://*.hcaptcha.com"},
		styleSrc:      []string{"https://hcaptcha.com", "https://*.hcaptcha.com"},
		connectSrc:    []string{"https://hcaptcha.com", "https://*.hcaptcha.com"},
	},
	Turnstile: {
		verifyURL:     "https://challenges.cloudflare.com/turnstile/v0/siteverify",
		scriptURL:     "https://challenges.cloudflare.com/turnstile/v0/api.js",
		responseField: "cf-turnstile-response",
		widgetClass:   "cf-turnstile",
		scriptSrc:     []string{"https://challenges.cloudflare.com"},
		frameSrc:      []string{"https://challenges.cloudflare.com"},
	},
	ReCaptcha: {
		verifyURL:     "https://www.google.com/recaptcha/api/siteverify",
		scriptURL:     "https://www.google.com/recaptcha/api.js",
		responseField: "g-recaptcha-response",
		widgetClass:   "g-recaptcha",
		scriptSrc:     []string{"https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/"},
		frameSrc:      []string{"https://www.google.com/recaptcha/", "https://recaptcha.google.com/recaptcha/"},
	},
}

// Limits on what is sent to and read from the vendor.
const (
	maxResponseToken = 16 << 10 // a widget's response token
	maxVerifyBody    = 64 << 10 // the vendor's JSON answer
)

// vendorClient verifies widget responses with the vendor, server-side.
type vendorClient struct {
	*vendor
	name, siteKey, secret, verifyURL string
	client                           *http.Client
	timeout                          time.Duration
	log                              *slog.Logger
}

func newVendorClient(opts Options) (*vendorClient, error) {
	v := vendors[opts.Provider]
	if opts.SiteKey == "" || opts.Secret == "" {
		return nil, fmt.Errorf("captcha: %s needs a site key and a secret", opts.Provider)
	}
	verifyURL := opts.VerifyURL
	if verifyURL == "" {
		verifyURL = v.verifyURL
	}
	if u, err := url.Parse(verifyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("captcha: verify URL %q is not an absolute http(s) URL", verifyURL)
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{
			Timeout: verifyTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return &vendorClient{
		vendor: v, name: opts.Provider, siteKey: opts.SiteKey, secret: opts.Secret,
		verifyURL: verifyURL, client: client, timeout: verifyTimeout, log: opts.Logger,
	}, nil
}

func (v *vendorClient) challenge(context.Context) (Challenge, error) {
	return Challenge{
		Provider:      v.name,
		SiteKey:       v.siteKey,
		ScriptURL:     v.scriptURL,
		ResponseField: v.responseField,
	}, nil
}

// verify asks the vendor whether the widget's response token is valid.
//
// A vendor that cannot be asked (unreachable, slow, error status, not its
// JSON) fails closed: the error wraps ErrFailed and ErrUnavailable and is
// logged. ErrFailed rather than an internal error because the form can then
// be shown again with what the user typed, and submitted again once the
// vendor is back; nothing passes unverified either way.
func (v *vendorClient) verify(ctx context.Context, form url.Values, remoteIP string) error {
	token := strings.TrimSpace(form.Get(v.responseField))
	switch {
	case token == "":
		return failed("no " + v.responseField)
	case len(token) > maxResponseToken:
		return failed(v.responseField + " too long")
	}
	ok, codes, err := v.ask(ctx, token, remoteIP)
	if err != nil {
		v.log.ErrorContext(ctx, "captcha verification unavailable: failing closed",
			slog.String("provider", v.name), slog.Any("error", err))
		return fmt.Errorf("%w: %w: %w", ErrFailed, ErrUnavailable, err)
	}
	if !ok {
		v.logConfigErrors(ctx, codes)
		return failed(fmt.Sprintf("%s rejected the response %v", v.name, codes))
	}
	return nil
}

// logConfigErrors reports error codes that blame Gatehouse's keys rather
// than the user (invalid-input-secret, sitekey-secret-mismatch, ...): every
// captcha fails until the operator fixes them.
func (v *vendorClient) logConfigErrors(ctx context.Context, codes []string) {
	for _, code := range codes {
		if strings.Contains(code, "secret") || strings.Contains(code, "sitekey") {
			v.log.ErrorContext(ctx, "captcha vendor rejects the configured keys: check GATEHOUSE_CAPTCHA_SITE_KEY and GATEHOUSE_CAPTCHA_SECRET",
				slog.String("provider", v.name), slog.Any("error_codes", codes))
			return
		}
	}
}

// siteverify is the part of the vendors' answer Gatehouse reads; the three
// vendors share it.
type siteverify struct {
	Success    *bool    `json:"success"`
	ErrorCodes []string `json:"error-codes"`
}

// ask posts the token to the verify URL and reads the verdict. err is set
// when there is no verdict.
func (v *vendorClient) ask(ctx context.Context, token, remoteIP string) (ok bool, codes []string, err error) {
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.verifyURL,
		strings.NewReader(v.verifyForm(token, remoteIP).Encode()))
	if err != nil {
		return false, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return false, nil, fmt.Errorf("post to verify URL: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return false, nil, fmt.Errorf("verify URL answered %s", resp.Status)
	}
	return decodeVerdict(resp.Body)
}

func (v *vendorClient) verifyForm(token, remoteIP string) url.Values {
	f := url.Values{"secret": {v.secret}, "response": {token}}
	if remoteIP != "" {
		f.Set("remoteip", remoteIP)
	}
	if v.sendSiteKey {
		f.Set("sitekey", v.siteKey)
	}
	return f
}

func decodeVerdict(body io.Reader) (ok bool, codes []string, err error) {
	data, err := io.ReadAll(io.LimitReader(body, maxVerifyBody+1))
	if err != nil {
		return false, nil, fmt.Errorf("read verify answer: %w", err)
	}
	if len(data) > maxVerifyBody {
		return false, nil, errors.New("verify answer too large")
	}
	var sv siteverify
	if err := json.Unmarshal(data, &sv); err != nil {
		return false, nil, fmt.Errorf("decode verify answer: %w", err)
	}
	if sv.Success == nil {
		return false, nil, errors.New("verify answer has no success field")
	}
	return *sv.Success, sv.ErrorCodes, nil
}
