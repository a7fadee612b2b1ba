package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// profiles is what the account page needs: the account rules, the user's
// identities and the applications' home pages.
type profiles struct {
	*account.Registrar
	store *sqlstore.Store
}

// Identities lists the user's linked external identities.
func (p profiles) Identities(ctx context.Context, userID string) ([]storage.Identity, error) {
	ids, err := p.store.Identities().ListByUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	return ids, nil
}

// ClientHome is the client's name and the origin of its first http(s)
// redirect URI: a page of the application that is registered, so the link
// can never lead anywhere an attacker chose.
func (p profiles) ClientHome(ctx context.Context, clientID string) (string, string, bool, error) {
	c, err := p.store.Clients().ByID(ctx, clientID)
	if errors.Is(err, storage.ErrNotFound) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("read client: %w", err)
	}
	home := c.HomePage()
	if home == "" {
		return "", "", false, nil
	}
	name := c.Name
	if name == "" {
		name = c.ID
	}
	return name, home, true, nil
}
