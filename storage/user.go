package storage

import (
	"context"
	"time"
)

// UserState is where a user is in the account lifecycle.
type UserState string

// User states.
const (
	// UserPendingVerification: registered, email address not yet confirmed.
	UserPendingVerification UserState = "pending_verification"
	// UserPendingApproval: confirmed, waiting for an administrator.
	UserPendingApproval UserState = "pending_approval"
	// UserActive: may sign in.
	UserActive UserState = "active"
	// UserBlocked: stopped by an administrator.
	UserBlocked UserState = "blocked"
	// UserRejected: registration refused by an administrator.
	UserRejected UserState = "rejected"
)

// UserStates lists every user state in lifecycle order.
func UserStates() []UserState {
	return []UserState{UserPendingVerification, UserPendingApproval, UserActive, UserBlocked, UserRejected}
}

// Valid reports whether s is one of the user states.
func (s UserState) Valid() bool {
	switch s {
	case UserPendingVerification, UserPendingApproval, UserActive, UserBlocked, UserRejected:
		return true
	}
	return false
}

// Role is what a user may do.
type Role string

// Roles.
const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r == RoleUser || r == RoleAdmin }

// User is a local account. Email and Username are each unique under
// FoldCase when not empty.
type User struct {
	ID            string
	Username      string // optional
	Email         string
	EmailVerified bool
	PasswordHash  string // PHC string; empty when the user has no password
	GivenName     string
	FamilyName    string
	Company       string
	Country       string
	Locale        string
	Role          Role
	State         UserState
	// TermsAcceptedAt is when the user accepted the terms of service; zero
	// when they have not.
	TermsAcceptedAt time.Time
	// PasswordChangeRequired: the user signed in with an emailed temporary
	// password and must choose a new one before anything else.
	PasswordChangeRequired bool
	CreatedAt              time.Time
	// UpdatedAt is the version of the row: Update succeeds only while it
	// is unchanged since the user was read.
	UpdatedAt time.Time
}

// UserFilter selects users for List. Zero fields select everything.
type UserFilter struct {
	State UserState
	// Query matches, case-insensitively, part of the email, username,
	// given name, family name or company.
	Query string
	// CreatedAfter selects users created after this time (zero: any).
	CreatedAfter time.Time
	Cursor       string // Next of the previous page
	Limit        int
}

// UserStore keeps users.
type UserStore interface {
	// Create stores u. It fills in an empty ID (NewID), a zero CreatedAt
	// (now) and an empty Role (RoleUser), and sets UpdatedAt to CreatedAt.
	// ErrAlreadyExists when the id, email or username is taken; ErrInvalid
	// for an unknown state or role.
	Create(ctx context.Context, u *User) error
	// ByID returns the user, or ErrNotFound.
	ByID(ctx context.Context, id string) (User, error)
	// ByLogin returns the user whose email or username equals login under
	// FoldCase, preferring an email match; ErrNotFound when none does.
	ByLogin(ctx context.Context, login string) (User, error)
	// List returns users oldest first.
	List(ctx context.Context, f UserFilter) (Page[User], error)
	// Update writes every field of u except ID and CreatedAt, provided the
	// stored UpdatedAt still equals u.UpdatedAt, and then advances
	// u.UpdatedAt. ErrConflict when the user changed meanwhile, ErrNotFound
	// when it is gone, ErrAlreadyExists when the new email or username is
	// taken.
	Update(ctx context.Context, u *User) error
	// Delete removes the user with their identities and sessions.
	// ErrNotFound when there is no such user.
	Delete(ctx context.Context, id string) error
	// CountByState counts users per state; states without users are absent.
	CountByState(ctx context.Context) (map[UserState]int, error)
}
