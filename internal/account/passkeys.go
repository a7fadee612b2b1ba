package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// Letters and audit events of passkeys.
const (
	LetterPasskeyChanged = "passkey_changed" // Data: Change (added, renamed, removed), Passkey, ByAdmin
	EventPasskeyAdded    = "user.passkey_added"
	EventPasskeyRenamed  = "user.passkey_renamed"
	EventPasskeyRemoved  = "user.passkey_removed"
	EventPasskeyClone    = "signin.passkey_clone_suspected"
	EventPasskeyFailure  = "signin.passkey_failure"
)

// Ceremony purposes (storage.PasskeyChallenge.Purpose).
const (
	PasskeyRegister   = "register"
	PasskeySignIn     = "signin"
	PasskeySecondStep = "second_step"
)

// MaxPasskeyName bounds a passkey's name, in characters.
const MaxPasskeyName = 64

// Passkey errors.
var (
	// ErrPasskeyRefused: the ceremony's response is not acceptable
	// (unknown or spent challenge, another browser, another origin, a bad
	// signature, an unknown credential, a counter that went backwards).
	ErrPasskeyRefused = errors.New("account: passkey refused")
	// ErrPasskeyNameInvalid: the name is empty or too long.
	ErrPasskeyNameInvalid = errors.New("account: passkey name invalid")
)

// PasskeyStore is what Passkeys needs of the database.
type PasskeyStore interface {
	InTx(ctx context.Context, fn func(tx storage.Tx) error) error
	Passkeys() storage.PasskeyStore
	Users() storage.UserStore
	Audit() storage.AuditStore
}

// Passkeys applies the passkey rules: registration and sign-in ceremonies
// (challenges single-use, bound to the browser, 5 minutes, kept in the
// database), the signature counter, renaming and removal with letters and
// audit. It is safe for concurrent use.
type Passkeys struct {
	reg   *Registrar
	store PasskeyStore
	rp    *webauthn.WebAuthn
}

// NewPasskeys returns the rules for the relying party of issuer.
func NewPasskeys(reg *Registrar, store PasskeyStore, issuer, instanceName string) (*Passkeys, error) {
	if reg == nil || store == nil {
		return nil, errors.New("account: NewPasskeys needs a Registrar and a store")
	}
	rp, err := mfa.RelyingParty(issuer, instanceName)
	if err != nil {
		return nil, err
	}
	return &Passkeys{reg: reg, store: store, rp: rp}, nil
}

// List returns the user's passkeys, oldest first.
func (p *Passkeys) List(ctx context.Context, userID string) ([]storage.Passkey, error) {
	list, err := p.store.Passkeys().ListByUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("account: list passkeys: %w", err)
	}
	return list, nil
}

// Count counts the user's passkeys.
func (p *Passkeys) Count(ctx context.Context, userID string) (int, error) {
	n, err := p.store.Passkeys().CountByUser(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("account: count passkeys: %w", err)
	}
	return n, nil
}

// passkeyUser is u with its credentials, for the library.
func (p *Passkeys) passkeyUser(ctx context.Context, u storage.User) (mfa.PasskeyUser, []storage.Passkey, error) {
	list, err := p.List(ctx, u.ID)
	if err != nil {
		return mfa.PasskeyUser{}, nil, err
	}
	name := u.Email
	if u.Username != "" {
		name = u.Username
	}
	display := strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	if display == "" {
		display = name
	}
	pu := mfa.PasskeyUser{ID: u.ID, Name: name, DisplayName: display}
	for _, pk := range list {
		var cred webauthn.Credential
		if err := json.Unmarshal(pk.Credential, &cred); err != nil {
			return mfa.PasskeyUser{}, nil, fmt.Errorf("account: passkey %s record: %w", pk.ID, err)
		}
		pu.Credentials = append(pu.Credentials, cred)
	}
	return pu, list, nil
}

// challengeID is how a challenge is stored: its SHA-256, never itself.
func challengeID(challenge string) string {
	sum := sha256.Sum256([]byte(challenge))
	return hex.EncodeToString(sum[:])
}

// saveCeremony stores the library's ceremony state under its challenge.
func (p *Passkeys) saveCeremony(ctx context.Context, purpose, userID string, browserHash []byte, sd *webauthn.SessionData) error {
	if len(browserHash) == 0 {
		return fmt.Errorf("account: passkey ceremony without a browser binding: %w", ErrPasskeyRefused)
	}
	raw, err := json.Marshal(sd)
	if err != nil {
		return fmt.Errorf("account: passkey ceremony state: %w", err)
	}
	ch := storage.PasskeyChallenge{
		ID: challengeID(sd.Challenge), Purpose: purpose, UserID: userID, BrowserHash: browserHash,
		Session: raw, ExpiresAt: p.reg.svc.now().Add(mfa.PasskeyChallengeLifetime),
	}
	if err := p.store.Passkeys().SaveChallenge(ctx, ch); err != nil {
		return fmt.Errorf("account: save passkey challenge: %w", err)
	}
	return nil
}

