package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// identities implements storage.IdentityStore.
type identities struct{ h handle }

const identityColumns = `id, user_id, provider, subject, email, created_at, last_used_at`

type identityRow struct {
	ID         string `db:"id"`
	UserID     string `db:"user_id"`
	Provider   string `db:"provider"`
	Subject    string `db:"subject"`
	Email      string `db:"email"`
	CreatedAt  dbTime `db:"created_at"`
	LastUsedAt dbTime `db:"last_used_at"`
}

func (r identityRow) identity() storage.Identity {
	return storage.Identity{
		ID: r.ID, UserID: r.UserID, Provider: r.Provider, Subject: r.Subject, Email: r.Email,
		CreatedAt: r.CreatedAt.time(), LastUsedAt: r.LastUsedAt.time(),
	}
}

func (s identities) Create(ctx context.Context, id *storage.Identity) error {
	if id.UserID == "" || id.Provider == "" || id.Subject == "" {
		return fmt.Errorf("create identity: %w: user id, provider and subject are required", storage.ErrInvalid)
	}
	if id.ID == "" {
		id.ID = storage.NewID()
	}
	if id.CreatedAt.IsZero() {
		id.CreatedAt = time.Now()
	}
	id.CreatedAt = storage.Time(id.CreatedAt)
	id.LastUsedAt = storage.Time(id.LastUsedAt)
	_, err := s.h.exec(ctx, `INSERT INTO identities (`+identityColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id.ID, id.UserID, id.Provider, id.Subject, id.Email,
		s.h.d.ts(id.CreatedAt), s.h.d.nullTS(id.LastUsedAt))
	if err != nil {
		return fmt.Errorf("create identity: %w", mapErr(err))
	}
	return nil
}

func (s identities) ByProviderSubject(ctx context.Context, provider, subject string) (storage.Identity, error) {
	var row identityRow
	err := s.h.get(ctx, &row, `SELECT `+identityColumns+` FROM identities
		WHERE provider = ? AND subject = ?`, provider, subject)
	if err != nil {
		return storage.Identity{}, fmt.Errorf("identity at %s: %w", provider, mapErr(err))
	}
	return row.identity(), nil
}

func (s identities) ListByUser(ctx context.Context, userID string) ([]storage.Identity, error) {
	var rows []identityRow
	err := s.h.selectRows(ctx, &rows, `SELECT `+identityColumns+` FROM identities
		WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("identities of user %s: %w", userID, mapErr(err))
	}
	list := make([]storage.Identity, len(rows))
	for i, r := range rows {
		list[i] = r.identity()
	}
	return list, nil
}

func (s identities) Delete(ctx context.Context, id string) error {
	n, err := s.h.exec(ctx, `DELETE FROM identities WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete identity %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("delete identity %s: %w", id, storage.ErrNotFound)
	}
	return nil
}

func (s identities) Touch(ctx context.Context, id string, at time.Time) error {
	n, err := s.h.exec(ctx, `UPDATE identities SET last_used_at = ? WHERE id = ?`, s.h.d.ts(at), id)
	if err != nil {
		return fmt.Errorf("touch identity %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("touch identity %s: %w", id, storage.ErrNotFound)
	}
	return nil
}
