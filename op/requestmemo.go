package op

import (
	"context"
	"sync"

	"github.com/gatehouse/gatehouse/storage"
)

// requestMemo keeps what one HTTP request has read, by id, so that the
// steps of that request share one read. It lives only as long as the
// request, so what it answers is exactly as fresh as that one read; the
// next request reads again. The zero value is ready; a nil memo keeps
// nothing.
type requestMemo[V any] struct {
	mu   sync.Mutex
	byID map[string]V
}

func (m *requestMemo[V]) get(id string) (V, bool) {
	var zero V
	if m == nil {
		return zero, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.byID[id]
	return v, ok
}

func (m *requestMemo[V]) put(id string, v V) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byID == nil {
		m.byID = make(map[string]V, 1)
	}
	m.byID[id] = v
}

func (m *requestMemo[V]) drop(id string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.byID, id)
}

// The users read while serving one token request: the grant check
// (checkUserGrant) and the ID token's claims (SetUserinfoFromRequest) then
// share one read of the user instead of two.
type userMemoKey struct{}

// withUserMemo gives the request's context a memo of the users it reads.
func withUserMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, userMemoKey{}, &requestMemo[storage.User]{})
}

func userMemoOf(ctx context.Context) *requestMemo[storage.User] {
	m, _ := ctx.Value(userMemoKey{}).(*requestMemo[storage.User])
	return m
}

// memoizedUser returns the user this request already read, if any.
func memoizedUser(ctx context.Context, id string) (storage.User, bool) {
	return userMemoOf(ctx).get(id)
}

// memoizeUser remembers u for the rest of the request, if it has a memo.
func memoizeUser(ctx context.Context, u storage.User) {
	userMemoOf(ctx).put(u.ID, u)
}
