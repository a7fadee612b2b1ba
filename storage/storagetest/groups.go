package storagetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) groups(t *testing.T) {
	s.group(t, "Groups",
		sub("CreateAndFind", testGroupCreateFind),
		sub("NameUniqueFoldCase", testGroupNameUnique),
		sub("ListByName", testGroupList),
		sub("Membership", testGroupMembership),
		sub("DeleteCascades", testGroupDeleteCascades),
		sub("ClientAllowedGroups", testClientAllowedGroups),
	)
	s.group(t, "Invitations",
		sub("CreateConsumeOnce", testInvitationConsumeOnce),
		sub("ExpiredAndRevoked", testInvitationExpiredRevoked),
		sub("ParallelConsume20", testInvitationParallelConsume),
		sub("ListNewestFirst", testInvitationList),
	)
}

func createGroup(t *testing.T, st storage.Stores, name string) storage.Group {
	t.Helper()
	g := storage.Group{Name: name, Description: "about " + name}
	noErr(t, st.Groups().Create(t.Context(), &g))
	return g
}

func testGroupCreateFind(t *testing.T, st storage.Store) {
	g := createGroup(t, st, "Staff-"+storage.NewID())
	got, err := st.Groups().ByID(t.Context(), g.ID)
	noErr(t, err)
	if got.Name != g.Name || got.Description != g.Description || !got.CreatedAt.Equal(g.CreatedAt) {
		t.Fatalf("ByID = %+v, want %+v", got, g)
	}
	byName, err := st.Groups().ByName(t.Context(), storage.FoldCase(g.Name))
	noErr(t, err)
	if byName.ID != g.ID {
		t.Fatalf("ByName under case folding found %s, want %s", byName.ID, g.ID)
	}
	_, err = st.Groups().ByName(t.Context(), "nobody-"+storage.NewID())
	wantErr(t, err, storage.ErrNotFound)
	wantErr(t, st.Groups().Create(t.Context(), &storage.Group{Name: "  "}), storage.ErrInvalid)
	got.Description = "changed"
	got.Name = g.Name + "-renamed"
	noErr(t, st.Groups().Update(t.Context(), &got))
	again, err := st.Groups().ByID(t.Context(), g.ID)
	noErr(t, err)
	if again.Name != got.Name || again.Description != "changed" {
		t.Fatalf("after Update = %+v", again)
	}
}

func testGroupNameUnique(t *testing.T, st storage.Store) {
	name := "Ops-" + storage.NewID()
	createGroup(t, st, name)
	dup := storage.Group{Name: storage.FoldCase(name)}
	wantErr(t, st.Groups().Create(t.Context(), &dup), storage.ErrAlreadyExists)
	other := createGroup(t, st, "Other-"+storage.NewID())
	other.Name = name
	wantErr(t, st.Groups().Update(t.Context(), &other), storage.ErrAlreadyExists)
}