// takeCeremony spends the challenge the response answers: it must be
// live, of this purpose and this browser.
func (p *Passkeys) takeCeremony(ctx context.Context, challenge, purpose string, browserHash []byte) (storage.PasskeyChallenge, webauthn.SessionData, error) {
	ch, err := p.store.Passkeys().TakeChallenge(ctx, challengeID(challenge), purpose, browserHash, p.reg.svc.now())
	if errors.Is(err, storage.ErrNotFound) {
		return ch, webauthn.SessionData{}, fmt.Errorf("account: passkey challenge unknown, spent, expired or another browser's: %w", ErrPasskeyRefused)
	}
	if err != nil {
		return ch, webauthn.SessionData{}, fmt.Errorf("account: take passkey challenge: %w", err)
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(ch.Session, &sd); err != nil {
		return ch, sd, fmt.Errorf("account: passkey ceremony state: %w", err)
	}
	return ch, sd, nil
}

// BeginRegistration returns the options (JSON) for adding a passkey to u:
// a discoverable credential, user verification preferred, the user's
// passkeys excluded.
func (p *Passkeys) BeginRegistration(ctx context.Context, u storage.User, browserHash []byte) ([]byte, error) {
	pu, _, err := p.passkeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(pu.Credentials))
	for _, c := range pu.Credentials {
		exclude = append(exclude, c.Descriptor())
	}
	opts, sd, err := p.rp.BeginRegistration(pu, webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired))
	if err != nil {
		return nil, fmt.Errorf("account: begin passkey registration: %w", err)
	}
	if err := p.saveCeremony(ctx, PasskeyRegister, u.ID, browserHash, sd); err != nil {
		return nil, err
	}
	return json.Marshal(opts)
}

// FinishRegistration checks the browser's answer to BeginRegistration and
// stores the passkey under name; audited and mailed.
func (p *Passkeys) FinishRegistration(ctx context.Context, u storage.User, browserHash []byte, name string, response []byte, ip string) (storage.Passkey, error) {
	name, err := cleanPasskeyName(name)
	if err != nil {
		return storage.Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return storage.Passkey{}, fmt.Errorf("account: parse passkey registration: %w: %w", ErrPasskeyRefused, err)
	}
	ch, sd, err := p.takeCeremony(ctx, parsed.Response.CollectedClientData.Challenge, PasskeyRegister, browserHash)
	if err != nil {
		return storage.Passkey{}, err
	}
	if ch.UserID != u.ID {
		return storage.Passkey{}, fmt.Errorf("account: passkey registration of another user: %w", ErrPasskeyRefused)
	}
	pu, _, err := p.passkeyUser(ctx, u)
	if err != nil {
		return storage.Passkey{}, err
	}
	cred, err := p.rp.CreateCredential(pu, sd, parsed)
	if err != nil {
		return storage.Passkey{}, fmt.Errorf("account: passkey registration: %w: %w", ErrPasskeyRefused, err)
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return storage.Passkey{}, fmt.Errorf("account: passkey record: %w", err)
	}
	pk := storage.Passkey{
		UserID: u.ID, CredentialID: cred.ID, Name: name, Credential: raw,
		SignCount: int64(cred.Authenticator.SignCount), Synced: cred.Flags.BackupEligible, CreatedAt: p.reg.svc.now(),
	}
	err = p.store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.Passkeys().Create(ctx, &pk); err != nil {
			if errors.Is(err, storage.ErrAlreadyExists) {
				return fmt.Errorf("account: passkey registered already: %w", ErrPasskeyRefused)
			}
			return fmt.Errorf("account: store passkey: %w", err)
		}
		return p.announce(ctx, tx, u.ID, u.ID, ip, EventPasskeyAdded, "added", pk.Name)
	})
	if err != nil {
		return storage.Passkey{}, err
	}
	p.reg.kick()
	return pk, nil
}

// cleanPasskeyName trims name and checks its length.
func cleanPasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxPasskeyName || strings.ContainsAny(name, "\r\n") {
		return "", ErrPasskeyNameInvalid
	}
	return name, nil
}

