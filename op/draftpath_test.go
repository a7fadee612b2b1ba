package op

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// The path every grant took before it built and signed its own response,
// kept here as the reference TestDirectTokenResponsesMatchDraftPath
// compares the direct path against: zop's own token handler, whose JWTs
// carry a draft signature (keys.go), then every JWT of a 200 answer
// decoded and signed again with the real key, the ID token's at_hash and
// c_hash recomputed for its algorithm.

// tokenWriter buffers a successful token response for retokens.
type tokenWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (w *tokenWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *tokenWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.buf.Write(b)
}

// serveTokenSigned runs next and rewrites the tokens of a 200 answer.
func (p *Provider) serveTokenSigned(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tw := &tokenWriter{ResponseWriter: w}
		next(tw, r)
		body := tw.buf.Bytes()
		if tw.status == http.StatusOK {
			out, err := p.retoken(r.Context(), r, body)
			if err != nil {
				p.log.ErrorContext(r.Context(), "sign token response", "error", err)
				w.Header().Del("Content-Length")
				http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
				return
			}
			body = out
		}
		if tw.status == 0 {
			tw.status = http.StatusOK
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(tw.status)
		_, _ = w.Write(body)
	}
}

// tokenClientID is the client the token request names (basic auth or the
// form); zop authenticates it, this only picks the ID token algorithm.
func tokenClientID(r *http.Request) string {
	if id, _, ok := r.BasicAuth(); ok {
		if u, err := url.QueryUnescape(id); err == nil {
			return u
		}
		return id
	}
	return r.Form.Get("client_id")
}

// retoken rewrites the access token and ID token of a token response.
func (p *Provider) retoken(ctx context.Context, r *http.Request, body []byte) ([]byte, error) {
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(body, &resp); err != nil {
		return body, nil // not a token response: leave it
	}
	var at, idt string
	_ = json.Unmarshal(resp["access_token"], &at)
	_ = json.Unmarshal(resp["id_token"], &idt)
	changed := false
	if strings.Count(at, ".") == 2 {
		signed, err := p.resign(ctx, at, p.opts.SigningAlgorithm, typAccessToken, nil)
		if err != nil {
			return nil, fmt.Errorf("access token: %w", err)
		}
		at, changed = signed, true
		resp["access_token"], _ = json.Marshal(at)
	}
	if idt != "" {
		alg := p.opts.SigningAlgorithm
		if c, err := p.st.client(ctx, tokenClientID(r)); err == nil && c.IDTokenSignedResponseAlg != "" {
			alg = c.IDTokenSignedResponseAlg
		}
		code := ""
		if r.Form.Get("grant_type") == GrantAuthorizationCode {
			code = r.Form.Get("code")
		}
		signed, err := p.resign(ctx, idt, alg, "JWT", func(claims map[string]any, a jose.SignatureAlgorithm) error {
			return rehash(claims, a, at, code)
		})
		if err != nil {
			return nil, fmt.Errorf("id token: %w", err)
		}
		resp["id_token"], _ = json.Marshal(signed)
		changed = true
	}
	if !changed {
		return body, nil
	}
	return json.Marshal(resp)
}

// rehash recomputes at_hash and c_hash (when present) for alg.
func rehash(claims map[string]any, alg jose.SignatureAlgorithm, at, code string) error {
	if _, ok := claims["at_hash"]; ok && at != "" {
		h, err := oidc.ClaimHash(at, alg)
		if err != nil {
			return err
		}
		claims["at_hash"] = h
	}
	if _, ok := claims["c_hash"]; ok && code != "" {
		h, err := oidc.ClaimHash(code, alg)
		if err != nil {
			return err
		}
		claims["c_hash"] = h
	}
	return nil
}

// resign signs the payload of token (which zop has just signed) with the
// active key of alg and header typ; edit may change the claims first.
func (p *Provider) resign(ctx context.Context, token, alg, typ string, edit func(map[string]any, jose.SignatureAlgorithm) error) (string, error) {
	// Ours, made a moment ago: only the payload is needed, so it is
	// decoded without parsing the whole JWS (header JSON, signature).
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("parse: not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	k, err := p.st.keys.signer(ctx, alg)
	if err != nil {
		return "", err
	}
	if edit != nil {
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.UseNumber()
		var claims map[string]any
		if err := dec.Decode(&claims); err != nil {
			return "", fmt.Errorf("claims: %w", err)
		}
		if err := edit(claims, k.alg); err != nil {
			return "", err
		}
		if payload, err = json.Marshal(claims); err != nil {
			return "", err
		}
	}
	return signJWT(k, typ, payload)
}
