package federation

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// PendingSignup is a verified upstream identity that would create a user,
// held (storage.FlowSignUpPending: server-side, bound to the browser that
// signed in upstream, expiring with DefaultFlowLifetime, used once) until
// that browser has solved the registration captcha and given the fields
// the instance requires (account.ErrFederatedSignupIncomplete). Token
// names it on the completion page; only its hash is stored.
type PendingSignup struct {
	Token         string
	Provider      *Provider
	Identity      account.FederatedIdentity
	AuthRequestID string // the application sign-in to finish, if any
}

// hold stores the identity of flow f that needs completing and returns it
// as a PendingSignup.
func (s *Service) hold(ctx context.Context, p *Provider, f storage.FederationFlow, id account.FederatedIdentity) (*PendingSignup, error) {
	enc, err := json.Marshal(id)
	if err != nil {
		return nil, fmt.Errorf("federation: encode pending sign-up: %w", err)
	}
	token, now := randomToken(), s.now()
	pf := storage.FederationFlow{
		ID: hashToken(token), Provider: p.ID(), Purpose: storage.FlowSignUpPending, BrowserHash: f.BrowserHash,
		AuthRequestID: f.AuthRequestID, Identity: string(enc), CreatedAt: now, ExpiresAt: now.Add(DefaultFlowLifetime),
	}
	if err := s.flows.Create(ctx, &pf); err != nil {
		return nil, fmt.Errorf("federation: store pending sign-up: %w", err)
	}
	return &PendingSignup{Token: token, Provider: p, Identity: id, AuthRequestID: f.AuthRequestID}, nil
}

// Pending returns the pending sign-up token names, when browserHash (the
// SHA-256 of the browser's binding cookie) is the browser's that signed in
// upstream. ErrInvalidFlow when it is unknown, completed, expired or
// another browser's.
func (s *Service) Pending(ctx context.Context, token string, browserHash []byte) (PendingSignup, error) {
	if token == "" || len(token) > 128 || len(browserHash) != sha256.Size {
		return PendingSignup{}, ErrInvalidFlow
	}
	f, err := s.flows.Get(ctx, hashToken(token), s.now())
	if errors.Is(err, storage.ErrNotFound) {
		return PendingSignup{}, ErrInvalidFlow
	}
	if err != nil {
		return PendingSignup{}, fmt.Errorf("federation: read pending sign-up: %w", err)
	}
	return s.pendingOf(f, token, browserHash)
}

func (s *Service) pendingOf(f storage.FederationFlow, token string, browserHash []byte) (PendingSignup, error) {
	p := s.byID[f.Provider]
	if f.Purpose != storage.FlowSignUpPending || p == nil || subtle.ConstantTimeCompare(f.BrowserHash, browserHash) != 1 {
		return PendingSignup{}, ErrInvalidFlow
	}
	var id account.FederatedIdentity
	if err := json.Unmarshal([]byte(f.Identity), &id); err != nil {
		return PendingSignup{}, fmt.Errorf("federation: decode pending sign-up: %w", err)
	}
	return PendingSignup{Token: token, Provider: p, Identity: id, AuthRequestID: f.AuthRequestID}, nil
}

// CompleteSignup creates the user of the pending sign-up token names with
// what the person gave after the captcha (which the caller has checked),
// through Accounts. The pending sign-up is used up; when the account rules
// refuse the answers (a *account.RegistrationError, such as a login taken
// meanwhile) it is kept, so the person can correct them. Of parallel
// completions exactly one gets past ErrInvalidFlow.
func (s *Service) CompleteSignup(ctx context.Context, token string, browserHash []byte, signup account.FederatedSignup, ip string) (Result, error) {
	ps, err := s.Pending(ctx, token, browserHash) // refuse another browser before using it up
	if err != nil {
		return Result{}, err
	}
	res := Result{Provider: ps.Provider, Flow: storage.FederationFlow{Provider: ps.Provider.ID(),
		Purpose: storage.FlowSignUpPending, AuthRequestID: ps.AuthRequestID}}
	f, err := s.flows.Take(ctx, hashToken(token), s.now())
	if errors.Is(err, storage.ErrNotFound) {
		return res, ErrInvalidFlow
	}
	if err != nil {
		return res, fmt.Errorf("federation: take pending sign-up: %w", err)
	}
	id := ps.Identity
	id.Signup = &signup
	res.Outcome, err = s.accounts.SignInFederated(ctx, id, ip)
	if errors.Is(err, account.ErrInvalid) {
		if rerr := s.flows.Create(ctx, &f); rerr != nil {
			return res, errors.Join(err, fmt.Errorf("federation: keep pending sign-up: %w", rerr))
		}
	}
	return res, err
}
