package op

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func (e *testEnv) authRequestReads() int {
	e.f.mu.Lock()
	defer e.f.mu.Unlock()
	return e.f.reqReads
}

// TestLoginPageReadsItsRequestOnce: the login page's look at the request
// (AuthRequest) and its Complete share one read within one HTTP request,
// and the read does not outlive it: a request completed by another HTTP
// request in between is refused, and a rejected request is gone for the
// rest of the request too.
func TestLoginPageReadsItsRequestOnce(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	u := e.addUser(storage.UserActive)

	id := e.startLogin(authQuery())
	page := bindCtx(testBind) // one HTTP request of the login page
	before := e.authRequestReads()
	if _, _, err := e.p.AuthRequest(page, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Complete(page, id, u.ID, "s", e.clock.Now(), []string{"pwd"}); err != nil {
		t.Fatal(err)
	}
	if n := e.authRequestReads() - before; n != 1 {
		t.Errorf("AuthRequest and Complete read the request %d times, want 1", n)
	}
	// Complete forgets what it changed: the same HTTP request sees it done.
	if _, err := e.p.Complete(page, id, u.ID, "s", e.clock.Now(), []string{"pwd"}); !errors.Is(err, ErrRequestDone) {
		t.Fatalf("second Complete in the same HTTP request: %v, want ErrRequestDone", err)
	}

	// Completed by another HTTP request after this one read it: refused.
	id = e.startLogin(authQuery())
	slow := bindCtx(testBind)
	if _, _, err := e.p.AuthRequest(slow, id); err != nil {
		t.Fatal(err)
	}
	first, err := e.p.Complete(bindCtx(testBind), id, u.ID, "s1", e.clock.Now(), []string{"pwd"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Complete(slow, id, u.ID, "s2", e.clock.Now(), []string{"pwd"}); !errors.Is(err, ErrRequestDone) {
		t.Fatalf("Complete after another HTTP request completed the request: %v, want ErrRequestDone", err)
	}
	if code := codeOf(t, first); code == "" {
		t.Fatalf("no code in %s", first)
	} else if status, body := e.tokenResponse(exchangeForm(code), ""); status != http.StatusOK {
		t.Fatalf("the winner's code no longer redeems: %d %v", status, body)
	}

	// Rejected: gone for the rest of the HTTP request.
	id = e.startLogin(authQuery())
	page = bindCtx(testBind)
	if _, _, err := e.p.AuthRequest(page, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.RejectURL(page, id, AccessDenied); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.p.AuthRequest(page, id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("AuthRequest after RejectURL in the same HTTP request: %v, want not found", err)
	}
}

// codeOf is the code in a redirect to the client (query mode).
func codeOf(t *testing.T, location string) string {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("code")
}
