package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/storage"
)

// DefaultSignInCaptchaAfter is how many failed sign-ins (per account, or
// per client address) within the throttle window make the sign-in form ask
// for a captcha as well, well before the hard throttle limits, unless the
// instance setting SettingSignInCaptchaAfter says otherwise.
const DefaultSignInCaptchaAfter = 3

// signInCaptchaAfter returns the threshold in force: the instance setting
// when a Registrar reads settings for this Service, else the default.
func (s *Service) signInCaptchaAfter(ctx context.Context) (int, error) {
	if s.registrationSettings == nil {
		return DefaultSignInCaptchaAfter, nil
	}
	rs, err := s.registrationSettings(ctx)
	if err != nil {
		return 0, err
	}
	return rs.SignInCaptchaAfter, nil
}

// SignInNeedsCaptcha reports whether a sign-in for login from clientIP must
// pass a captcha: the account (or the unknown login) or the address has
// as many recent failures as the instance setting SettingSignInCaptchaAfter
// says (0: never). Only failures count, never attempts in flight. An empty
// login checks the address only. A store error is returned: callers fail
// closed.
func (s *Service) SignInNeedsCaptcha(ctx context.Context, login, clientIP string) (bool, error) {
	after, err := s.signInCaptchaAfter(ctx)
	if err != nil || after == 0 {
		return false, err
	}
	keys := []string{ipKey(clientIP)}
	if login != "" {
		var user *storage.User
		u, err := s.stores.Users().ByLogin(ctx, login)
		switch {
		case err == nil:
			user = &u
		case !errors.Is(err, storage.ErrNotFound):
			return false, fmt.Errorf("account: look up login for captcha: %w", err)
		}
		keys = append(keys, accountKey(user, login))
	}
	for _, key := range keys {
		n, err := s.stores.Throttles().Count(ctx, key, s.now(), s.throttle.Window)
		if err != nil {
			return false, fmt.Errorf("account: read sign-in failures: %w", err)
		}
		if n >= after {
			return true, nil
		}
	}
	return false, nil
}
