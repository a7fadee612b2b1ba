package op

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// Device authorization grant (RFC 8628). zop serves the device endpoint
// over the two DeviceAuthorizationStorage methods below, and
// serveDeviceToken answers the device_code grant as zop's
// DeviceAccessToken does, signing each JWT once; the /device page (ui)
// shows the request behind a user code and records the user's decision
// through DeviceRequest and DecideDevice.

// PathDeviceAuthorization is the device authorization endpoint.
const PathDeviceAuthorization = "/oauth/device_authorization"

// Device flow timing and codes.
const (
	DeviceCodeLifetime = 10 * time.Minute
	DevicePollInterval = 5 * time.Second
	// UserCodeCharset has no vowels and no look-alikes (no 0/O, 1/I/L
	// pairs): 8 of them give 20^8 codes, shown as XXXX-XXXX.
	UserCodeCharset = zop.CharSetBase20
)

// Errors of the /device page.
var (
	// ErrUserCodeUnknown: no pending request has this user code (a typo,
	// or it expired).
	ErrUserCodeUnknown = errors.New("op: unknown or expired user code")
	// ErrUserCodeUsed: the request was already approved or denied.
	ErrUserCodeUsed = errors.New("op: user code already used")
)

// deviceStores is what a store offers for the device flow (sqlstore's
// does); without it the flow is off.
type deviceStores interface {
	DeviceAuthorizations() storage.DeviceAuthorizationStore
}

// deviceStore returns the device store, nil when the store has none.
func (s *oidcStorage) deviceStore() storage.DeviceAuthorizationStore {
	if d, ok := s.store.(deviceStores); ok {
		return d.DeviceAuthorizations()
	}
	return nil
}

// DeviceFlowEnabled reports whether the device flow is served.
func (p *Provider) DeviceFlowEnabled() bool { return p.st.deviceStore() != nil }

// NormalizeUserCode upper-cases a typed user code and drops dashes and
// spaces: "bcdf-ghjk", "BCDFGHJK" and "bcdf ghjk" are the same code.
func NormalizeUserCode(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

// FormatUserCode shows a normalized user code as XXXX-XXXX.
func FormatUserCode(s string) string {
	s = NormalizeUserCode(s)
	if len(s) == 8 {
		return s[:4] + "-" + s[4:]
	}
	return s
}

func (p *Provider) deviceConfig() *zop.DeviceAuthorizationConfig {
	return &zop.DeviceAuthorizationConfig{
		// A complete URL: the endpoint is served without zop's issuer
		// interceptor, so UserFormPath would give a relative URI.
		Lifetime: DeviceCodeLifetime, PollInterval: DevicePollInterval, UserFormURL: p.opts.Issuer + p.opts.DevicePath,
		UserCode: zop.UserCodeConfig{CharSet: UserCodeCharset, CharAmount: 8, DashInterval: 4},
	}
}

// StoreDeviceAuthorization keeps a new device request (zop drew the codes).
func (s *oidcStorage) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	ds := s.deviceStore()
	if ds == nil {
		return errors.New("op: device flow not available")
	}
	c, err := s.client(ctx, clientID)
	if err != nil {
		return err
	}
	// The scopes the client may ask for, as at /authorize (authrequest.go).
	allowed := allowedScopes(c)
	scopes = slices.DeleteFunc(slices.Clone(scopes), func(sc string) bool { return !slices.Contains(allowed, sc) })
	if len(scopes) == 0 {
		return oidc.ErrInvalidScope().WithDescription("none of the requested scopes is allowed for this client")
	}
	a := storage.DeviceAuthorization{ClientID: clientID, DeviceCodeHash: hashToken(deviceCode),
		UserCodeHash: hashToken(NormalizeUserCode(userCode)), Scopes: scopes, CreatedAt: s.now(), ExpiresAt: expires}
	if err := ds.Create(ctx, &a); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return zop.ErrDuplicateUserCode
		}
		return serverError(err, "store device authorization")
	}
	return nil
}

// errPollTooFast becomes slow_down: zop answers slow_down for a
// DeadlineExceeded (and access_denied for any other error).
var errPollTooFast = fmt.Errorf("op: device polled faster than the interval: %w", context.DeadlineExceeded)

// GetDeviceAuthorizatonState answers one poll (the name is zop's).
func (s *oidcStorage) GetDeviceAuthorizatonState(ctx context.Context, clientID, deviceCode string) (*zop.DeviceAuthorizationState, error) {
	ds := s.deviceStore()
	if ds == nil {
		return nil, errors.New("op: device flow not available")
	}
	a, tooFast, err := ds.Poll(ctx, clientID, hashToken(deviceCode), s.now(), DevicePollInterval)
	if err != nil {
		return nil, err
	}
	if tooFast {
		return nil, errPollTooFast
	}
	st := &zop.DeviceAuthorizationState{ClientID: a.ClientID, Audience: []string{a.ClientID}, Scopes: a.Scopes, Expires: a.ExpiresAt}
	switch a.State {
	case storage.DeviceApproved:
		st.Done, st.Subject, st.AMR, st.AuthTime = true, a.UserID, a.AMR, a.AuthTime
	case storage.DeviceDenied:
		st.Denied = true
	case storage.DeviceConsumed:
		return nil, fmt.Errorf("op: device code %s already used: %w", a.ID, storage.ErrConflict)
	}
	return st, nil
}

