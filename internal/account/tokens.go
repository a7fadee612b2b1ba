package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/personaltoken"
	"github.com/gatehouse/gatehouse/storage"
)

// Audit event types of personal tokens.
const (
	EventTokenCreated      = "token.created"
	EventTokenRevoked      = "token.revoked"
	EventAdminTokenRevoked = "admin.user.token_revoked"
)

// LetterTokenCreated tells the owner a personal token was created.
const LetterTokenCreated = "token_created"

// Fields of the token form.
const (
	FieldTokenName    = "name"
	FieldTokenScopes  = "scopes"
	FieldTokenExpires = "expires_days"
)

// maxTokenName bounds a token's name, in characters.
const maxTokenName = 100

// TokenLifetimeDays are the expiry choices of a new token, in days.
func TokenLifetimeDays() []int { return []int{7, 30, 90, 365} }

// ErrTokenScope: a scope the user may not give a token (such as
// gatehouse:admin for a non-administrator).
var ErrTokenScope = errors.New("account: scope not offered for personal tokens")

// NewToken is what the token form asks for.
type NewToken struct {
	Name   string
	Scopes []string
	Days   int
}

// OfferedTokenScopes are the scopes u may give a personal token: the
// tokens.scopes setting, plus gatehouse:admin for administrators only.
func OfferedTokenScopes(u storage.User, cs ConsoleSettings) []string {
	var out []string
	for _, sc := range personaltoken.Scopes() {
		switch {
		case sc == personaltoken.ScopeAdmin:
			if u.Role == storage.RoleAdmin {
				out = append(out, sc)
			}
		case slices.Contains(cs.TokenScopes, sc):
			out = append(out, sc)
		}
	}
	return out
}

// OfferedTokenDays are the expiry choices within tokens.max_lifetime.
func OfferedTokenDays(cs ConsoleSettings) []int {
	var out []int
	for _, d := range TokenLifetimeDays() {
		if time.Duration(d)*Day <= cs.TokenMaxLifetime {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		out = []int{int(cs.TokenMaxLifetime / Day)}
	}
	return out
}

// checkNewToken validates in for u; a *RegistrationError names each
// wrong field (FieldTokenName, FieldTokenScopes, FieldTokenExpires).
func checkNewToken(u storage.User, cs ConsoleSettings, in NewToken) error {
	var errs []*FieldError
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		errs = append(errs, fieldError(FieldTokenName, ErrRequired, ""))
	case utf8.RuneCountInString(name) > maxTokenName || strings.ContainsAny(name, "\r\n\x00"):
		errs = append(errs, fieldError(FieldTokenName, ErrTooLong, "at most 100 characters on one line"))
	}
	offered := OfferedTokenScopes(u, cs)
	if len(in.Scopes) == 0 {
		errs = append(errs, fieldError(FieldTokenScopes, ErrRequired, ""))
	}
	for _, sc := range in.Scopes {
		if !slices.Contains(offered, sc) {
			errs = append(errs, &FieldError{Field: FieldTokenScopes, Reason: ErrTokenScope, Detail: sc})
			break
		}
	}
	if !slices.Contains(OfferedTokenDays(cs), in.Days) {
		errs = append(errs, fieldError(FieldTokenExpires, ErrSyntax, "one of the offered lifetimes"))
	}
	if len(errs) > 0 {
		return &RegistrationError{Fields: errs}
	}
	return nil
}

// CreatePersonalToken makes a personal token for the user and returns its
// text, which is shown once and never stored. The user must be active; a
// scope the user may not have (gatehouse:admin of a non-administrator) is
// refused (ErrTokenScope in a *FieldError). The owner gets a letter.
func (r *Registrar) CreatePersonalToken(ctx context.Context, userID string, in NewToken, ip string) (string, storage.PersonalToken, error) {
	cs, err := r.ConsoleSettings(ctx)
	if err != nil {
		return "", storage.PersonalToken{}, err
	}
	var text string
	var tok storage.PersonalToken
	err = r.inTx(ctx, func(tx txStores) error {
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user %s: %w", userID, err)
		}
		if err := stateError(u.State); err != nil {
			return err
		}
		if err := checkNewToken(u, cs, in); err != nil {
			return err
		}
		now := storage.Time(r.svc.now())
		var hash []byte
		text, hash = personaltoken.Generate()
		scopes := orderedScopes(in.Scopes)
		tok = storage.PersonalToken{UserID: u.ID, Name: strings.TrimSpace(in.Name), TokenHash: hash, Scopes: scopes,
			CreatedAt: now, ExpiresAt: now.Add(time.Duration(in.Days) * Day)}
		if err := tx.PersonalTokens().Create(ctx, &tok); err != nil {
			return fmt.Errorf("account: create personal token: %w", err)
		}
		details := map[string]string{"token_id": tok.ID, "name": tok.Name, "scopes": strings.Join(scopes, " "),
			"expires": tok.ExpiresAt.UTC().Format(time.DateOnly)}
		if err := r.audit(ctx, tx, storage.AuditEvent{Type: EventTokenCreated, ActorID: u.ID, UserID: u.ID, IP: ip, Details: details}); err != nil {
			return err
		}
		return r.send(ctx, tx, u, LetterTokenCreated, map[string]any{
			"TokenName": tok.Name, "Scopes": strings.Join(scopes, " "), "Expires": tok.ExpiresAt.UTC().Format(time.DateOnly),
			"Link": r.mailer.Link(PathTokens, nil),
		})
	})
	if err != nil {
		return "", storage.PersonalToken{}, err
	}
	r.kick()
	return text, tok, nil
}

// PathTokens is the personal tokens page (package ui serves it).
const PathTokens = "/account/tokens"

// orderedScopes puts scopes in the order of personaltoken.Scopes, once.
func orderedScopes(in []string) []string {
	var out []string
	for _, sc := range personaltoken.Scopes() {
		if slices.Contains(in, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// PersonalTokens lists the user's tokens that are not revoked, newest
// first.
func (r *Registrar) PersonalTokens(ctx context.Context, userID string) ([]storage.PersonalToken, error) {
	var list []storage.PersonalToken
	err := r.store.InTx(ctx, func(tx storage.Tx) error {
		if _, err := tx.Users().ByID(ctx, userID); err != nil {
			return fmt.Errorf("account: read user %s: %w", userID, err)
		}
		var err error
		list, err = tx.PersonalTokens().ListByUser(ctx, userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("account: list personal tokens: %w", err)
	}
	return list, nil
}

// RevokePersonalToken revokes the user's token tokenID; actorID is the
// user, or the administrator acting (audited as such). ErrNotFound (from
// storage) when the user has no such token.
func (r *Registrar) RevokePersonalToken(ctx context.Context, userID, tokenID, actorID, ip string) error {
	typ := EventTokenRevoked
	if actorID != userID {
		typ = EventAdminTokenRevoked
	}
	return r.inTx(ctx, func(tx txStores) error {
		if err := tx.PersonalTokens().Revoke(ctx, userID, tokenID, r.svc.now()); err != nil {
			return fmt.Errorf("account: revoke personal token: %w", err)
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: typ, ActorID: actorID, UserID: userID, IP: ip,
			Details: map[string]string{"token_id": tokenID}})
	})
}
