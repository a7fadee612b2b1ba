package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/gatehouse/gatehouse/storage"
)

// Link tokens: 32 random bytes (256 bits), base64url without padding. The
// store keeps their SHA-256 only.
const (
	linkTokenBytes = 32
	linkTokenLen   = 43
	maxLinkParam   = 256 // bound on an authRequestID carried in a link
)

// Link errors say why a confirmation or activation link does not work.
// Each wraps ErrLinkInvalid.
var (
	ErrLinkInvalid = errors.New("account: link not valid")
	ErrLinkUnknown = fmt.Errorf("%w: unknown or replaced by a newer one", ErrLinkInvalid)
	ErrLinkExpired = fmt.Errorf("%w: expired", ErrLinkInvalid)
	ErrLinkUsed    = fmt.Errorf("%w: already used", ErrLinkInvalid)
)

// LinkState is what PeekLink found.
type LinkState string

// Link states.
const (
	LinkValid   LinkState = "valid"
	LinkExpired LinkState = "expired"
	LinkUsed    LinkState = "used" // or the address is already confirmed
	LinkUnknown LinkState = "unknown"
)

// LinkInfo describes a link without using it.
type LinkInfo struct {
	State LinkState
	Email string // the address the link was sent to; empty when unknown
	// PasswordRequired: confirming needs the password chosen at
	// registration (a valid verify_email link of a user who has one).
	PasswordRequired bool
}

// Confirmation is the result of following a link.
type Confirmation struct {
	UserID string
	Email  string
	// State is active, or pending_approval in audit mode.
	State storage.UserState
	// PasswordVerified: the user's password was checked (ConfirmEmail in
	// shape A), so the caller may sign them in at once.
	PasswordVerified bool
}

// newLinkToken returns a fresh token and the hash the store keeps.
func newLinkToken() (string, []byte) {
	b := make([]byte, linkTokenBytes)
	_, _ = rand.Read(b) // never fails: crypto/rand aborts the program instead
	token := base64.RawURLEncoding.EncodeToString(b)
	return token, hashSecret(token)
}

// linkTokenHash returns the stored form of token, or false when token
// cannot be one of ours (then no store is asked).
func linkTokenHash(token string) ([]byte, bool) {
	if len(token) != linkTokenLen {
		return nil, false
	}
	if _, err := base64.RawURLEncoding.DecodeString(token); err != nil {
		return nil, false
	}
	sum := sha256.Sum256([]byte(token))
	return sum[:], true
}

// linkPurpose is the purpose of the link sent to u: activate (set a
// password) when u has none, else verify_email.
func linkPurpose(u storage.User) (purpose, path, letter string) {
	if u.PasswordHash == "" {
		return storage.PurposeActivate, PathActivate, LetterActivate
	}
	return storage.PurposeVerifyEmail, PathVerify, LetterVerifyEmail
}

// sendLink issues a new link for u, which voids the older ones of its
// purpose, and queues the letter that carries it.
func (r *Registrar) sendLink(ctx context.Context, tx txStores, u storage.User, authRequestID string) error {
	purpose, path, letter := linkPurpose(u)
	token, hash := newLinkToken()
	now := storage.Time(r.svc.now())
	t := storage.OneTimeToken{
		UserID: u.ID, Purpose: purpose, TokenHash: hash, Email: u.Email,
		CreatedAt: now, ExpiresAt: now.Add(r.lifetime),
	}
	if err := tx.OneTimeTokens().Issue(ctx, &t); err != nil {
		return fmt.Errorf("account: issue %s link: %w", purpose, err)
	}
	q := url.Values{LinkTokenParam: {token}}
	if authRequestID != "" && len(authRequestID) <= maxLinkParam {
		q.Set(LinkAuthRequestParam, authRequestID)
	}
	data := map[string]any{"Link": r.mailer.Link(path, q), "ExpiresAt": t.ExpiresAt}
	return r.send(ctx, tx, u, letter, data)
}

