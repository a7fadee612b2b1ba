package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// users implements storage.UserStore. username_key and email_key hold
// storage.FoldCase of username and email; the unique indexes and lookups
// use them.
type users struct{ h handle }

const userColumns = `id, username, email, email_verified, password_hash, given_name,
	family_name, company, country, locale, role, state, terms_accepted_at, password_change_required, created_at, updated_at`

type userRow struct {
	ID            string `db:"id"`
	Username      string `db:"username"`
	Email         string `db:"email"`
	EmailVerified bool   `db:"email_verified"`
	PasswordHash  string `db:"password_hash"`
	GivenName     string `db:"given_name"`
	FamilyName    string `db:"family_name"`
	Company       string `db:"company"`
	Country       string `db:"country"`
	Locale        string `db:"locale"`
	Role          string `db:"role"`
	State         string `db:"state"`
	TermsAccepted dbTime `db:"terms_accepted_at"`
	MustChange    bool   `db:"password_change_required"`
	CreatedAt     dbTime `db:"created_at"`
	UpdatedAt     dbTime `db:"updated_at"`
}

func (r userRow) user() storage.User {
	return storage.User{
		ID: r.ID, Username: r.Username, Email: r.Email, EmailVerified: r.EmailVerified,
		PasswordHash: r.PasswordHash, GivenName: r.GivenName, FamilyName: r.FamilyName,
		Company: r.Company, Country: r.Country, Locale: r.Locale,
		Role: storage.Role(r.Role), State: storage.UserState(r.State),
		TermsAcceptedAt: r.TermsAccepted.time(), PasswordChangeRequired: r.MustChange, CreatedAt: r.CreatedAt.time(), UpdatedAt: r.UpdatedAt.time(),
	}
}

func validateUser(u *storage.User) error {
	if !u.State.Valid() {
		return fmt.Errorf("%w: unknown user state %q", storage.ErrInvalid, u.State)
	}
	if !u.Role.Valid() {
		return fmt.Errorf("%w: unknown role %q", storage.ErrInvalid, u.Role)
	}
	return nil
}

