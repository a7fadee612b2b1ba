package account

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/storage"
)

// DefaultResetLifetime is how long reset links and temporary passwords
// work unless configured otherwise.
const DefaultResetLifetime = 30 * time.Minute

// Paths of the reset links in letters.
const (
	PathResetPassword = "/reset/password" // link style: set a new password
	PathResetConfirm  = "/reset/confirm"  // generated style: confirm, see the new password
)

// Letters of password reset and change.
const (
	LetterResetLink       = "reset_link"       // link style: the link to set a new password
	LetterResetConfirm    = "reset_confirm"    // generated style: confirm the request
	LetterResetTemporary  = "reset_temporary"  // temporary style: the temporary password
	LetterResetComplete   = "reset_complete"   // any style: the password was reset
	LetterPasswordChanged = "password_changed" // the user changed their password
)

// Audit events of password reset and change.
const (
	EventResetRequested     = "user.reset_requested"      // a reset letter went to the user
	EventResetUnmatched     = "user.reset_unmatched"      // a request matched no active account: nothing sent
	EventResetCompleted     = "user.reset_completed"      // a new password was set through a reset
	EventTemporaryPassword  = "user.temporary_password"   // a temporary password was used to sign in
	EventPasswordChanged    = "user.password_changed"     // the user changed their password
	EventResetByAdmin       = "admin.user.reset_password" // an administrator sent the reset letter
	resetPurposeDetailStyle = "style"
)

// resetPurposes are the token purposes of a reset in progress: a newer
// request, a completed reset or a password change voids them all.
var resetPurposes = []string{storage.PurposeResetPassword, storage.PurposeResetGenerated, storage.PurposeTemporaryPassword}

// ResetRequest is what the reset request form asks for.
type ResetRequest struct {
	Login string // with IdentifyLoginAndEmail: the username (or the address again)
	Email string
}

// RequestReset sends the configured style's reset letter when an active
// account matches in; otherwise it sends nothing. Either way the answer
// is nil (SECURITY 17): only malformed input is an error (a
// *RegistrationError for login and email). The letter goes to the
// account's stored address, never to one taken from the request. Both
// paths write one audit event in one transaction, so they take similar
// time; the letter itself is delivered later by the outbox.
func (r *Registrar) RequestReset(ctx context.Context, in ResetRequest, ip string) error {
	rs, err := r.Settings(ctx)
	if err != nil {
		return err
	}
	in.Login, in.Email = trimBlanks(in.Login), trimBlanks(in.Email)
	if err := checkResetRequest(rs.Reset.EffectiveIdentify(), in); err != nil {
		return err
	}
	sent := false
	err = r.inTx(ctx, func(tx txStores) error {
		u, err := findByEmail(ctx, tx.Users(), in.Email)
		if err != nil {
			return err
		}
		if u == nil || !resetMatches(rs.Reset.EffectiveIdentify(), *u, in) {
			return r.audit(ctx, tx, storage.AuditEvent{Type: EventResetUnmatched, IP: ip})
		}
		if err := r.issueReset(ctx, tx, rs, *u); err != nil {
			return err
		}
		sent = true
		details := map[string]string{resetPurposeDetailStyle: string(rs.Reset.Style)}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventResetRequested, UserID: u.ID, IP: ip, Details: details})
	})
	if err != nil {
		return err
	}
	if sent {
		r.kick()
	}
	return nil
}

// SendPasswordReset sends the configured style's reset letter to an
// active user on an administrator's behalf (actorID). A user who is not
// active is an error wrapping storage.ErrConflict; an unknown one wraps
// storage.ErrNotFound.
func (r *Registrar) SendPasswordReset(ctx context.Context, userID, actorID string) error {
	rs, err := r.Settings(ctx)
	if err != nil {
		return err
	}
	err = r.inTx(ctx, func(tx txStores) error {
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user: %w", err)
		}
		if u.State != storage.UserActive {
			return fmt.Errorf("account: a %s user cannot reset a password: %w", u.State, storage.ErrConflict)
		}
		if err := r.issueReset(ctx, tx, rs, u); err != nil {
			return err
		}
		details := map[string]string{resetPurposeDetailStyle: string(rs.Reset.Style)}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventResetByAdmin, ActorID: actorID, UserID: u.ID, Details: details})
	})
	if err != nil {
		return err
	}
	r.kick()
	return nil
}

// checkResetRequest checks the fields the identification asks for.
func checkResetRequest(identify ResetIdentify, in ResetRequest) error {
	var errs []*FieldError
	if identify == IdentifyLoginAndEmail {
		switch {
		case in.Login == "":
			errs = append(errs, fieldError(FieldLogin, ErrRequired, ""))
		case len(in.Login) > MaxEmailBytes || !utf8.ValidString(in.Login) || strings.ContainsFunc(in.Login, unicode.IsControl):
			errs = append(errs, fieldError(FieldLogin, ErrSyntax, ""))
		}
	}
	if err := CheckEmail(in.Email); err != nil {
		errs = append(errs, asFieldError(FieldEmail, err))
	}
	if len(errs) == 0 {
		return nil
	}
	return &RegistrationError{Fields: errs}
}

