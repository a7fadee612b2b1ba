package op

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// The authorization_code and refresh_token grants are answered here as
// zop's CodeExchange and RefreshTokenExchange do (zop's request
// parsing, client authentication and validation, the same answers and
// errors), but every JWT is signed once, with the real key:
//   - the access token by signAccessToken, with the claims zop's CreateJWT
//     writes and header typ "at+jwt";
//   - the ID token by zop's own CreateIDToken, given a storage whose
//     SigningKey is the real key of the client's ID token algorithm, so
//     that at_hash and c_hash are computed for the final access token and
//     that algorithm.
// No draft is made, and the response is not decoded and signed again:
// that round trip was about a tenth of a single sign-on flow's CPU with
// ES256. accessToken and idToken serve the device grant (device.go) and
// token exchange (tokenexchange.go) too.

// serveCodeExchange answers grant_type=authorization_code.
func (p *Provider) serveCodeExchange(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(zop.ContextWithIssuer(r.Context(), p.opts.Issuer))
	req, err := zop.ParseAccessTokenRequest(r, p.zop.Decoder())
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	if req.Code == "" {
		zop.RequestError(w, r, oidc.ErrInvalidRequest().WithDescription("code missing"), nil)
		return
	}
	authReq, zc, err := zop.ValidateAccessTokenRequest(r.Context(), req, p.zop)
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	resp, err := p.tokenResponse(r.Context(), authReq, zc, req.Code, "")
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	writeTokenResponse(w, r, resp)
}

// serveRefresh answers grant_type=refresh_token.
func (p *Provider) serveRefresh(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(zop.ContextWithIssuer(r.Context(), p.opts.Issuer))
	if !p.zop.GrantTypeRefreshTokenSupported() {
		zop.RequestError(w, r, oidc.ErrUnsupportedGrantType().WithDescription("%s not supported", oidc.GrantTypeRefreshToken), nil)
		return
	}
	req, err := zop.ParseRefreshTokenRequest(r, p.zop.Decoder())
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	refreshReq, zc, err := zop.ValidateRefreshTokenRequest(r.Context(), req, p.zop)
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	resp, err := p.tokenResponse(r.Context(), refreshReq, zc, "", req.RefreshToken)
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	writeTokenResponse(w, r, resp)
}

// tokenResponse is zop's CreateTokenResponse with the signing above: the
// access token (and, when the request calls for one, a refresh token),
// the ID token, and the auth request deleted.
func (p *Provider) tokenResponse(ctx context.Context, req zop.IDTokenRequest, zc zop.Client, code, refreshToken string) (*oidc.AccessTokenResponse, error) {
	at, newRefresh, validity, err := p.accessToken(ctx, req, zc, refreshToken)
	if err != nil {
		return nil, err
	}
	idt, err := p.idToken(ctx, req, zc, at, code)
	if err != nil {
		return nil, err
	}
	if ar, ok := req.(zop.AuthRequest); ok {
		if err := p.st.DeleteAuthRequest(ctx, ar.GetID()); err != nil {
			return nil, err
		}
	}
	return &oidc.AccessTokenResponse{
		AccessToken:  at,
		IDToken:      idt,
		RefreshToken: newRefresh,
		TokenType:    oidc.BearerToken,
		ExpiresIn:    uint64(validity.Seconds()),
		Scope:        req.GetScopes(),
	}, nil
}

// accessToken is zop's CreateAccessToken with the access token signed by
// signAccessToken: it stores the token (and a refresh token when the
// request calls for one) and returns the token, the refresh token and
// how long the token is valid.
func (p *Provider) accessToken(ctx context.Context, req zop.TokenRequest, zc zop.Client, refreshToken string) (at, newRefresh string, validity time.Duration, err error) {
	var (
		id  string
		exp time.Time
	)
	if needsRefreshToken(req, zc) {
		id, newRefresh, exp, err = p.st.CreateAccessAndRefreshTokens(ctx, req, refreshToken)
	} else {
		id, exp, err = p.st.CreateAccessToken(ctx, req)
	}
	if err != nil {
		return "", "", 0, err
	}
	validity = exp.Add(zc.ClockSkew()).Sub(time.Now().UTC())
	if zc.AccessTokenType() == zop.AccessTokenTypeJWT {
		at, err = p.signAccessToken(ctx, req, zc, id, exp)
	} else {
		at, err = zop.CreateBearerToken(id, req.GetSubject(), p.zop.Crypto())
	}
	if err != nil {
		return "", "", 0, err
	}
	return at, newRefresh, validity, nil
}

