package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// groups implements storage.GroupStore over user_groups and group_members.
// name_key holds storage.FoldCase of the name; the unique index, lookups
// and the list order use it.
type groups struct{ h handle }

const groupColumns = `id, name, description, created_at, updated_at`

type groupRow struct {
	ID          string `db:"id"`
	Name        string `db:"name"`
	Description string `db:"description"`
	CreatedAt   dbTime `db:"created_at"`
	UpdatedAt   dbTime `db:"updated_at"`
}

func (r groupRow) group() storage.Group {
	return storage.Group{ID: r.ID, Name: r.Name, Description: r.Description,
		CreatedAt: r.CreatedAt.time(), UpdatedAt: r.UpdatedAt.time()}
}

func (s groups) Create(ctx context.Context, g *storage.Group) error {
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		return fmt.Errorf("create group: %w: a name is required", storage.ErrInvalid)
	}
	if g.ID == "" {
		g.ID = storage.NewID()
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = time.Now()
	}
	g.CreatedAt = storage.Time(g.CreatedAt)
	g.UpdatedAt = g.CreatedAt
	_, err := s.h.exec(ctx, `INSERT INTO user_groups (id, name, name_key, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, g.ID, g.Name, storage.FoldCase(g.Name), g.Description,
		s.h.d.ts(g.CreatedAt), s.h.d.ts(g.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create group %q: %w", g.Name, mapErr(err))
	}
	return nil
}

func (s groups) ByID(ctx context.Context, id string) (storage.Group, error) {
	var row groupRow
	if err := s.h.get(ctx, &row, `SELECT `+groupColumns+` FROM user_groups WHERE id = ?`, id); err != nil {
		return storage.Group{}, fmt.Errorf("group %s: %w", id, mapErr(err))
	}
	return row.group(), nil
}

func (s groups) ByName(ctx context.Context, name string) (storage.Group, error) {
	var row groupRow
	key := storage.FoldCase(strings.TrimSpace(name))
	if err := s.h.get(ctx, &row, `SELECT `+groupColumns+` FROM user_groups WHERE name_key = ?`, key); err != nil {
		return storage.Group{}, fmt.Errorf("group %q: %w", name, mapErr(err))
	}
	return row.group(), nil
}

func (s groups) List(ctx context.Context, cursor string, limit int) (storage.Page[storage.Group], error) {
	var w where
	if cursor != "" {
		after, err := decodeIDCursor(cursor)
		if err != nil {
			return storage.Page[storage.Group]{}, fmt.Errorf("list groups: %w", err)
		}
		w.add("name_key > ?", after)
	}
	limit = pageLimit(limit)
	var rows []groupRow
	query := `SELECT ` + groupColumns + ` FROM user_groups` + w.String() + ` ORDER BY name_key LIMIT ?`
	if err := s.h.selectRows(ctx, &rows, query, append(w.args, limit+1)...); err != nil {
		return storage.Page[storage.Group]{}, fmt.Errorf("list groups: %w", mapErr(err))
	}
	list := make([]storage.Group, len(rows))
	for i, r := range rows {
		list[i] = r.group()
	}
	return makeIDPage(list, limit, func(g storage.Group) string { return storage.FoldCase(g.Name) }), nil
}

func (s groups) Update(ctx context.Context, g *storage.Group) error {
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		return fmt.Errorf("update group: %w: a name is required", storage.ErrInvalid)
	}
	now := storage.Time(time.Now())
	n, err := s.h.exec(ctx, `UPDATE user_groups SET name = ?, name_key = ?, description = ?, updated_at = ? WHERE id = ?`,
		g.Name, storage.FoldCase(g.Name), g.Description, s.h.d.ts(now), g.ID)
	if err != nil {
		return fmt.Errorf("update group %s: %w", g.ID, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("update group %s: %w", g.ID, storage.ErrNotFound)
	}
	g.UpdatedAt = now
	return nil
}

func (s groups) Delete(ctx context.Context, id string) error {
	n, err := s.h.exec(ctx, `DELETE FROM user_groups WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete group %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("delete group %s: %w", id, storage.ErrNotFound)
	}
	return nil
}

func (s groups) AddMember(ctx context.Context, groupID, userID string) (bool, error) {
	n, err := s.h.exec(ctx, `INSERT INTO group_members (group_id, user_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (group_id, user_id) DO NOTHING`, groupID, userID, s.h.d.ts(storage.Time(time.Now())))
	if err != nil {
		return false, fmt.Errorf("add user %s to group %s: %w", userID, groupID, mapErr(err))
	}
	return n > 0, nil
}

func (s groups) RemoveMember(ctx context.Context, groupID, userID string) error {
	n, err := s.h.exec(ctx, `DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
	if err != nil {
		return fmt.Errorf("remove user %s from group %s: %w", userID, groupID, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("remove user %s from group %s: %w", userID, groupID, storage.ErrNotFound)
	}
	return nil
}

func (s groups) IsMember(ctx context.Context, groupID, userID string) (bool, error) {
	var n int
	if err := s.h.get(ctx, &n, `SELECT COUNT(*) FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID); err != nil {
		return false, fmt.Errorf("membership of %s in %s: %w", userID, groupID, mapErr(err))
	}
	return n > 0, nil
}

func (s groups) Members(ctx context.Context, groupID, cursorText string, limit int) (storage.Page[storage.User], error) {
	var w where
	w.add("id IN (SELECT user_id FROM group_members WHERE group_id = ?)", groupID)
	if cursorText != "" {
		c, err := decodeCursor(cursorText)
		if err != nil {
			return storage.Page[storage.User]{}, fmt.Errorf("list members: %w", err)
		}
		w.add("(created_at, id) > (?, ?)", s.h.d.ts(c.at), c.id)
	}
	limit = pageLimit(limit)
	var rows []userRow
	query := `SELECT ` + userColumns + ` FROM users` + w.String() + ` ORDER BY created_at, id LIMIT ?`
	if err := s.h.selectRows(ctx, &rows, query, append(w.args, limit+1)...); err != nil {
		return storage.Page[storage.User]{}, fmt.Errorf("list members of %s: %w", groupID, mapErr(err))
	}
	list := make([]storage.User, len(rows))
	for i, r := range rows {
		list[i] = r.user()
	}
	return makePage(list, limit, func(u storage.User) (time.Time, string) { return u.CreatedAt, u.ID }), nil
}

func (s groups) OfUser(ctx context.Context, userID string) ([]storage.Group, error) {
	var rows []groupRow
	err := s.h.selectRows(ctx, &rows, `SELECT `+groupColumns+` FROM user_groups
		WHERE id IN (SELECT group_id FROM group_members WHERE user_id = ?) ORDER BY name_key`, userID)
	if err != nil {
		return nil, fmt.Errorf("groups of user %s: %w", userID, mapErr(err))
	}
	list := make([]storage.Group, len(rows))
	for i, r := range rows {
		list[i] = r.group()
	}
	return list, nil
}
