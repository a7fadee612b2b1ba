package federation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/storage"
)

// Flow errors. Test them with errors.Is.
var (
	// ErrUnknownProvider: no provider has this id.
	ErrUnknownProvider = errors.New("federation: unknown provider")
	// ErrInvalidFlow: the callback's state is unknown, used, expired,
	// belongs to another provider or was started by another browser, or
	// a link flow is finished by another session (SECURITY 45, 48).
	ErrInvalidFlow = errors.New("federation: invalid or replayed sign-in state")
	// ErrDenied: the upstream answered with an error (the user cancelled).
	ErrDenied = errors.New("federation: the upstream refused the sign-in")
	// ErrNoGrant: a sign-up flow without a solved captcha.
	ErrNoGrant = errors.New("federation: the registration captcha was not solved")
)

// DefaultFlowLifetime is how long a started flow (or a sign-up grant) may
// be finished.
const DefaultFlowLifetime = 10 * time.Minute

// Accounts is what the Service needs of internal/account.
// *account.Registrar provides it.
type Accounts interface {
	SignInFederated(ctx context.Context, id account.FederatedIdentity, ip string) (account.FederatedOutcome, error)
	LinkIdentity(ctx context.Context, userID string, id account.FederatedIdentity, ip string) error
}

// Service runs federation flows over the configured providers.
type Service struct {
	list     []*Provider
	byID     map[string]*Provider
	flows    storage.FederationFlowStore
	accounts Accounts
	log      *slog.Logger
	now      func() time.Time
}

// NewService builds the providers of cfgs (validated by internal/config)
// with callbacks under baseURL (the issuer).
func NewService(cfgs []config.ProviderConfig, baseURL string, flows storage.FederationFlowStore,
	accounts Accounts, log *slog.Logger) (*Service, error) {
	s := &Service{byID: map[string]*Provider{}, flows: flows, accounts: accounts, log: log, now: time.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, c := range cfgs {
		p, err := NewProvider(c, baseURL)
		if err != nil {
			return nil, err
		}
		s.list = append(s.list, p)
		s.byID[p.ID()] = p
	}
	return s, nil
}

// Providers lists the providers in configuration order.
func (s *Service) Providers() []*Provider { return append([]*Provider(nil), s.list...) }

// Provider returns the provider id, or nil.
func (s *Service) Provider(id string) *Provider { return s.byID[id] }

// Start describes a flow to begin.
type Start struct {
	Provider      string
	Purpose       string // storage.FlowSignIn, FlowSignUp or FlowLink
	BrowserHash   []byte // SHA-256 of the browser-binding cookie
	SessionID     string // FlowLink: the current session
	UserID        string // FlowLink: its user
	AuthRequestID string
	Grant         string // FlowSignUp: the grant from the registration page's captcha
}

// Begin stores a new flow and returns the upstream's authorization URL.
func (s *Service) Begin(ctx context.Context, st Start) (string, error) {
	p := s.byID[st.Provider]
	if p == nil {
		return "", ErrUnknownProvider
	}
	if len(st.BrowserHash) != sha256.Size {
		return "", fmt.Errorf("%w: no browser binding", ErrInvalidFlow)
	}
	if st.Purpose == storage.FlowSignUp {
		if err := s.useGrant(ctx, st.Grant, st.BrowserHash); err != nil {
			return "", err
		}
	}
	state, nonce, verifier := randomToken(), randomToken(), randomToken()
	target, err := p.AuthURL(ctx, state, nonce, verifier)
	if err != nil {
		return "", err
	}
	now := s.now()
	f := storage.FederationFlow{
		ID: hashToken(state), Provider: p.ID(), Purpose: st.Purpose, BrowserHash: st.BrowserHash,
		Nonce: nonce, PKCEVerifier: verifier, SessionID: st.SessionID, UserID: st.UserID,
		AuthRequestID: st.AuthRequestID, CreatedAt: now, ExpiresAt: now.Add(DefaultFlowLifetime),
	}
	if err := s.flows.Create(ctx, &f); err != nil {
		return "", fmt.Errorf("federation: store flow: %w", err)
	}
	return target, nil
}

// Grant records that the browser solved the registration page's captcha
// and returns the token that lets it start one sign-up flow.
func (s *Service) Grant(ctx context.Context, browserHash []byte) (string, error) {
	token, now := randomToken(), s.now()
	g := storage.FederationFlow{
		ID: hashToken(token), Purpose: storage.FlowSignUpGrant, BrowserHash: browserHash,
		CreatedAt: now, ExpiresAt: now.Add(DefaultFlowLifetime),
	}
	if err := s.flows.Create(ctx, &g); err != nil {
		return "", fmt.Errorf("federation: store sign-up grant: %w", err)
	}
	return token, nil
}

func (s *Service) useGrant(ctx context.Context, token string, browserHash []byte) error {
	if token == "" || len(token) > 128 {
		return ErrNoGrant
	}
	g, err := s.flows.Take(ctx, hashToken(token), s.now())
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNoGrant
	}
	if err != nil {
		return fmt.Errorf("federation: take sign-up grant: %w", err)
	}
	if g.Purpose != storage.FlowSignUpGrant || subtle.ConstantTimeCompare(g.BrowserHash, browserHash) != 1 {
		return ErrNoGrant
	}
	return nil
}

