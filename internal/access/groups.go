package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/storage"
)

// Group name and description limits.
const (
	MaxGroupName        = 64
	MaxGroupDescription = 500
)

// CheckGroupName applies the naming rule: 1 to 64 characters, no control
// characters, no commas (lists of groups are comma-separated on the
// command line) and no surrounding spaces.
func CheckGroupName(name string) error {
	switch {
	case name == "":
		return &FieldError{Field: "name", Detail: "a group name is required"}
	case utf8.RuneCountInString(name) > MaxGroupName:
		return &FieldError{Field: "name", Detail: fmt.Sprintf("at most %d characters", MaxGroupName)}
	case strings.TrimSpace(name) != name:
		return &FieldError{Field: "name", Detail: "no spaces at the start or end"}
	case strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) || r == ',' }):
		return &FieldError{Field: "name", Detail: "no commas or control characters"}
	}
	return nil
}

func checkDescription(d string) error {
	if utf8.RuneCountInString(d) > MaxGroupDescription || strings.ContainsFunc(d, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
		return &FieldError{Field: "description", Detail: fmt.Sprintf("at most %d characters, no control characters", MaxGroupDescription)}
	}
	return nil
}

// CreateGroup stores a new group. A taken name (under case folding) is
// storage.ErrAlreadyExists.
func (s *Service) CreateGroup(ctx context.Context, actor, name, description string) (storage.Group, error) {
	name = strings.TrimSpace(name)
	if err := errors.Join(CheckGroupName(name), checkDescription(description)); err != nil {
		return storage.Group{}, firstField(err)
	}
	g := storage.Group{Name: name, Description: description, CreatedAt: s.now()}
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.Groups().Create(ctx, &g); err != nil {
			return err
		}
		return audit(ctx, tx, s.now(), EventGroupCreated, actor, "", map[string]string{"group_id": g.ID, "name": g.Name})
	})
	if err != nil {
		return storage.Group{}, fmt.Errorf("access: create group: %w", err)
	}
	return g, nil
}

// firstField returns the first FieldError of a joined error.
func firstField(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()[0]
	}
	return err
}

// GroupPatch holds the fields of a group to change; nil leaves one as is.
type GroupPatch struct {
	Name        *string
	Description *string
}

// UpdateGroup changes a group's name or description.
func (s *Service) UpdateGroup(ctx context.Context, actor, id string, p GroupPatch) (storage.Group, error) {
	var g storage.Group
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		var err error
		if g, err = tx.Groups().ByID(ctx, id); err != nil {
			return err
		}
		details := map[string]string{"group_id": g.ID}
		if p.Name != nil {
			name := strings.TrimSpace(*p.Name)
			if err := CheckGroupName(name); err != nil {
				return err
			}
			g.Name, details["name"] = name, name
		}
		if p.Description != nil {
			if err := checkDescription(*p.Description); err != nil {
				return err
			}
			g.Description, details["description"] = *p.Description, "changed"
		}
		if err := tx.Groups().Update(ctx, &g); err != nil {
			return err
		}
		return audit(ctx, tx, s.now(), EventGroupUpdated, actor, "", details)
	})
	if err != nil {
		return storage.Group{}, fmt.Errorf("access: update group: %w", err)
	}
	return g, nil
}

// DeleteGroup removes a group and its memberships.
func (s *Service) DeleteGroup(ctx context.Context, actor, id string) error {
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		g, err := tx.Groups().ByID(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.Groups().Delete(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, s.now(), EventGroupDeleted, actor, "", map[string]string{"group_id": g.ID, "name": g.Name})
	})
	if err != nil {
		return fmt.Errorf("access: delete group: %w", err)
	}
	return nil
}

// Group returns the group with id ref, or else the one named ref.
func (s *Service) Group(ctx context.Context, ref string) (storage.Group, error) {
	g, err := s.store.Groups().ByID(ctx, ref)
	if errors.Is(err, storage.ErrNotFound) {
		g, err = s.store.Groups().ByName(ctx, ref)
	}
	if err != nil {
		return storage.Group{}, fmt.Errorf("access: group %q: %w", ref, err)
	}
	return g, nil
}

// ListGroups returns one page of groups ordered by name.
func (s *Service) ListGroups(ctx context.Context, cursor string, limit int) (storage.Page[storage.Group], error) {
	page, err := s.store.Groups().List(ctx, cursor, limit)
	if err != nil {
		return page, fmt.Errorf("access: list groups: %w", err)
	}
	return page, nil
}

// Members returns one page of a group's members.
func (s *Service) Members(ctx context.Context, groupID, cursor string, limit int) (storage.Page[storage.User], error) {
	if _, err := s.store.Groups().ByID(ctx, groupID); err != nil {
		return storage.Page[storage.User]{}, fmt.Errorf("access: members: %w", err)
	}
	page, err := s.store.Groups().Members(ctx, groupID, cursor, limit)
	if err != nil {
		return page, fmt.Errorf("access: members: %w", err)
	}
	return page, nil
}

// IsMember reports whether the user is in the group (ErrNotFound when
// the group does not exist).
func (s *Service) IsMember(ctx context.Context, groupID, userID string) (bool, error) {
	if _, err := s.store.Groups().ByID(ctx, groupID); err != nil {
		return false, fmt.Errorf("access: membership: %w", err)
	}
	return s.store.Groups().IsMember(ctx, groupID, userID)
}

// UserGroups returns the user's groups ordered by name (ErrNotFound when
// there is no such user).
func (s *Service) UserGroups(ctx context.Context, userID string) ([]storage.Group, error) {
	if _, err := s.store.Users().ByID(ctx, userID); err != nil {
		return nil, fmt.Errorf("access: groups of user: %w", err)
	}
	gs, err := s.store.Groups().OfUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("access: groups of user: %w", err)
	}
	return gs, nil
}

// AddMember puts the user in the group; it reports whether they were
// not a member before. The change shows in the user's next token.
func (s *Service) AddMember(ctx context.Context, actor, groupID, userID string) (bool, error) {
	var added bool
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		g, err := tx.Groups().ByID(ctx, groupID)
		if err != nil {
			return err
		}
		if _, err := tx.Users().ByID(ctx, userID); err != nil {
			return err
		}
		if added, err = tx.Groups().AddMember(ctx, groupID, userID); err != nil || !added {
			return err
		}
		return audit(ctx, tx, s.now(), EventGroupMemberAdded, actor, userID, map[string]string{"group_id": g.ID, "name": g.Name})
	})
	if err != nil {
		return false, fmt.Errorf("access: add member: %w", err)
	}
	return added, nil
}

// RemoveMember takes the user out of the group (ErrNotFound when they
// were not in it).
func (s *Service) RemoveMember(ctx context.Context, actor, groupID, userID string) error {
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		g, err := tx.Groups().ByID(ctx, groupID)
		if err != nil {
			return err
		}
		if err := tx.Groups().RemoveMember(ctx, groupID, userID); err != nil {
			return err
		}
		return audit(ctx, tx, s.now(), EventGroupMemberRemoved, actor, userID, map[string]string{"group_id": g.ID, "name": g.Name})
	})
	if err != nil {
		return fmt.Errorf("access: remove member: %w", err)
	}
	return nil
}
