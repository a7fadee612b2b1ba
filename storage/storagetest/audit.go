package storagetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) audit(t *testing.T) {
	s.test(t, "AppendAndList", testAuditRoundTrip)
	s.test(t, "RejectsInvalid", testAuditInvalid)
	s.test(t, "NewestFirstPages", testAuditPages)
	s.test(t, "Filters", testAuditFilters)
	s.test(t, "OutlivesUser", testAuditOutlivesUser)
}

func testAuditRoundTrip(t *testing.T, st storage.Store) {
	e := storage.AuditEvent{
		Type: "user.login", ActorID: "actor", UserID: "subject", IP: "192.0.2.7",
		Details: map[string]string{"method": "pwd", "client": "app"},
	}
	noErr(t, st.Audit().Append(t.Context(), &e))
	if len(e.ID) != storage.IDLength {
		t.Fatalf("Append set ID %q", e.ID)
	}
	wantUTCMillis(t, "Time", e.Time)
	page, err := st.Audit().List(t.Context(), storage.AuditFilter{})
	noErr(t, err)
	if len(page.Items) != 1 || page.Next != "" || !reflect.DeepEqual(page.Items[0], e) {
		t.Fatalf("List = %+v, want just %+v", page, e)
	}
	bare := storage.AuditEvent{Type: "system.start"}
	noErr(t, st.Audit().Append(t.Context(), &bare))
	page, err = st.Audit().List(t.Context(), storage.AuditFilter{Type: "system.start"})
	noErr(t, err)
	if len(page.Items) != 1 || len(page.Items[0].Details) != 0 || page.Items[0].UserID != "" {
		t.Fatalf("bare event read back as %+v", page.Items)
	}
}

func testAuditInvalid(t *testing.T, st storage.Store) {
	wantErr(t, st.Audit().Append(t.Context(), &storage.AuditEvent{UserID: "u"}), storage.ErrInvalid)
	_, err := st.Audit().List(t.Context(), storage.AuditFilter{Cursor: "%%%"})
	wantErr(t, err, storage.ErrInvalid)
}

// appendEvents appends n events of the type, one second apart from
// clock()+offset (two per second when same is set), and returns their ids.
func appendEvents(t *testing.T, st storage.Store, n int, same bool, mod func(*storage.AuditEvent)) []string {
	t.Helper()
	var ids []string
	for i := range n {
		step := i
		if same {
			step = i / 2
		}
		e := storage.AuditEvent{Type: "test.event", Time: clock().Add(timeStep(step))}
		if mod != nil {
			mod(&e)
		}
		noErr(t, st.Audit().Append(t.Context(), &e))
		ids = append(ids, e.ID)
	}
	return ids
}

func testAuditPages(t *testing.T, st storage.Store) {
	appendEvents(t, st, 9, true, nil)
	var got []storage.AuditEvent
	f := storage.AuditFilter{Limit: 4}
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("more pages than expected")
		}
		page, err := st.Audit().List(t.Context(), f)
		noErr(t, err)
		got = append(got, page.Items...)
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if len(got) != 9 {
		t.Fatalf("listed %d events, want 9", len(got))
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.Time.Before(b.Time) || (a.Time.Equal(b.Time) && a.ID <= b.ID) {
			t.Fatalf("events %d and %d out of order (want newest first)", i-1, i)
		}
	}
}

func testAuditFilters(t *testing.T, st storage.Store) {
	alice := appendEvents(t, st, 3, false, func(e *storage.AuditEvent) { e.UserID = "alice" })
	byAdmin := appendEvents(t, st, 2, false, func(e *storage.AuditEvent) {
		e.UserID, e.ActorID, e.Type = "bob", "admin", "admin.user.block"
		e.Time = e.Time.Add(time.Minute)
	})
	cases := []struct {
		name string
		f    storage.AuditFilter
		want []string
	}{
		{"user", storage.AuditFilter{UserID: "alice"}, reversed(alice)},
		{"actor", storage.AuditFilter{ActorID: "admin"}, reversed(byAdmin)},
		{"type", storage.AuditFilter{Type: "admin.user.block"}, reversed(byAdmin)},
		{"since", storage.AuditFilter{Since: clock().Add(timeStep(1))}, append(reversed(byAdmin), alice[2], alice[1])},
		{"until", storage.AuditFilter{Until: clock().Add(timeStep(1))}, alice[:1]},
		{"user and since", storage.AuditFilter{UserID: "alice", Since: clock().Add(timeStep(2))}, alice[2:]},
		{"no match", storage.AuditFilter{UserID: "alice", Type: "admin.user.block"}, nil},
	}
	for _, c := range cases {
		page, err := st.Audit().List(t.Context(), c.f)
		noErr(t, err)
		var got []string
		for _, e := range page.Items {
			got = append(got, e.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func testAuditOutlivesUser(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	noErr(t, st.Audit().Append(t.Context(), &storage.AuditEvent{Type: "user.delete", UserID: u.ID}))
	noErr(t, st.Users().Delete(t.Context(), u.ID))
	page, err := st.Audit().List(t.Context(), storage.AuditFilter{UserID: u.ID})
	noErr(t, err)
	if len(page.Items) != 1 {
		t.Fatalf("events of the deleted user: %d, want 1", len(page.Items))
	}
}

func reversed(ids []string) []string {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}
