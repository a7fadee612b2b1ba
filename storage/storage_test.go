package storage_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := storage.NewID()
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if len(id) != storage.IDLength || err != nil || len(raw) != 16 {
			t.Fatalf("NewID() = %q (%v), want 22 base64url characters of 128 bits", id, err)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
}

func TestTime(t *testing.T) {
	local := time.FixedZone("X", 3600)
	in := time.Date(2030, 1, 2, 3, 4, 5, 678_901_234, local)
	got := storage.Time(in)
	want := time.Date(2030, 1, 2, 2, 4, 5, 678_000_000, time.UTC)
	if got != want {
		t.Fatalf("Time(%v) = %v, want %v", in, got, want)
	}
	if !storage.Time(time.Time{}).IsZero() {
		t.Fatal("Time of the zero time is not zero")
	}
}

func TestValid(t *testing.T) {
	for _, s := range storage.UserStates() {
		if !s.Valid() {
			t.Errorf("%s is not Valid", s)
		}
	}
	for _, s := range []storage.UserState{"", "Active", "deleted"} {
		if s.Valid() {
			t.Errorf("%q is Valid", s)
		}
	}
	if !storage.RoleAdmin.Valid() || !storage.RoleUser.Valid() || storage.Role("root").Valid() {
		t.Error("Role.Valid is wrong")
	}
}

func TestFoldCase(t *testing.T) {
	if storage.FoldCase("Ada@Example.TEST") != storage.FoldCase("ada@example.test") {
		t.Fatal("FoldCase does not ignore ASCII case")
	}
	if storage.FoldCase("ÄDA") != storage.FoldCase("äda") {
		t.Fatal("FoldCase does not ignore non-ASCII case")
	}
}

func TestSessionLive(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	s := storage.BrowserSession{LastSeenAt: now, ExpiresAt: now.Add(time.Hour), IdleTimeout: 10 * time.Minute}
	cases := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"now", now, true},
		{"just before idle", now.Add(10*time.Minute - time.Millisecond), true},
		{"idle", now.Add(10 * time.Minute), false},
		{"expired", now.Add(time.Hour), false},
	}
	for _, c := range cases {
		if got := s.Live(c.at); got != c.want {
			t.Errorf("%s: Live = %v, want %v", c.name, got, c.want)
		}
	}
	s.IdleTimeout = 0
	if !s.Live(now.Add(59 * time.Minute)) {
		t.Error("a session without idle timeout died before ExpiresAt")
	}
}
