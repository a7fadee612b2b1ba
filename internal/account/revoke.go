package account

import (
	"context"
	"fmt"
)

// endEverything ends every way the user is signed in, within tx: browser
// sessions other than keepSessionID (all when it is empty), every access
// and refresh token issued to the user, and their personal API tokens. Resets, password changes, blocks and
// deletions call it so that an old cookie or refresh token fails at once on
// every replica (SECURITY 14, 22).
func (r *Registrar) endEverything(ctx context.Context, tx txStores, userID, keepSessionID string) error {
	if _, err := tx.Sessions().DeleteByUser(ctx, userID, keepSessionID); err != nil {
		return fmt.Errorf("account: end sessions: %w", err)
	}
	if err := tx.Tokens().RevokeByUser(ctx, userID, r.svc.now()); err != nil {
		return fmt.Errorf("account: revoke tokens: %w", err)
	}
	if _, err := tx.PersonalTokens().RevokeByUser(ctx, userID, r.svc.now()); err != nil {
		return fmt.Errorf("account: revoke personal tokens: %w", err)
	}
	return nil
}
