package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/storage"
)

// SignInCaptchaAfter is how many failed sign-ins (per account, or per
// client address) within the throttle window make the sign-in form ask for
// a captcha as well, well before the hard throttle limits.
const SignInCaptchaAfter = 3

// SignInNeedsCaptcha reports whether a sign-in for login from clientIP must
// pass a captcha: the account (or the unknown login) or the address has
// SignInCaptchaAfter recent failures. An empty login checks the address
// only. A store error is returned: callers fail closed.
func (s *Service) SignInNeedsCaptcha(ctx context.Context, login, clientIP string) (bool, error) {
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
		if n >= SignInCaptchaAfter {
			return true, nil
		}
	}
	return false, nil
}
