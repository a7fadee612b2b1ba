package account

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/storage"
)

// Letters and events of the account page.
const (
	LetterEmailChangeConfirm = "email_change_confirm" // to the new address: the confirmation link
	LetterEmailChangeNotice  = "email_change_notice"  // to the old address: a change was asked for

	EventProfileUpdated       = "user.profile_updated"
	EventEmailChangeRequested = "user.email_change_requested"
	EventEmailChanged         = "user.email_changed"

	// PathEmailChange is the confirmation link of a new address.
	PathEmailChange = "/account/email"
)

// ProfileInput is the account page's edit form. Email is the address the
// user wants; changing it needs confirmation of the new address.
type ProfileInput struct {
	Login      string
	Email      string
	GivenName  string
	FamilyName string
	Company    string
	Country    string
	Locale     string
	// Version is the UpdatedAt of the user the form was filled from, in
	// Unix milliseconds; a different stored version is ErrConflict, so
	// two tabs cannot silently overwrite each other.
	Version int64
}

// ProfileOutcome says what UpdateProfile did.
type ProfileOutcome struct {
	User storage.User
	// EmailChangeSent is the new address a confirmation link was sent to
	// (or, when another account has it, would have been: the answer does
	// not tell); empty when the address did not change.
	EmailChangeSent string
}

// UpdateProfile saves the profile fields of user userID. Bad input is a
// *RegistrationError naming each field (login taken: ErrTaken); a user
// changed since the form was read wraps storage.ErrConflict. A new email
// address is not applied: a link goes to it (PathEmailChange), a notice to
// the current address, and the current address stays until the link is
// used. When another account already has the new address, nothing is
// sent and the answer is the same, so the page does not reveal who has an
// account.
func (r *Registrar) UpdateProfile(ctx context.Context, userID string, in ProfileInput, ip string) (ProfileOutcome, error) {
	in = in.trimmed()
	var out ProfileOutcome
	sent := false
	err := r.inTx(ctx, func(tx txStores) error {
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user: %w", err)
		}
		if in.Version != 0 && u.UpdatedAt.UnixMilli() != in.Version {
			return fmt.Errorf("account: the profile changed meanwhile: %w", storage.ErrConflict)
		}
		if err := r.checkProfile(ctx, tx.Users(), u, in); err != nil {
			return err
		}
		changed := applyProfile(&u, in)
		if len(changed) > 0 {
			if err := tx.Users().Update(ctx, &u); err != nil {
				return fmt.Errorf("account: save profile: %w", profileError(err))
			}
			details := map[string]string{"fields": strings.Join(changed, ",")}
			if err := r.audit(ctx, tx, storage.AuditEvent{Type: EventProfileUpdated, ActorID: u.ID, UserID: u.ID, IP: ip, Details: details}); err != nil {
				return err
			}
		}
		out.User = u
		if storage.FoldCase(in.Email) == storage.FoldCase(u.Email) {
			return nil
		}
		out.EmailChangeSent = in.Email
		sent, err = r.requestEmailChange(ctx, tx, u, in.Email, ip)
		return err
	})
	if err != nil {
		return ProfileOutcome{}, err
	}
	if sent {
		r.kick()
	}
	return out, nil
}

func (in ProfileInput) trimmed() ProfileInput {
	in.Login, in.Email = trimBlanks(in.Login), trimBlanks(in.Email)
	in.GivenName, in.FamilyName, in.Company = trimBlanks(in.GivenName), trimBlanks(in.FamilyName), trimBlanks(in.Company)
	in.Country, in.Locale = strings.ToUpper(trimBlanks(in.Country)), trimBlanks(in.Locale)
	return in
}

// checkProfile validates every field of in for u.
func (r *Registrar) checkProfile(ctx context.Context, users storage.UserStore, u storage.User, in ProfileInput) error {
	var errs []*FieldError
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, asFieldError(field, err))
		}
	}
	if in.Login != "" || u.Username != "" {
		add(FieldLogin, CheckUsername(in.Login))
	}
	add(FieldEmail, CheckEmail(in.Email))
	add(FieldGivenName, checkName(FieldGivenName, in.GivenName))
	add(FieldFamilyName, checkName(FieldFamilyName, in.FamilyName))
	add(FieldCompany, checkName(FieldCompany, in.Company))
	if in.Country != "" && !ValidCountry(in.Country) {
		errs = append(errs, fieldError(FieldCountry, ErrNotAllowed, ""))
	}
	if in.Locale != "" && !slices.Contains(r.languages, in.Locale) {
		errs = append(errs, fieldError(FieldLocale, ErrNotAllowed, ""))
	}
	if len(errs) > 0 {
		return &RegistrationError{Fields: errs}
	}
	return checkLoginFree(ctx, users, in.Login, u.ID)
}

// applyProfile copies in onto u (not the email) and returns the names of
// the fields that changed.
func applyProfile(u *storage.User, in ProfileInput) []string {
	var changed []string
	set := func(name string, dst *string, v string) {
		if *dst != v {
			*dst = v
			changed = append(changed, name)
		}
	}
	set(FieldLogin, &u.Username, in.Login)
	set(FieldGivenName, &u.GivenName, in.GivenName)
	set(FieldFamilyName, &u.FamilyName, in.FamilyName)
	set(FieldCompany, &u.Company, in.Company)
	set(FieldCountry, &u.Country, in.Country)
	set(FieldLocale, &u.Locale, in.Locale)
	return changed
}

