package account

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/storage"
)

// Field limits.
const (
	MaxEmailBytes    = 254 // RFC 5321 path limit
	MinUsernameRunes = 3
	MaxUsernameRunes = 64
	MaxNameRunes     = 100
)

// EventUserCreate is the audit event type written by CreateUser.
const EventUserCreate = "user.create"

// NewUser is what CreateUser needs. Surrounding spaces are trimmed from
// every field but the password.
type NewUser struct {
	Email      string
	Username   string // optional
	Password   string // optional: without one the user signs in after a reset
	GivenName  string
	FamilyName string
	Admin      bool
}

// CreateUser creates an active user with a verified email address, as an
// administrator does from the CLI. It returns a *FieldError (ErrInvalid)
// for bad input and a *DuplicateError (storage.ErrAlreadyExists) naming
// the email or username that is taken.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (storage.User, error) {
	nu = nu.trimmed()
	if err := nu.validate(); err != nil {
		return storage.User{}, err
	}
	if nu.Password != "" {
		policy, err := s.PasswordPolicy(ctx)
		if err != nil {
			return storage.User{}, err
		}
		who := PolicyContext{Login: nu.Username, Email: nu.Email, InstanceName: s.instance}
		if err := policy.Check(nu.Password, who); err != nil {
			return storage.User{}, err
		}
	}
	if err := s.checkUnique(ctx, nu.Email, nu.Username); err != nil {
		return storage.User{}, err
	}
	hash := "" // no password: the user sets one through a reset link
	if nu.Password != "" {
		var err error
		if hash, err = s.hasher.Hash(ctx, nu.Password); err != nil {
			return storage.User{}, err
		}
	}
	u := storage.User{
		Username: nu.Username, Email: nu.Email, EmailVerified: true, PasswordHash: hash,
		GivenName: nu.GivenName, FamilyName: nu.FamilyName,
		Role: storage.RoleUser, State: storage.UserActive, CreatedAt: s.now(),
	}
	if nu.Admin {
		u.Role = storage.RoleAdmin
	}
	if err := s.stores.Users().Create(ctx, &u); err != nil {
		return storage.User{}, s.createError(ctx, nu, err)
	}
	details := map[string]string{"role": string(u.Role), "via": "create"}
	if err := s.audit(ctx, EventUserCreate, u.ID, "", details); err != nil {
		return storage.User{}, err
	}
	return u, nil
}

// ListUsers returns one page of users, oldest first. The users carry
// their PasswordHash: never show it to anyone.
func (s *Service) ListUsers(ctx context.Context, f storage.UserFilter) (storage.Page[storage.User], error) {
	page, err := s.stores.Users().List(ctx, f)
	if err != nil {
		return storage.Page[storage.User]{}, fmt.Errorf("account: list users: %w", err)
	}
	return page, nil
}

// checkUnique returns a *DuplicateError when the email or username is
// already taken under storage.FoldCase.
func (s *Service) checkUnique(ctx context.Context, email, username string) error {
	for _, c := range []struct{ field, value string }{{FieldEmail, email}, {FieldUsername, username}} {
		if c.value == "" {
			continue
		}
		taken, err := s.taken(ctx, c.field, c.value)
		if err != nil {
			return err
		}
		if taken {
			return &DuplicateError{Field: c.field}
		}
	}
	return nil
}

// taken reports whether another user has value as its email or username.
func (s *Service) taken(ctx context.Context, field, value string) (bool, error) {
	u, err := s.stores.Users().ByLogin(ctx, value)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("account: check %s: %w", field, err)
	}
	key := storage.FoldCase(value)
	if field == FieldEmail {
		return storage.FoldCase(u.Email) == key, nil
	}
	return storage.FoldCase(u.Username) == key, nil
}

// createError names the taken field when Create lost a race to another
// writer.
func (s *Service) createError(ctx context.Context, nu NewUser, err error) error {
	if !errors.Is(err, storage.ErrAlreadyExists) {
		return fmt.Errorf("account: create user: %w", err)
	}
	if dup := s.checkUnique(ctx, nu.Email, nu.Username); dup != nil {
		return dup
	}
	return &DuplicateError{}
}

func (nu NewUser) trimmed() NewUser {
	nu.Email = strings.TrimSpace(nu.Email)
	nu.Username = strings.TrimSpace(nu.Username)
	nu.GivenName = strings.TrimSpace(nu.GivenName)
	nu.FamilyName = strings.TrimSpace(nu.FamilyName)
	return nu
}

func (nu NewUser) validate() error {
	if err := CheckEmail(nu.Email); err != nil {
		return err
	}
	if nu.Username != "" {
		if err := CheckUsername(nu.Username); err != nil {
			return err
		}
	}
	if err := checkName(FieldGivenName, nu.GivenName); err != nil {
		return err
	}
	if err := checkName(FieldFamilyName, nu.FamilyName); err != nil {
		return err
	}
	return nil
}

// CheckEmail accepts a bare address (no display name, comment or angle
// brackets) of at most 254 bytes, without control characters.
func CheckEmail(email string) error {
	switch {
	case email == "":
		return fieldError(FieldEmail, ErrRequired, "")
	case len(email) > MaxEmailBytes:
		return fieldError(FieldEmail, ErrTooLong, fmt.Sprintf("at most %d bytes", MaxEmailBytes))
	case !utf8.ValidString(email) || strings.ContainsFunc(email, unicode.IsControl):
		return fieldError(FieldEmail, ErrSyntax, "control characters")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return fieldError(FieldEmail, ErrSyntax, "expected name@example.com")
	}
	return nil
}

// CheckUsername accepts 3 to 64 ASCII letters, digits, '.', '_' and '-'.
func CheckUsername(username string) error {
	n := len(username)
	switch {
	case n == 0:
		return fieldError(FieldUsername, ErrRequired, "")
	case strings.ContainsFunc(username, notUsernameRune):
		return fieldError(FieldUsername, ErrSyntax, "letters, digits, '.', '_' and '-' only")
	case n < MinUsernameRunes:
		return fieldError(FieldUsername, ErrTooShort, fmt.Sprintf("at least %d characters", MinUsernameRunes))
	case n > MaxUsernameRunes:
		return fieldError(FieldUsername, ErrTooLong, fmt.Sprintf("at most %d characters", MaxUsernameRunes))
	}
	return nil
}

func notUsernameRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
}

// checkName accepts an optional name of at most 100 characters without
// control characters (no CR/LF to smuggle into mail headers).
func checkName(field, name string) error {
	switch {
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return fieldError(field, ErrSyntax, "control characters")
	case utf8.RuneCountInString(name) > MaxNameRunes:
		return fieldError(field, ErrTooLong, fmt.Sprintf("at most %d characters", MaxNameRunes))
	}
	return nil
}
