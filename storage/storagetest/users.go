package storagetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) users(t *testing.T) {
	s.test(t, "CreateAndByID", testUserRoundTrip)
	s.test(t, "CreateKeepsGivenIDAndTime", testUserGivenID)
	s.test(t, "CreateRejectsInvalid", testUserInvalid)
	s.test(t, "DuplicateEmailIgnoresCase", testUserDuplicateEmail)
	s.test(t, "DuplicateUsernameIgnoresCase", testUserDuplicateUsername)
	s.test(t, "DuplicateID", testUserDuplicateID)
	s.test(t, "EmptyUsernamesDoNotCollide", testUserEmptyUsernames)
	s.test(t, "ByIDNotFound", testUserNotFound)
	s.test(t, "ByLogin", testUserByLogin)
	s.test(t, "Update", testUserUpdate)
	s.test(t, "UpdateStaleIsConflict", testUserUpdateStale)
	s.test(t, "UpdateMissingIsNotFound", testUserUpdateMissing)
	s.test(t, "UpdateToTakenEmail", testUserUpdateTaken)
	s.test(t, "Delete", testUserDelete)
	s.test(t, "DeleteCascades", testUserDeleteCascades)
	s.test(t, "TermsAcceptedAt", testUserTerms)
	s.userLists(t)
}

func testUserRoundTrip(t *testing.T, st storage.Store) {
	u := newUser(func(u *storage.User) {
		u.Username = "Ada.L"
		u.EmailVerified = true
		u.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
		u.Company, u.Country, u.Locale = "Analytical Engines", "GB", "en-GB"
		u.Role = storage.RoleAdmin
		u.TermsAcceptedAt = clock().Add(-time.Hour + 321*time.Microsecond)
		u.PasswordChangeRequired = true
	})
	noErr(t, st.Users().Create(t.Context(), &u))
	if !u.TermsAcceptedAt.Equal(clock().Add(-time.Hour)) {
		t.Fatalf("Create set TermsAcceptedAt %v, want it to the millisecond", u.TermsAcceptedAt)
	}
	if len(u.ID) != storage.IDLength {
		t.Fatalf("Create set ID %q, want %d characters", u.ID, storage.IDLength)
	}
	wantUTCMillis(t, "CreatedAt", u.CreatedAt)
	if !u.UpdatedAt.Equal(u.CreatedAt) {
		t.Fatalf("UpdatedAt %v != CreatedAt %v", u.UpdatedAt, u.CreatedAt)
	}
	got, err := st.Users().ByID(t.Context(), u.ID)
	noErr(t, err)
	if !reflect.DeepEqual(got, u) {
		t.Fatalf("ByID:\n got %+v\nwant %+v", got, u)
	}
	wantUTCMillis(t, "read CreatedAt", got.CreatedAt)
}

func testUserGivenID(t *testing.T, st storage.Store) {
	at := clock().Add(123 * time.Microsecond) // below the kept precision
	u := newUser(func(u *storage.User) { u.ID, u.CreatedAt = "given-id", at })
	noErr(t, st.Users().Create(t.Context(), &u))
	if u.ID != "given-id" || !u.CreatedAt.Equal(clock()) || u.Role != storage.RoleUser {
		t.Fatalf("Create changed the user to %+v", u)
	}
	got, err := st.Users().ByID(t.Context(), "given-id")
	noErr(t, err)
	if !got.CreatedAt.Equal(clock()) || got.Role != storage.RoleUser {
		t.Fatalf("stored %+v", got)
	}
}

func testUserInvalid(t *testing.T, st storage.Store) {
	for name, mod := range map[string]func(*storage.User){
		"no state":      func(u *storage.User) { u.State = "" },
		"unknown state": func(u *storage.User) { u.State = "deleted" },
		"unknown role":  func(u *storage.User) { u.Role = "root" },
	} {
		u := newUser(mod)
		if err := st.Users().Create(t.Context(), &u); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: Create = %v, want ErrInvalid", name, err)
		}
	}
}

func testUserDuplicateEmail(t *testing.T, st storage.Store) {
	createUser(t, st, func(u *storage.User) { u.Email = "Grace.Hopper@Example.TEST" })
	dup := newUser(func(u *storage.User) { u.Email = "grace.hopper@example.test" })
	wantErr(t, st.Users().Create(t.Context(), &dup), storage.ErrAlreadyExists)
}