// profileError turns a uniqueness failure of the login into its field
// error.
func profileError(err error) error {
	var de *DuplicateError
	if errors.Is(err, storage.ErrAlreadyExists) && (!errors.As(err, &de) || de.Field != FieldEmail) {
		return &RegistrationError{Fields: []*FieldError{fieldError(FieldLogin, ErrTaken, "")}}
	}
	return err
}

// requestEmailChange sends the link that confirms addr as u's new address
// and the notice to u's current address, unless another account has addr.
// It reports whether letters were queued.
func (r *Registrar) requestEmailChange(ctx context.Context, tx txStores, u storage.User, addr, ip string) (bool, error) {
	owner, err := findByEmail(ctx, tx.Users(), addr)
	if err != nil {
		return false, err
	}
	if owner != nil && owner.ID != u.ID {
		return false, r.audit(ctx, tx, storage.AuditEvent{Type: EventEmailChangeRequested, ActorID: u.ID, UserID: u.ID, IP: ip,
			Details: map[string]string{"result": "address_taken"}})
	}
	token, hash := newLinkToken()
	now := storage.Time(r.svc.now())
	t := storage.OneTimeToken{UserID: u.ID, Purpose: storage.PurposeChangeEmail, TokenHash: hash, Email: addr,
		CreatedAt: now, ExpiresAt: now.Add(r.lifetime)}
	if err := tx.OneTimeTokens().Issue(ctx, &t); err != nil {
		return false, fmt.Errorf("account: issue email change link: %w", err)
	}
	to := u
	to.Email = addr
	link := r.mailer.Link(PathEmailChange, url.Values{LinkTokenParam: {token}})
	if err := r.send(ctx, tx, to, LetterEmailChangeConfirm, map[string]any{"Link": link, "ExpiresAt": t.ExpiresAt}); err != nil {
		return false, err
	}
	if err := r.send(ctx, tx, u, LetterEmailChangeNotice, map[string]any{"NewEmail": MaskEmail(addr)}); err != nil {
		return false, err
	}
	return true, r.audit(ctx, tx, storage.AuditEvent{Type: EventEmailChangeRequested, ActorID: u.ID, UserID: u.ID, IP: ip})
}

// MaskEmail hides most of an address's local part: "ad***@example.com".
func MaskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return "***"
	}
	runes := []rune(local)
	keep := min(2, len(runes)/2)
	return string(runes[:keep]) + "***@" + domain
}

// ErrEmailTaken: the new address of an email change belongs to another
// account by now.
var ErrEmailTaken = errors.New("account: the address belongs to another account")

// PeekEmailChange says whether an email change link works, without using
// it; Email is the new address.
func (r *Registrar) PeekEmailChange(ctx context.Context, token string) (LinkInfo, error) {
	hash, ok := linkTokenHash(token)
	if !ok {
		return LinkInfo{State: LinkUnknown}, nil
	}
	t, err := r.store.OneTimeTokens().Peek(ctx, storage.PurposeChangeEmail, hash)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return LinkInfo{State: LinkUnknown}, nil
	case err != nil:
		return LinkInfo{}, fmt.Errorf("account: read email change link: %w", err)
	case !t.UsedAt.IsZero():
		return LinkInfo{State: LinkUsed, Email: t.Email}, nil
	case !r.svc.now().Before(t.ExpiresAt):
		return LinkInfo{State: LinkExpired, Email: t.Email}, nil
	}
	return LinkInfo{State: LinkValid, Email: t.Email}, nil
}

// ConfirmEmailChange uses an email change link: atomically and once, the
// new address becomes the user's (verified). A link that does not work
// wraps ErrLinkInvalid; an address another account took meanwhile is
// ErrEmailTaken (and spends nothing).
func (r *Registrar) ConfirmEmailChange(ctx context.Context, token, ip string) (storage.User, error) {
	hash, ok := linkTokenHash(token)
	if !ok {
		return storage.User{}, ErrLinkUnknown
	}
	var u storage.User
	err := r.inTx(ctx, func(tx txStores) error {
		t, err := tx.OneTimeTokens().Consume(ctx, storage.PurposeChangeEmail, hash, r.svc.now())
		if err != nil {
			return r.linkError(ctx, tx, storage.PurposeChangeEmail, hash, err)
		}
		if u, err = tx.Users().ByID(ctx, t.UserID); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return ErrLinkUnknown
			}
			return fmt.Errorf("account: read user: %w", err)
		}
		if u.State != storage.UserActive {
			return ErrLinkUnknown
		}
		owner, err := findByEmail(ctx, tx.Users(), t.Email)
		if err != nil {
			return err
		}
		if owner != nil && owner.ID != u.ID {
			return ErrEmailTaken
		}
		old := u.Email
		u.Email, u.EmailVerified = t.Email, true
		if err := tx.Users().Update(ctx, &u); err != nil {
			if errors.Is(err, storage.ErrAlreadyExists) {
				return ErrEmailTaken
			}
			return fmt.Errorf("account: change email: %w", err)
		}
		details := map[string]string{"old": MaskEmail(old), "new": MaskEmail(u.Email)}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventEmailChanged, ActorID: u.ID, UserID: u.ID, IP: ip, Details: details})
	})
	return u, err
}

// ProfileVersion is the Version of u for ProfileInput.
func ProfileVersion(u storage.User) int64 { return u.UpdatedAt.UnixMilli() }