func (s users) Create(ctx context.Context, u *storage.User) error {
	if u.Role == "" {
		u.Role = storage.RoleUser
	}
	if err := validateUser(u); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	if u.ID == "" {
		u.ID = storage.NewID()
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	u.CreatedAt = storage.Time(u.CreatedAt)
	u.UpdatedAt = u.CreatedAt
	u.TermsAcceptedAt = storage.Time(u.TermsAcceptedAt)
	_, err := s.h.exec(ctx, `INSERT INTO users (id, username, username_key, email, email_key,
		email_verified, password_hash, given_name, family_name, company, country, locale,
		role, state, terms_accepted_at, password_change_required, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, storage.FoldCase(u.Username), u.Email, storage.FoldCase(u.Email),
		u.EmailVerified, u.PasswordHash, u.GivenName, u.FamilyName, u.Company, u.Country, u.Locale,
		string(u.Role), string(u.State), s.h.d.nullTS(u.TermsAcceptedAt), u.PasswordChangeRequired,
		s.h.d.ts(u.CreatedAt), s.h.d.ts(u.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create user: %w", mapErr(err))
	}
	return nil
}

func (s users) ByID(ctx context.Context, id string) (storage.User, error) {
	var row userRow
	if err := s.h.get(ctx, &row, `SELECT `+userColumns+` FROM users WHERE id = ?`, id); err != nil {
		return storage.User{}, fmt.Errorf("user %s: %w", id, mapErr(err))
	}
	return row.user(), nil
}

func (s users) ByLogin(ctx context.Context, login string) (storage.User, error) {
	key := storage.FoldCase(login)
	if key == "" {
		return storage.User{}, fmt.Errorf("user by login: %w", storage.ErrNotFound)
	}
	var row userRow
	err := s.h.get(ctx, &row, `SELECT `+userColumns+` FROM users
		WHERE email_key = ? OR username_key = ?
		ORDER BY CASE WHEN email_key = ? THEN 0 ELSE 1 END LIMIT 1`, key, key, key)
	if err != nil {
		return storage.User{}, fmt.Errorf("user by login: %w", mapErr(err))
	}
	return row.user(), nil
}

func (s users) List(ctx context.Context, f storage.UserFilter) (storage.Page[storage.User], error) {
	var w where
	if f.State != "" {
		w.add("state = ?", string(f.State))
	}
	if f.Query != "" {
		p := likeContains(storage.FoldCase(f.Query))
		w.add(`(email_key LIKE ? ESCAPE '\' OR username_key LIKE ? ESCAPE '\'
			OR lower(given_name) LIKE ? ESCAPE '\' OR lower(family_name) LIKE ? ESCAPE '\'
			OR lower(company) LIKE ? ESCAPE '\')`, p, p, p, p, p)
	}
	if !f.CreatedAfter.IsZero() {
		w.add("created_at > ?", s.h.d.ts(storage.Time(f.CreatedAfter)))
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return storage.Page[storage.User]{}, fmt.Errorf("list users: %w", err)
		}
		w.add("(created_at, id) > (?, ?)", s.h.d.ts(c.at), c.id)
	}
	limit := pageLimit(f.Limit)
	var rows []userRow
	query := `SELECT ` + userColumns + ` FROM users` + w.String() + ` ORDER BY created_at, id LIMIT ?`
	if err := s.h.selectRows(ctx, &rows, query, append(w.args, limit+1)...); err != nil {
		return storage.Page[storage.User]{}, fmt.Errorf("list users: %w", mapErr(err))
	}
	list := make([]storage.User, len(rows))
	for i, r := range rows {
		list[i] = r.user()
	}
	return makePage(list, limit, func(u storage.User) (time.Time, string) { return u.CreatedAt, u.ID }), nil
}

func (s users) Update(ctx context.Context, u *storage.User) error {
	if err := validateUser(u); err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	prev := storage.Time(u.UpdatedAt)
	next := storage.Time(time.Now())
	if !next.After(prev) { // same millisecond, or a clock behind: still a new version
		next = prev.Add(time.Millisecond)
	}
	n, err := s.h.exec(ctx, `UPDATE users SET username = ?, username_key = ?, email = ?,
		email_key = ?, email_verified = ?, password_hash = ?, given_name = ?, family_name = ?,
		company = ?, country = ?, locale = ?, role = ?, state = ?, terms_accepted_at = ?,
		password_change_required = ?, updated_at = ? WHERE id = ? AND updated_at = ?`,
		u.Username, storage.FoldCase(u.Username), u.Email, storage.FoldCase(u.Email),
		u.EmailVerified, u.PasswordHash, u.GivenName, u.FamilyName, u.Company, u.Country,
		u.Locale, string(u.Role), string(u.State), s.h.d.nullTS(u.TermsAcceptedAt),
		u.PasswordChangeRequired, s.h.d.ts(next), u.ID, s.h.d.ts(prev))
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("update user %s: %w", u.ID, s.goneOrChanged(ctx, u.ID))
	}
	u.UpdatedAt = next
	u.TermsAcceptedAt = storage.Time(u.TermsAcceptedAt)
	return nil
}

// goneOrChanged tells why an optimistic update matched no row.
func (s users) goneOrChanged(ctx context.Context, id string) error {
	var one int
	err := s.h.get(ctx, &one, `SELECT 1 FROM users WHERE id = ?`, id)
	switch {
	case err == nil:
		return fmt.Errorf("%w: the user changed since it was read", storage.ErrConflict)
	case errors.Is(mapErr(err), storage.ErrNotFound):
		return storage.ErrNotFound
	}
	return err
}

func (s users) Delete(ctx context.Context, id string) error {
	n, err := s.h.exec(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete user %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("delete user %s: %w", id, storage.ErrNotFound)
	}
	return nil
}

func (s users) CountByState(ctx context.Context) (map[storage.UserState]int, error) {
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := s.h.selectRows(ctx, &rows, `SELECT state, COUNT(*) AS n FROM users GROUP BY state`); err != nil {
		return nil, fmt.Errorf("count users: %w", mapErr(err))
	}
	counts := make(map[storage.UserState]int, len(rows))
	for _, r := range rows {
		counts[storage.UserState(r.State)] = r.N
	}
	return counts, nil
}