// PeekLink says whether a link of purpose (storage.PurposeVerifyEmail or
// storage.PurposeActivate) works, without using it: the page a GET shows,
// since mail scanners fetch links.
func (r *Registrar) PeekLink(ctx context.Context, purpose, token string) (LinkInfo, error) {
	hash, ok := linkTokenHash(token)
	if !ok {
		return LinkInfo{State: LinkUnknown}, nil
	}
	t, err := r.store.OneTimeTokens().Peek(ctx, purpose, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return LinkInfo{State: LinkUnknown}, nil
	}
	if err != nil {
		return LinkInfo{}, fmt.Errorf("account: read link: %w", err)
	}
	state, u, err := r.linkState(ctx, r.store.Users(), t)
	if err != nil {
		return LinkInfo{}, err
	}
	info := LinkInfo{State: state, Email: t.Email}
	info.PasswordRequired = state == LinkValid && purpose == storage.PurposeVerifyEmail && u.PasswordHash != ""
	return info, nil
}

// linkState says whether the stored token t can still be used, and
// returns its user when it can.
func (r *Registrar) linkState(ctx context.Context, users storage.UserStore, t storage.OneTimeToken) (LinkState, storage.User, error) {
	switch {
	case !t.UsedAt.IsZero():
		return LinkUsed, storage.User{}, nil
	case !r.svc.now().Before(t.ExpiresAt):
		return LinkExpired, storage.User{}, nil
	}
	u, err := users.ByID(ctx, t.UserID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return LinkUnknown, storage.User{}, nil
	case err != nil:
		return "", storage.User{}, fmt.Errorf("account: read link user: %w", err)
	case storage.FoldCase(u.Email) != storage.FoldCase(t.Email):
		return LinkUnknown, storage.User{}, nil
	case u.State != storage.UserPendingVerification:
		return LinkUsed, storage.User{}, nil
	}
	return LinkValid, u, nil
}

// linkError explains why Consume refused the token with hash.
func (r *Registrar) linkError(ctx context.Context, tx txStores, purpose string, hash []byte, err error) error {
	switch {
	case errors.Is(err, storage.ErrConflict):
		return ErrLinkUsed
	case !errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("account: use link: %w", err)
	}
	t, perr := tx.OneTimeTokens().Peek(ctx, purpose, hash)
	switch {
	case errors.Is(perr, storage.ErrNotFound):
		return ErrLinkUnknown
	case perr != nil:
		return fmt.Errorf("account: read link: %w", perr)
	case !t.UsedAt.IsZero():
		return ErrLinkUsed
	}
	return ErrLinkExpired
}

// ConfirmEmail uses a verify_email link (the POST behind the page's
// Confirm button; a GET only peeks): atomically, once. The address is
// marked verified and the user becomes active, or pending_approval in
// audit mode (with an awaiting_approval letter). A link that does not work
// is an error wrapping ErrLinkInvalid (ErrLinkUnknown, ErrLinkExpired,
// ErrLinkUsed).
//
// When the user chose a password at registration (shape A), password
// must be it (SECURITY 12, pre-hijack: whoever registered someone else's
// address cannot have the owner confirm an account whose password the
// registrant knows). The check counts toward the account's and the
// address's sign-in throttle, as Authenticate does: a wrong password is
// ErrInvalidCredentials, too many failures a *ThrottledError, and neither
// uses the link. A user without a password (never the case for a
// verify_email link today) is confirmed without one.
func (r *Registrar) ConfirmEmail(ctx context.Context, token, password, ip string) (Confirmation, error) {
	hash, ok := linkTokenHash(token)
	if !ok {
		return Confirmation{}, ErrLinkUnknown
	}
	u, err := r.peekLinkUser(ctx, storage.PurposeVerifyEmail, hash)
	if err != nil {
		return Confirmation{}, err
	}
	if u.PasswordHash == "" {
		return r.confirm(ctx, storage.PurposeVerifyEmail, token, ip, "", "")
	}
	acctK, err := r.checkRegistrantPassword(ctx, &u, password, ip)
	if err != nil {
		return Confirmation{}, err
	}
	conf, err := r.confirm(ctx, storage.PurposeVerifyEmail, token, ip, "", u.PasswordHash)
	if err != nil {
		return Confirmation{}, err
	}
	conf.PasswordVerified = true
	if err := r.svc.stores.Throttles().Reset(ctx, acctK); err != nil {
		r.svc.log.WarnContext(ctx, "reset sign-in throttle after confirmation", logUser(u), slog.Any("error", err))
	}
	return conf, nil
}

