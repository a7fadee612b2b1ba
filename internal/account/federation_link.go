package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/storage"
)

// LinkIdentity links a verified upstream identity to userID, the user of
// the session that started the link flow (SECURITY 48: the caller checks
// that the session finishing it is the same). Linking an identity the
// user has already is no error; one linked to another user is
// ErrIdentityTaken. The user must be active (ErrNoSession otherwise).
func (r *Registrar) LinkIdentity(ctx context.Context, userID string, id FederatedIdentity, ip string) error {
	if userID == "" || id.Provider == "" || id.Subject == "" {
		return fmt.Errorf("account: link without user, provider or subject: %w", ErrInvalid)
	}
	return r.store.InTx(ctx, func(tx storage.Tx) error {
		u, err := tx.Users().ByID(ctx, userID)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrNoSession
		}
		if err != nil {
			return fmt.Errorf("account: link: read user: %w", err)
		}
		if u.State != storage.UserActive {
			return ErrNoSession
		}
		known, err := tx.Identities().ByProviderSubject(ctx, id.Provider, id.Subject)
		switch {
		case err == nil && known.UserID == userID:
			return tx.Identities().Touch(ctx, known.ID, r.svc.now())
		case err == nil:
			return ErrIdentityTaken
		case !errors.Is(err, storage.ErrNotFound):
			return fmt.Errorf("account: link: look up identity: %w", err)
		}
		ident := storage.Identity{UserID: userID, Provider: id.Provider, Subject: id.Subject, Email: id.Email,
			LastUsedAt: r.svc.now()}
		err = r.createIdentity(ctx, tx, ident, ip, map[string]string{"via": "account"})
		if errors.Is(err, storage.ErrAlreadyExists) {
			return ErrIdentityTaken
		}
		return err
	})
}

// Identities lists the user's linked identities, oldest first.
func (r *Registrar) Identities(ctx context.Context, userID string) ([]storage.Identity, error) {
	var list []storage.Identity
	err := r.store.InTx(ctx, func(tx storage.Tx) error {
		var err error
		list, err = tx.Identities().ListByUser(ctx, userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("account: list identities: %w", err)
	}
	return list, nil
}

// UnlinkIdentity removes one of the user's identities. It is refused with
// ErrLastSignInMethod when the user has no password, no other identity
// and no passkey; an identity that is not the user's is storage.ErrNotFound.
func (r *Registrar) UnlinkIdentity(ctx context.Context, userID, identityID, ip string) error {
	return r.store.InTx(ctx, func(tx storage.Tx) error {
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: unlink: read user: %w", err)
		}
		// Lock the user's row against a parallel unlink of the other
		// identity: the update bumps its version.
		if err := tx.Users().Update(ctx, &u); err != nil {
			return fmt.Errorf("account: unlink: lock user: %w", err)
		}
		list, err := tx.Identities().ListByUser(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: unlink: list identities: %w", err)
		}
		var target *storage.Identity
		for i := range list {
			if list[i].ID == identityID {
				target = &list[i]
			}
		}
		if target == nil {
			return fmt.Errorf("account: unlink %s: %w", identityID, storage.ErrNotFound)
		}
		if u.PasswordHash == "" && len(list) == 1 {
			n, err := tx.Passkeys().CountByUser(ctx, userID)
			if err != nil {
				return fmt.Errorf("account: unlink: count passkeys: %w", err)
			}
			if n == 0 {
				return ErrLastSignInMethod // a passkey is a way to sign in too
			}
		}
		if err := tx.Identities().Delete(ctx, target.ID); err != nil {
			return fmt.Errorf("account: unlink: %w", err)
		}
		details := map[string]string{"provider": target.Provider}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventIdentityUnlinked, UserID: userID, ActorID: userID, IP: ip, Details: details})
	})
}

// dropUnconfirmedIdentities removes the identities of u when its address
// was never confirmed: whoever proves the mailbox now (a reset, a
// confirmation link) must not share the account with an upstream identity
// linked before, which may belong to someone who only claimed the address
// (SECURITY 12). Call it within the transaction that confirms the address,
// with u as it was before.
func (r *Registrar) dropUnconfirmedIdentities(ctx context.Context, tx txStores, u storage.User, ip string) error {
	if u.EmailVerified {
		return nil
	}
	list, err := tx.Identities().ListByUser(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("account: identities of an unconfirmed user: %w", err)
	}
	for _, id := range list {
		if err := tx.Identities().Delete(ctx, id.ID); err != nil {
			return fmt.Errorf("account: drop identity: %w", err)
		}
		details := map[string]string{"provider": id.Provider, "reason": "address_confirmed"}
		if err := r.audit(ctx, tx, storage.AuditEvent{Type: EventIdentityUnlinked, UserID: u.ID, IP: ip, Details: details}); err != nil {
			return err
		}
	}
	return nil
}

// confirmMailbox records that whoever acts now proved u's address (a
// reset link or temporary password reached it): identities linked while
// it was unconfirmed are dropped and the address is marked verified, on u
// (the caller stores it).
func (r *Registrar) confirmMailbox(ctx context.Context, tx txStores, u *storage.User, ip string) error {
	if err := r.dropUnconfirmedIdentities(ctx, tx, *u, ip); err != nil {
		return err
	}
	u.EmailVerified = true
	return nil
}
