package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Rotation, revocation and sweeping of tokens.

func (s tokens) MarkRefreshUsed(ctx context.Context, id string, now time.Time) error {
	n, err := s.h.exec(ctx, `UPDATE refresh_tokens SET used_at = ?
		WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL`, s.h.d.ts(now), id)
	if err != nil {
		return fmt.Errorf("use refresh token %s: %w", id, mapErr(err))
	}
	if n == 1 {
		return nil
	}
	var one int
	err = s.h.get(ctx, &one, `SELECT 1 FROM refresh_tokens WHERE id = ?`, id)
	switch {
	case err == nil:
		return fmt.Errorf("use refresh token %s: %w: it was already used or revoked", id, storage.ErrConflict)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("use refresh token %s: %w", id, storage.ErrNotFound)
	}
	return fmt.Errorf("use refresh token %s: %w", id, mapErr(err))
}

// revocation selects the tokens a Revoke method revokes: refresh tokens
// whose refreshColumn equals the id, access tokens minted from them, and
// access tokens whose accessColumn (when not empty) equals the id.
type revocation struct {
	what          string
	refreshColumn string
	accessColumn  string
}

var (
	revokeFamily      = revocation{"family", "family_id", ""}
	revokeAuthRequest = revocation{"auth request", "auth_request_id", "auth_request_id"}
	revokeUser        = revocation{"user", "user_id", "user_id"}
	revokeSession     = revocation{"session", "session_id", "session_id"}
)

func (s tokens) RevokeFamily(ctx context.Context, familyID string, now time.Time) error {
	return s.revoke(ctx, revokeFamily, familyID, now)
}

func (s tokens) RevokeByAuthRequest(ctx context.Context, authRequestID string, now time.Time) error {
	return s.revoke(ctx, revokeAuthRequest, authRequestID, now)
}

func (s tokens) RevokeByUser(ctx context.Context, userID string, now time.Time) error {
	return s.revoke(ctx, revokeUser, userID, now)
}

func (s tokens) RevokeBySession(ctx context.Context, sessionID string, now time.Time) error {
	return s.revoke(ctx, revokeSession, sessionID, now)
}

// revoke sets revoked_at on every token rv selects that is not revoked yet,
// in one transaction.
func (s tokens) revoke(ctx context.Context, rv revocation, id string, now time.Time) error {
	if id == "" {
		return fmt.Errorf("revoke tokens of %s: %w: empty id", rv.what, storage.ErrInvalid)
	}
	t := s.h.d.ts(now)
	minted := `refresh_token_id IN (SELECT id FROM refresh_tokens WHERE ` + rv.refreshColumn + ` = ?)`
	accessCond, accessArgs := minted, []any{t, id}
	if rv.accessColumn != "" {
		accessCond = `(` + rv.accessColumn + ` = ? OR ` + minted + `)`
		accessArgs = append(accessArgs, id)
	}
	err := s.h.atomic(ctx, func(h handle) error {
		if _, err := h.exec(ctx, `UPDATE access_tokens SET revoked_at = ?
			WHERE revoked_at IS NULL AND `+accessCond, accessArgs...); err != nil {
			return err
		}
		_, err := h.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ?
			WHERE revoked_at IS NULL AND `+rv.refreshColumn+` = ?`, t, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke tokens of %s %s: %w", rv.what, id, mapErr(err))
	}
	return nil
}

func (s tokens) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	t := s.h.d.ts(now)
	access, err := s.h.exec(ctx, `DELETE FROM access_tokens WHERE expires_at <= ?`, t)
	if err != nil {
		return 0, fmt.Errorf("delete expired access tokens: %w", mapErr(err))
	}
	refresh, err := s.h.exec(ctx, `DELETE FROM refresh_tokens WHERE family_expires_at <= ?`, t)
	if err != nil {
		return access, fmt.Errorf("delete expired refresh tokens: %w", mapErr(err))
	}
	return access + refresh, nil
}

func (s tokens) RevokeByUserClient(ctx context.Context, userID, clientID string, now time.Time) error {
	if userID == "" || clientID == "" {
		return fmt.Errorf("revoke tokens of user for client: %w: empty id", storage.ErrInvalid)
	}
	t := s.h.d.ts(now)
	err := s.h.atomic(ctx, func(h handle) error {
		if _, err := h.exec(ctx, `UPDATE access_tokens SET revoked_at = ?
			WHERE revoked_at IS NULL AND ((user_id = ? AND client_id = ?) OR refresh_token_id IN
			(SELECT id FROM refresh_tokens WHERE user_id = ? AND client_id = ?))`,
			t, userID, clientID, userID, clientID); err != nil {
			return err
		}
		_, err := h.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ?
			WHERE revoked_at IS NULL AND user_id = ? AND client_id = ?`, t, userID, clientID)
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke tokens of user %s for client %s: %w", userID, clientID, mapErr(err))
	}
	return nil
}

func (s tokens) ListRefreshByUser(ctx context.Context, userID string, now time.Time) ([]storage.RefreshToken, error) {
	t := s.h.d.ts(now)
	var rows []refreshRow
	err := s.h.selectRows(ctx, &rows, `SELECT `+refreshColumns+` FROM refresh_tokens
		WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ? AND family_expires_at > ?
		ORDER BY created_at DESC, id DESC`, userID, t, t)
	if err != nil {
		return nil, fmt.Errorf("refresh tokens of user %s: %w", userID, mapErr(err))
	}
	list := make([]storage.RefreshToken, len(rows))
	for i, r := range rows {
		if list[i], err = r.token(); err != nil {
			return nil, err
		}
	}
	return list, nil
}