// resetMatches reports whether u may reset its password with in: an
// active account (a pending one is confirmed through its own link, so a
// reset never completes someone else's registration: SECURITY 12) whose
// login (or address) equals in.Login when the form asks for it.
func resetMatches(identify ResetIdentify, u storage.User, in ResetRequest) bool {
	if u.State != storage.UserActive {
		return false
	}
	if identify != IdentifyLoginAndEmail {
		return true
	}
	login := storage.FoldCase(in.Login)
	return (u.Username != "" && login == storage.FoldCase(u.Username)) || login == storage.FoldCase(u.Email)
}

// issueReset voids u's pending resets and sends a new one in the style of
// rs.
func (r *Registrar) issueReset(ctx context.Context, tx txStores, rs RegistrationSettings, u storage.User) error {
	for _, p := range resetPurposes {
		if err := tx.OneTimeTokens().DeleteByUser(ctx, u.ID, p); err != nil {
			return fmt.Errorf("account: void older resets: %w", err)
		}
	}
	now := storage.Time(r.svc.now())
	t := storage.OneTimeToken{UserID: u.ID, Email: u.Email, CreatedAt: now, ExpiresAt: now.Add(r.resetLife)}
	data := map[string]any{"ExpiresAt": t.ExpiresAt, "Minutes": int(r.resetLife / time.Minute)}
	var letter string
	switch rs.Reset.Style {
	case ResetTemporary:
		pw, err := temporaryPassword(rs, u)
		if err != nil {
			return err
		}
		t.Purpose, t.TokenHash, letter = storage.PurposeTemporaryPassword, hashSecret(pw), LetterResetTemporary
		data["Password"], data["Link"] = pw, r.mailer.Link("/login", nil)
	case ResetGenerated:
		token, hash := newLinkToken()
		t.Purpose, t.TokenHash, letter = storage.PurposeResetGenerated, hash, LetterResetConfirm
		data["Link"] = r.mailer.Link(PathResetConfirm, url.Values{LinkTokenParam: {token}})
	default:
		token, hash := newLinkToken()
		t.Purpose, t.TokenHash, letter = storage.PurposeResetPassword, hash, LetterResetLink
		data["Link"] = r.mailer.Link(PathResetPassword, url.Values{LinkTokenParam: {token}})
	}
	if err := tx.OneTimeTokens().Issue(ctx, &t); err != nil {
		return fmt.Errorf("account: issue reset: %w", err)
	}
	return r.send(ctx, tx, u, letter, data)
}

// PeekReset says whether a reset link of purpose
// (storage.PurposeResetPassword or storage.PurposeResetGenerated) works,
// without using it, and for whom (the address, and the login and address
// the password policy refuses inside passwords).
func (r *Registrar) PeekReset(ctx context.Context, purpose, token string) (LinkInfo, error) {
	if purpose != storage.PurposeResetPassword && purpose != storage.PurposeResetGenerated {
		return LinkInfo{}, fmt.Errorf("account: %q is not a reset link purpose", purpose)
	}
	_, info, err := r.resetUser(ctx, r.store.OneTimeTokens(), r.store.Users(), purpose, token)
	return info, err
}

// resetUser reads the token of a reset link and its user, and says whether
// the link works.
func (r *Registrar) resetUser(ctx context.Context, tokens storage.OneTimeTokenStore, users storage.UserStore, purpose, token string) (storage.User, LinkInfo, error) {
	hash, ok := linkTokenHash(token)
	if !ok {
		return storage.User{}, LinkInfo{State: LinkUnknown}, nil
	}
	t, err := tokens.Peek(ctx, purpose, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, LinkInfo{State: LinkUnknown}, nil
	}
	if err != nil {
		return storage.User{}, LinkInfo{}, fmt.Errorf("account: read reset link: %w", err)
	}
	switch {
	case !t.UsedAt.IsZero():
		return storage.User{}, LinkInfo{State: LinkUsed, Email: t.Email}, nil
	case !r.svc.now().Before(t.ExpiresAt):
		return storage.User{}, LinkInfo{State: LinkExpired, Email: t.Email}, nil
	}
	u, err := users.ByID(ctx, t.UserID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.User{}, LinkInfo{State: LinkUnknown}, nil
	case err != nil:
		return storage.User{}, LinkInfo{}, fmt.Errorf("account: read reset user: %w", err)
	case storage.FoldCase(u.Email) != storage.FoldCase(t.Email), u.State != storage.UserActive:
		return storage.User{}, LinkInfo{State: LinkUnknown}, nil
	}
	return u, LinkInfo{State: LinkValid, Email: t.Email}, nil
}
