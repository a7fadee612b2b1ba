package account

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/storage"
)

// AdminNewUser is a user an administrator creates. There is no password:
// the user sets one through the emailed link (SECURITY 24: no API sets a
// password).
type AdminNewUser struct {
	Email      string
	Username   string // optional
	GivenName  string
	FamilyName string
	Company    string
	Country    string
	Locale     string
	Role       storage.Role // empty is RoleUser; RoleAdmin needs maySetRole
}

// CreateUserByAdmin creates an active user with a verified address and no
// password, and sends them a "set your password" link (a password reset
// link, whatever the configured reset style). Bad input is a *FieldError,
// a taken email or username a *DuplicateError, an admin role without
// maySetRole ErrRoleForbidden.
func (r *Registrar) CreateUserByAdmin(ctx context.Context, in AdminNewUser, actorID string, maySetRole bool) (storage.User, error) {
	nu := NewUser{Email: in.Email, Username: in.Username, GivenName: in.GivenName, FamilyName: in.FamilyName}.trimmed()
	if err := nu.validate(); err != nil {
		return storage.User{}, err
	}
	if err := checkAdminExtras(in.Company, in.Country, in.Locale); err != nil {
		return storage.User{}, err
	}
	role := in.Role
	if role == "" {
		role = storage.RoleUser
	}
	if !role.Valid() {
		return storage.User{}, fieldError(FieldRole, ErrSyntax, "user or admin")
	}
	if role != storage.RoleUser && !maySetRole {
		return storage.User{}, ErrRoleForbidden
	}
	if err := r.svc.checkUnique(ctx, nu.Email, nu.Username); err != nil {
		return storage.User{}, err
	}
	rs, err := r.Settings(ctx)
	if err != nil {
		return storage.User{}, err
	}
	rs.Reset.Style = ResetLink
	u := storage.User{
		Username: nu.Username, Email: nu.Email, EmailVerified: true, GivenName: nu.GivenName, FamilyName: nu.FamilyName,
		Company: strings.TrimSpace(in.Company), Country: strings.TrimSpace(in.Country), Locale: strings.TrimSpace(in.Locale),
		Role: role, State: storage.UserActive, CreatedAt: r.svc.now(),
	}
	err = r.inTx(ctx, func(tx txStores) error {
		if err := tx.Users().Create(ctx, &u); err != nil {
			if errors.Is(err, storage.ErrAlreadyExists) {
				return &DuplicateError{}
			}
			return fmt.Errorf("account: create user: %w", err)
		}
		if err := r.issueReset(ctx, tx, rs, u); err != nil {
			return err
		}
		details := map[string]string{"role": string(u.Role)}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminUserCreate, ActorID: actorID, UserID: u.ID, Details: details})
	})
	if err != nil {
		return storage.User{}, err
	}
	r.kick()
	return u, nil
}

// AdminUserUpdate holds the fields an administrator changes; nil fields
// stay as they are. There is no password field (SECURITY 24).
type AdminUserUpdate struct {
	Email         *string
	EmailVerified *bool
	Username      *string
	GivenName     *string
	FamilyName    *string
	Company       *string
	Country       *string
	Locale        *string
	Role          *storage.Role
}

// UpdateUserByAdmin changes the user's profile fields and, when
// maySetRole, their role (ErrRoleForbidden otherwise: nothing changes).
// Bad input is a *FieldError, a taken email or username a
// *DuplicateError.
func (r *Registrar) UpdateUserByAdmin(ctx context.Context, userID string, in AdminUserUpdate, actorID string, maySetRole bool) (storage.User, error) {
	if in.Role != nil && !maySetRole {
		return storage.User{}, ErrRoleForbidden
	}
	var u storage.User
	err := r.inTx(ctx, func(tx txStores) error {
		var err error
		if u, err = tx.Users().ByID(ctx, userID); err != nil {
			return fmt.Errorf("account: read user %s: %w", userID, err)
		}
		changed, err := applyAdminUpdate(&u, in)
		if err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		if err := tx.Users().Update(ctx, &u); err != nil {
			if errors.Is(err, storage.ErrAlreadyExists) {
				return &DuplicateError{}
			}
			return fmt.Errorf("account: update user %s: %w", userID, err)
		}
		if in.Role != nil {
			// A changed role changes what the user's tokens mean.
			if err := r.endEverything(ctx, tx, u.ID, ""); err != nil {
				return err
			}
		}
		details := map[string]string{"fields": strings.Join(changed, ",")}
		if in.Role != nil {
			details["role"] = string(u.Role)
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAdminUserUpdate, ActorID: actorID, UserID: u.ID, Details: details})
	})
	if err != nil {
		return storage.User{}, err
	}
	return u, nil
}

// applyAdminUpdate validates in and applies it to u, returning the names
// of the fields that changed.
func applyAdminUpdate(u *storage.User, in AdminUserUpdate) ([]string, error) {
	var changed []string
	set := func(name string, dst *string, v *string, check func(string) error) error {
		if v == nil {
			return nil
		}
		s := strings.TrimSpace(*v)
		if err := check(s); err != nil {
			return err
		}
		if s != *dst {
			*dst = s
			changed = append(changed, name)
		}
		return nil
	}
	checks := []error{
		set(FieldEmail, &u.Email, in.Email, CheckEmail),
		set(FieldUsername, &u.Username, in.Username, func(s string) error {
			if s == "" {
				return nil
			}
			return CheckUsername(s)
		}),
		set(FieldGivenName, &u.GivenName, in.GivenName, func(s string) error { return checkName(FieldGivenName, s) }),
		set(FieldFamilyName, &u.FamilyName, in.FamilyName, func(s string) error { return checkName(FieldFamilyName, s) }),
		set(FieldCompany, &u.Company, in.Company, func(s string) error { return checkName(FieldCompany, s) }),
		set(FieldCountry, &u.Country, in.Country, func(s string) error { return checkName(FieldCountry, s) }),
		set(FieldLocale, &u.Locale, in.Locale, func(s string) error { return checkName(FieldLocale, s) }),
	}
	if err := errors.Join(checks...); err != nil {
		for _, e := range checks {
			if e != nil {
				return nil, e
			}
		}
	}
	if in.EmailVerified != nil && *in.EmailVerified != u.EmailVerified {
		u.EmailVerified = *in.EmailVerified
		changed = append(changed, "email_verified")
	}
	if in.Role != nil {
		if !in.Role.Valid() {
			return nil, fieldError(FieldRole, ErrSyntax, "user or admin")
		}
		if *in.Role != u.Role {
			u.Role = *in.Role
			changed = append(changed, FieldRole)
		}
	}
	return changed, nil
}

// checkAdminExtras checks the optional profile fields of a new user.
func checkAdminExtras(company, country, locale string) error {
	return errors.Join(
		checkName(FieldCompany, strings.TrimSpace(company)),
		checkName(FieldCountry, strings.TrimSpace(country)),
		checkName(FieldLocale, strings.TrimSpace(locale)),
	)
}

// FieldRole names the role field in errors.
const FieldRole = "role"
