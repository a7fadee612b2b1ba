package federation

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Errors of a provider. Test them with errors.Is.
var (
	// ErrUnavailable: the upstream did not answer in time, answered with
	// an error, or its discovery document was unusable (another issuer
	// included). Only this provider's sign-in fails.
	ErrUnavailable = errors.New("federation: upstream unavailable")
	// ErrVerification: the upstream's answer did not verify (ID token
	// signature, audience, nonce, issuer, missing subject).
	ErrVerification = errors.New("federation: upstream answer did not verify")
)

// Claims is what a verified upstream sign-in says about the user.
type Claims struct {
	Issuer        string // the provider's issuer (OIDC) or its id (OAuth2)
	Subject       string
	Email         string
	EmailVerified bool // as the upstream says; trust_email decides what it is worth
	GivenName     string
	FamilyName    string
	Name          string
}

// Provider is one configured upstream. It is safe for concurrent use.
type Provider struct {
	cfg         config.ProviderConfig
	redirectURI string
	exchanger   exchanger
}

// exchanger is the protocol-specific half of a provider.
type exchanger interface {
	authURL(ctx context.Context, state, nonce, challenge string) (string, error)
	exchange(ctx context.Context, code, verifier, nonce string) (Claims, error)
	issuer() string
}

// NewProvider builds the provider cfg (already validated and resolved by
// internal/config) whose callback is baseURL + "/federation/<id>/callback".
// It makes no request: OIDC discovery happens at the first sign-in.
func NewProvider(cfg config.ProviderConfig, baseURL string) (*Provider, error) {
	cfg, err := cfg.Resolved() // idempotent: presets and defaults
	if err != nil {
		return nil, err
	}
	p := &Provider{cfg: cfg, redirectURI: CallbackURL(baseURL, cfg.ID)}
	client := newHTTPClient(cfg.Timeout, cfg.AllowPrivateAddresses)
	switch {
	case cfg.IsOIDC():
		p.exchanger = newOIDCExchanger(cfg, p.redirectURI, client)
	case cfg.Type == config.ProviderOAuth2 || cfg.Type == config.ProviderGitHub:
		p.exchanger = newOAuth2Exchanger(cfg, p.redirectURI, client)
	default:
		return nil, fmt.Errorf("federation: provider %s: unknown type %q", cfg.ID, cfg.Type)
	}
	return p, nil
}

// CallbackURL is the redirect URI to register at the upstream for the
// provider id.
func CallbackURL(baseURL, id string) string {
	return strings.TrimSuffix(baseURL, "/") + "/federation/" + url.PathEscape(id) + "/callback"
}

// ID is the provider's id, its path segment.
func (p *Provider) ID() string { return p.cfg.ID }

// Name is the button text.
func (p *Provider) Name() string { return p.cfg.Name }

// TrustEmail reports trust_email.
func (p *Provider) TrustEmail() bool { return p.cfg.TrustEmail }

// AllowSignup reports allow_signup.
func (p *Provider) AllowSignup() bool { return p.cfg.SignupAllowed() }

// Timeout bounds each step of a sign-in at this provider.
func (p *Provider) Timeout() time.Duration { return p.cfg.Timeout }

// AuthURL is where the browser goes to sign in upstream: with state, the
// nonce (OIDC) and the PKCE S256 challenge of verifier.
func (p *Provider) AuthURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	return p.exchanger.authURL(ctx, state, nonce, s256(verifier))
}

// Exchange redeems the callback's code and returns the verified claims.
// iss is the callback's `iss` parameter (RFC 9207), checked when present.
func (p *Provider) Exchange(ctx context.Context, code, verifier, nonce, iss string) (Claims, error) {
	if iss != "" && iss != p.exchanger.issuer() {
		return Claims{}, fmt.Errorf("%w: iss %q is not %q", ErrVerification, iss, p.exchanger.issuer())
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	cl, err := p.exchanger.exchange(ctx, code, verifier, nonce)
	if err != nil {
		return Claims{}, err
	}
	if cl.Subject == "" {
		return Claims{}, fmt.Errorf("%w: no subject", ErrVerification)
	}
	if cl.GivenName == "" && cl.FamilyName == "" && cl.Name != "" {
		cl.GivenName, cl.FamilyName, _ = strings.Cut(strings.TrimSpace(cl.Name), " ")
	}
	return cl, nil
}

// s256 is the PKCE S256 challenge of verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// pkceOptions are the authorization URL parameters of a challenge.
func pkceOptions(challenge string) []oauth2.AuthCodeOption {
	return []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("code_challenge", challenge),
		oauth2.SetAuthURLParam("code_challenge_method", "S256"),
	}
}

// unavailable wraps an upstream failure as ErrUnavailable, keeping the
// cause for the log.
func unavailable(step string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, step, err)
}

// FormOrigins are the origins a form that starts a flow at this provider
// is redirected to (the issuer's and the authorization endpoint's): a
// page's CSP form-action must allow them.
func (p *Provider) FormOrigins() []string {
	var out []string
	for _, raw := range []string{p.cfg.Issuer, p.cfg.AuthURL} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http") {
			out = append(out, u.Scheme+"://"+u.Host)
		}
	}
	return out
}