// BeginSignIn returns the options (JSON) of a sign-in ceremony: for
// PasskeySignIn any discoverable passkey (no user known yet); for
// PasskeySecondStep the passkeys of userID.
func (p *Passkeys) BeginSignIn(ctx context.Context, purpose, userID string, browserHash []byte) ([]byte, error) {
	var (
		opts *protocol.CredentialAssertion
		sd   *webauthn.SessionData
		err  error
	)
	switch purpose {
	case PasskeySignIn:
		opts, sd, err = p.rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
		userID = ""
	case PasskeySecondStep:
		u, uerr := p.store.Users().ByID(ctx, userID)
		if uerr != nil {
			return nil, fmt.Errorf("account: read user: %w", uerr)
		}
		pu, _, perr := p.passkeyUser(ctx, u)
		if perr != nil {
			return nil, perr
		}
		if len(pu.Credentials) == 0 {
			return nil, fmt.Errorf("account: user has no passkey: %w", ErrPasskeyRefused)
		}
		opts, sd, err = p.rp.BeginLogin(pu, webauthn.WithUserVerification(protocol.VerificationPreferred))
	default:
		return nil, fmt.Errorf("account: unknown passkey ceremony %q", purpose)
	}
	if err != nil {
		return nil, fmt.Errorf("account: begin passkey sign-in: %w", err)
	}
	if err := p.saveCeremony(ctx, purpose, userID, browserHash, sd); err != nil {
		return nil, err
	}
	return json.Marshal(opts)
}

// PasskeySignInResult is a passkey accepted at sign-in.
type PasskeySignInResult struct {
	User    storage.User
	Passkey storage.Passkey
	// AMR are the methods the passkey proves (mfa.PasskeyMethods).
	AMR []string
}

// FinishSignIn checks the browser's answer to BeginSignIn: the challenge
// (live, this purpose, this browser, spent now), the origin and RP ID,
// the signature and the counter (one that does not move forward is
// refused and audited as a possible clone). For PasskeySecondStep the
// passkey must be userID's. A user who may not sign in gets the state's
// error (ErrBlocked...) with the user, as Authenticate does.
func (p *Passkeys) FinishSignIn(ctx context.Context, purpose, userID string, browserHash, response []byte, ip string) (PasskeySignInResult, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return PasskeySignInResult{}, p.signInFailed(ctx, "", ip, "malformed", fmt.Errorf("account: parse passkey assertion: %w: %w", ErrPasskeyRefused, err))
	}
	ch, sd, err := p.takeCeremony(ctx, parsed.Response.CollectedClientData.Challenge, purpose, browserHash)
	if err != nil {
		if errors.Is(err, ErrPasskeyRefused) {
			return PasskeySignInResult{}, p.signInFailed(ctx, "", ip, "challenge", err)
		}
		return PasskeySignInResult{}, err
	}
	pk, err := p.store.Passkeys().ByCredentialID(ctx, parsed.RawID)
	if errors.Is(err, storage.ErrNotFound) {
		return PasskeySignInResult{}, p.signInFailed(ctx, "", ip, "unknown_credential", fmt.Errorf("account: unknown passkey: %w", ErrPasskeyRefused))
	}
	if err != nil {
		return PasskeySignInResult{}, fmt.Errorf("account: read passkey: %w", err)
	}
	if ch.UserID != "" && ch.UserID != pk.UserID || purpose == PasskeySecondStep && pk.UserID != userID {
		return PasskeySignInResult{}, p.signInFailed(ctx, pk.UserID, ip, "other_user", fmt.Errorf("account: passkey of another user: %w", ErrPasskeyRefused))
	}
	u, err := p.store.Users().ByID(ctx, pk.UserID)
	if err != nil {
		return PasskeySignInResult{}, fmt.Errorf("account: read user: %w", err)
	}
	pu, _, err := p.passkeyUser(ctx, u)
	if err != nil {
		return PasskeySignInResult{}, err
	}
	var cred *webauthn.Credential
	if purpose == PasskeySignIn {
		_, cred, err = p.rp.ValidatePasskeyLogin(func(_, handle []byte) (webauthn.User, error) {
			if string(handle) != u.ID {
				return nil, errors.New("user handle names another user")
			}
			return pu, nil
		}, sd, parsed)
	} else {
		cred, err = p.rp.ValidateLogin(pu, sd, parsed)
	}
	if err != nil {
		return PasskeySignInResult{}, p.signInFailed(ctx, u.ID, ip, "assertion", fmt.Errorf("account: passkey assertion: %w: %w", ErrPasskeyRefused, err))
	}
	if err := mfa.CheckCounter(uint32(pk.SignCount), parsed.Response.AuthenticatorData.Counter); err != nil {
		return PasskeySignInResult{}, p.cloneSuspected(ctx, u.ID, pk, parsed.Response.AuthenticatorData.Counter, ip)
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return PasskeySignInResult{}, fmt.Errorf("account: passkey record: %w", err)
	}
	err = p.store.Passkeys().RecordUse(ctx, pk.ID, int64(parsed.Response.AuthenticatorData.Counter), raw, p.reg.svc.now())
	if errors.Is(err, storage.ErrConflict) {
		return PasskeySignInResult{}, p.cloneSuspected(ctx, u.ID, pk, parsed.Response.AuthenticatorData.Counter, ip)
	}
	if err != nil {
		return PasskeySignInResult{}, fmt.Errorf("account: record passkey use: %w", err)
	}
	if err := stateError(u.State); err != nil {
		return PasskeySignInResult{User: u}, p.reg.svc.wrongState(ctx, &u, ip, err)
	}
	res := PasskeySignInResult{User: u, Passkey: pk,
		AMR: mfa.PasskeyMethods(pk.Synced, parsed.Response.AuthenticatorData.Flags.HasUserVerified())}
	event := EventSignInSuccess
	if purpose == PasskeySecondStep {
		event = EventMFAVerified
	}
	if err := p.reg.svc.audit(ctx, event, u.ID, ip, map[string]string{"method": "passkey", "passkey_id": pk.ID}); err != nil {
		return PasskeySignInResult{}, err
	}
	return res, nil
}

