package op

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/storage"
)

// Client authentication with JWT assertions (RFC 7523 §2.2, OIDC Core §9
// private_key_jwt) at the token, introspection and revocation endpoints.
// zop's own support checks neither jti nor the endpoint as audience and
// skips client credentials, so withClientAssertion does it before zop:
// it verifies the assertion, records its jti, and hands zop the request
// with HTTP Basic credentials of the client and a context saying it is
// authenticated (authenticate in client.go honours it). It also turns
// client_secret_post credentials at introspection and revocation into
// Basic ones, which is all zop reads there.

// Token endpoint authentication methods a client may register.
const (
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	AuthPrivateKeyJWT     = "private_key_jwt"
	AuthClientSecretJWT   = "client_secret_jwt"
	AuthNone              = "none"
)

// clientAssertionType is the only client_assertion_type (RFC 7523 §2.2).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionAlgs are the algorithms accepted on client assertions.
var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}

// Bounds of client assertions and client key sets.
const (
	assertionMaxLifetime = time.Hour        // exp at most this far ahead (jti kept until exp)
	assertionSkew        = 30 * time.Second // clock difference tolerated
	jwksFetchTimeout     = 5 * time.Second
	jwksCacheTTL         = 5 * time.Minute
	jwksMaxBytes         = 256 << 10
)

// assertedPlaceholder stands for the secret in the Basic credentials
// handed to zop for a client authenticated by assertion; authenticate
// accepts nothing on it but the context mark.
const assertedPlaceholder = "asserted-by-jwt"

type assertedClientKey struct{}

// assertedClient is the client id the request authenticated with an
// assertion, or "".
func assertedClient(ctx context.Context) string {
	id, _ := ctx.Value(assertedClientKey{}).(string)
	return id
}

// clientAssertionStore is the part of storage.Store that records jti
// values; Store implementations without it refuse assertions.
type clientAssertionStore interface {
	ClientAssertions() storage.ClientAssertionStore
}

// withClientAssertion authenticates client assertions and client_secret_post
// on the client-authenticated endpoints, then calls next.
func (p *Provider) withClientAssertion(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || (r.URL.Path != PathToken && r.URL.Path != PathIntrospect && r.URL.Path != PathRevoke && r.URL.Path != PathPAR) {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the form cannot be parsed")
			return
		}
		form := r.PostForm
		switch {
		case form.Get("client_assertion_type") != "" || form.Get("client_assertion") != "":
			if form.Get("client_assertion_type") != clientAssertionType {
				writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_assertion_type must be "+clientAssertionType)
				return
			}
			if _, _, basic := r.BasicAuth(); basic || form.Get("client_secret") != "" {
				writeOAuthError(w, http.StatusBadRequest, "invalid_request", "use one client authentication method")
				return
			}
			id, err := p.verifyClientAssertion(r.Context(), form.Get("client_assertion"), form.Get("client_id"), r.URL.Path)
			if err != nil {
				p.log.InfoContext(r.Context(), "client assertion refused", "error", err)
				writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
				return
			}
			rewriteClientAuth(r, id, assertedPlaceholder)
			r = r.WithContext(context.WithValue(r.Context(), assertedClientKey{}, id))
		case r.URL.Path != PathToken && form.Get("client_secret") != "":
			if _, _, basic := r.BasicAuth(); basic {
				writeOAuthError(w, http.StatusBadRequest, "invalid_request", "use one client authentication method")
				return
			}
			rewriteClientAuth(r, form.Get("client_id"), form.Get("client_secret"))
		}
		next.ServeHTTP(w, r)
	})
}

