package op

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// supportedScopes and supportedClaims are what discovery announces.
var (
	supportedScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess, ScopeGroups}
	supportedClaims = []string{
		"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "acr", "azp", "at_hash", "c_hash", "sid",
		"name", "given_name", "family_name", "preferred_username", "locale", "email", "email_verified", ClaimGroups,
	}
)

// publicDocs holds the discovery document, rebuilt when the key set
// changes (its algorithms are announced).
type publicDocs struct {
	mu        sync.Mutex
	keys      *keyState
	policy    Policy // the instance policy it was built for (policy.go)
	discovery []byte
}

// discovery returns the discovery document and the key state it was built
// for.
func (p *Provider) discovery(ctx context.Context) ([]byte, error) {
	st, err := p.st.keys.current(ctx)
	if err != nil {
		return nil, err
	}
	pol, err := p.policy(ctx)
	if err != nil {
		return nil, fmt.Errorf("op: instance policy: %w", err)
	}
	p.docs.mu.Lock()
	defer p.docs.mu.Unlock()
	if p.docs.keys == st && p.docs.policy == pol {
		return p.docs.discovery, nil
	}
	doc := discoveryDocument{DiscoveryConfiguration: p.discoveryConfig(ctx), PromptValuesSupported: promptValuesSupported,
		AuthorizationResponseIssParameterSupported: true}
	p.protocolDiscovery(&doc, pol) // protocol2.go
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("op: marshal discovery: %w", err)
	}
	p.docs.keys, p.docs.policy, p.docs.discovery = st, pol, b
	return b, nil
}

// promptValuesSupported are the prompt values the login pages honour;
// "create" is OpenID Connect Prompt Create 1.0 (it opens registration).
var promptValuesSupported = []string{"none", "login", "consent", "select_account", "create"}

// discoveryDocument is zop's document with the fields zop's type lacks.
type discoveryDocument struct {
	*oidc.DiscoveryConfiguration
	PromptValuesSupported []string `json:"prompt_values_supported"`
	// AuthorizationResponseIssParameterSupported: RFC 9207 (withIss).
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
	// PAR (RFC 9126 §5, par.go).
	PushedAuthorizationRequestEndpoint string `json:"pushed_authorization_request_endpoint"`
	RequirePushedAuthorizationRequests bool   `json:"require_pushed_authorization_requests"`
}

// discoveryConfig is zop's document corrected to what Gatehouse does: zop
// always announces the implicit and hybrid flows, the device endpoint and
// RS256 for client assertions Gatehouse does not accept.
func (p *Provider) discoveryConfig(ctx context.Context) *oidc.DiscoveryConfiguration {
	cfg := zop.CreateDiscoveryConfig(zop.ContextWithIssuer(ctx, p.opts.Issuer), p.zop, p.st)
	cfg.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	cfg.ResponseModesSupported = []string{string(oidc.ResponseModeQuery), string(oidc.ResponseModeFragment), string(oidc.ResponseModeFormPost)}
	cfg.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials}
	cfg.DeviceAuthorizationEndpoint = ""
	if p.DeviceFlowEnabled() { // device.go
		cfg.DeviceAuthorizationEndpoint = p.opts.Issuer + PathDeviceAuthorization
		cfg.GrantTypesSupported = append(cfg.GrantTypesSupported, oidc.GrantTypeDeviceCode)
	}
	cfg.CheckSessionIframe = ""
	cfg.TokenEndpointAuthSigningAlgValuesSupported = nil
	cfg.IntrospectionEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic}
	cfg.IntrospectionEndpointAuthSigningAlgValuesSupported = nil
	cfg.RevocationEndpointAuthSigningAlgValuesSupported = nil
	cfg.RequestParameterSupported = false
	cfg.RequestURIParameterSupported = false
	cfg.ClaimsParameterSupported = false
	cfg.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	cfg.ACRValuesSupported = acrValuesSupported
	// Client authentication (clientassertion.go): private_key_jwt at the
	// token, introspection and revocation endpoints; secrets by Basic or
	// POST everywhere.
	cfg.TokenEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost, oidc.AuthMethodPrivateKeyJWT, oidc.AuthMethodNone}
	cfg.IntrospectionEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost, oidc.AuthMethodPrivateKeyJWT}
	cfg.RevocationEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost, oidc.AuthMethodPrivateKeyJWT, oidc.AuthMethodNone}
	algs := make([]string, len(assertionAlgs))
	for i, a := range assertionAlgs {
		algs[i] = string(a)
	}
	cfg.TokenEndpointAuthSigningAlgValuesSupported = algs
	cfg.IntrospectionEndpointAuthSigningAlgValuesSupported = algs
	cfg.RevocationEndpointAuthSigningAlgValuesSupported = algs
	cfg.BackChannelLogoutSupported = true // backchannel.go
	cfg.BackChannelLogoutSessionSupported = true
	return cfg
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	b, err := p.discovery(r.Context())
	p.servePublic(w, r, b, err)
}

func (p *Provider) serveKeys(w http.ResponseWriter, r *http.Request) {
	st, err := p.st.keys.current(r.Context())
	var b []byte
	if err == nil {
		b = st.jwks
	}
	p.servePublic(w, r, b, err)
}

// servePublic writes a precomputed public document, cacheable by anyone;
// a failure is not cacheable.
func (p *Provider) servePublic(w http.ResponseWriter, r *http.Request, body []byte, err error) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	if err != nil {
		p.log.ErrorContext(r.Context(), "serve public document", "path", r.URL.Path, "error", err)
		setNoStore(w)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	setPublicCache(w, p.opts.KeysMaxAge)
	w.Header().Set("Content-Type", "application/json")
	// A known length spares the chunked encoding of bodies over 2 KiB.
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
