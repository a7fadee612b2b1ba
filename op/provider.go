package op

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// Provider is Gatehouse's OpenID Provider: zop's provider over the
// database, plus what the login pages and the CLI need.
type Provider struct {
	opts    Options
	st      *oidcStorage
	zop     *zop.Provider
	handler http.Handler
	docs    publicDocs
	log     *slog.Logger
	kick    chan struct{} // wakes RunBackchannel (backchannel.go)
	jwks    jwksCache     // clients' jwks_uri key sets (clientassertion.go)
	// verified remembers JWT access tokens already verified (verified.go).
	verified verifiedTokens
	// policyFn reads the instance policy (policy.go).
	policyFn policyHolder
}

// verifierAlgs are the algorithms zop accepts on tokens it verifies
// (id_token_hint, JWT access tokens): every algorithm Gatehouse can sign
// with. zop's default lacks EdDSA.
var verifierAlgs = []string{AlgRS256, AlgES256, AlgEdDSA}

// New builds the provider and makes sure a signing key exists (creating
// the first one under the signing-keys lock, so replicas starting together
// create one).
func New(ctx context.Context, opts Options, store Store) (*Provider, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Provider{opts: opts, st: newOIDCStorage(opts, store), log: opts.Logger, kick: make(chan struct{}, 1)}
	p.zop, err = zop.NewProvider(p.zopConfig(), p.st, zop.StaticIssuer(opts.Issuer), p.zopOptions()...)
	if err != nil {
		return nil, fmt.Errorf("op: build provider: %w", err)
	}
	if _, err := p.st.keys.current(ctx); err != nil {
		return nil, fmt.Errorf("op: signing keys: %w", err)
	}
	p.handler = p.buildHandler()
	return p, nil
}

func (p *Provider) zopConfig() *zop.Config {
	cfg := &zop.Config{
		CryptoKey:                p.opts.CryptoKey,
		DefaultLogoutRedirectURI: p.opts.Issuer + p.opts.LogoutPath + "?" + LogoutParamDone + "=1",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedClaims:          supportedClaims,
		SupportedScopes:          supportedScopes,
	}
	if p.DeviceFlowEnabled() {
		cfg.DeviceAuthorization = *p.deviceConfig()
	}
	return cfg
}

func (p *Provider) zopOptions() []zop.Option {
	opts := []zop.Option{
		zop.WithCrypto(p.tokenCrypto()),
		zop.WithCORSOptions(nil), // withCORS does it, per path
		zop.WithIDTokenHintVerifierOpts(zop.WithSupportedIDTokenHintSigningAlgorithms(verifierAlgs...)),
		zop.WithAccessTokenVerifierOpts(zop.WithSupportedAccessTokenSigningAlgorithms(verifierAlgs...)),
	}
	if p.opts.Dev {
		opts = append(opts, zop.WithAllowInsecure())
	}
	return opts
}

// tokenCrypto encrypts opaque access tokens and codes with CryptoKey
// (AES-256-GCM, as zop does by default) and decrypts with CryptoKey, then
// with each of PreviousCryptoKeys, so tokens issued before an instance key
// rotation keep working until they expire. zop's default also tries
// unauthenticated AES-CFB, which Gatehouse never wrote: it is left out.
func (p *Provider) tokenCrypto() zop.Crypto {
	current := zop.NewAES256GCMCrypto(p.opts.CryptoKey, "")
	decrypters := []zop.Decrypter{current}
	for _, k := range p.opts.PreviousCryptoKeys {
		decrypters = append(decrypters, zop.NewAES256GCMCrypto(k, ""))
	}
	return zop.NewCompositeCrypto(current, decrypters)
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.opts.Issuer }

// ForgetClient drops the client from this replica's cache, so a change
// made here (secret, redirect URIs) applies at once; other replicas see it
// within CacheTTL.
func (p *Provider) ForgetClient(id string) { p.st.clients.forget(id) }

// Sweep deletes what expired before now: authorization requests (with
// their codes), access and refresh tokens, and retired keys past their
// PublishUntil. It also rotates the signing keys when due. The lead runs
// it periodically on every replica; every step is idempotent.
func (p *Provider) Sweep(ctx context.Context, now time.Time) error {
	var errs []error
	step := func(what string, fn func() (int64, error)) {
		n, err := fn()
		if err != nil {
			errs = append(errs, fmt.Errorf("op: sweep %s: %w", what, err))
			return
		}
		if n > 0 {
			p.log.DebugContext(ctx, "swept", slog.String("what", what), slog.Int64("count", n))
		}
	}
	s := p.st.store
	step("auth requests", func() (int64, error) { return s.AuthRequests().DeleteExpired(ctx, now) })
	step("tokens", func() (int64, error) { return s.Tokens().DeleteExpired(ctx, now) })
	step("signing keys", func() (int64, error) { return s.SigningKeys().DeleteUnpublished(ctx, now) })
	if ps, err := p.st.pushedRequests(); err == nil { // par.go
		step("pushed requests", func() (int64, error) { return ps.DeleteExpired(ctx, now) })
	}
	if ds := p.st.deviceStore(); ds != nil { // device.go: kept a while after expiry, so polls get expired_token
		step("device authorizations", func() (int64, error) { return ds.DeleteExpired(ctx, now.Add(-DeviceCodeLifetime)) })
	}
	if _, err := p.st.currentKeys(ctx); err != nil {
		errs = append(errs, fmt.Errorf("op: sweep: rotate keys: %w", err))
	}
	return errors.Join(errs...)
}
