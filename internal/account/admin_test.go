package account

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Administrators' user operations: create (no password, a set-password
// link), role changes only with permission, block ends sessions and
// tokens, unblock only from blocked, delete.
func TestAdminUserOperations(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	if _, err := e.r.Block(ctx, "u-self", "u-self"); !errors.Is(err, ErrSelfAction) || !errors.Is(err, ErrStateConflict) {
		t.Fatalf("blocking oneself = %v, want ErrSelfAction", err)
	}
	if err := e.r.DeleteUser(ctx, "u-self", "u-self"); !errors.Is(err, ErrSelfAction) {
		t.Fatalf("deleting oneself = %v, want ErrSelfAction", err)
	}
	if _, err := e.r.CreateUserByAdmin(ctx, AdminNewUser{Email: "ops@example.com", Role: storage.RoleAdmin}, "client:bot", false); !errors.Is(err, ErrRoleForbidden) {
		t.Fatalf("admin role without permission = %v", err)
	}
	var fe *FieldError
	if _, err := e.r.CreateUserByAdmin(ctx, AdminNewUser{Email: "bad\r\naddress"}, "", false); !errors.As(err, &fe) || fe.Field != FieldEmail {
		t.Fatalf("bad email = %v", err)
	}
	u, err := e.r.CreateUserByAdmin(ctx, AdminNewUser{Email: "kai@example.com", GivenName: "Kai"}, "client:bot", false)
	if err != nil || u.State != storage.UserActive || u.PasswordHash != "" || !u.EmailVerified {
		t.Fatalf("CreateUserByAdmin = %+v, %v", u, err)
	}
	e.lastLetter(t, LetterResetLink, "kai@example.com")
	if _, err := e.r.CreateUserByAdmin(ctx, AdminNewUser{Email: "KAI@example.com"}, "", false); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("duplicate = %v", err)
	}

	admin := storage.RoleAdmin
	name := "Kai Updated"
	if _, err := e.r.UpdateUserByAdmin(ctx, u.ID, AdminUserUpdate{GivenName: &name, Role: &admin}, "client:bot", false); !errors.Is(err, ErrRoleForbidden) {
		t.Fatalf("role without permission = %v", err)
	}
	if got, _ := e.r.User(ctx, u.ID); got.GivenName != "Kai" || got.Role != storage.RoleUser {
		t.Fatalf("a refused update changed the user: %+v", got)
	}
	got, err := e.r.UpdateUserByAdmin(ctx, u.ID, AdminUserUpdate{GivenName: &name, Role: &admin}, "admin-1", true)
	if err != nil || got.GivenName != name || got.Role != storage.RoleAdmin {
		t.Fatalf("UpdateUserByAdmin = %+v, %v", got, err)
	}

	if _, _, err := e.svc.StartSession(ctx, u.ID, SessionOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Unblock(ctx, u.ID, "admin-1"); !errors.Is(err, ErrStateConflict) {
		t.Fatalf("unblocking an active user = %v", err)
	}
	if b, err := e.r.Block(ctx, u.ID, "admin-1"); err != nil || b.State != storage.UserBlocked {
		t.Fatalf("Block = %+v, %v", b, err)
	}
	if list, _ := e.r.UserSessions(ctx, u.ID); len(list) != 0 {
		t.Fatalf("sessions after block: %d", len(list))
	}
	if _, err := e.r.Block(ctx, u.ID, "admin-1"); !errors.Is(err, ErrStateConflict) {
		t.Fatalf("blocking twice = %v", err)
	}
	if b, err := e.r.Unblock(ctx, u.ID, "admin-1"); err != nil || b.State != storage.UserActive {
		t.Fatalf("Unblock = %+v, %v", b, err)
	}
	if ev := e.events(t, EventAdminUserBlock); len(ev) != 1 || ev[0].ActorID != "admin-1" {
		t.Fatalf("block audit = %+v", ev)
	}
	if err := e.r.DeleteUser(ctx, u.ID, "admin-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.User(ctx, u.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("deleted user = %v", err)
	}
	if err := e.r.DeleteUser(ctx, u.ID, "admin-1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("deleting twice = %v", err)
	}
}

// Settings by key: registration and session keys validate before they are
// stored, and session lifetimes reach new sessions.
func TestAdminSetSetting(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	e.svc.UseSessionSettings(e.store.Settings(), 0)
	if _, err := e.r.SetSetting(ctx, "registration.mode", json.RawMessage(`"lottery"`), ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad mode = %v", err)
	}
	if _, err := e.r.SetSetting(ctx, "shoe.size", json.RawMessage(`44`), ""); !errors.Is(err, ErrUnknownSetting) {
		t.Fatalf("unknown key = %v", err)
	}
	rs, err := e.r.SetSetting(ctx, "registration.mode", json.RawMessage(`"closed"`), "admin-1")
	if err != nil || rs.Mode != ModeClosed {
		t.Fatalf("SetSetting = %+v, %v", rs.Mode, err)
	}
	if _, err := e.r.SetSetting(ctx, SettingSessionIdleTimeout, json.RawMessage(`"1s"`), ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("idle 1s = %v", err)
	}
	if _, err := e.r.SetSetting(ctx, SettingSessionIdleTimeout, json.RawMessage(`"9m"`), "admin-1"); err != nil {
		t.Fatal(err)
	}
	u, err := e.r.CreateUserByAdmin(ctx, AdminNewUser{Email: "lin@example.com"}, "", false)
	if err != nil {
		t.Fatal(err)
	}
	_, bs, err := e.svc.StartSession(ctx, u.ID, SessionOptions{})
	if err != nil || bs.IdleTimeout != 9*time.Minute {
		t.Fatalf("session idle timeout %s, %v; want 9m", bs.IdleTimeout, err)
	}
	if ev := e.events(t, EventAdminSettingsUpdated); len(ev) != 2 {
		t.Fatalf("settings audit = %+v", ev)
	}
}
