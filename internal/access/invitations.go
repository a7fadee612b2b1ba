package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/gatehouse/gatehouse/storage"
)

// InvitationLifetime is how long an invitation's link works.
const InvitationLifetime = 7 * 24 * time.Hour

// Invitation errors.
var (
	// ErrInvitationInvalid: unknown, expired or revoked.
	ErrInvitationInvalid = errors.New("access: the invitation is not valid")
	// ErrInvitationUsed: the invitation registered an account already.
	ErrInvitationUsed = errors.New("access: the invitation was used")
)

// HashInvitationToken is how an invitation's token is stored.
func HashInvitationToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// newInvitationToken returns 256 random bits, base64url.
func newInvitationToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkInviteEmail accepts a bare address without control characters.
func checkInviteEmail(email string) error {
	if email == "" {
		return &FieldError{Field: "email", Detail: "an address is required"}
	}
	addr, err := mail.ParseAddress(email)
	if len(email) > 254 || strings.ContainsFunc(email, unicode.IsControl) || err != nil || addr.Name != "" || addr.Address != email {
		return &FieldError{Field: "email", Detail: "expected name@example.com"}
	}
	return nil
}

// Invite stores an invitation for email that joins groups (names of
// existing groups) and queues the letter with its link; it returns the
// invitation and the link (shown once to the caller). The link's token is
// stored only as its hash.
func (s *Service) Invite(ctx context.Context, actor, email string, groups []string, link func(token string) string) (storage.Invitation, string, error) {
	email = strings.TrimSpace(email)
	if err := checkInviteEmail(email); err != nil {
		return storage.Invitation{}, "", err
	}
	token := newInvitationToken()
	now := s.now()
	inv := storage.Invitation{Email: email, TokenHash: HashInvitationToken(token), CreatedBy: actor,
		CreatedAt: now, ExpiresAt: now.Add(InvitationLifetime)}
	url := link(token)
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		for _, name := range groups {
			g, err := tx.Groups().ByName(ctx, name)
			if errors.Is(err, storage.ErrNotFound) {
				return &FieldError{Field: "groups", Detail: fmt.Sprintf("no group named %q", name)}
			}
			if err != nil {
				return err
			}
			inv.Groups = append(inv.Groups, g.Name)
		}
		if err := tx.Invitations().Create(ctx, &inv); err != nil {
			return err
		}
		if s.mail != nil {
			if err := s.mail.SendInvitation(ctx, tx, email, url); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, EventInvitationCreated, actor, "", map[string]string{
			"invitation_id": inv.ID, "email": email, "groups": strings.Join(inv.Groups, ",")})
	})
	if err != nil {
		return storage.Invitation{}, "", fmt.Errorf("access: invite: %w", err)
	}
	if s.mail != nil {
		s.mail.Kick()
	}
	return inv, url, nil
}

// ListInvitations returns one page of invitations, newest first.
func (s *Service) ListInvitations(ctx context.Context, cursor string, limit int) (storage.Page[storage.Invitation], error) {
	page, err := s.store.Invitations().List(ctx, cursor, limit)
	if err != nil {
		return page, fmt.Errorf("access: list invitations: %w", err)
	}
	return page, nil
}

// RevokeInvitation voids an unused invitation: its link stops working.
// storage.ErrConflict when it was used or revoked already.
func (s *Service) RevokeInvitation(ctx context.Context, actor, id string) error {
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.Invitations().Revoke(ctx, id, s.now()); err != nil {
			return err
		}
		return audit(ctx, tx, s.now(), EventInvitationRevoked, actor, "", map[string]string{"invitation_id": id})
	})
	if err != nil {
		return fmt.Errorf("access: revoke invitation: %w", err)
	}
	return nil
}

// PeekInvitation returns the live invitation of token: ErrInvitationUsed
// or ErrInvitationInvalid otherwise.
func (s *Service) PeekInvitation(ctx context.Context, token string) (storage.Invitation, error) {
	return PeekInvitation(ctx, s.store, token, s.now())
}

// PeekInvitation is Service.PeekInvitation over any stores (a transaction).
func PeekInvitation(ctx context.Context, st storage.Stores, token string, now time.Time) (storage.Invitation, error) {
	if token == "" {
		return storage.Invitation{}, ErrInvitationInvalid
	}
	inv, err := st.Invitations().ByTokenHash(ctx, HashInvitationToken(token))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Invitation{}, ErrInvitationInvalid
	}
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("access: invitation: %w", err)
	}
	return inv, liveInvitation(inv, now)
}

func liveInvitation(inv storage.Invitation, now time.Time) error {
	switch {
	case !inv.UsedAt.IsZero():
		return ErrInvitationUsed
	case !inv.RevokedAt.IsZero(), !now.Before(inv.ExpiresAt):
		return ErrInvitationInvalid
	}
	return nil
}

// ConsumeInvitation marks the invitation of token used by userID inside
// tx (with the user's creation) and joins its groups that still exist;
// ErrInvitationUsed or ErrInvitationInvalid when it is not live.
func ConsumeInvitation(ctx context.Context, tx storage.Stores, token, userID string, now time.Time) (storage.Invitation, error) {
	inv, err := tx.Invitations().Consume(ctx, HashInvitationToken(token), userID, now)
	switch {
	case errors.Is(err, storage.ErrConflict):
		return storage.Invitation{}, ErrInvitationUsed
	case errors.Is(err, storage.ErrNotFound):
		return storage.Invitation{}, ErrInvitationInvalid
	case err != nil:
		return storage.Invitation{}, fmt.Errorf("access: use invitation: %w", err)
	}
	for _, name := range inv.Groups {
		g, err := tx.Groups().ByName(ctx, name)
		if errors.Is(err, storage.ErrNotFound) {
			continue // deleted since the invitation
		}
		if err != nil {
			return storage.Invitation{}, err
		}
		if _, err := tx.Groups().AddMember(ctx, g.ID, userID); err != nil {
			return storage.Invitation{}, err
		}
	}
	if err := audit(ctx, tx, now, EventInvitationUsed, "", userID, map[string]string{"invitation_id": inv.ID}); err != nil {
		return storage.Invitation{}, err
	}
	return inv, nil
}
