package op

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// ErrPostLogoutURI: the post-logout redirect URI is not registered for the
// client (exact match only, SECURITY 44).
var ErrPostLogoutURI = errors.New("op: post_logout_redirect_uri is not registered for the client")

// Query parameters of the logout confirmation page (<issuer><LogoutPath>).
const (
	LogoutParamClientID    = "client_id"
	LogoutParamRedirectURI = "post_logout_redirect_uri"
	LogoutParamState       = "state"
	LogoutParamUILocales   = "ui_locales"
	LogoutParamHint        = "logout_hint"
	// LogoutParamDone marks the page zop redirects to after a logout with
	// id_token_hint and no post_logout_redirect_uri: "signed out".
	LogoutParamDone = "done"
)

// endSessionParams are the raw /end_session parameters zop does not hand
// to TerminateSessionFromRequest; the handler puts them in the context.
type endSessionParams struct {
	postLogoutRedirectURI string
	state                 string
}

type endSessionKey struct{}

func withEndSessionParams(ctx context.Context, p endSessionParams) context.Context {
	return context.WithValue(ctx, endSessionKey{}, p)
}

func endSessionParamsFrom(ctx context.Context) endSessionParams {
	p, _ := ctx.Value(endSessionKey{}).(endSessionParams)
	return p
}

// TerminateSession is replaced by TerminateSessionFromRequest.
func (s *oidcStorage) TerminateSession(context.Context, string, string) error { return nil }

// TerminateSessionFromRequest serves /end_session after zop verified the
// id_token_hint (expired ones included), matched client_id to its azp and
// the post_logout_redirect_uri exactly to the client. With a hint naming a
// session (sid), it ends that session, revokes its tokens and redirects
// back (with state). Without one it sends the browser to the confirmation
// page, which ends the browser's own session (SECURITY 44).
func (s *oidcStorage) TerminateSessionFromRequest(ctx context.Context, req *zop.EndSessionRequest) (string, error) {
	if req.IDTokenHintClaims == nil || req.IDTokenHintClaims.SessionID == "" {
		return s.logoutConfirmURL(ctx, req), nil
	}
	if err := s.endSession(ctx, req.IDTokenHintClaims.SessionID); err != nil {
		return "", err
	}
	return req.RedirectURI, nil
}

// logoutConfirmURL carries what the confirmation page needs; it passes the
// redirect URI only when zop validated it against a known client, and the
// page checks it again through Provider.PostLogoutURL.
func (s *oidcStorage) logoutConfirmURL(ctx context.Context, req *zop.EndSessionRequest) string {
	q := url.Values{}
	raw := endSessionParamsFrom(ctx)
	if req.ClientID != "" {
		q.Set(LogoutParamClientID, req.ClientID)
		if raw.postLogoutRedirectURI != "" {
			q.Set(LogoutParamRedirectURI, raw.postLogoutRedirectURI)
			if raw.state != "" {
				q.Set(LogoutParamState, raw.state)
			}
		}
	}
	if len(req.UILocales) > 0 {
		tags := make([]string, len(req.UILocales))
		for i, t := range req.UILocales {
			tags[i] = t.String()
		}
		q.Set(LogoutParamUILocales, strings.Join(tags, " "))
	}
	if req.LogoutHint != "" {
		q.Set(LogoutParamHint, req.LogoutHint)
	}
	u := s.opts.Issuer + s.opts.LogoutPath
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// endSession deletes the browser session and revokes the tokens issued in
// it. A session that is already gone is not an error.
func (s *oidcStorage) endSession(ctx context.Context, sessionID string) error {
	if sessionID == "" {
		// RevokeBySession("") would hit every token issued outside a
		// session, such as client-credentials tokens.
		return errors.New("op: end session: empty session id")
	}
	err := s.store.Sessions().Delete(ctx, sessionID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("op: end session: %w", err)
	}
	if err := s.store.Tokens().RevokeBySession(ctx, sessionID, s.now()); err != nil {
		return fmt.Errorf("op: revoke tokens of session: %w", err)
	}
	s.log.InfoContext(ctx, "session ended by logout", slog.String("session_id", sessionID))
	return nil
}

// postLogoutURL checks uri against the client's registered post-logout URIs
// (exactly) and adds state.
func (s *oidcStorage) postLogoutURL(ctx context.Context, clientID, uri, state string) (string, error) {
	if uri == "" {
		return "", nil
	}
	c, err := s.client(ctx, clientID)
	if err != nil {
		return "", fmt.Errorf("op: post-logout redirect: %w", err)
	}
	if !slices.Contains(c.PostLogoutRedirectURIs, uri) {
		return "", ErrPostLogoutURI
	}
	if state == "" {
		return uri, nil
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("op: post-logout redirect: %w", err)
	}
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
