package server

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/ui"
)

// Two-step verification wiring (issue 13): the rules
// (*account.SecondFactors, TOTP secrets sealed with a key derived from
// the instance key) behind the second step at sign-in, the security
// pages, the console's and the API's MFA reset.

// buildMFA makes the second-factor rules; buildRegistration comes first.
func (s *Server) buildMFA() error {
	f, err := account.NewSecondFactors(s.reg.registrar, s.store, s.key.DeriveAll32(mfa.KeyPurpose), s.cfg.InstanceName)
	if err != nil {
		return fmt.Errorf("two-step verification: %w", err)
	}
	s.mfa = f
	return nil
}

// mfaPages gives the pages their second-factor services.
func (s *Server) mfaPages(opts *ui.Options) {
	opts.SecondFactors = secondFactors{SecondFactors: s.mfa, svc: s.accounts, users: s.store.Users()}
}

// secondFactors adapts the rules and the session service to the pages.
type secondFactors struct {
	*account.SecondFactors
	svc   *account.Service
	users storage.UserStore
}

func (f secondFactors) User(ctx context.Context, userID string) (storage.User, error) {
	u, err := f.users.ByID(ctx, userID)
	if err != nil {
		return storage.User{}, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

func (f secondFactors) StepUpSession(ctx context.Context, old storage.BrowserSession, userAgent, ip string) (string, storage.BrowserSession, error) {
	return f.svc.StepUpSession(ctx, old, userAgent, ip)
}

// SecondFactors returns the two-step verification rules (tests enrol
// users through it).
func (s *Server) SecondFactors() *account.SecondFactors { return s.mfa }

// StepUpSessionWith steps a session up with a passkey's methods.
func (f secondFactors) StepUpSessionWith(ctx context.Context, old storage.BrowserSession, amr []string, userAgent, ip string) (string, storage.BrowserSession, error) {
	return f.svc.StepUpSessionWith(ctx, old, amr, userAgent, ip)
}
