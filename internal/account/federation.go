package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Federation errors. Test them with errors.Is.
var (
	// ErrFederatedSignupRefused: an unknown upstream identity may not
	// create a user here (closed mode, or the provider's allow_signup is
	// off). Known identities still sign in.
	ErrFederatedSignupRefused = errors.New("account: sign-up through this provider is not allowed")
	// ErrFederatedEmailTaken: a local account has the upstream's address
	// and SECURITY 47 does not allow linking it automatically: the user
	// signs in to it and links the provider from the account page.
	ErrFederatedEmailTaken = errors.New("account: a local account has this email address")
	// ErrFederatedNoEmail: the upstream gave no address to create a user
	// with.
	ErrFederatedNoEmail = errors.New("account: the provider gave no email address")
	// ErrIdentityTaken: the upstream identity is linked to another user.
	ErrIdentityTaken = errors.New("account: this identity is linked to another account")
	// ErrLastSignInMethod: unlinking would leave the account without any
	// way to sign in (no password and no other identity).
	ErrLastSignInMethod = errors.New("account: the last way to sign in cannot be removed")
)

// Audit event types of federation.
const (
	EventIdentityLinked     = "identity.linked"
	EventIdentityUnlinked   = "identity.unlinked"
	EventUserLoginFederated = "user.login_federated"
)

// FederatedIdentity is a verified upstream sign-in, as internal/federation
// hands it over.
type FederatedIdentity struct {
	Provider   string // the provider's id
	Subject    string
	Email      string
	GivenName  string
	FamilyName string
	// EmailVerified: the upstream says the address is verified AND the
	// provider has trust_email on. Only then is the address verified here.
	EmailVerified bool
	// AllowSignup is the provider's allow_signup.
	AllowSignup bool
	// Locale is the page's language, for a new user.
	Locale string
	// CaptchaSolved: the browser solved the registration captcha before it
	// went to the upstream (the sign-up page's flow).
	CaptchaSolved bool
	// Signup is what the person gave after the captcha on the page that
	// completes a sign-up; nil before. Without it an identity that would
	// create a user gets ErrFederatedSignupIncomplete unless
	// FederatedSignupReady.
	Signup *FederatedSignup
}

// FederatedKind says what a federated sign-in led to.
type FederatedKind string

// Federated sign-in outcomes.
const (
	// FederatedSignedIn: sign User in (amr fed).
	FederatedSignedIn FederatedKind = "signed_in"
	// FederatedAwaitingApproval: a new user in audit mode; an
	// administrator decides.
	FederatedAwaitingApproval FederatedKind = "awaiting_approval"
)

// FederatedOutcome is the result of SignInFederated.
type FederatedOutcome struct {
	Kind    FederatedKind
	User    storage.User
	Created bool // a new user was registered
}

// SignInFederated applies a verified upstream identity, keyed by
// (provider, subject) (SECURITY 46):
//
//   - a linked identity signs its user in, subject to the user's state
//     (ErrNotVerified, ErrPendingApproval, ErrBlocked, ErrRejected, with
//     the user);
//   - an unknown identity whose address belongs to a local account is
//     linked to it only when the address is verified on both sides and
//     the provider is trusted for email (SECURITY 47); an unconfirmed
//     local account with that verified address is taken over: its
//     password, links and sessions end (SECURITY 12). Otherwise
//     ErrFederatedEmailTaken;
//   - any other unknown identity registers a new user when the mode and
//     the provider allow it (ErrFederatedSignupRefused otherwise) and the
//     browser has passed the registration captcha and given the required
//     fields the upstream did not supply (ErrFederatedSignupIncomplete
//     before that; a *RegistrationError for wrong answers): active, or
//     pending_approval in audit mode with the awaiting-approval letter.
func (r *Registrar) SignInFederated(ctx context.Context, id FederatedIdentity, ip string) (FederatedOutcome, error) {
	if id.Provider == "" || id.Subject == "" {
		return FederatedOutcome{}, fmt.Errorf("account: federated sign-in without provider or subject: %w", ErrInvalid)
	}
	rs, err := r.Settings(ctx)
	if err != nil {
		return FederatedOutcome{}, err
	}
	var out FederatedOutcome
	for attempt := 1; ; attempt++ {
		err = r.store.InTx(ctx, func(tx storage.Tx) error {
			var err error
			out, err = r.federate(ctx, tx, rs, id, ip)
			return err
		})
		lostRace := errors.Is(err, storage.ErrAlreadyExists) || errors.Is(err, storage.ErrConflict)
		if !lostRace || attempt == maxRegisterAttempts {
			break
		}
	}
	if err != nil {
		return out, err
	}
	r.kick()
	if out.Kind == FederatedAwaitingApproval {
		return out, nil
	}
	return out, stateError(out.User.State)
}

