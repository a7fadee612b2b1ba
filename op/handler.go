package op

import (
	"context"
	"net/http"
	"slices"

	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// paths are what Handler serves; zop's /healthz, /ready and
// /device_authorization are not among them.
var paths = []string{PathDiscovery, PathKeys, PathAuthorize, PathCallback, PathToken, PathIntrospect, PathUserinfo, PathRevoke, PathEndSession,
	PathDeviceAuthorization, PathPAR}

// Paths returns the paths Handler serves, relative to the issuer. Register
// each on the router for every method (GET, HEAD, POST, OPTIONS), e.g.
// engine.Any(path, gin.WrapH(p.Handler())).
func (p *Provider) Paths() []string { return slices.Clone(paths) }

// Handler serves the OpenID endpoints with CORS, cache headers and the
// checks zop does not make. Wrap PathAuthorize and PathCallback with the
// browser binding middleware (WithBrowserBinding).
func (p *Provider) Handler() http.Handler { return p.handler }

func (p *Provider) buildHandler() http.Handler {
	return withCORS(withNoStore(p.withClientAssertion(http.HandlerFunc(p.route))))
}

func (p *Provider) route(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case PathDiscovery:
		p.serveDiscovery(w, r)
	case PathKeys:
		p.serveKeys(w, r)
	case PathAuthorize:
		p.withIss(p.serveAuthorize)(w, r)
	case PathToken:
		p.answerOutages(w, r, outageReplacesErrors, p.serveToken)
	case PathIntrospect:
		if allowMethods(w, r, http.MethodPost) {
			p.answerOutages(w, r, outageReplacesAll, p.serveIntrospect)
		}
	case PathRevoke:
		if allowMethods(w, r, http.MethodPost) {
			p.answerOutages(w, r, outageReplacesAll, p.zop.ServeHTTP)
		}
	case PathUserinfo:
		p.answerOutages(w, r, outageReplacesErrors, p.serveUserinfo)
	case PathEndSession:
		p.serveEndSession(w, r)
	case PathCallback:
		p.withIss(p.zop.ServeHTTP)(w, r)
	case PathPAR: // par.go
		p.answerOutages(w, r, outageReplacesErrors, p.servePAR)
	case PathDeviceAuthorization: // device.go
		if p.DeviceFlowEnabled() && allowMethods(w, r, http.MethodPost) {
			p.answerOutages(w, r, outageReplacesErrors, zop.DeviceAuthorizationHandler(p.zop))
		} else if !p.DeviceFlowEnabled() {
			http.NotFound(w, r)
		}
	default:
		http.NotFound(w, r)
	}
}

// serveAuthorize replaces a request_uri from the PAR endpoint by the
// pushed parameters and refuses any other request_uri before zop, which
// ignores it (it never fetches it either): RFC 9700 §4.12, SECURITY 38.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	if err := r.ParseForm(); err == nil {
		var ok bool
		if r, ok = p.authorizeWithPAR(w, r); !ok { // par.go
			return
		}
	}
	p.zop.ServeHTTP(w, r)
}

// grantTypes the token endpoint accepts at all; zop would also try the
// JWT bearer grant, which Gatehouse does not offer.
var grantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials, GrantDeviceCode, GrantTokenExchange}

// serveToken limits the grant types and hands the PKCE verifier to
// AuthRequestByCode, which checks it while claiming the code.
func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	if err := r.ParseForm(); err != nil {
		zop.RequestError(w, r, oidc.ErrInvalidRequest().WithDescription("cannot parse form"), nil)
		return
	}
	gt := r.Form.Get("grant_type")
	if gt != "" && !slices.Contains(grantTypes, gt) || gt == GrantDeviceCode && !p.DeviceFlowEnabled() {
		zop.RequestError(w, r, oidc.ErrUnsupportedGrantType().WithDescription("grant_type %s is not supported", gt), nil)
		return
	}
	ctx := withUserMemo(r.Context()) // requestmemo.go
	if gt == GrantAuthorizationCode {
		ctx = withCodeVerifier(ctx, r.Form.Get("code_verifier"))
	}
	r = r.WithContext(ctx)
	// Every grant signs its JWTs once, with the real keys (tokensign.go).
	switch gt {
	case GrantAuthorizationCode: // tokenresponse.go
		p.serveCodeExchange(w, r)
	case GrantRefreshToken: // tokenresponse.go
		p.serveRefresh(w, r)
	case GrantClientCredentials: // clientcredentials.go
		p.serveClientCredentials(w, r)
	case GrantDeviceCode: // device.go
		p.serveDeviceToken(w, r)
	case GrantTokenExchange: // tokenexchange.go
		p.serveTokenExchange(w, r)
	default: // no grant_type: zop's invalid_request
		zop.RequestError(w, r, oidc.ErrInvalidRequest().WithDescription("grant_type missing"), nil)
	}
}

// serveEndSession keeps the raw post_logout_redirect_uri and state for
// TerminateSessionFromRequest.
func (p *Provider) serveEndSession(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	if err := r.ParseForm(); err == nil {
		r = r.WithContext(withEndSessionParams(r.Context(), endSessionParams{
			postLogoutRedirectURI: r.Form.Get("post_logout_redirect_uri"),
			state:                 r.Form.Get("state"),
		}))
	}
	p.zop.ServeHTTP(w, r)
}

type verifierKey struct{}

// withCodeVerifier records the code_verifier of a code exchange (possibly
// empty: its presence in ctx tells that it was looked for).
func withCodeVerifier(ctx context.Context, v string) context.Context {
	return context.WithValue(ctx, verifierKey{}, v)
}

func codeVerifier(ctx context.Context) (string, bool) {
	v, ok := ctx.Value(verifierKey{}).(string)
	return v, ok
}

// serveIntrospect answers for a personal API token, else as zop's
// Introspect does (its request parsing and client authentication, the same
// answers), but reads the token through presentedToken, which skips the
// signature check of a JWT verified before (verified.go).
func (p *Provider) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	if p.introspectPersonal(w, r) {
		return
	}
	r = r.WithContext(zop.ContextWithIssuer(r.Context(), p.opts.Issuer))
	token, clientID, err := zop.ParseTokenIntrospectionRequest(r, p.zop)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	resp := new(oidc.IntrospectionResponse)
	if pt, ok := p.presentedToken(r.Context(), token); ok {
		if err := p.st.introspectionFor(r.Context(), resp, pt, clientID); err == nil {
			resp.Active = true
		} else {
			resp = new(oidc.IntrospectionResponse)
		}
	}
	httphelper.MarshalJSON(w, resp)
}

// serveUserinfo answers for a personal API token, else as zop's Userinfo
// does (the same answers), reading the token through presentedToken.
func (p *Provider) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	if p.userinfoPersonal(w, r) {
		return
	}
	r = r.WithContext(zop.ContextWithIssuer(r.Context(), p.opts.Issuer))
	token, err := zop.ParseUserinfoRequest(r, p.zop.Decoder())
	if err != nil {
		http.Error(w, "access token missing", http.StatusUnauthorized)
		return
	}
	pt, ok := p.presentedToken(r.Context(), token)
	if !ok {
		http.Error(w, "access token invalid", http.StatusUnauthorized)
		return
	}
	info := new(oidc.UserInfo)
	if err := p.st.userinfoFor(r.Context(), info, pt); err != nil {
		httphelper.MarshalJSONWithStatus(w, err, http.StatusForbidden)
		return
	}
	httphelper.MarshalJSON(w, info)
}
