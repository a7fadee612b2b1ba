package op

import (
	"context"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/gatehouse/gatehouse/storage"
)

// sessionBound is a token request that knows its browser session (sid).
type sessionBound interface{ sessionID() string }

// setUserClaims fills info with the claims of u that scopes release. The
// subject is always set: zop copies it over the ID token's sub.
func setUserClaims(info *oidc.UserInfo, u storage.User, scopes []string) {
	info.Subject = u.ID
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.GivenName = u.GivenName
		info.FamilyName = u.FamilyName
		info.Name = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
		info.PreferredUsername = u.Username
		if info.PreferredUsername == "" {
			info.PreferredUsername = u.Email
		}
		if tag, err := language.Parse(u.Locale); err == nil && u.Locale != "" {
			info.Locale = oidc.NewLocale(tag)
		}
	}
	if slices.Contains(scopes, oidc.ScopeEmail) && u.Email != "" {
		info.Email = u.Email
		info.EmailVerified = oidc.Bool(u.EmailVerified)
		if !u.EmailVerified {
			// oidc.Bool is omitempty: say false explicitly.
			info.AppendClaims("email_verified", false)
		}
	}
}

// SetUserinfoFromScopes is deprecated in zop; SetUserinfoFromRequest does
// the work.
func (s *oidcStorage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims; only active users get
// one (SECURITY 11). sid names the browser session for logout.
func (s *oidcStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req zop.IDTokenRequest, scopes []string) error {
	u, err := s.activeUser(ctx, req.GetSubject())
	if err != nil {
		return err
	}
	setUserClaims(info, u, scopes)
	if err := s.addGroupsClaim(ctx, info, u.ID, scopes); err != nil {
		return err
	}
	if sb, ok := req.(sessionBound); ok && sb.sessionID() != "" {
		info.AppendClaims("sid", sb.sessionID())
	}
	if amr := req.GetAMR(); len(amr) > 0 {
		// zop sets acr only for authorization requests; a refreshed ID
		// token keeps the sign-in's acr this way.
		info.AppendClaims("acr", acrOf(amr))
	}
	return nil
}

// SetUserinfoFromToken serves /userinfo: a live user token with the openid
// scope, of an active user.
func (s *oidcStorage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	return s.userinfoFor(ctx, info, presented{id: tokenID, subject: subject})
}

// userinfoFor is SetUserinfoFromToken for a presented token.
func (s *oidcStorage) userinfoFor(ctx context.Context, info *oidc.UserInfo, p presented) error {
	t, owner, err := s.livePresented(ctx, p)
	if err != nil {
		return err
	}
	if isClientToken(t) || !slices.Contains(t.Scopes, oidc.ScopeOpenID) {
		return oidc.ErrAccessDenied().WithDescription("userinfo needs a user token with the openid scope")
	}
	u, err := activeUserOf(owner)
	if err != nil {
		return oidc.ErrAccessDenied().WithDescription("user is not active")
	}
	setUserClaims(info, u, t.Scopes)
	return s.addGroupsClaim(ctx, info, u.ID, t.Scopes)
}

// SetIntrospectionFromToken describes a live token to the client it was
// issued to or an audience of it; any error makes zop answer active=false
// (unknown, revoked, expired, other client, inactive user).
func (s *oidcStorage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	return s.introspectionFor(ctx, resp, presented{id: tokenID, subject: subject}, clientID)
}

// introspectionFor is SetIntrospectionFromToken for a presented token.
func (s *oidcStorage) introspectionFor(ctx context.Context, resp *oidc.IntrospectionResponse, p presented, clientID string) error {
	t, owner, err := s.livePresented(ctx, p)
	if err != nil {
		return err
	}
	if t.ClientID != clientID && !slices.Contains(t.Audience, clientID) {
		return oidc.ErrAccessDenied().WithDescription("token is not for this client")
	}
	if !isClientToken(t) {
		u, err := activeUserOf(owner)
		if err != nil {
			return err
		}
		info := new(oidc.UserInfo)
		setUserClaims(info, u, t.Scopes)
		if err := s.addGroupsClaim(ctx, info, u.ID, t.Scopes); err != nil {
			return err
		}
		resp.SetUserInfo(info)
		resp.AuthTime = oidc.FromTime(t.AuthTime)
		resp.AuthenticationMethodsReferences = t.AMR
	}
	resp.Scope = t.Scopes
	resp.ClientID = t.ClientID
	resp.TokenType = oidc.BearerToken
	resp.Expiration = oidc.FromTime(t.ExpiresAt)
	resp.IssuedAt = oidc.FromTime(t.CreatedAt)
	resp.NotBefore = oidc.FromTime(t.CreatedAt)
	resp.Subject = t.Subject
	resp.Audience = t.Audience
	resp.Issuer = s.opts.Issuer
	resp.JWTID = t.ID
	return nil
}

// GetPrivateClaimsFromScopes is replaced by GetPrivateClaimsFromRequest.
func (s *oidcStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetPrivateClaimsFromRequest adds to JWT access tokens what zop leaves
// out: scope (RFC 9068 §2.2.3), and for user tokens auth_time, amr, acr,
// sid and, with the groups scope, groups.
func (s *oidcStorage) GetPrivateClaimsFromRequest(ctx context.Context, req zop.TokenRequest, _ []string) (map[string]any, error) {
	claims := map[string]any{}
	if sc := req.GetScopes(); len(sc) > 0 {
		claims["scope"] = strings.Join(sc, " ")
	}
	if r, ok := req.(zop.IDTokenRequest); ok {
		if at := r.GetAuthTime(); !at.IsZero() {
			claims["auth_time"] = at.Unix()
		}
		if amr := r.GetAMR(); len(amr) > 0 {
			claims["amr"] = amr
			claims["acr"] = acrOf(amr)
		}
		if slices.Contains(req.GetScopes(), ScopeGroups) && r.GetSubject() != "" {
			names, err := s.groupNames(ctx, r.GetSubject())
			if err != nil {
				return nil, err
			}
			claims[ClaimGroups] = names
		}
	}
	if sb, ok := req.(sessionBound); ok && sb.sessionID() != "" {
		claims["sid"] = sb.sessionID()
	}
	return claims, nil
}
