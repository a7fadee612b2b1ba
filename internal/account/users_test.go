package account

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func TestCreateUser(t *testing.T) {
	s, f, clock := newTestService(t, nil)
	u, err := s.CreateUser(t.Context(), NewUser{
		Email: "  Ada@Example.com ", Username: "ada.l", Password: "analytical engine",
		GivenName: "Ada", FamilyName: "Lovelace", Admin: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Email != "Ada@Example.com" || u.Username != "ada.l" || !u.EmailVerified ||
		u.State != storage.UserActive || u.Role != storage.RoleAdmin || !u.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("created user = %+v", u)
	}
	if strings.Contains(u.PasswordHash, "analytical") || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("password hash = %q", u.PasswordHash)
	}
	if ok, err := s.Hasher().Verify(t.Context(), "analytical engine", u.PasswordHash); !ok || err != nil {
		t.Fatalf("stored hash does not verify: %v %v", ok, err)
	}
	if ev := f.eventsOf(EventUserCreate); len(ev) != 1 || ev[0].UserID != u.ID {
		t.Fatalf("audit events = %+v", ev)
	}
	plain, err := s.CreateUser(t.Context(), NewUser{Email: "bob@example.com", Password: "plain but long"})
	if err != nil || plain.Role != storage.RoleUser || plain.Username != "" {
		t.Fatalf("user without username = %+v, %v", plain, err)
	}
}

func TestCreateUserInvalid(t *testing.T) {
	valid := NewUser{Email: "ok@example.com", Username: "okname", Password: "long enough"}
	for _, tc := range []struct {
		name   string
		edit   func(*NewUser)
		field  string
		reason error
	}{
		{"no email", func(n *NewUser) { n.Email = "" }, FieldEmail, ErrRequired},
		{"display name", func(n *NewUser) { n.Email = "Eve <eve@example.com>" }, FieldEmail, ErrSyntax},
		{"angle brackets", func(n *NewUser) { n.Email = "<eve@example.com>" }, FieldEmail, ErrSyntax},
		{"comment", func(n *NewUser) { n.Email = "eve@example.com (Eve)" }, FieldEmail, ErrSyntax},
		{"CRLF header injection", func(n *NewUser) { n.Email = "eve@example.com\r\nBcc: x@evil.test" }, FieldEmail, ErrSyntax},
		{"LF inside", func(n *NewUser) { n.Email = "eve\n@example.com" }, FieldEmail, ErrSyntax},
		{"no at", func(n *NewUser) { n.Email = "example.com" }, FieldEmail, ErrSyntax},
		{"two addresses", func(n *NewUser) { n.Email = "a@example.com, b@example.com" }, FieldEmail, ErrSyntax},
		{"email too long", func(n *NewUser) { n.Email = strings.Repeat("a", 250) + "@example.com" }, FieldEmail, ErrTooLong},
		{"username short", func(n *NewUser) { n.Username = "ab" }, FieldUsername, ErrTooShort},
		{"username long", func(n *NewUser) { n.Username = strings.Repeat("a", 65) }, FieldUsername, ErrTooLong},
		{"username space", func(n *NewUser) { n.Username = "a b c" }, FieldUsername, ErrSyntax},
		{"username at", func(n *NewUser) { n.Username = "a@b.c" }, FieldUsername, ErrSyntax},
		{"username non-ASCII", func(n *NewUser) { n.Username = "jürgen" }, FieldUsername, ErrSyntax},
		{"given name CR", func(n *NewUser) { n.GivenName = "Eve\rBcc" }, FieldGivenName, ErrSyntax},
		{"family name LF", func(n *NewUser) { n.FamilyName = "Eve\nBcc" }, FieldFamilyName, ErrSyntax},
		{"family name long", func(n *NewUser) { n.FamilyName = strings.Repeat("é", 101) }, FieldFamilyName, ErrTooLong},
		{"password 7", func(n *NewUser) { n.Password = "1234567" }, FieldPassword, ErrTooShort},
		{"password 129", func(n *NewUser) { n.Password = strings.Repeat("p", 129) }, FieldPassword, ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, f, _ := newTestService(t, nil)
			nu := valid
			tc.edit(&nu)
			_, err := s.CreateUser(t.Context(), nu)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, tc.reason) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("CreateUser error = %v, want %s %v", err, tc.field, tc.reason)
			}
			if len(f.users) != 0 {
				t.Fatal("a user was stored")
			}
		})
	}
}

func TestCreateUserDuplicate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nu    NewUser
		field string
	}{
		{"email other case", NewUser{Email: "TAKEN@example.COM", Username: "fresh", Password: "tidal mosaic frame"}, FieldEmail},
		{"username other case", NewUser{Email: "fresh@example.com", Username: "Taken", Password: "tidal mosaic frame"}, FieldUsername},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newTestService(t, nil)
			mustCreate(t, s, "taken", "tidal mosaic frame", storage.UserActive)
			_, err := s.CreateUser(t.Context(), tc.nu)
			var de *DuplicateError
			if !errors.Is(err, storage.ErrAlreadyExists) || !errors.As(err, &de) || de.Field != tc.field {
				t.Fatalf("CreateUser error = %v, want duplicate %s", err, tc.field)
			}
		})
	}
}

func TestCreateUserStoreError(t *testing.T) {
	s, f, _ := newTestService(t, nil)
	boom := errors.New("database down")
	f.usersErr = boom
	if _, err := s.CreateUser(t.Context(), NewUser{Email: "x@example.com", Password: "tidal mosaic frame"}); !errors.Is(err, boom) {
		t.Fatalf("CreateUser error = %v, want the store error", err)
	}
}

func TestListUsers(t *testing.T) {
	s, _, clock := newTestService(t, nil)
	for _, name := range []string{"first", "second", "third"} {
		mustCreate(t, s, name, "tidal mosaic frame", storage.UserActive)
		clock.Advance(time.Millisecond) // stores keep milliseconds
	}
	page, err := s.ListUsers(t.Context(), storage.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range page.Items {
		got = append(got, u.Username)
	}
	if strings.Join(got, ",") != "first,second,third" {
		t.Fatalf("ListUsers = %v", got)
	}
}

// TestCreateUserWithoutPassword: an administrator may create a user who
// sets a password later through a reset; such a user cannot sign in yet.
func TestCreateUserWithoutPassword(t *testing.T) {
	s, f, _ := newTestService(t, nil)
	u, err := s.CreateUser(t.Context(), NewUser{Email: "nopass@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if u.PasswordHash != "" || len(f.users) != 1 {
		t.Fatalf("hash %q, users %d", u.PasswordHash, len(f.users))
	}
	if _, err := s.Authenticate(t.Context(), "nopass@example.com", "", "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("empty password: %v", err)
	}
	if _, err := s.Authenticate(t.Context(), "nopass@example.com", "anything-at-all", "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("any password: %v", err)
	}
}
