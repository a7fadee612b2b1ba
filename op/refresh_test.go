package op

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

func TestRefreshRotationAndReuse(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	u := e.addUser(storage.UserActive)
	first := e.tokens(u, "")
	_, idc := e.verifyJWT(str(first, "id_token"))

	e.clock.Advance(time.Hour)
	status, second := e.refresh(str(first, "refresh_token"), "")
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, second)
	}
	if str(second, "refresh_token") == "" || str(second, "refresh_token") == str(first, "refresh_token") {
		t.Fatal("refresh token not rotated")
	}
	_, idc2 := e.verifyJWT(str(second, "id_token"))
	if idc2["sub"] != idc["sub"] || idc2["auth_time"] != idc["auth_time"] || idc2["sid"] != idc["sid"] {
		t.Fatalf("refreshed ID token sub/auth_time/sid %v/%v/%v, want %v/%v/%v",
			idc2["sub"], idc2["auth_time"], idc2["sid"], idc["sub"], idc["auth_time"], idc["sid"])
	}

	// Reusing the first (rotated) token revokes the whole family.
	if status, body := e.refresh(str(first, "refresh_token"), ""); status != http.StatusBadRequest || str(body, "error") != "invalid_grant" {
		t.Fatalf("reuse: %d %v", status, body)
	}
	if status, body := e.refresh(str(second, "refresh_token"), ""); status != http.StatusBadRequest {
		t.Fatalf("successor after reuse: %d %v, want refused", status, body)
	}
	for _, at := range []string{str(first, "access_token"), str(second, "access_token")} {
		if status, _ := e.userinfo(at); status == http.StatusOK {
			t.Fatal("access token of a revoked family still works")
		}
	}
}

func TestRefreshNarrowsScopesForOneExchange(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	first := e.tokens(e.addUser(storage.UserActive), "")
	status, second := e.tokenResponse(map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {str(first, "refresh_token")},
		"client_id": {"app"}, "scope": {"openid email"}}, "")
	if status != http.StatusOK || str(second, "scope") != "openid email" {
		t.Fatalf("narrowed refresh: %d %v", status, second)
	}
	status, third := e.refresh(str(second, "refresh_token"), "")
	if status != http.StatusOK || str(third, "scope") != "openid profile email offline_access" {
		t.Fatalf("next refresh: %d %v, want the family's full scopes", status, third)
	}
	if status, body := e.tokenResponse(map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {str(third, "refresh_token")},
		"client_id": {"app"}, "scope": {"openid orders:write"}}, ""); status != http.StatusBadRequest || str(body, "error") != "invalid_scope" {
		t.Fatalf("widened refresh: %d %v", status, body)
	}
}

func TestParallelRefreshHasOneWinner(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	rt := str(e.tokens(e.addUser(storage.UserActive), ""), "refresh_token")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		wg.Go(func() {
			if status, _ := e.refresh(rt, ""); status == http.StatusOK {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d parallel refreshes succeeded, want exactly 1", wins)
	}
	for _, tok := range e.f.refresh {
		if tok.RevokedAt.IsZero() {
			t.Fatalf("refresh token %s survived a parallel reuse", tok.ID)
		}
	}
}

func TestRefreshLifetimes(t *testing.T) {
	e := newTestEnv(t, func(o *Options) { o.RefreshTokenLifetime, o.RefreshFamilyLifetime = time.Hour, 90*time.Minute })
	e.addClient(storage.Client{Public: true})
	u := e.addUser(storage.UserActive)

	body := e.tokens(u, "")
	e.clock.Advance(time.Hour)
	if status, _ := e.refresh(str(body, "refresh_token"), ""); status != http.StatusBadRequest {
		t.Fatal("refresh token outlived its idle lifetime")
	}

	body = e.tokens(u, "")
	for range 2 { // rotating every 40 minutes keeps it alive until the family ends
		e.clock.Advance(40 * time.Minute)
		status, next := e.refresh(str(body, "refresh_token"), "")
		if status != http.StatusOK {
			t.Fatalf("refresh within the family lifetime: %d %v", status, next)
		}
		body = next
	}
	e.clock.Advance(11 * time.Minute) // 91 minutes since the family started
	if status, _ := e.refresh(str(body, "refresh_token"), ""); status != http.StatusBadRequest {
		t.Fatal("rotation extended the family past its absolute lifetime")
	}
}

func TestGetRefreshTokenInfo(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	e.addClient(storage.Client{ID: "other", Public: true})
	body := e.tokens(e.addUser(storage.UserActive), "")
	ctx := context.Background()
	for name, tok := range map[string]string{
		"garbage":      "not-a-token",
		"empty":        "",
		"access token": str(body, "access_token"),
		"id token":     str(body, "id_token"),
	} {
		if _, _, err := e.p.st.GetRefreshTokenInfo(ctx, "app", tok); !errors.Is(err, zop.ErrInvalidRefreshToken) {
			t.Errorf("%s: err = %v, want ErrInvalidRefreshToken", name, err)
		}
	}
	rt := str(body, "refresh_token")
	if _, _, err := e.p.st.GetRefreshTokenInfo(ctx, "other", rt); !errors.Is(err, zop.ErrInvalidRefreshToken) {
		t.Errorf("other client: err = %v, want ErrInvalidRefreshToken", err)
	}
	userID, id, err := e.p.st.GetRefreshTokenInfo(ctx, "app", rt)
	if err != nil || userID == "" || id == "" {
		t.Fatalf("GetRefreshTokenInfo = %q, %q, %v", userID, id, err)
	}
}
