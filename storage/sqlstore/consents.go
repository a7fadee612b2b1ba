package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// consents implements storage.ConsentStore: one row per user and client,
// scopes as a JSON array. The row goes with its user or client.
type consents struct{ h handle }

type consentRow struct {
	UserID    string `db:"user_id"`
	ClientID  string `db:"client_id"`
	Scopes    string `db:"scopes"`
	GrantedAt dbTime `db:"granted_at"`
}

func (s consents) Get(ctx context.Context, userID, clientID string) (storage.Consent, error) {
	var row consentRow
	err := s.h.get(ctx, &row, `SELECT user_id, client_id, scopes, granted_at FROM consents
		WHERE user_id = ? AND client_id = ?`, userID, clientID)
	if err != nil {
		return storage.Consent{}, fmt.Errorf("consent of user %s for client %s: %w", userID, clientID, mapErr(err))
	}
	scopes, err := decodeList(row.Scopes)
	if err != nil {
		return storage.Consent{}, fmt.Errorf("consent of user %s for client %s: %w", userID, clientID, err)
	}
	return storage.Consent{UserID: row.UserID, ClientID: row.ClientID, Scopes: scopes, GrantedAt: row.GrantedAt.time()}, nil
}

// mergeScopes returns have followed by the scopes of add it lacks, each once.
func mergeScopes(have, add []string) []string {
	out := slices.Clone(have)
	for _, sc := range add {
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// Grant upserts the row, which locks it until the transaction ends (the
// writer lock on SQLite, the row lock on Postgres), then merges the scopes
// it returned with the new ones: parallel grants serialize and none is lost.
func (s consents) Grant(ctx context.Context, userID, clientID string, scopes []string, now time.Time) error {
	fresh, err := encodeList(mergeScopes(nil, scopes))
	if err != nil {
		return fmt.Errorf("grant consent: %w", err)
	}
	t := s.h.d.ts(now)
	err = s.h.atomic(ctx, func(h handle) error {
		var stored string
		err := h.getWrite(ctx, &stored, `INSERT INTO consents (user_id, client_id, scopes, granted_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, client_id) DO UPDATE SET granted_at = excluded.granted_at
			RETURNING scopes`, userID, clientID, fresh, t)
		if err != nil {
			return err
		}
		have, err := decodeList(stored)
		if err != nil {
			return err
		}
		merged := mergeScopes(have, scopes)
		if len(merged) == len(have) {
			return nil
		}
		text, err := encodeList(merged)
		if err != nil {
			return err
		}
		_, err = h.exec(ctx, `UPDATE consents SET scopes = ? WHERE user_id = ? AND client_id = ?`,
			text, userID, clientID)
		return err
	})
	if err != nil {
		return fmt.Errorf("grant consent of user %s for client %s: %w", userID, clientID, mapErr(err))
	}
	return nil
}

func (s consents) Revoke(ctx context.Context, userID, clientID string) error {
	_, err := s.h.exec(ctx, `DELETE FROM consents WHERE user_id = ? AND client_id = ?`, userID, clientID)
	if err != nil {
		return fmt.Errorf("revoke consent of user %s for client %s: %w", userID, clientID, mapErr(err))
	}
	return nil
}

func (s consents) ListByUser(ctx context.Context, userID string) ([]storage.Consent, error) {
	var rows []consentRow
	err := s.h.selectRows(ctx, &rows, `SELECT user_id, client_id, scopes, granted_at FROM consents
		WHERE user_id = ? ORDER BY granted_at DESC, client_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("consents of user %s: %w", userID, mapErr(err))
	}
	list := make([]storage.Consent, len(rows))
	for i, r := range rows {
		scopes, err := decodeList(r.Scopes)
		if err != nil {
			return nil, fmt.Errorf("consent of user %s for client %s: %w", userID, r.ClientID, err)
		}
		list[i] = storage.Consent{UserID: r.UserID, ClientID: r.ClientID, Scopes: scopes, GrantedAt: r.GrantedAt.time()}
	}
	return list, nil
}
