package account

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// StepUpSession replaces the session old, whose user just passed a second
// factor, with a new one (a new id and cookie secret: SECURITY 29) that
// keeps old's first-factor time, lifetime and "remember me", adds "otp"
// and "mfa" to its methods and records the second factor's time. The old
// session ends. It returns the new cookie secret.
func (s *Service) StepUpSession(ctx context.Context, old storage.BrowserSession, userAgent, ip string) (string, storage.BrowserSession, error) {
	return s.StepUpSessionWith(ctx, old, mfa.WithSecondFactor(old.AMR), userAgent, ip)
}

// StepUpSessionWith is StepUpSession with the new session's methods given
// (a passkey's: mfa.WithPasskey).
func (s *Service) StepUpSessionWith(ctx context.Context, old storage.BrowserSession, amr []string, userAgent, ip string) (string, storage.BrowserSession, error) {
	now := storage.Time(s.now())
	secret := newSessionSecret()
	bs := old
	bs.ID, bs.TokenHash = "", hashSecret(secret)
	bs.CreatedAt, bs.LastSeenAt, bs.MFATime = now, now, now
	bs.AMR = amr
	bs.UserAgent, bs.IP = truncate(userAgent, maxUserAgentBytes), ip
	if err := s.stores.Sessions().Create(ctx, &bs); err != nil {
		return "", storage.BrowserSession{}, fmt.Errorf("account: step-up session: %w", err)
	}
	if err := s.EndSession(ctx, old.ID); err != nil {
		return "", storage.BrowserSession{}, err
	}
	return secret, bs, nil
}