func testUserDuplicateUsername(t *testing.T, st storage.Store) {
	createUser(t, st, func(u *storage.User) { u.Username = "Hopper" })
	dup := newUser(func(u *storage.User) { u.Username = "hOPPER" })
	wantErr(t, st.Users().Create(t.Context(), &dup), storage.ErrAlreadyExists)
}

func testUserDuplicateID(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	dup := newUser(func(d *storage.User) { d.ID = u.ID })
	wantErr(t, st.Users().Create(t.Context(), &dup), storage.ErrAlreadyExists)
}

func testUserEmptyUsernames(t *testing.T, st storage.Store) {
	createUser(t, st)
	createUser(t, st) // neither has a username
	createUser(t, st, func(u *storage.User) { u.Email = "" })
	createUser(t, st, func(u *storage.User) { u.Email = "" }) // nor an email
}

func testUserNotFound(t *testing.T, st storage.Store) {
	_, err := st.Users().ByID(t.Context(), storage.NewID())
	wantErr(t, err, storage.ErrNotFound)
}

func testUserByLogin(t *testing.T, st storage.Store) {
	u := createUser(t, st, func(u *storage.User) { u.Email, u.Username = "Mixed@Example.test", "MixedCase" })
	other := createUser(t, st, func(u *storage.User) { u.Email, u.Username = "x@example.test", "mixed@example.test" })
	cases := []struct {
		name, login, want string
	}{
		{"email exact", "Mixed@Example.test", u.ID},
		{"email other case", "MIXED@EXAMPLE.TEST", u.ID},
		{"username other case", "mixedcase", u.ID},
		{"email wins over username", "mixed@example.test", u.ID},
		{"username exact", "MixedCase", u.ID},
		{"other user's email", "X@example.test", other.ID},
	}
	for _, c := range cases {
		got, err := st.Users().ByLogin(t.Context(), c.login)
		if err != nil || got.ID != c.want {
			t.Errorf("%s: ByLogin(%q) = %q, %v; want %q", c.name, c.login, got.ID, err, c.want)
		}
	}
	createUser(t, st, func(u *storage.User) { u.Email = "" }) // no email, no username
	for _, login := range []string{"", "nobody@example.test", "Mixed"} {
		_, err := st.Users().ByLogin(t.Context(), login)
		if !isErr(err, storage.ErrNotFound) {
			t.Errorf("ByLogin(%q) = %v, want ErrNotFound", login, err)
		}
	}
}

func testUserUpdate(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	before := u.UpdatedAt
	u.Username, u.Email, u.EmailVerified = "newname", "New@Example.test", true
	u.PasswordHash, u.GivenName, u.FamilyName = "$argon2id$new", "Grace", "Hopper"
	u.Company, u.Country, u.Locale = "Navy", "US", "en-US"
	u.Role, u.State = storage.RoleAdmin, storage.UserBlocked
	u.TermsAcceptedAt = clock()
	u.PasswordChangeRequired = true
	noErr(t, st.Users().Update(t.Context(), &u))
	if !u.UpdatedAt.After(before) {
		t.Fatalf("UpdatedAt %v did not advance past %v", u.UpdatedAt, before)
	}
	got, err := st.Users().ByID(t.Context(), u.ID)
	noErr(t, err)
	if !reflect.DeepEqual(got, u) {
		t.Fatalf("after Update:\n got %+v\nwant %+v", got, u)
	}
	if _, err := st.Users().ByLogin(t.Context(), "new@example.test"); err != nil {
		t.Fatalf("ByLogin(new email): %v", err)
	}
	u.State = "gone"
	wantErr(t, st.Users().Update(t.Context(), &u), storage.ErrInvalid)
}

func testUserUpdateStale(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	first, second := u, u
	first.GivenName = "First"
	noErr(t, st.Users().Update(t.Context(), &first))
	second.GivenName = "Second"
	wantErr(t, st.Users().Update(t.Context(), &second), storage.ErrConflict)
	got, err := st.Users().ByID(t.Context(), u.ID)
	noErr(t, err)
	if got.GivenName != "First" {
		t.Fatalf("stale update overwrote the user: %q", got.GivenName)
	}
	first.GivenName = "Third" // the fresh copy still updates
	noErr(t, st.Users().Update(t.Context(), &first))
}