// signInFailed audits a refused assertion and returns err.
func (p *Passkeys) signInFailed(ctx context.Context, userID, ip, reason string, err error) error {
	if aerr := p.reg.svc.audit(ctx, EventPasskeyFailure, userID, ip, map[string]string{"reason": reason}); aerr != nil {
		return aerr
	}
	return err
}

// cloneSuspected audits a counter that did not move forward.
func (p *Passkeys) cloneSuspected(ctx context.Context, userID string, pk storage.Passkey, got uint32, ip string) error {
	details := map[string]string{"passkey_id": pk.ID, "stored_count": fmt.Sprint(pk.SignCount), "presented_count": fmt.Sprint(got)}
	if err := p.reg.svc.audit(ctx, EventPasskeyClone, userID, ip, details); err != nil {
		return err
	}
	return fmt.Errorf("account: %w: %w", ErrPasskeyRefused, mfa.ErrCounterRegressed)
}

// Rename renames the user's passkey; audited and mailed. ErrNotFound
// (wrapped) when the user has no such passkey.
func (p *Passkeys) Rename(ctx context.Context, userID, id, name, ip string) error {
	name, err := cleanPasskeyName(name)
	if err != nil {
		return err
	}
	err = p.store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.Passkeys().Rename(ctx, userID, id, name); err != nil {
			return fmt.Errorf("account: rename passkey: %w", err)
		}
		return p.announce(ctx, tx, userID, userID, ip, EventPasskeyRenamed, "renamed", name)
	})
	if err != nil {
		return err
	}
	p.reg.kick()
	return nil
}

// Remove deletes the user's passkey, by the user (actorID == userID) or an
// administrator; audited with the actor and mailed. A user with no
// password whose last passkey this is keeps it (ErrLastSignInMethod).
func (p *Passkeys) Remove(ctx context.Context, userID, id, actorID, ip string) error {
	err := p.store.InTx(ctx, func(tx storage.Tx) error {
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user: %w", err)
		}
		list, err := tx.Passkeys().ListByUser(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: list passkeys: %w", err)
		}
		var name string
		for _, pk := range list {
			if pk.ID == id {
				name = pk.Name
			}
		}
		if name == "" {
			return fmt.Errorf("account: remove passkey: %w", storage.ErrNotFound)
		}
		if u.PasswordHash == "" && len(list) == 1 {
			ids, err := tx.Identities().ListByUser(ctx, userID)
			if err != nil {
				return fmt.Errorf("account: list identities: %w", err)
			}
			if len(ids) == 0 {
				return ErrLastSignInMethod
			}
		}
		if err := tx.Passkeys().Delete(ctx, userID, id); err != nil {
			return fmt.Errorf("account: remove passkey: %w", err)
		}
		return p.announce(ctx, tx, userID, actorID, ip, EventPasskeyRemoved, "removed", name)
	})
	if err != nil {
		return err
	}
	p.reg.kick()
	return nil
}

// announce audits a change and mails the user within tx.
func (p *Passkeys) announce(ctx context.Context, tx storage.Tx, userID, actorID, ip, event, change, name string) error {
	u, err := tx.Users().ByID(ctx, userID)
	if err != nil {
		return fmt.Errorf("account: read user: %w", err)
	}
	e := storage.AuditEvent{Type: event, ActorID: actorID, UserID: userID, IP: ip, Details: map[string]string{"passkey": name}}
	if err := p.reg.audit(ctx, tx, e); err != nil {
		return err
	}
	return p.reg.send(ctx, tx, u, LetterPasskeyChanged, map[string]any{"Change": change, "Passkey": name, "ByAdmin": actorID != userID})
}
