package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// invitations implements storage.InvitationStore. Consume is one
// conditional UPDATE ... WHERE used_at IS NULL RETURNING.
type invitations struct{ h handle }

const invitationColumns = `id, email, token_hash, group_names, created_by, created_at, expires_at, used_at, user_id, revoked_at`

type invitationRow struct {
	ID        string `db:"id"`
	Email     string `db:"email"`
	TokenHash []byte `db:"token_hash"`
	Groups    string `db:"group_names"`
	CreatedBy string `db:"created_by"`
	CreatedAt dbTime `db:"created_at"`
	ExpiresAt dbTime `db:"expires_at"`
	UsedAt    dbTime `db:"used_at"`
	UserID    string `db:"user_id"`
	RevokedAt dbTime `db:"revoked_at"`
}

func (r invitationRow) invitation() (storage.Invitation, error) {
	var d listDecoder
	inv := storage.Invitation{ID: r.ID, Email: r.Email, TokenHash: bytesOrNil(r.TokenHash), Groups: d.list(r.Groups),
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(), UsedAt: r.UsedAt.time(),
		UserID: r.UserID, RevokedAt: r.RevokedAt.time()}
	if d.err != nil {
		return storage.Invitation{}, fmt.Errorf("invitation %s: %w", r.ID, d.err)
	}
	return inv, nil
}

func (s invitations) Create(ctx context.Context, inv *storage.Invitation) error {
	if inv.Email == "" || len(inv.TokenHash) == 0 || inv.ExpiresAt.IsZero() {
		return fmt.Errorf("create invitation: %w: email, token hash and expiry are required", storage.ErrInvalid)
	}
	if inv.ID == "" {
		inv.ID = storage.NewID()
	}
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = time.Now()
	}
	inv.CreatedAt, inv.ExpiresAt = storage.Time(inv.CreatedAt), storage.Time(inv.ExpiresAt)
	groupsJSON, err := encodeList(inv.Groups)
	if err != nil {
		return fmt.Errorf("create invitation: %w", err)
	}
	d := s.h.d
	_, err = s.h.exec(ctx, `INSERT INTO invitations (`+invitationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inv.ID, inv.Email, inv.TokenHash, groupsJSON, inv.CreatedBy, d.ts(inv.CreatedAt), d.ts(inv.ExpiresAt),
		d.nullTS(time.Time{}), "", d.nullTS(time.Time{}))
	if err != nil {
		return fmt.Errorf("create invitation: %w", mapErr(err))
	}
	return nil
}

func (s invitations) ByID(ctx context.Context, id string) (storage.Invitation, error) {
	var row invitationRow
	if err := s.h.get(ctx, &row, `SELECT `+invitationColumns+` FROM invitations WHERE id = ?`, id); err != nil {
		return storage.Invitation{}, fmt.Errorf("invitation %s: %w", id, mapErr(err))
	}
	return row.invitation()
}

func (s invitations) ByTokenHash(ctx context.Context, hash []byte) (storage.Invitation, error) {
	if len(hash) == 0 {
		return storage.Invitation{}, fmt.Errorf("invitation: %w", storage.ErrNotFound)
	}
	var row invitationRow
	if err := s.h.get(ctx, &row, `SELECT `+invitationColumns+` FROM invitations WHERE token_hash = ?`, hash); err != nil {
		return storage.Invitation{}, fmt.Errorf("invitation: %w", mapErr(err))
	}
	return row.invitation()
}

func (s invitations) Consume(ctx context.Context, hash []byte, userID string, now time.Time) (storage.Invitation, error) {
	if len(hash) == 0 {
		return storage.Invitation{}, fmt.Errorf("consume invitation: %w", storage.ErrNotFound)
	}
	at := s.h.d.ts(storage.Time(now))
	var row invitationRow
	err := s.h.getWrite(ctx, &row, `UPDATE invitations SET used_at = ?, user_id = ?
		WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
		RETURNING `+invitationColumns, at, userID, hash, at)
	if err == nil {
		return row.invitation()
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return storage.Invitation{}, fmt.Errorf("consume invitation: %w", mapErr(err))
	}
	inv, err := s.ByTokenHash(ctx, hash)
	switch {
	case err != nil:
		return storage.Invitation{}, fmt.Errorf("consume %w", err)
	case !inv.UsedAt.IsZero():
		return inv, fmt.Errorf("consume invitation %s: %w: it was already used", inv.ID, storage.ErrConflict)
	}
	return storage.Invitation{}, fmt.Errorf("consume invitation %s: %w: it has expired or was revoked", inv.ID, storage.ErrNotFound)
}

func (s invitations) List(ctx context.Context, cursorText string, limit int) (storage.Page[storage.Invitation], error) {
	var w where
	if cursorText != "" {
		c, err := decodeCursor(cursorText)
		if err != nil {
			return storage.Page[storage.Invitation]{}, fmt.Errorf("list invitations: %w", err)
		}
		w.add("(created_at, id) < (?, ?)", s.h.d.ts(c.at), c.id)
	}
	limit = pageLimit(limit)
	var rows []invitationRow
	query := `SELECT ` + invitationColumns + ` FROM invitations` + w.String() + ` ORDER BY created_at DESC, id DESC LIMIT ?`
	if err := s.h.selectRows(ctx, &rows, query, append(w.args, limit+1)...); err != nil {
		return storage.Page[storage.Invitation]{}, fmt.Errorf("list invitations: %w", mapErr(err))
	}
	list := make([]storage.Invitation, len(rows))
	for i, r := range rows {
		var err error
		if list[i], err = r.invitation(); err != nil {
			return storage.Page[storage.Invitation]{}, err
		}
	}
	return makePage(list, limit, func(inv storage.Invitation) (time.Time, string) { return inv.CreatedAt, inv.ID }), nil
}

func (s invitations) Revoke(ctx context.Context, id string, now time.Time) error {
	n, err := s.h.exec(ctx, `UPDATE invitations SET revoked_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL`,
		s.h.d.ts(storage.Time(now)), id)
	if err != nil {
		return fmt.Errorf("revoke invitation %s: %w", id, mapErr(err))
	}
	if n == 0 {
		if _, err := s.ByID(ctx, id); err != nil {
			return fmt.Errorf("revoke %w", err)
		}
		return fmt.Errorf("revoke invitation %s: %w: it was already used or revoked", id, storage.ErrConflict)
	}
	return nil
}
