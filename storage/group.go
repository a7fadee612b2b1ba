package storage

import (
	"context"
	"time"
)

// Group is a named set of users. Names are unique under FoldCase; the
// groups claim carries them as stored.
type Group struct {
	ID          string
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupStore keeps groups and their memberships. Deleting a group or a
// user removes the memberships (ON DELETE CASCADE).
type GroupStore interface {
	// Create stores g, filling an empty ID and a zero CreatedAt.
	// ErrAlreadyExists when the name (under FoldCase) or id is taken;
	// ErrInvalid for an empty name.
	Create(ctx context.Context, g *Group) error
	// ByID returns the group, or ErrNotFound.
	ByID(ctx context.Context, id string) (Group, error)
	// ByName returns the group whose name equals name under FoldCase, or
	// ErrNotFound.
	ByName(ctx context.Context, name string) (Group, error)
	// List returns groups ordered by name (cursor pagination).
	List(ctx context.Context, cursor string, limit int) (Page[Group], error)
	// Update writes Name and Description and advances UpdatedAt.
	// ErrNotFound when it is gone, ErrAlreadyExists when the new name is
	// taken.
	Update(ctx context.Context, g *Group) error
	// Delete removes the group and its memberships; ErrNotFound when there
	// is no such group.
	Delete(ctx context.Context, id string) error
	// AddMember makes the user a member; adding an existing member is
	// not an error (added false). ErrNotFound when the group or user does
	// not exist.
	AddMember(ctx context.Context, groupID, userID string) (added bool, err error)
	// RemoveMember ends the membership; ErrNotFound when there was none.
	RemoveMember(ctx context.Context, groupID, userID string) error
	// IsMember reports whether the user is in the group.
	IsMember(ctx context.Context, groupID, userID string) (bool, error)
	// Members lists the group's members oldest account first (cursor
	// pagination as for users).
	Members(ctx context.Context, groupID, cursor string, limit int) (Page[User], error)
	// OfUser returns the user's groups ordered by name (none: empty).
	OfUser(ctx context.Context, userID string) ([]Group, error)
}
