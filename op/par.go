package op

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// Pushed authorization requests (RFC 9126). A client POSTs its
// authorization parameters to PathPAR, authenticated as at the token
// endpoint (client_secret_basic, client_secret_post, private_key_jwt
// through withClientAssertion; a public client by client_id alone), and
// gets a request_uri that /authorize accepts once, within PARLifetime,
// from the same client_id. The parameters live in the database, so any
// replica serves the /authorize. A client with
// RequirePushedAuthorizationRequests, or every client under
// Policy.RequirePAR, is refused at /authorize without one.

// PathPAR is the pushed authorization request endpoint.
const PathPAR = "/oauth/par"

// RequestURIPrefix starts every request_uri the PAR endpoint returns.
const RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// errInvalidRequestURI is the error of a request_uri that is unknown,
// used, expired or another client's (RFC 9101 §6.2).
const errInvalidRequestURI = "invalid_request_uri"

// PARLifetime is how long a pushed request waits for its /authorize.
const PARLifetime = 60 * time.Second

// pushedRequestStores is what a store offers for PAR (sqlstore's does).
type pushedRequestStores interface {
	PushedRequests() storage.PushedRequestStore
}

func (s *oidcStorage) pushedRequests() (storage.PushedRequestStore, error) {
	if ps, ok := s.store.(pushedRequestStores); ok {
		return ps.PushedRequests(), nil
	}
	return nil, errors.New("op: the store keeps no pushed requests")
}

// parResponse is the body of a successful push (RFC 9126 §2.2).
type parResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int    `json:"expires_in"`
}

// servePAR answers POST /oauth/par.
func (p *Provider) servePAR(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the form cannot be parsed")
		return
	}
	ctx := r.Context()
	c, err := p.parClient(ctx, r)
	if err != nil {
		p.log.InfoContext(ctx, "pushed authorization request: client authentication failed", "error", err)
		if errors.Is(err, errClientAuth) {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		} else {
			writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again later")
		}
		return
	}
	form := r.PostForm
	if code, desc := checkPushedParams(c, form); code != "" {
		writeOAuthError(w, http.StatusBadRequest, code, desc)
		return
	}
	params := url.Values{}
	for k, v := range form {
		switch k {
		case "client_secret", "client_assertion", "client_assertion_type":
		default:
			params[k] = v
		}
	}
	params.Set("client_id", c.ID)
	random, hash := newRequestURIPart()
	ps, err := p.st.pushedRequests()
	if err == nil {
		now := p.st.now()
		err = ps.Create(ctx, &storage.PushedRequest{IDHash: hash, ClientID: c.ID, Params: params.Encode(),
			CreatedAt: now, ExpiresAt: now.Add(PARLifetime)})
	}
	if err != nil {
		p.log.ErrorContext(ctx, "pushed authorization request: store", "error", err)
		writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again later")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(parResponse{RequestURI: RequestURIPrefix + random, ExpiresIn: int(PARLifetime / time.Second)})
}

// parClient authenticates the client of a push as the token endpoint
// does: Basic credentials (client_secret_post and private_key_jwt were
// turned into them by withClientAssertion), or client_id alone for a
// public client.
func (p *Provider) parClient(ctx context.Context, r *http.Request) (storage.Client, error) {
	if id, secret, ok := r.BasicAuth(); ok {
		id, errID := url.QueryUnescape(id)
		secret, errSecret := url.QueryUnescape(secret)
		if errID != nil || errSecret != nil {
			return storage.Client{}, errClientAuth
		}
		if formID := r.PostForm.Get("client_id"); formID != "" && formID != id {
			return storage.Client{}, errClientAuth
		}
		return p.st.authenticate(ctx, id, secret)
	}
	c, err := p.st.client(ctx, r.PostForm.Get("client_id"))
	if err != nil {
		return storage.Client{}, err
	}
	if !c.Public {
		return storage.Client{}, errClientAuth
	}
	return c, nil
}

// checkPushedParams makes the checks of RFC 9126 §2.1 that need no user:
// no request_uri or request inside, the code flow with a registered
// redirect URI and PKCE S256. /authorize checks everything again when the
// request_uri comes back. It returns an error code and description, or "".
func checkPushedParams(c storage.Client, form url.Values) (string, string) {
	switch {
	case form.Has("request_uri"):
		return "invalid_request", "request_uri must not be pushed"
	case form.Has("request"):
		return "request_not_supported", "request objects are not supported"
	case form.Get("response_type") != string(oidc.ResponseTypeCode):
		return "unsupported_response_type", "response_type must be code"
	case !slices.Contains(c.RedirectURIs, form.Get("redirect_uri")):
		return "invalid_request", "redirect_uri is not registered for the client"
	case form.Get("code_challenge") == "" || form.Get("code_challenge_method") != string(oidc.CodeChallengeMethodS256):
		return "invalid_request", "code_challenge with code_challenge_method S256 is required"
	}
	return "", ""
}