// federate is one attempt of SignInFederated within tx.
func (r *Registrar) federate(ctx context.Context, tx storage.Tx, rs RegistrationSettings, id FederatedIdentity, ip string) (FederatedOutcome, error) {
	known, err := tx.Identities().ByProviderSubject(ctx, id.Provider, id.Subject)
	switch {
	case err == nil:
		return r.signInKnown(ctx, tx, known, ip)
	case !errors.Is(err, storage.ErrNotFound):
		return FederatedOutcome{}, fmt.Errorf("account: look up identity: %w", err)
	}
	if strings.TrimSpace(id.Email) == "" {
		return FederatedOutcome{}, ErrFederatedNoEmail
	}
	existing, err := findByEmail(ctx, tx.Users(), id.Email)
	if err != nil {
		return FederatedOutcome{}, err
	}
	if existing != nil {
		return r.federateExisting(ctx, tx, rs, *existing, id, ip)
	}
	if rs.Mode == ModeClosed || rs.Mode == ModeInvite || !id.AllowSignup {
		return FederatedOutcome{}, ErrFederatedSignupRefused
	}
	p, err := r.federatedProfile(rs, id)
	if err != nil {
		return FederatedOutcome{}, err
	}
	now := storage.Time(r.svc.now())
	u := storage.User{
		Email: strings.TrimSpace(id.Email), EmailVerified: id.EmailVerified,
		GivenName: p.GivenName, FamilyName: p.FamilyName, Company: p.Company, Country: p.Country,
		Locale: r.federatedLocale(id.Locale), Role: storage.RoleUser, State: newFederatedState(rs), CreatedAt: now,
	}
	if p.AcceptTerms {
		u.TermsAcceptedAt = now
	}
	if err := tx.Users().Create(ctx, &u); err != nil {
		return FederatedOutcome{}, fmt.Errorf("account: create federated user: %w", err)
	}
	details := map[string]string{"shape": "federated", "provider": id.Provider, "mode": string(rs.Mode), "state": string(u.State)}
	if err := r.audit(ctx, tx, storage.AuditEvent{Type: EventRegistrationSubmitted, UserID: u.ID, IP: ip, Details: details}); err != nil {
		return FederatedOutcome{}, err
	}
	return r.linkAndSignIn(ctx, tx, u, id, ip, true)
}

func newFederatedState(rs RegistrationSettings) storage.UserState {
	if rs.Mode == ModeAudit {
		return storage.UserPendingApproval
	}
	return storage.UserActive
}

func (r *Registrar) federatedLocale(lang string) string {
	for _, l := range r.languages {
		if l == lang {
			return l
		}
	}
	return r.languages[0]
}

