package op

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/internal/personaltoken"
)

// Personal API tokens (internal/personaltoken) at /userinfo and
// /oauth/introspect. zop knows only its own tokens, so a bearer or token
// parameter with the personal-token prefix is answered here; anything else
// goes on to zop. A token with a wrong checksum is refused before any
// database lookup; a revoked one fails at once on every replica (the row
// is read on every request).

// TokenTypePersonal is the token_type introspection gives personal tokens.
const TokenTypePersonal = "personal"

type clientIPKey struct{}

// WithClientIP returns ctx carrying the caller's IP address as the
// router determined it (trusting only configured proxies); a personal
// token's "last used" records it.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

func requestIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok && ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// bearerToken is the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// userinfoPersonal answers /userinfo for a personal token and reports
// whether it did: the owner's claims that the token's scopes release.
func (p *Provider) userinfoPersonal(w http.ResponseWriter, r *http.Request) bool {
	token := bearerToken(r)
	if p.opts.PersonalTokens == nil || !personaltoken.LooksLike(token) {
		return false
	}
	v, err := p.opts.PersonalTokens.Verify(r.Context(), token, requestIP(r))
	switch {
	case errors.Is(err, personaltoken.ErrMalformed), errors.Is(err, personaltoken.ErrInactive):
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "the token is not active"})
		return true
	case err != nil:
		p.log.ErrorContext(r.Context(), "verify personal token", "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return true
	}
	info := new(oidc.UserInfo)
	setUserClaims(info, v.User, v.Token.Scopes)
	writeJSON(w, http.StatusOK, info)
	return true
}

// introspectPersonal answers /oauth/introspect (RFC 7662) for a personal
// token presented by an authenticated client (client_secret_basic or
// client_secret_post), and reports whether it did.
func (p *Provider) introspectPersonal(w http.ResponseWriter, r *http.Request) bool {
	if p.opts.PersonalTokens == nil || r.ParseForm() != nil || !personaltoken.LooksLike(r.PostForm.Get("token")) {
		return false
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if err := p.st.AuthorizeClientIDSecret(r.Context(), id, secret); err != nil {
		if !errors.Is(err, errClientAuth) {
			p.log.ErrorContext(r.Context(), "authenticate introspecting client", "error", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
			return true
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="introspection"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return true
	}
	v, err := p.opts.PersonalTokens.Verify(r.Context(), r.PostForm.Get("token"), requestIP(r))
	switch {
	case errors.Is(err, personaltoken.ErrMalformed), errors.Is(err, personaltoken.ErrInactive):
		writeJSON(w, http.StatusOK, map[string]bool{"active": false})
		return true
	case err != nil:
		p.log.ErrorContext(r.Context(), "verify personal token", "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return true
	}
	username := v.User.Username
	if username == "" {
		username = v.User.Email
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active": true, "sub": v.User.ID, "scope": strings.Join(v.Token.Scopes, " "),
		"exp": v.Token.ExpiresAt.Unix(), "iat": v.Token.CreatedAt.Unix(), "token_type": TokenTypePersonal,
		"username": username, "iss": p.opts.Issuer, "jti": v.Token.ID,
	})
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