// newRequestURIPart returns the random part of a request_uri (256 bits,
// base64url) and its SHA-256, which is what the database keeps.
func newRequestURIPart() (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(s))
	return s, h[:]
}

// authorizeWithPAR handles the pushed-request side of /authorize: a
// request_uri of ours is replaced by the pushed parameters (taken once);
// a client that must push is refused without one. It returns the request
// for zop, or false when it answered itself.
func (p *Provider) authorizeWithPAR(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	ctx := r.Context()
	clientID := r.Form.Get("client_id")
	uri := r.Form.Get("request_uri")
	if uri == "" {
		required, err := p.parRequired(ctx, clientID)
		if err != nil {
			p.log.ErrorContext(ctx, "authorize: pushed request policy", "error", err)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return nil, false
		}
		if required {
			p.authorizeError(w, r, &oidc.Error{ErrorType: oidc.InvalidRequest, Description: "this client must use pushed authorization requests (RFC 9126)"})
			return nil, false
		}
		return r, true
	}
	random, ok := strings.CutPrefix(uri, RequestURIPrefix)
	if !ok {
		p.authorizeError(w, r, &oidc.Error{ErrorType: "request_uri_not_supported", Description: "request_uri is supported only from the pushed authorization request endpoint"})
		return nil, false
	}
	if clientID == "" {
		p.authorizeError(w, r, &oidc.Error{ErrorType: oidc.InvalidRequest, Description: "client_id is required with request_uri"})
		return nil, false
	}
	ps, err := p.st.pushedRequests()
	var pr storage.PushedRequest
	if err == nil {
		h := sha256.Sum256([]byte(random))
		pr, err = ps.Take(ctx, h[:], clientID, p.st.now())
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		p.authorizeError(w, r, &oidc.Error{ErrorType: errInvalidRequestURI, Description: "the request_uri is unknown, used, expired or another client's"})
		return nil, false
	case err != nil:
		p.log.ErrorContext(ctx, "authorize: take pushed request", "error", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return nil, false
	}
	params, err := url.ParseQuery(pr.Params)
	if err != nil {
		p.log.ErrorContext(ctx, "authorize: pushed request parameters", "error", err)
		p.authorizeError(w, r, &oidc.Error{ErrorType: errInvalidRequestURI, Description: "the pushed request cannot be read"})
		return nil, false
	}
	params.Set("client_id", pr.ClientID)
	r2 := r.Clone(ctx)
	r2.Method = http.MethodGet
	r2.URL.RawQuery = params.Encode()
	r2.Body, r2.ContentLength = http.NoBody, 0
	r2.Header.Del("Content-Type")
	r2.Form, r2.PostForm = nil, nil
	return r2, true
}

// parRequired reports whether the client must push its requests: its own
// setting or the instance policy. An unknown client is left to zop.
func (p *Provider) parRequired(ctx context.Context, clientID string) (bool, error) {
	c, err := p.st.client(ctx, clientID)
	if errors.Is(err, errClientAuth) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if c.RequirePushedAuthorizationRequests {
		return true, nil
	}
	pol, err := p.policy(ctx)
	return pol.RequirePAR, err
}

// authorizeError answers an authorization request with an error: by
// redirect when the request's redirect_uri is registered for its client,
// else with an error page (status 400, the code in the text).
func (p *Provider) authorizeError(w http.ResponseWriter, r *http.Request, e *oidc.Error) {
	clientID, redirect := r.Form.Get("client_id"), r.Form.Get("redirect_uri")
	c, err := p.st.client(r.Context(), clientID)
	if err != nil || redirect == "" || !slices.Contains(c.RedirectURIs, redirect) {
		http.Error(w, string(e.ErrorType)+": "+e.Description, http.StatusBadRequest)
		return
	}
	req := &oidc.AuthRequest{
		ClientID:     clientID,
		RedirectURI:  redirect,
		State:        r.Form.Get("state"),
		ResponseType: oidc.ResponseTypeCode,
		ResponseMode: oidc.ResponseMode(r.Form.Get("response_mode")),
	}
	zop.AuthRequestError(w, r, req, e, p.zop)
}
