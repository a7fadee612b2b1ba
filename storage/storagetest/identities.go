package storagetest

import (
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) identities(t *testing.T) {
	s.test(t, "CreateAndLookup", testIdentityRoundTrip)
	s.test(t, "DuplicateProviderSubject", testIdentityDuplicate)
	s.test(t, "UnknownUser", testIdentityUnknownUser)
	s.test(t, "RejectsInvalid", testIdentityInvalid)
	s.test(t, "ListByUser", testIdentityList)
	s.test(t, "Touch", testIdentityTouch)
	s.test(t, "Delete", testIdentityDelete)
}

func testIdentityRoundTrip(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	id := storage.Identity{UserID: u.ID, Provider: "google", Subject: "1234567890", Email: "ada@gmail.test"}
	noErr(t, st.Identities().Create(t.Context(), &id))
	if len(id.ID) != storage.IDLength || !id.LastUsedAt.IsZero() {
		t.Fatalf("Create set %+v", id)
	}
	wantUTCMillis(t, "CreatedAt", id.CreatedAt)
	got, err := st.Identities().ByProviderSubject(t.Context(), "google", "1234567890")
	noErr(t, err)
	if !reflect.DeepEqual(got, id) {
		t.Fatalf("ByProviderSubject:\n got %+v\nwant %+v", got, id)
	}
	for _, key := range [][2]string{{"google", "123456789"}, {"github", "1234567890"}, {"Google", "1234567890"}} {
		_, err := st.Identities().ByProviderSubject(t.Context(), key[0], key[1])
		if !isErr(err, storage.ErrNotFound) {
			t.Errorf("ByProviderSubject(%q, %q) = %v, want ErrNotFound", key[0], key[1], err)
		}
	}
}

func testIdentityDuplicate(t *testing.T, st storage.Store) {
	a, b := createUser(t, st), createUser(t, st)
	first := storage.Identity{UserID: a.ID, Provider: "github", Subject: "7"}
	noErr(t, st.Identities().Create(t.Context(), &first))
	dup := storage.Identity{UserID: b.ID, Provider: "github", Subject: "7"}
	wantErr(t, st.Identities().Create(t.Context(), &dup), storage.ErrAlreadyExists)
	other := storage.Identity{UserID: b.ID, Provider: "gitlab", Subject: "7"}
	noErr(t, st.Identities().Create(t.Context(), &other)) // same subject, other provider
}

func testIdentityUnknownUser(t *testing.T, st storage.Store) {
	id := storage.Identity{UserID: storage.NewID(), Provider: "github", Subject: "1"}
	wantErr(t, st.Identities().Create(t.Context(), &id), storage.ErrNotFound)
}

func testIdentityInvalid(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	for _, id := range []storage.Identity{
		{Provider: "github", Subject: "1"},
		{UserID: u.ID, Subject: "1"},
		{UserID: u.ID, Provider: "github"},
	} {
		if err := st.Identities().Create(t.Context(), &id); !isErr(err, storage.ErrInvalid) {
			t.Errorf("Create(%+v) = %v, want ErrInvalid", id, err)
		}
	}
}

func testIdentityList(t *testing.T, st storage.Store) {
	u, other := createUser(t, st), createUser(t, st)
	list, err := st.Identities().ListByUser(t.Context(), u.ID)
	noErr(t, err)
	if len(list) != 0 {
		t.Fatalf("new user has identities %v", list)
	}
	var want []string
	for i, p := range []string{"github", "google", "gitlab"} {
		id := storage.Identity{UserID: u.ID, Provider: p, Subject: "s", CreatedAt: clock().Add(timeStep(i))}
		noErr(t, st.Identities().Create(t.Context(), &id))
		want = append(want, id.ID)
	}
	theirs := storage.Identity{UserID: other.ID, Provider: "github", Subject: "other"}
	noErr(t, st.Identities().Create(t.Context(), &theirs))
	list, err = st.Identities().ListByUser(t.Context(), u.ID)
	noErr(t, err)
	var got []string
	for _, id := range list {
		got = append(got, id.ID)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ListByUser = %v, want %v (oldest first)", got, want)
	}
}

func testIdentityTouch(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	id := storage.Identity{UserID: u.ID, Provider: "github", Subject: "9"}
	noErr(t, st.Identities().Create(t.Context(), &id))
	at := clock().Add(timeStep(5))
	noErr(t, st.Identities().Touch(t.Context(), id.ID, at))
	got, err := st.Identities().ByProviderSubject(t.Context(), "github", "9")
	noErr(t, err)
	if !got.LastUsedAt.Equal(at) {
		t.Fatalf("LastUsedAt = %v, want %v", got.LastUsedAt, at)
	}
	wantUTCMillis(t, "LastUsedAt", got.LastUsedAt)
	wantErr(t, st.Identities().Touch(t.Context(), storage.NewID(), at), storage.ErrNotFound)
}

func testIdentityDelete(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	id := storage.Identity{UserID: u.ID, Provider: "github", Subject: "3"}
	noErr(t, st.Identities().Create(t.Context(), &id))
	noErr(t, st.Identities().Delete(t.Context(), id.ID))
	_, err := st.Identities().ByProviderSubject(t.Context(), "github", "3")
	wantErr(t, err, storage.ErrNotFound)
	wantErr(t, st.Identities().Delete(t.Context(), id.ID), storage.ErrNotFound)
	if _, err := st.Users().ByID(t.Context(), u.ID); err != nil {
		t.Fatalf("deleting an identity touched its user: %v", err)
	}
}