// Callback is a request to a provider's callback.
type Callback struct {
	Provider    string
	Query       url.Values
	BrowserHash []byte // of the browser presenting it; nil without a cookie
	SessionID   string // the session the browser presents, if any
	IP          string
	Locale      string
}

// Result is what a finished flow led to.
type Result struct {
	Provider *Provider
	Flow     storage.FederationFlow
	// Outcome of a sign-in or sign-up flow; zero for a link.
	Outcome account.FederatedOutcome
	// Pending is set, with a zero Outcome, when the identity would create
	// a user and the browser must first solve the captcha and give the
	// required registration fields (CompleteSignup).
	Pending *PendingSignup
}

// Finish takes the flow the callback's state names (once: a replay finds
// nothing), checks it belongs to this provider and browser, verifies the
// upstream's answer and applies it through Accounts. The account layer's
// errors come back with the Result (so the page knows the flow).
func (s *Service) Finish(ctx context.Context, cb Callback) (Result, error) {
	p := s.byID[cb.Provider]
	if p == nil {
		return Result{}, ErrUnknownProvider
	}
	res := Result{Provider: p}
	state := cb.Query.Get("state")
	if state == "" || len(state) > 256 || len(cb.BrowserHash) != sha256.Size {
		return res, ErrInvalidFlow
	}
	f, err := s.flows.Take(ctx, hashToken(state), s.now())
	if errors.Is(err, storage.ErrNotFound) {
		return res, ErrInvalidFlow
	}
	if err != nil {
		return res, fmt.Errorf("federation: take flow: %w", err)
	}
	if f.Provider != p.ID() || f.Purpose == storage.FlowSignUpGrant || f.Purpose == storage.FlowSignUpPending ||
		subtle.ConstantTimeCompare(f.BrowserHash, cb.BrowserHash) != 1 {
		s.log.WarnContext(ctx, "federation callback from another browser or provider refused", slog.String("provider", p.ID()))
		return res, ErrInvalidFlow
	}
	res.Flow = f
	if f.Purpose == storage.FlowLink && (cb.SessionID == "" || cb.SessionID != f.SessionID) {
		return res, fmt.Errorf("%w: the link was started by another session", ErrInvalidFlow)
	}
	if e := cb.Query.Get("error"); e != "" {
		return res, fmt.Errorf("%w: %.64s", ErrDenied, e)
	}
	claims, err := p.Exchange(ctx, cb.Query.Get("code"), f.PKCEVerifier, f.Nonce, cb.Query.Get("iss"))
	if err != nil {
		return res, err
	}
	id := account.FederatedIdentity{
		Provider: p.ID(), Subject: claims.Subject, Email: claims.Email,
		EmailVerified: claims.EmailVerified && p.TrustEmail(), GivenName: claims.GivenName,
		FamilyName: claims.FamilyName, AllowSignup: p.AllowSignup(), Locale: cb.Locale,
		CaptchaSolved: f.Purpose == storage.FlowSignUp,
	}
	if f.Purpose == storage.FlowLink {
		return res, s.accounts.LinkIdentity(ctx, f.UserID, id, cb.IP)
	}
	res.Outcome, err = s.accounts.SignInFederated(ctx, id, cb.IP)
	if errors.Is(err, account.ErrFederatedSignupIncomplete) {
		res.Pending, err = s.hold(ctx, p, f, id)
	}
	return res, err
}

// randomToken is 256 random bits, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is the stored id of a state or grant.
func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}
