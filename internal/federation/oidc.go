package federation

import (
	"context"
	"errors"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/config"
)

// oidcExchanger is an OpenID Connect upstream, discovered at first use.
// A failed discovery is not kept: the next sign-in tries again.
type oidcExchanger struct {
	cfg         config.ProviderConfig
	redirectURI string
	client      *http.Client
	sem         chan struct{} // one discovery at a time
	rp          rp.RelyingParty
}

func newOIDCExchanger(cfg config.ProviderConfig, redirectURI string, client *http.Client) *oidcExchanger {
	return &oidcExchanger{cfg: cfg, redirectURI: redirectURI, client: client, sem: make(chan struct{}, 1)}
}

func (o *oidcExchanger) issuer() string { return o.cfg.Issuer }

type nonceKey struct{}

// relyingParty discovers the upstream once; discovery returning another
// issuer is refused by the library (oidc.ErrIssuerInvalid).
func (o *oidcExchanger) relyingParty(ctx context.Context) (rp.RelyingParty, error) {
	select {
	case o.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, unavailable("discovery", ctx.Err())
	}
	defer func() { <-o.sem }()
	if o.rp != nil {
		return o.rp, nil
	}
	nonce := rp.WithNonce(func(ctx context.Context) string {
		n, _ := ctx.Value(nonceKey{}).(string)
		return n
	})
	party, err := rp.NewRelyingPartyOIDC(ctx, o.cfg.Issuer, o.cfg.ClientID, o.cfg.ClientSecret, o.redirectURI,
		o.cfg.Scopes, rp.WithHTTPClient(o.client), rp.WithVerifierOpts(nonce))
	if err != nil {
		return nil, unavailable("discovery", err)
	}
	o.rp = party
	return party, nil
}

func (o *oidcExchanger) authURL(ctx context.Context, state, nonce, challenge string) (string, error) {
	party, err := o.relyingParty(ctx)
	if err != nil {
		return "", err
	}
	opts := append(pkceOptions(challenge), oauth2.SetAuthURLParam("nonce", nonce))
	return party.OAuthConfig().AuthCodeURL(state, opts...), nil
}

func (o *oidcExchanger) exchange(ctx context.Context, code, verifier, nonce string) (Claims, error) {
	party, err := o.relyingParty(ctx)
	if err != nil {
		return Claims{}, err
	}
	ctx = context.WithValue(ctx, nonceKey{}, nonce)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, code, party, rp.WithCodeVerifier(verifier))
	if err != nil {
		return Claims{}, classifyOIDC("code exchange", err)
	}
	idt := tokens.IDTokenClaims
	cl := Claims{
		Issuer: idt.Issuer, Subject: idt.Subject, Email: idt.Email, EmailVerified: bool(idt.EmailVerified),
		GivenName: idt.GivenName, FamilyName: idt.FamilyName, Name: idt.Name,
	}
	if cl.Email == "" && party.UserinfoEndpoint() != "" {
		info, err := rp.Userinfo[*oidc.UserInfo](ctx, tokens.AccessToken, tokens.TokenType, idt.Subject, party)
		if err != nil {
			return Claims{}, classifyOIDC("userinfo", err)
		}
		cl.Email, cl.EmailVerified = info.Email, bool(info.EmailVerified)
		if cl.GivenName == "" && cl.FamilyName == "" {
			cl.GivenName, cl.FamilyName, cl.Name = info.GivenName, info.FamilyName, info.Name
		}
	}
	return cl, nil
}

// verificationErrors are the library's errors about the ID token itself.
var verificationErrors = []error{
	oidc.ErrParse, oidc.ErrIssuerInvalid, oidc.ErrSubjectMissing, oidc.ErrAudience, oidc.ErrAzpMissing,
	oidc.ErrAzpInvalid, oidc.ErrSignatureMissing, oidc.ErrSignatureMultiple, oidc.ErrSignatureUnsupportedAlg,
	oidc.ErrSignatureInvalidPayload, oidc.ErrSignatureInvalid, oidc.ErrExpired, oidc.ErrIatMissing,
	oidc.ErrIatInFuture, oidc.ErrIatToOld, oidc.ErrNonceInvalid, oidc.ErrAtHash, rp.ErrMissingIDToken,
}

// classifyOIDC tells a token that did not verify from an upstream that
// did not answer.
func classifyOIDC(step string, err error) error {
	for _, target := range verificationErrors {
		if errors.Is(err, target) {
			return errors.Join(ErrVerification, err)
		}
	}
	return unavailable(step, err)
}
