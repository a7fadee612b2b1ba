package account

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/storage"
)

// RegisterContext describes where a registration comes from.
type RegisterContext struct {
	// IP is the client's address, for the audit log.
	IP string
	// Locale is the page's language: the letters' language, and the
	// user's locale when the form has no locale field.
	Locale string
	// AuthRequestID is the application sign-in the user came from. The
	// link in the letter carries it, so that after confirming the user
	// can return to the application.
	AuthRequestID string
}

// OutcomeKind says what a registration led to, as the person who
// submitted the form may learn it.
type OutcomeKind string

// Registration outcomes.
const (
	// OutcomeCheckMail: a letter is on its way; follow its link.
	OutcomeCheckMail OutcomeKind = "check_mail"
	// OutcomeAwaitingApproval: an administrator decides (audit mode
	// without email confirmation).
	OutcomeAwaitingApproval OutcomeKind = "awaiting_approval"
	// OutcomeActive: the account is active: sign UserID in now (shape C).
	OutcomeActive OutcomeKind = "active"
)

// RegistrationOutcome is the result of Register. For an address that
// already has an account it is exactly what a new registration would
// have got (SECURITY 9), except that an instance without email
// confirmation signs new users in at once, which no answer can imitate:
// there the owner's address gets OutcomeCheckMail (a warning letter is
// indeed sent).
type RegistrationOutcome struct {
	Kind   OutcomeKind
	Email  string // the address as entered (trimmed)
	UserID string // OutcomeActive only
}

// maxRegisterAttempts bounds the retries of a registration that lost a
// race (the same address or login registered at the same moment).
const maxRegisterAttempts = 3

// submission is one validated registration in progress.
type submission struct {
	rs   RegistrationSettings
	in   RegistrationInput
	hash string // of in.Password; empty for shape B
	rc   RegisterContext
}

// Register applies the registration rules to a submitted form. In order:
// a closed instance refuses (ErrRegistrationClosed); every configured
// field is checked (a *RegistrationError listing each wrong one); the
// password is hashed (also when the address turns out to have an account,
// so both take as long); then, in one transaction with the letter it
// causes:
//
//   - a new address creates the user: pending_verification with a
//     verify_email letter (shape A) or an activate letter (shape B, no
//     password), or at once active (shape C, signed in by the caller) or
//     pending_approval (shape C in audit mode, awaiting_approval letter);
//   - an address whose account is still pending_verification is
//     registered anew over it: its data and password are replaced, its
//     old links voided and its sessions ended (SECURITY 12);
//   - an address with any other account changes nothing; its owner gets
//     an already_registered letter and the caller the outcome of a new
//     registration (SECURITY 9).
//
// A login taken by another account is a *RegistrationError (ErrTaken).
func (r *Registrar) Register(ctx context.Context, in RegistrationInput, rc RegisterContext) (RegistrationOutcome, error) {
	rs, err := r.Settings(ctx)
	if err != nil {
		return RegistrationOutcome{}, err
	}
	if rs.Mode == ModeClosed || rs.Mode == ModeInvite { // invited addresses: RegisterInvited
		return RegistrationOutcome{}, ErrRegistrationClosed
	}
	if err := CheckRegistration(rs, in, r.languages); err != nil {
		return RegistrationOutcome{}, err
	}
	sub := submission{rs: rs, in: in.normalized(rs), rc: rc}
	if sub.in.Password != "" {
		if sub.hash, err = r.svc.hasher.Hash(ctx, sub.in.Password); err != nil {
			return RegistrationOutcome{}, fmt.Errorf("account: hash password: %w", err)
		}
	}
	var out RegistrationOutcome
	for attempt := 1; ; attempt++ {
		out, err = r.submit(ctx, sub)
		lostRace := errors.Is(err, storage.ErrAlreadyExists) || errors.Is(err, storage.ErrConflict)
		if !lostRace || attempt == maxRegisterAttempts {
			break
		}
	}
	if err != nil {
		return RegistrationOutcome{}, err
	}
	r.kick()
	return out, nil
}

// submit runs one attempt of a registration in a transaction.
func (r *Registrar) submit(ctx context.Context, sub submission) (RegistrationOutcome, error) {
	var out RegistrationOutcome
	err := r.inTx(ctx, func(tx txStores) error {
		existing, err := findByEmail(ctx, tx.Users(), sub.in.Email)
		if err != nil {
			return err
		}
		switch {
		case existing == nil:
			out, err = r.create(ctx, tx, sub)
		case existing.State == storage.UserPendingVerification:
			out, err = r.replace(ctx, tx, sub, *existing)
		default:
			out, err = r.duplicate(ctx, tx, sub, *existing)
		}
		return err
	})
	return out, err
}

// create stores a new user and sends what its state calls for.
func (r *Registrar) create(ctx context.Context, tx txStores, sub submission) (RegistrationOutcome, error) {
	if err := checkLoginFree(ctx, tx.Users(), sub.in.Login, ""); err != nil {
		return RegistrationOutcome{}, err
	}
	u := r.newUser(sub)
	if err := tx.Users().Create(ctx, &u); err != nil {
		return RegistrationOutcome{}, fmt.Errorf("account: create user: %w", err)
	}
	event := storage.AuditEvent{Type: EventRegistrationSubmitted, UserID: u.ID, IP: sub.rc.IP, Details: sub.details(u)}
	if err := r.audit(ctx, tx, event); err != nil {
		return RegistrationOutcome{}, err
	}
	return r.welcome(ctx, tx, sub, u)
}