// idToken is the ID token of req for zc, made by zop's CreateIDToken and
// signed with the real key of the client's ID token algorithm, its
// at_hash and c_hash computed for that algorithm.
func (p *Provider) idToken(ctx context.Context, req zop.IDTokenRequest, zc zop.Client, at, code string) (string, error) {
	key, err := p.st.keys.signer(ctx, p.idTokenAlgorithm(zc))
	if err != nil {
		return "", serverError(err, "ID token signing key")
	}
	return zop.CreateIDToken(ctx, p.opts.Issuer, req, zc.IDTokenLifetime(), at, code, idTokenStorage{p.st, key}, zc)
}

// needsRefreshToken is zop's rule (token.go): a code flow with
// offline_access whose client may refresh, every refresh, an exchange
// that asks for a refresh token, and a device authorization with
// offline_access whose client may refresh.
func needsRefreshToken(req zop.TokenRequest, zc zop.Client) bool {
	switch r := req.(type) {
	case zop.AuthRequest:
		return slices.Contains(r.GetScopes(), oidc.ScopeOfflineAccess) && r.GetResponseType() == oidc.ResponseTypeCode &&
			zop.ValidateGrantType(zc, oidc.GrantTypeRefreshToken)
	case zop.TokenExchangeRequest:
		return r.GetRequestedTokenType() == oidc.RefreshTokenType
	case zop.RefreshTokenRequest:
		return true
	case *zop.DeviceAuthorizationState:
		return slices.Contains(r.GetScopes(), oidc.ScopeOfflineAccess) && zop.ValidateGrantType(zc, oidc.GrantTypeRefreshToken)
	default:
		return false
	}
}

// signAccessToken signs the JWT access token of a user's token request
// with the claims zop's CreateJWT writes: the registered ones and
// GetPrivateClaimsFromRequest's (scope, auth_time, amr, acr, sid, groups).
func (p *Provider) signAccessToken(ctx context.Context, req zop.TokenRequest, zc zop.Client, id string, exp time.Time) (string, error) {
	claims := oidc.NewAccessTokenClaims(p.opts.Issuer, req.GetSubject(), req.GetAudience(), exp, id, zc.GetID(), zc.ClockSkew())
	scopes := withoutUserinfoScopes(zc.RestrictAdditionalAccessTokenScopes()(req.GetScopes()))
	private, err := p.st.GetPrivateClaimsFromRequest(ctx, req, scopes)
	if err != nil {
		return "", err
	}
	claims.Claims = private
	if a, ok := req.(zop.TokenActorRequest); ok {
		claims.Actor = a.GetActor()
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", serverError(err, "encode access token claims")
	}
	k, err := p.st.keys.signer(ctx, p.opts.SigningAlgorithm)
	if err != nil {
		return "", serverError(err, "signing key")
	}
	token, err := signJWT(k, typAccessToken, payload)
	if err != nil {
		return "", serverError(err, "sign access token")
	}
	return token, nil
}

// withoutUserinfoScopes is zop's removeUserinfoScopes: the scopes whose
// claims belong in userinfo, not in an access token.
func withoutUserinfoScopes(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		switch s {
		case oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeAddress, oidc.ScopePhone:
		default:
			out = append(out, s)
		}
	}
	return out
}

// idTokenAlgorithm is the client's id_token_signed_response_alg, else the
// instance's algorithm.
func (p *Provider) idTokenAlgorithm(zc zop.Client) string {
	if c, ok := zc.(*client); ok && c.c.IDTokenSignedResponseAlg != "" {
		return c.c.IDTokenSignedResponseAlg
	}
	return p.opts.SigningAlgorithm
}

// idTokenStorage is the storage zop's CreateIDToken gets in tokenResponse:
// ours, with the real signing key of the ID token's algorithm instead of
// the draft key.
type idTokenStorage struct {
	*oidcStorage
	key *signingKey
}

func (s idTokenStorage) SigningKey(context.Context) (zop.SigningKey, error) { return s.key, nil }

// writeTokenResponse writes a token endpoint's 200 answer.
func writeTokenResponse(w http.ResponseWriter, r *http.Request, resp *oidc.AccessTokenResponse) {
	body, err := json.Marshal(resp)
	if err != nil {
		zop.RequestError(w, r, serverError(err, "encode token response"), nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
