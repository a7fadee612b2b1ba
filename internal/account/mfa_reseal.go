package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// resealPage is how many authenticators ReencryptSecrets reads at a time.
const resealPage = 200

// ReencryptTOTPSecrets seals again, under keys[0], every stored TOTP
// secret that an older instance key (keys[1:], derived with
// mfa.KeyPurpose) encrypted, and returns how many it
// resealed and how many were under the current key already. It is
// idempotent and safe while users sign in: each row is replaced with a
// compare-and-set, and a row that changed meanwhile (a new enrolment,
// sealed with the current key) is left alone. A secret that no configured
// key opens is an error naming the user; the others are done first.
func ReencryptTOTPSecrets(ctx context.Context, store storage.MFAStore, keys [][32]byte) (resealed, current int, err error) {
	if len(keys) == 0 {
		return 0, 0, errors.New("account: ReencryptTOTPSecrets needs a key")
	}
	sealer, err := mfa.NewSealer(keys[0], keys[1:]...)
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	after := ""
	for {
		page, err := store.TOTPAfter(ctx, after, resealPage)
		if err != nil {
			return resealed, current, fmt.Errorf("account: list authenticators: %w", err)
		}
		for _, t := range page {
			secret, old, err := sealer.OpenWithAge(t.UserID, t.SecretEnc)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("account: authenticator of user %s: %w", t.UserID, err))
				continue
			case !old:
				current++
				continue
			}
			err = store.ResealTOTP(ctx, t.UserID, t.SecretEnc, sealer.Seal(t.UserID, secret))
			switch {
			case err == nil:
				resealed++
			case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrConflict):
				// Removed or enrolled again meanwhile: a new row is sealed
				// with the current key already.
			default:
				return resealed, current, fmt.Errorf("account: reseal authenticator of user %s: %w", t.UserID, err)
			}
		}
		if len(page) < resealPage {
			return resealed, current, errors.Join(errs...)
		}
		after = page[len(page)-1].UserID
	}
}