// replace registers anew over an unconfirmed account: everything the
// earlier registration set, its password included, is replaced, its links
// voided and its sessions ended, so whoever registered it first keeps
// nothing (SECURITY 12).
func (r *Registrar) replace(ctx context.Context, tx txStores, sub submission, old storage.User) (RegistrationOutcome, error) {
	if err := checkLoginFree(ctx, tx.Users(), sub.in.Login, old.ID); err != nil {
		return RegistrationOutcome{}, err
	}
	if err := tx.OneTimeTokens().DeleteByUser(ctx, old.ID, ""); err != nil {
		return RegistrationOutcome{}, fmt.Errorf("account: void old links: %w", err)
	}
	if _, err := tx.Sessions().DeleteByUser(ctx, old.ID, ""); err != nil {
		return RegistrationOutcome{}, fmt.Errorf("account: end sessions: %w", err)
	}
	u := r.newUser(sub)
	u.ID, u.CreatedAt, u.UpdatedAt = old.ID, old.CreatedAt, old.UpdatedAt
	if err := tx.Users().Update(ctx, &u); err != nil {
		return RegistrationOutcome{}, fmt.Errorf("account: replace unconfirmed user: %w", err)
	}
	event := storage.AuditEvent{Type: EventRegistrationResubmitted, UserID: u.ID, IP: sub.rc.IP, Details: sub.details(u)}
	if err := r.audit(ctx, tx, event); err != nil {
		return RegistrationOutcome{}, err
	}
	r.svc.log.InfoContext(ctx, "unconfirmed registration replaced", logUser(u))
	return r.welcome(ctx, tx, sub, u)
}

// duplicate warns the owner of an address that has an account and
// answers as for a new registration.
func (r *Registrar) duplicate(ctx context.Context, tx txStores, sub submission, owner storage.User) (RegistrationOutcome, error) {
	if owner.Locale == "" {
		owner.Locale = r.locale(sub)
	}
	data := map[string]any{"Login": owner.Username, "Link": r.mailer.Link("/login", nil)}
	if err := r.send(ctx, tx, owner, LetterAlreadyRegistered, data); err != nil {
		return RegistrationOutcome{}, err
	}
	details := map[string]string{"state": string(owner.State)}
	event := storage.AuditEvent{Type: EventRegistrationDuplicate, UserID: owner.ID, IP: sub.rc.IP, Details: details}
	if err := r.audit(ctx, tx, event); err != nil {
		return RegistrationOutcome{}, err
	}
	out := RegistrationOutcome{Kind: OutcomeCheckMail, Email: sub.in.Email}
	if !sub.rs.NeedsLink() && sub.rs.Mode == ModeAudit {
		out.Kind = OutcomeAwaitingApproval
	}
	return out, nil
}

// welcome sends what a new or replaced user's state calls for and says
// what the caller learns.
func (r *Registrar) welcome(ctx context.Context, tx txStores, sub submission, u storage.User) (RegistrationOutcome, error) {
	out := RegistrationOutcome{Email: sub.in.Email}
	switch u.State {
	case storage.UserPendingVerification:
		out.Kind = OutcomeCheckMail
		return out, r.sendLink(ctx, tx, u, sub.rc.AuthRequestID)
	case storage.UserPendingApproval:
		out.Kind = OutcomeAwaitingApproval
		return out, r.send(ctx, tx, u, LetterAwaitingApproval, nil)
	}
	out.Kind, out.UserID = OutcomeActive, u.ID
	return out, nil
}

// newUser is the user a submission describes, in the state its shape and
// mode give it.
func (r *Registrar) newUser(sub submission) storage.User {
	now := storage.Time(r.svc.now())
	in := sub.in
	u := storage.User{
		Username: in.Login, Email: in.Email, PasswordHash: sub.hash,
		GivenName: in.GivenName, FamilyName: in.FamilyName, Company: in.Company, Country: in.Country,
		Locale: r.locale(sub), Role: storage.RoleUser, State: storage.UserActive, CreatedAt: now,
	}
	if in.AcceptTerms {
		u.TermsAcceptedAt = now
	}
	switch {
	case sub.rs.NeedsLink():
		u.State = storage.UserPendingVerification
	case sub.rs.Mode == ModeAudit:
		u.State = storage.UserPendingApproval
	}
	return u
}

// locale is the new user's language: the form's locale field, else the
// page's language when supported, else the default.
func (r *Registrar) locale(sub submission) string {
	if sub.in.Locale != "" {
		return sub.in.Locale
	}
	if slices.Contains(r.languages, sub.rc.Locale) {
		return sub.rc.Locale
	}
	return r.languages[0]
}

// details are the audit details of a registration: never the data itself.
func (sub submission) details(u storage.User) map[string]string {
	shape := "C"
	switch {
	case sub.rs.ProfileFirst():
		shape = "B"
	case sub.rs.VerifyEmail:
		shape = "A"
	}
	return map[string]string{"shape": shape, "mode": string(sub.rs.Mode), "state": string(u.State)}
}

// checkLoginFree returns a *RegistrationError (ErrTaken) when another user
// than selfID has login as their username.
func checkLoginFree(ctx context.Context, users storage.UserStore, login, selfID string) error {
	if login == "" {
		return nil
	}
	u, err := users.ByLogin(ctx, login)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("account: check login: %w", err)
	}
	if u.ID == selfID || storage.FoldCase(u.Username) != storage.FoldCase(login) {
		return nil
	}
	return &RegistrationError{Fields: []*FieldError{fieldError(FieldLogin, ErrTaken, "")}}
}