func testUserUpdateMissing(t *testing.T, st storage.Store) {
	u := newUser(func(u *storage.User) { u.ID = storage.NewID() })
	wantErr(t, st.Users().Update(t.Context(), &u), storage.ErrNotFound)
}

func testUserUpdateTaken(t *testing.T, st storage.Store) {
	a := createUser(t, st, func(u *storage.User) { u.Username = "alpha" })
	b := createUser(t, st)
	b.Email = a.Email
	wantErr(t, st.Users().Update(t.Context(), &b), storage.ErrAlreadyExists)
	b = createUser(t, st)
	b.Username = "ALPHA"
	wantErr(t, st.Users().Update(t.Context(), &b), storage.ErrAlreadyExists)
}

func testUserDelete(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	noErr(t, st.Users().Delete(t.Context(), u.ID))
	_, err := st.Users().ByID(t.Context(), u.ID)
	wantErr(t, err, storage.ErrNotFound)
	wantErr(t, st.Users().Delete(t.Context(), u.ID), storage.ErrNotFound)
	again := newUser(func(n *storage.User) { n.Email = u.Email })
	noErr(t, st.Users().Create(t.Context(), &again)) // the email is free again
}

func testUserDeleteCascades(t *testing.T, st storage.Store) {
	ctx := t.Context()
	u := createUser(t, st)
	id := storage.Identity{UserID: u.ID, Provider: "github", Subject: "42"}
	noErr(t, st.Identities().Create(ctx, &id))
	bs := newSession(u.ID, clock())
	noErr(t, st.Sessions().Create(ctx, &bs))
	noErr(t, st.Users().Delete(ctx, u.ID))
	_, err := st.Identities().ByProviderSubject(ctx, "github", "42")
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Sessions().ByTokenHash(ctx, bs.TokenHash, clock())
	wantErr(t, err, storage.ErrNotFound)
}

// testUserTerms: TermsAcceptedAt is zero until set, kept to the
// millisecond by every method, and can be cleared.
func testUserTerms(t *testing.T, st storage.Store) {
	ctx := t.Context()
	u := createUser(t, st, func(u *storage.User) { u.Username = "terms-" + storage.NewID() })
	got, err := st.Users().ByID(ctx, u.ID)
	noErr(t, err)
	if !got.TermsAcceptedAt.IsZero() {
		t.Fatalf("TermsAcceptedAt of a new user = %v, want zero", got.TermsAcceptedAt)
	}
	u.TermsAcceptedAt = clock().Add(654 * time.Microsecond)
	noErr(t, st.Users().Update(ctx, &u))
	if !u.TermsAcceptedAt.Equal(clock()) {
		t.Fatalf("Update left TermsAcceptedAt %v, want %v", u.TermsAcceptedAt, clock())
	}
	byID, err := st.Users().ByID(ctx, u.ID)
	noErr(t, err)
	byLogin, err := st.Users().ByLogin(ctx, u.Username)
	noErr(t, err)
	page, err := st.Users().List(ctx, storage.UserFilter{Query: u.Username})
	noErr(t, err)
	if len(page.Items) != 1 {
		t.Fatalf("List found %d users", len(page.Items))
	}
	for what, got := range map[string]storage.User{"ByID": byID, "ByLogin": byLogin, "List": page.Items[0]} {
		if !reflect.DeepEqual(got, u) {
			t.Fatalf("%s:\n got %+v\nwant %+v", what, got, u)
		}
		wantUTCMillis(t, what+" TermsAcceptedAt", got.TermsAcceptedAt)
	}
	u.TermsAcceptedAt = time.Time{}
	noErr(t, st.Users().Update(ctx, &u))
	got, err = st.Users().ByID(ctx, u.ID)
	noErr(t, err)
	if !got.TermsAcceptedAt.IsZero() {
		t.Fatalf("cleared TermsAcceptedAt reads back as %v", got.TermsAcceptedAt)
	}
}
