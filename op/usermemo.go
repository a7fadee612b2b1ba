package op

import (
	"context"
	"sync"

	"github.com/gatehouse/gatehouse/storage"
)

// userMemo keeps the users read while serving one token request: the
// grant check (checkUserGrant) and the ID token's claims
// (SetUserinfoFromRequest) then share one read of the user instead of two.
// It lives only as long as the request, so what it answers is exactly as
// fresh as that one read; the next request reads again.
type userMemo struct {
	mu    sync.Mutex
	users map[string]storage.User
}

type userMemoKey struct{}

// withUserMemo gives the request's context a memo of the users it reads.
func withUserMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, userMemoKey{}, &userMemo{})
}

// memoizedUser returns the user this request already read, if any.
func memoizedUser(ctx context.Context, id string) (storage.User, bool) {
	m, _ := ctx.Value(userMemoKey{}).(*userMemo)
	if m == nil {
		return storage.User{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	return u, ok
}

// memoizeUser remembers u for the rest of the request, if it has a memo.
func memoizeUser(ctx context.Context, u storage.User) {
	m, _ := ctx.Value(userMemoKey{}).(*userMemo)
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users == nil {
		m.users = make(map[string]storage.User, 1)
	}
	m.users[u.ID] = u
}