// federateExisting handles an unknown identity whose address has a local
// account (SECURITY 47 and 12).
func (r *Registrar) federateExisting(ctx context.Context, tx storage.Tx, rs RegistrationSettings, u storage.User, id FederatedIdentity, ip string) (FederatedOutcome, error) {
	if !id.EmailVerified {
		return FederatedOutcome{}, ErrFederatedEmailTaken
	}
	switch {
	case u.State == storage.UserPendingVerification:
		// Pre-hijack: whoever registered the address without confirming
		// it keeps nothing.
		if err := tx.OneTimeTokens().DeleteByUser(ctx, u.ID, ""); err != nil {
			return FederatedOutcome{}, fmt.Errorf("account: void old links: %w", err)
		}
		if err := r.endEverything(ctx, tx, u.ID, ""); err != nil {
			return FederatedOutcome{}, err
		}
		u.PasswordHash, u.EmailVerified, u.State = "", true, newFederatedState(rs)
		u.GivenName, u.FamilyName = id.GivenName, id.FamilyName
		u.Username, u.Company, u.Country, u.TermsAcceptedAt = "", "", "", time.Time{}
		if err := tx.Users().Update(ctx, &u); err != nil {
			return FederatedOutcome{}, fmt.Errorf("account: take over unconfirmed user: %w", err)
		}
		r.svc.log.InfoContext(ctx, "unconfirmed account taken over by a federated sign-in", logUser(u))
		return r.linkAndSignIn(ctx, tx, u, id, ip, true)
	case u.EmailVerified:
		return r.linkAndSignIn(ctx, tx, u, id, ip, false)
	}
	return FederatedOutcome{}, ErrFederatedEmailTaken
}

// linkAndSignIn links id to u and signs u in (or leaves it pending).
func (r *Registrar) linkAndSignIn(ctx context.Context, tx storage.Tx, u storage.User, id FederatedIdentity, ip string, created bool) (FederatedOutcome, error) {
	ident := storage.Identity{UserID: u.ID, Provider: id.Provider, Subject: id.Subject, Email: id.Email}
	if err := r.createIdentity(ctx, tx, ident, ip, map[string]string{"via": "sign-in"}); err != nil {
		return FederatedOutcome{}, err
	}
	if u.State == storage.UserPendingApproval {
		if created {
			if err := r.send(ctx, tx, u, LetterAwaitingApproval, nil); err != nil {
				return FederatedOutcome{}, err
			}
		}
		return FederatedOutcome{Kind: FederatedAwaitingApproval, User: u, Created: created}, nil
	}
	known, err := tx.Identities().ByProviderSubject(ctx, id.Provider, id.Subject)
	if err != nil {
		return FederatedOutcome{}, fmt.Errorf("account: read new identity: %w", err)
	}
	out, err := r.signInKnown(ctx, tx, known, ip)
	out.Created = created
	return out, err
}

// signInKnown signs in the user of a linked identity, recording its use.
func (r *Registrar) signInKnown(ctx context.Context, tx storage.Tx, ident storage.Identity, ip string) (FederatedOutcome, error) {
	u, err := tx.Users().ByID(ctx, ident.UserID)
	if err != nil {
		return FederatedOutcome{}, fmt.Errorf("account: user of identity: %w", err)
	}
	if u.State != storage.UserActive {
		details := map[string]string{"reason": "state", "state": string(u.State), "method": "fed", "provider": ident.Provider}
		if err := r.audit(ctx, tx, storage.AuditEvent{Type: EventSignInFailure, UserID: u.ID, IP: ip, Details: details}); err != nil {
			return FederatedOutcome{}, err
		}
		return FederatedOutcome{Kind: FederatedSignedIn, User: u}, nil // the caller maps the state
	}
	if err := tx.Identities().Touch(ctx, ident.ID, r.svc.now()); err != nil {
		return FederatedOutcome{}, fmt.Errorf("account: touch identity: %w", err)
	}
	details := map[string]string{"provider": ident.Provider, "method": "fed"}
	if err := r.audit(ctx, tx, storage.AuditEvent{Type: EventUserLoginFederated, UserID: u.ID, IP: ip, Details: details}); err != nil {
		return FederatedOutcome{}, err
	}
	return FederatedOutcome{Kind: FederatedSignedIn, User: u}, nil
}

// createIdentity stores and audits a link.
func (r *Registrar) createIdentity(ctx context.Context, tx storage.Tx, ident storage.Identity, ip string, details map[string]string) error {
	ident.CreatedAt = r.svc.now()
	if err := tx.Identities().Create(ctx, &ident); err != nil {
		return fmt.Errorf("account: link identity: %w", err)
	}
	details["provider"] = ident.Provider
	e := storage.AuditEvent{Type: EventIdentityLinked, UserID: ident.UserID, ActorID: ident.UserID, IP: ip, Details: details}
	return r.audit(ctx, tx, e)
}
