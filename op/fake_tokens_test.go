package op

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// fakeTokens is the TokenStore of fakeStore.
type fakeTokens struct{ f *fakeStore }

func (s fakeTokens) CreateAccess(_ context.Context, t *storage.AccessToken) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if _, ok := s.f.access[t.ID]; ok {
		return storage.ErrAlreadyExists // as the real stores (a primary key)
	}
	s.f.access[t.ID] = *t
	return nil
}

func (s fakeTokens) AccessByID(_ context.Context, id string) (storage.AccessToken, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	t, ok := s.f.access[id]
	if !ok {
		return storage.AccessToken{}, storage.ErrNotFound
	}
	return t, nil
}

func (s fakeTokens) AccessWithUser(ctx context.Context, id string) (storage.AccessToken, storage.User, error) {
	t, err := s.AccessByID(ctx, id)
	if err != nil || t.Subject == t.ClientID {
		return t, storage.User{}, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return t, s.f.users[t.Subject], nil
}

func (s fakeTokens) RevokeAccess(_ context.Context, id string, now time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	t, ok := s.f.access[id]
	if !ok {
		return storage.ErrNotFound
	}
	t.RevokedAt = now
	s.f.access[id] = t
	return nil
}

func (s fakeTokens) CreateRefresh(_ context.Context, t *storage.RefreshToken) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.refresh[t.ID] = *t
	return nil
}

func (s fakeTokens) RefreshByHash(_ context.Context, hash []byte) (storage.RefreshToken, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	for _, t := range s.f.refresh {
		if bytes.Equal(t.TokenHash, hash) {
			return t, nil
		}
	}
	return storage.RefreshToken{}, storage.ErrNotFound
}

func (s fakeTokens) RefreshByID(_ context.Context, id string) (storage.RefreshToken, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	t, ok := s.f.refresh[id]
	if !ok {
		return storage.RefreshToken{}, storage.ErrNotFound
	}
	return t, nil
}

func (s fakeTokens) MarkRefreshUsed(_ context.Context, id string, now time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	t, ok := s.f.refresh[id]
	if !ok {
		return storage.ErrNotFound
	}
	if !t.UsedAt.IsZero() || !t.RevokedAt.IsZero() {
		return storage.ErrConflict
	}
	t.UsedAt = now
	s.f.refresh[id] = t
	return nil
}

// revokeWhere revokes refresh tokens matching rf and access tokens matching
// af or minted from a revoked refresh token. Callers hold f.mu.
func (s fakeTokens) revokeWhere(now time.Time, rf func(storage.RefreshToken) bool, af func(storage.AccessToken) bool) {
	ids := map[string]bool{}
	for id, t := range s.f.refresh {
		if rf(t) {
			ids[id] = true
			if t.RevokedAt.IsZero() {
				t.RevokedAt = now
				s.f.refresh[id] = t
			}
		}
	}
	for id, t := range s.f.access {
		if (af(t) || ids[t.RefreshTokenID]) && t.RevokedAt.IsZero() {
			t.RevokedAt = now
			s.f.access[id] = t
		}
	}
}

func (s fakeTokens) RevokeFamily(_ context.Context, family string, now time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.revokeWhere(now, func(t storage.RefreshToken) bool { return t.FamilyID == family },
		func(storage.AccessToken) bool { return false })
	return nil
}

func (s fakeTokens) RevokeByAuthRequest(_ context.Context, id string, now time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.revokeWhere(now, func(t storage.RefreshToken) bool { return t.AuthRequestID == id },
		func(t storage.AccessToken) bool { return t.AuthRequestID == id })
	return nil
}

func (s fakeTokens) RevokeByUser(_ context.Context, userID string, now time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.revokeWhere(now, func(t storage.RefreshToken) bool { return t.UserID == userID },
		func(t storage.AccessToken) bool { return t.Subject == userID })
	return nil
}

func (s fakeTokens) RevokeBySession(_ context.Context, sessionID string, now time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.revokeWhere(now, func(t storage.RefreshToken) bool { return t.SessionID == sessionID },
		func(t storage.AccessToken) bool { return t.SessionID == sessionID })
	return nil
}

func (s fakeTokens) DeleteExpired(_ context.Context, now time.Time) (int64, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	var n int64
	for id, t := range s.f.access {
		if !now.Before(t.ExpiresAt) {
			delete(s.f.access, id)
			n++
		}
	}
	for id, t := range s.f.refresh {
		if !now.Before(t.FamilyExpiresAt) {
			delete(s.f.refresh, id)
			n++
		}
	}
	return n, nil
}

// RevokeByUserClient and ListRefreshByUser serve the account console,
// which the op tests do not use.
func (s fakeTokens) RevokeByUserClient(context.Context, string, string, time.Time) error {
	return errors.New("fake: not implemented")
}

func (s fakeTokens) ListRefreshByUser(context.Context, string, time.Time) ([]storage.RefreshToken, error) {
	return nil, errors.New("fake: not implemented")
}
