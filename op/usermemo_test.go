package op

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// TestTokenRequestReadsItsUserOnce: the grant check and the ID token's
// claims share one read of the user per token request (the code exchange
// and the refresh), and the memo does not outlive the request: a user
// blocked after one exchange is refused at the next refresh.
func TestTokenRequestReadsItsUserOnce(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	u := e.addUser(storage.UserActive)

	code := e.codeFor(authQuery(), u)
	before := e.userReads()
	status, first := e.tokenResponse(exchangeForm(code), "")
	if status != http.StatusOK || str(first, "id_token") == "" {
		t.Fatalf("code exchange: %d %v", status, first)
	}
	if n := e.userReads() - before; n != 1 {
		t.Errorf("the code exchange read the user %d times, want 1", n)
	}

	before = e.userReads()
	status, second := e.refresh(str(first, "refresh_token"), "")
	if status != http.StatusOK || str(second, "id_token") == "" {
		t.Fatalf("refresh: %d %v", status, second)
	}
	if n := e.userReads() - before; n != 1 {
		t.Errorf("the refresh read the user %d times, want 1", n)
	}

	e.f.mu.Lock()
	blocked := e.f.users[u.ID]
	blocked.State = storage.UserBlocked
	e.f.users[u.ID] = blocked
	e.f.mu.Unlock()
	if status, body := e.refresh(str(second, "refresh_token"), ""); status != http.StatusBadRequest || str(body, "error") != "invalid_grant" {
		t.Fatalf("refresh of a blocked user: %d %v, want invalid_grant", status, body)
	}
}

func (e *testEnv) userReads() int {
	e.f.mu.Lock()
	defer e.f.mu.Unlock()
	return e.f.userReads
}
