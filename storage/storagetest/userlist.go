package storagetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) userLists(t *testing.T) {
	s.test(t, "ListPages", testUserListPages)
	s.test(t, "ListDefaultLimitAndEmpty", testUserListDefaults)
	s.test(t, "ListFilterState", testUserListState)
	s.test(t, "ListQuery", testUserListQuery)
	s.test(t, "ListCreatedAfter", testUserListCreatedAfter)
	s.test(t, "ListInvalidCursor", testUserListBadCursor)
	s.test(t, "CountByState", testUserCount)
}

// createUsersAt creates n users one millisecond apart (two share each
// millisecond when same is set, to exercise the id tie-break) and returns
// their ids in creation order.
func createUsersAt(t *testing.T, st storage.Store, n int, same bool, opts ...func(*storage.User)) []string {
	t.Helper()
	var ids []string
	for i := range n {
		step := i
		if same {
			step = i / 2
		}
		u := createUser(t, st, append(opts, func(u *storage.User) {
			u.CreatedAt = clock().Add(time.Duration(step) * time.Millisecond)
		})...)
		ids = append(ids, u.ID)
	}
	return ids
}

func testUserListPages(t *testing.T, st storage.Store) {
	createUsersAt(t, st, 7, true)
	var got []storage.User
	f := storage.UserFilter{Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("more pages than expected")
		}
		page, err := st.Users().List(t.Context(), f)
		noErr(t, err)
		got = append(got, page.Items...)
		if page.Next == "" {
			if len(page.Items) != 1 {
				t.Fatalf("last page has %d users, want 1", len(page.Items))
			}
			break
		}
		if len(page.Items) != 3 {
			t.Fatalf("page has %d users, want 3", len(page.Items))
		}
		f.Cursor = page.Next
	}
	if len(got) != 7 {
		t.Fatalf("listed %d users, want 7", len(got))
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.CreatedAt.After(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID >= b.ID) {
			t.Fatalf("users %d and %d out of order: %v/%s then %v/%s", i-1, i, a.CreatedAt, a.ID, b.CreatedAt, b.ID)
		}
	}
}

func testUserListDefaults(t *testing.T, st storage.Store) {
	page, err := st.Users().List(t.Context(), storage.UserFilter{})
	noErr(t, err)
	if page.Items == nil || len(page.Items) != 0 || page.Next != "" {
		t.Fatalf("empty store: got %+v, want an empty non-nil list and no cursor", page)
	}
	createUsersAt(t, st, storage.DefaultLimit+1, false)
	page, err = st.Users().List(t.Context(), storage.UserFilter{})
	noErr(t, err)
	if len(page.Items) != storage.DefaultLimit || page.Next == "" {
		t.Fatalf("got %d users and cursor %q, want %d and a cursor", len(page.Items), page.Next, storage.DefaultLimit)
	}
}

func testUserListState(t *testing.T, st storage.Store) {
	createUsersAt(t, st, 3, false)
	pending := createUsersAt(t, st, 4, false, func(u *storage.User) { u.State = storage.UserPendingApproval })
	page, err := st.Users().List(t.Context(), storage.UserFilter{State: storage.UserPendingApproval, Limit: 2})
	noErr(t, err)
	page2, err := st.Users().List(t.Context(), storage.UserFilter{State: storage.UserPendingApproval, Cursor: page.Next})
	noErr(t, err)
	got := ids(append(page.Items, page2.Items...))
	slices.Sort(got)
	slices.Sort(pending)
	if !slices.Equal(got, pending) {
		t.Fatalf("pending_approval users: got %v, want %v", got, pending)
	}
	for _, u := range append(page.Items, page2.Items...) {
		if u.State != storage.UserPendingApproval {
			t.Fatalf("filter returned a %s user", u.State)
		}
	}
}

func testUserListQuery(t *testing.T, st storage.Store) {
	a := createUser(t, st, func(u *storage.User) { u.Email, u.GivenName = "alice@corp.test", "Alice" })
	b := createUser(t, st, func(u *storage.User) { u.Username, u.FamilyName = "bob_99", "Builder" })
	c := createUser(t, st, func(u *storage.User) { u.Company = "100% Pure Ltd" })
	cases := []struct {
		query string
		want  []string
	}{
		{"ALICE", []string{a.ID}},
		{"corp.TEST", []string{a.ID}},
		{"bob_", []string{b.ID}},
		{"_9", []string{b.ID}},
		{"build", []string{b.ID}},
		{"100%", []string{c.ID}},
		{"%", []string{c.ID}},
		{"nobody", nil},
	}
	for _, tc := range cases {
		page, err := st.Users().List(t.Context(), storage.UserFilter{Query: tc.query})
		noErr(t, err)
		if got := ids(page.Items); !slices.Equal(got, tc.want) {
			t.Errorf("query %q: got %v, want %v", tc.query, got, tc.want)
		}
	}
}

func testUserListBadCursor(t *testing.T, st storage.Store) {
	for _, cur := range []string{"!!!", "bm9jb21tYQ", "YWJjLGlk"} { // junk, "nocomma", "abc,id"
		_, err := st.Users().List(t.Context(), storage.UserFilter{Cursor: cur})
		if !isErr(err, storage.ErrInvalid) {
			t.Errorf("cursor %q: got %v, want ErrInvalid", cur, err)
		}
	}
}

func testUserCount(t *testing.T, st storage.Store) {
	counts, err := st.Users().CountByState(t.Context())
	noErr(t, err)
	if len(counts) != 0 {
		t.Fatalf("empty store counts %v", counts)
	}
	want := map[storage.UserState]int{storage.UserActive: 3, storage.UserBlocked: 1, storage.UserPendingVerification: 2}
	for state, n := range want {
		for range n {
			createUser(t, st, func(u *storage.User) { u.State = state })
		}
	}
	counts, err = st.Users().CountByState(t.Context())
	noErr(t, err)
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("CountByState = %v, want %v", counts, want)
	}
}

func ids(users []storage.User) []string {
	var out []string
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}

// testUserListCreatedAfter: CreatedAfter keeps users created strictly
// later, with pagination.
func testUserListCreatedAfter(t *testing.T, st storage.Store) {
	all := createUsersAt(t, st, 5, false)
	f := storage.UserFilter{CreatedAfter: clock().Add(time.Millisecond), Limit: 2}
	var got []string
	for range 4 {
		page, err := st.Users().List(t.Context(), f)
		noErr(t, err)
		got = append(got, ids(page.Items)...)
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if !slices.Equal(got, all[2:]) {
		t.Fatalf("created after the 2nd user: got %v, want %v", got, all[2:])
	}
}