// peekLinkUser returns the user of the link with hash, or the link error
// that says why the link does not work. It uses nothing.
func (r *Registrar) peekLinkUser(ctx context.Context, purpose string, hash []byte) (storage.User, error) {
	t, err := r.store.OneTimeTokens().Peek(ctx, purpose, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, ErrLinkUnknown
	}
	if err != nil {
		return storage.User{}, fmt.Errorf("account: read link: %w", err)
	}
	state, u, err := r.linkState(ctx, r.store.Users(), t)
	switch {
	case err != nil:
		return storage.User{}, err
	case state == LinkExpired:
		return storage.User{}, ErrLinkExpired
	case state == LinkUsed:
		return storage.User{}, ErrLinkUsed
	case state != LinkValid:
		return storage.User{}, ErrLinkUnknown
	}
	return u, nil
}

// checkRegistrantPassword verifies the password u chose at registration
// under the sign-in throttles (the client address, then the account, whose
// attempt holds an in-flight slot during the slow verification so parallel
// requests cannot exceed the limit). It returns the account's throttle key.
func (r *Registrar) checkRegistrantPassword(ctx context.Context, u *storage.User, password, ip string) (string, error) {
	s := r.svc
	ipK := ipKey(ip)
	if err := s.checkThrottle(ctx, ipK, "ip", s.throttle.PerIP); err != nil {
		return "", s.refused(ctx, err, ip)
	}
	acctK := accountKey(u, "")
	a, err := s.beginAttempt(ctx, acctK)
	if err != nil {
		return "", s.refused(ctx, err, ip)
	}
	ok, err := s.checkPassword(ctx, u, password)
	if err != nil {
		a.release(ctx)
		return "", err
	}
	if !ok {
		return "", s.failed(ctx, a, u, ip, ipK)
	}
	a.release(ctx) // the caller forgets the failures once its change is done
	return acctK, nil
}

// SetInitialPassword uses an activate link (shape B): the password is
// checked (a *RegistrationError for password and password_confirm), then,
// atomically and once, set, the address marked verified and the user made
// active or pending_approval, as ConfirmEmail does.
func (r *Registrar) SetInitialPassword(ctx context.Context, token, password, passwordConfirm, ip string) (Confirmation, error) {
	rs, err := r.Settings(ctx)
	if err != nil {
		return Confirmation{}, err
	}
	who, err := r.linkIdentity(ctx, storage.PurposeActivate, token)
	if err != nil {
		return Confirmation{}, err
	}
	if err := checkNewPassword(rs, who, password, passwordConfirm); err != nil {
		return Confirmation{}, err
	}
	if _, ok := linkTokenHash(token); !ok {
		return Confirmation{}, ErrLinkUnknown
	}
	hash, err := r.svc.hasher.Hash(ctx, password)
	if err != nil {
		return Confirmation{}, fmt.Errorf("account: hash password: %w", err)
	}
	return r.confirm(ctx, storage.PurposeActivate, token, ip, hash, "")
}

// linkIdentity returns the login and email of the user a usable link
// belongs to, for the password policy; empty when the link is not usable
// (confirm then refuses it).
func (r *Registrar) linkIdentity(ctx context.Context, purpose, token string) (RegistrationInput, error) {
	hash, ok := linkTokenHash(token)
	if !ok {
		return RegistrationInput{}, nil
	}
	t, err := r.store.OneTimeTokens().Peek(ctx, purpose, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return RegistrationInput{}, nil
	}
	if err != nil {
		return RegistrationInput{}, fmt.Errorf("account: read link: %w", err)
	}
	state, u, err := r.linkState(ctx, r.store.Users(), t)
	if err != nil || state != LinkValid {
		return RegistrationInput{}, err
	}
	return RegistrationInput{Login: u.Username, Email: u.Email}, nil
}

// checkNewPassword applies the password policy of rs to a new password
// and its confirmation; who holds the user's login and email.
func checkNewPassword(rs RegistrationSettings, who RegistrationInput, password, confirm string) error {
	only := RegistrationSettings{
		Fields:       []RegistrationField{{Name: FieldPassword}, {Name: FieldPasswordConfirm}},
		Password:     rs.Password,
		InstanceName: rs.InstanceName,
	}
	who.Password, who.PasswordConfirm = password, confirm
	var errs []*FieldError
	for _, f := range only.Fields {
		if fe := checkRegistrationField(only, f, who, nil); fe != nil {
			errs = append(errs, fe)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &RegistrationError{Fields: errs}
}