// rewriteClientAuth replaces the client credentials of r's form with
// Basic credentials id:secret, and the body with the rest of the form,
// for zop to parse again.
func rewriteClientAuth(r *http.Request, id, secret string) {
	form := url.Values{}
	for k, v := range r.PostForm {
		switch k {
		case "client_assertion", "client_assertion_type", "client_id", "client_secret":
		default:
			form[k] = v
		}
	}
	body := form.Encode()
	r.Body = io.NopCloser(strings.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Length", fmt.Sprint(len(body)))
	r.Form, r.PostForm = nil, nil
	r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// assertionClaims are the claims of a client assertion.
type assertionClaims struct {
	Issuer   string          `json:"iss"`
	Subject  string          `json:"sub"`
	Audience json.RawMessage `json:"aud"`
	Expiry   *float64        `json:"exp"`
	IssuedAt *float64        `json:"iat"`
	NotAfter *float64        `json:"nbf"`
	ID       string          `json:"jti"`
}

func (c assertionClaims) audiences() []string {
	var one string
	if json.Unmarshal(c.Audience, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Audience, &many)
	return many
}

// verifyClientAssertion checks raw (RFC 7523 §3) for the endpoint at path
// and returns the client id: iss = sub = the client (= formClientID when
// sent), aud the issuer or the endpoint URL, exp within the hour, a
// signature by a key of the client's registered key set, and a jti never
// used before on any replica.
func (p *Provider) verifyClientAssertion(ctx context.Context, raw, formClientID, path string) (string, error) {
	jws, err := jose.ParseSigned(raw, assertionAlgs)
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	var c assertionClaims
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &c); err != nil {
		return "", fmt.Errorf("claims: %w", err)
	}
	if c.Issuer == "" || c.Issuer != c.Subject || (formClientID != "" && formClientID != c.Issuer) {
		return "", errors.New("iss and sub must both be the client id")
	}
	if !slices.ContainsFunc(c.audiences(), func(a string) bool { return a == p.opts.Issuer || a == p.opts.Issuer+path }) {
		return "", fmt.Errorf("aud %s is neither the issuer nor the endpoint", c.Audience)
	}
	now := p.st.now()
	if c.Expiry == nil || c.ID == "" {
		return "", errors.New("exp and jti are required")
	}
	exp := time.Unix(int64(*c.Expiry), 0)
	switch {
	case !now.Before(exp.Add(assertionSkew)):
		return "", errors.New("expired")
	case exp.After(now.Add(assertionMaxLifetime)):
		return "", errors.New("exp is more than an hour ahead")
	case c.NotAfter != nil && time.Unix(int64(*c.NotAfter), 0).After(now.Add(assertionSkew)):
		return "", errors.New("not valid yet")
	case c.IssuedAt != nil && time.Unix(int64(*c.IssuedAt), 0).After(now.Add(assertionSkew)):
		return "", errors.New("issued in the future")
	}
	cl, err := p.st.client(ctx, c.Issuer)
	if err != nil {
		return "", err
	}
	if cl.TokenEndpointAuthMethod != AuthPrivateKeyJWT {
		return "", errors.New("the client is not registered for private_key_jwt")
	}
	keys, err := p.jwks.keySet(ctx, cl)
	if err != nil {
		return "", err
	}
	if err := verifyWithKeySet(jws, keys); err != nil {
		return "", err
	}
	js, ok := p.st.store.(clientAssertionStore)
	if !ok {
		return "", errors.New("no jti store")
	}
	if err := js.ClientAssertions().Use(ctx, cl.ID, c.ID, exp.Add(assertionSkew)); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return "", errors.New("replayed assertion (jti already used)")
		}
		return "", err
	}
	return cl.ID, nil
}

// verifyWithKeySet verifies jws with the key its kid names, or with each
// signing key of the set when it names none.
func verifyWithKeySet(jws *jose.JSONWebSignature, set jose.JSONWebKeySet) error {
	kid := jws.Signatures[0].Header.KeyID
	candidates := set.Keys
	if kid != "" {
		candidates = set.Key(kid)
	}
	for _, k := range candidates {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if _, err := jws.Verify(k.Key); err == nil {
			return nil
		}
	}
	return errors.New("no key of the client verifies the signature")
}

// ParseClientJWKS parses a client's registered key set (the jwks field):
// public signing keys only.
func ParseClientJWKS(raw string) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(raw), &set); err != nil {
		return set, fmt.Errorf("not a JWK set: %w", err)
	}
	if len(set.Keys) == 0 {
		return set, errors.New("the key set has no keys")
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return set, errors.New("the key set holds a private or symmetric key")
		}
	}
	return set, nil
}

// jwksCache fetches and caches the key sets of clients that register
// jwks_uri; registered jwks are parsed on use.
type jwksCache struct {
	mu      sync.Mutex
	entries map[string]jwksEntry // by client id
}

type jwksEntry struct {
	uri     string
	set     jose.JSONWebKeySet
	fetched time.Time
}

func (j *jwksCache) keySet(ctx context.Context, c storage.Client) (jose.JSONWebKeySet, error) {
	switch {
	case c.JWKS != "":
		return ParseClientJWKS(c.JWKS)
	case c.JWKSURI == "":
		return jose.JSONWebKeySet{}, errors.New("the client has no keys")
	}
	j.mu.Lock()
	e, ok := j.entries[c.ID]
	j.mu.Unlock()
	if ok && e.uri == c.JWKSURI && time.Since(e.fetched) < jwksCacheTTL {
		return e.set, nil
	}
	set, err := fetchJWKS(ctx, c.JWKSURI, c.Dev)
	if err != nil {
		return set, err
	}
	j.mu.Lock()
	if j.entries == nil {
		j.entries = map[string]jwksEntry{}
	}
	j.entries[c.ID] = jwksEntry{uri: c.JWKSURI, set: set, fetched: time.Now()}
	j.mu.Unlock()
	return set, nil
}

// fetchJWKS GETs a client's key set within jwksFetchTimeout. Unless
// allowPrivate (dev clients), it refuses to connect to loopback,
// private, link-local and unspecified addresses, checked on the address
// actually dialled, so DNS cannot point it inside.
func fetchJWKS(ctx context.Context, uri string, allowPrivate bool) (jose.JSONWebKeySet, error) {
	dialer := &net.Dialer{Timeout: jwksFetchTimeout}
	if !allowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !publicIP(ip) {
				return fmt.Errorf("jwks_uri address %s is not public", host)
			}
			return nil
		}
	}
	client := &http.Client{
		Timeout:       jwksFetchTimeout,
		Transport:     &http.Transport{DialContext: dialer.DialContext, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("jwks_uri: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch jwks_uri: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch jwks_uri: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, jwksMaxBytes))
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("read jwks_uri: %w", err)
	}
	return ParseClientJWKS(string(body))
}

// publicIP reports whether ip is a public unicast address.
func publicIP(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast())
}