// grantFromDevice is the grant of an approved device request.
func grantFromDevice(r *zop.DeviceAuthorizationState) grant {
	return grant{clientID: r.ClientID, userID: r.Subject, audience: []string{r.ClientID}, scopes: r.Scopes,
		authTime: r.AuthTime, amr: r.AMR}
}

// DeviceRequest is a pending device request as the /device page shows it.
type DeviceRequest struct {
	ID     string
	Client storage.Client
	Scopes []string
}

// DeviceRequest finds the pending request of a typed user code:
// ErrUserCodeUnknown when there is none (or it expired), ErrUserCodeUsed
// when it was decided.
func (p *Provider) DeviceRequest(ctx context.Context, userCode string) (DeviceRequest, error) {
	ds := p.st.deviceStore()
	code := NormalizeUserCode(userCode)
	if ds == nil || len(code) != 8 {
		return DeviceRequest{}, ErrUserCodeUnknown
	}
	a, err := ds.ByUserCode(ctx, hashToken(code))
	if errors.Is(err, storage.ErrNotFound) {
		return DeviceRequest{}, ErrUserCodeUnknown
	}
	if err != nil {
		return DeviceRequest{}, fmt.Errorf("op: device request: %w", err)
	}
	if a.State != storage.DevicePending {
		return DeviceRequest{}, ErrUserCodeUsed
	}
	if !p.st.now().Before(a.ExpiresAt) {
		return DeviceRequest{}, ErrUserCodeUnknown
	}
	c, err := p.st.client(ctx, a.ClientID)
	if err != nil {
		return DeviceRequest{}, fmt.Errorf("op: client of device request: %w", err)
	}
	return DeviceRequest{ID: a.ID, Client: c, Scopes: a.Scopes}, nil
}

// DecideDevice records the signed-in user's answer to the device request
// id. Approving checks the user may get these tokens (active, the admin
// scope, the client's allowed groups: ErrScopeNotAllowed, ErrNoAccess);
// a request decided meanwhile or expired is ErrUserCodeUsed.
func (p *Provider) DecideDevice(ctx context.Context, req DeviceRequest, approve bool, userID string, authTime time.Time, amr []string) error {
	ds := p.st.deviceStore()
	if ds == nil {
		return ErrUserCodeUnknown
	}
	if approve {
		if err := p.st.checkUserGrant(ctx, grant{clientID: req.Client.ID, userID: userID, scopes: req.Scopes}); err != nil {
			return fmt.Errorf("op: approve device request: %w", err)
		}
	}
	err := ds.Decide(ctx, req.ID, approve, userID, authTime, amr, p.st.now())
	if errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrNotFound) {
		return ErrUserCodeUsed
	}
	return err
}

// serveDeviceToken answers grant_type device_code as zop's
// DeviceAccessToken and CreateDeviceTokenResponse do (the client, the
// pending, slow_down, denied and expired answers), with the access token
// and the ID token signed once (tokenresponse.go).
func (p *Provider) serveDeviceToken(w http.ResponseWriter, r *http.Request) {
	if !p.zop.GrantTypeDeviceCodeSupported() {
		zop.RequestError(w, r, oidc.ErrUnsupportedGrantType().WithDescription("%s not supported", oidc.GrantTypeDeviceCode), nil)
		return
	}
	// zop's bound: shorter than the 5-second poll interval.
	ctx, cancel := context.WithTimeout(zop.ContextWithIssuer(r.Context(), p.opts.Issuer), 4*time.Second)
	defer cancel()
	r = r.WithContext(ctx)
	resp, err := p.deviceTokenResponse(ctx, r)
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	writeTokenResponse(w, r, resp)
}

// deviceTokenResponse authenticates the client, reads the state of its
// device code and, once the user has approved, issues the tokens: an ID
// token only with the openid scope, a refresh token with offline_access.
func (p *Provider) deviceTokenResponse(ctx context.Context, r *http.Request) (*oidc.AccessTokenResponse, error) {
	clientID, authenticated, err := zop.ClientIDFromRequest(r, p.zop)
	if err != nil {
		return nil, err
	}
	req, err := zop.ParseDeviceAccessTokenRequest(r, p.zop)
	if err != nil {
		return nil, err
	}
	state, err := zop.CheckDeviceAuthorizationState(ctx, clientID, req.DeviceCode, p.zop)
	if err != nil {
		return nil, err
	}
	zc, err := p.st.GetClientByClientID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if authenticated != zop.IsConfidentialType(zc) {
		return nil, oidc.ErrInvalidClient().WithParent(zop.ErrNoClientCredentials).
			WithDescription("confidential client requires authentication")
	}
	at, refresh, validity, err := p.accessToken(ctx, state, zc, "")
	if err != nil {
		return nil, err
	}
	resp := &oidc.AccessTokenResponse{
		AccessToken:  at,
		RefreshToken: refresh,
		TokenType:    oidc.BearerToken,
		ExpiresIn:    uint64(validity.Seconds()),
		Scope:        state.GetScopes(),
	}
	if slices.Contains(state.GetScopes(), oidc.ScopeOpenID) {
		if resp.IDToken, err = p.idToken(ctx, state, zc, at, ""); err != nil {
			return nil, err
		}
	}
	return resp, nil
}