func testGroupList(t *testing.T, st storage.Store) {
	prefix := "list-" + storage.NewID()
	for _, n := range []string{"c", "A", "b"} {
		createGroup(t, st, prefix+n)
	}
	var names []string
	cursor := ""
	for {
		page, err := st.Groups().List(t.Context(), cursor, 2)
		noErr(t, err)
		for _, g := range page.Items {
			if len(g.Name) > len(prefix) && g.Name[:len(prefix)] == prefix {
				names = append(names, g.Name[len(prefix):])
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(names, []string{"A", "b", "c"}) {
		t.Fatalf("listed %v, want A b c (case-insensitive name order)", names)
	}
}

func testGroupMembership(t *testing.T, st storage.Store) {
	ctx := t.Context()
	g1, g2 := createGroup(t, st, "m1-"+storage.NewID()), createGroup(t, st, "m2-"+storage.NewID())
	u := createUser(t, st)
	added, err := st.Groups().AddMember(ctx, g1.ID, u.ID)
	noErr(t, err)
	if !added {
		t.Fatal("first AddMember reported not added")
	}
	added, err = st.Groups().AddMember(ctx, g1.ID, u.ID)
	noErr(t, err)
	if added {
		t.Fatal("second AddMember reported added")
	}
	_, err = st.Groups().AddMember(ctx, g2.ID, u.ID)
	noErr(t, err)
	_, err = st.Groups().AddMember(ctx, g2.ID, "no-such-user")
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Groups().AddMember(ctx, "no-such-group", u.ID)
	wantErr(t, err, storage.ErrNotFound)
	of, err := st.Groups().OfUser(ctx, u.ID)
	noErr(t, err)
	if len(of) != 2 || of[0].ID != g1.ID || of[1].ID != g2.ID {
		t.Fatalf("OfUser = %+v, want g1, g2", of)
	}
	members, err := st.Groups().Members(ctx, g1.ID, "", 10)
	noErr(t, err)
	if len(members.Items) != 1 || members.Items[0].ID != u.ID {
		t.Fatalf("Members = %+v", members.Items)
	}
	in, err := st.Groups().IsMember(ctx, g1.ID, u.ID)
	noErr(t, err)
	if !in {
		t.Fatal("IsMember false for a member")
	}
	noErr(t, st.Groups().RemoveMember(ctx, g1.ID, u.ID))
	wantErr(t, st.Groups().RemoveMember(ctx, g1.ID, u.ID), storage.ErrNotFound)
	of, err = st.Groups().OfUser(ctx, u.ID)
	noErr(t, err)
	if len(of) != 1 || of[0].ID != g2.ID {
		t.Fatalf("OfUser after removal = %+v, want g2", of)
	}
}

func testGroupDeleteCascades(t *testing.T, st storage.Store) {
	ctx := t.Context()
	g := createGroup(t, st, "del-"+storage.NewID())
	u, v := createUser(t, st), createUser(t, st)
	for _, id := range []string{u.ID, v.ID} {
		_, err := st.Groups().AddMember(ctx, g.ID, id)
		noErr(t, err)
	}
	noErr(t, st.Users().Delete(ctx, v.ID))
	members, err := st.Groups().Members(ctx, g.ID, "", 10)
	noErr(t, err)
	if len(members.Items) != 1 {
		t.Fatalf("after deleting a user the group has %d members, want 1", len(members.Items))
	}
	noErr(t, st.Groups().Delete(ctx, g.ID))
	wantErr(t, st.Groups().Delete(ctx, g.ID), storage.ErrNotFound)
	of, err := st.Groups().OfUser(ctx, u.ID)
	noErr(t, err)
	if len(of) != 0 {
		t.Fatalf("memberships outlived the group: %+v", of)
	}
}

func testClientAllowedGroups(t *testing.T, st storage.Store) {
	ctx := t.Context()
	c := storage.Client{ID: "ag-" + storage.NewID(), Name: "wiki", AllowedGroups: []string{"staff", "Ops"}}
	noErr(t, st.Clients().Create(ctx, &c))
	got, err := st.Clients().ByID(ctx, c.ID)
	noErr(t, err)
	if !slices.Equal(got.AllowedGroups, []string{"staff", "Ops"}) {
		t.Fatalf("AllowedGroups = %v", got.AllowedGroups)
	}
	got.AllowedGroups = nil
	noErr(t, st.Clients().Update(ctx, &got))
	again, err := st.Clients().ByID(ctx, c.ID)
	noErr(t, err)
	if len(again.AllowedGroups) != 0 {
		t.Fatalf("AllowedGroups after clearing = %v", again.AllowedGroups)
	}
}

func newInvitation(now time.Time) storage.Invitation {
	return storage.Invitation{Email: "inv-" + storage.NewID() + "@example.test", TokenHash: hashOf(),
		Groups: []string{"staff"}, CreatedBy: "admin", CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}
}

func testInvitationConsumeOnce(t *testing.T, st storage.Store) {
	ctx := t.Context()
	now := clock()
	inv := newInvitation(now)
	noErr(t, st.Invitations().Create(ctx, &inv))
	got, err := st.Invitations().ByTokenHash(ctx, inv.TokenHash)
	noErr(t, err)
	if got.ID != inv.ID || got.Email != inv.Email || !slices.Equal(got.Groups, []string{"staff"}) || !got.UsedAt.IsZero() {
		t.Fatalf("ByTokenHash = %+v", got)
	}
	u := createUser(t, st)
	used, err := st.Invitations().Consume(ctx, inv.TokenHash, u.ID, now.Add(time.Minute))
	noErr(t, err)
	if used.UserID != u.ID || used.UsedAt.IsZero() {
		t.Fatalf("Consume = %+v", used)
	}
	_, err = st.Invitations().Consume(ctx, inv.TokenHash, u.ID, now.Add(2*time.Minute))
	wantErr(t, err, storage.ErrConflict)
	wantErr(t, st.Invitations().Revoke(ctx, inv.ID, now), storage.ErrConflict)
	_, err = st.Invitations().Consume(ctx, hashOf(), u.ID, now)
	wantErr(t, err, storage.ErrNotFound)
}

func testInvitationExpiredRevoked(t *testing.T, st storage.Store) {
	ctx := t.Context()
	now := clock()
	inv := newInvitation(now)
	noErr(t, st.Invitations().Create(ctx, &inv))
	_, err := st.Invitations().Consume(ctx, inv.TokenHash, "", inv.ExpiresAt)
	wantErr(t, err, storage.ErrNotFound)
	other := newInvitation(now)
	noErr(t, st.Invitations().Create(ctx, &other))
	noErr(t, st.Invitations().Revoke(ctx, other.ID, now))
	wantErr(t, st.Invitations().Revoke(ctx, other.ID, now), storage.ErrConflict)
	wantErr(t, st.Invitations().Revoke(ctx, "nope", now), storage.ErrNotFound)
	_, err = st.Invitations().Consume(ctx, other.TokenHash, "", now)
	wantErr(t, err, storage.ErrNotFound)
	got, err := st.Invitations().ByID(ctx, other.ID)
	noErr(t, err)
	if got.RevokedAt.IsZero() {
		t.Fatal("revoked invitation has no RevokedAt")
	}
}

func testInvitationParallelConsume(t *testing.T, st storage.Store) {
	ctx := t.Context()
	inv := newInvitation(clock())
	noErr(t, st.Invitations().Create(ctx, &inv))
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		wg.Go(func() {
			if _, err := st.Invitations().Consume(ctx, inv.TokenHash, "", clock()); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d parallel consumes won, want 1", wins)
	}
}

func testInvitationList(t *testing.T, st storage.Store) {
	ctx := t.Context()
	base := epoch()
	var ids []string
	for i := range 3 {
		inv := newInvitation(base.Add(timeStep(i)))
		noErr(t, st.Invitations().Create(ctx, &inv))
		ids = append(ids, inv.ID)
	}
	page, err := st.Invitations().List(ctx, "", 500)
	noErr(t, err)
	var got []string
	for _, inv := range page.Items {
		if slices.Contains(ids, inv.ID) {
			got = append(got, inv.ID)
		}
	}
	if !slices.Equal(got, []string{ids[2], ids[1], ids[0]}) {
		t.Fatalf("List order %v, want newest first %v", got, ids)
	}
}
