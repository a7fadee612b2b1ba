package personaltoken

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func TestFormat(t *testing.T) {
	text, hash := Generate()
	if !strings.HasPrefix(text, "gth_") || len(text) != Length || Length != 53 {
		t.Fatalf("token %q (%d characters)", text, len(text))
	}
	if err := Check(text); err != nil {
		t.Fatalf("a fresh token fails its check: %v", err)
	}
	if !bytes.Equal(hash, Hash(text)) || len(hash) != 32 {
		t.Fatal("the hash is not the token's SHA-256")
	}
	other, _ := Generate()
	if other == text {
		t.Fatal("two tokens are equal")
	}
	for name, bad := range map[string]string{
		"empty":          "",
		"no prefix":      "ghp_" + text[4:],
		"short":          text[:len(text)-1],
		"long":           text + "0",
		"not base62":     text[:10] + "-" + text[11:],
		"checksum":       text[:len(text)-1] + flip(text[len(text)-1]),
		"random part":    text[:20] + flip(text[20]) + text[21:],
		"swapped digits": text[:8] + string(text[9]) + string(text[8]) + text[10:],
	} {
		if name == "swapped digits" && text[8] == text[9] {
			continue
		}
		if err := Check(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Check(%q) = %v, want ErrMalformed", name, bad, err)
		}
	}
}

// flip returns another base62 character.
func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

// countingStore is a Store that counts its queries.
type countingStore struct {
	mu      sync.Mutex
	queries int
	tokens  map[string]storage.PersonalToken // by hash
	users   map[string]storage.User
	touches int
}

func (s *countingStore) PersonalTokens() storage.PersonalTokenStore { return countingTokens{s} }
func (s *countingStore) Users() storage.UserStore                   { return countingUsers{s: s} }

type countingTokens struct{ s *countingStore }

func (c countingTokens) ByHash(_ context.Context, hash []byte) (storage.PersonalToken, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.queries++
	t, ok := c.s.tokens[string(hash)]
	if !ok {
		return t, storage.ErrNotFound
	}
	return t, nil
}

func (c countingTokens) Touch(_ context.Context, id, ip string, now time.Time, gap time.Duration) (bool, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.queries++
	for h, t := range c.s.tokens {
		if t.ID == id && (t.LastUsedAt.IsZero() || !t.LastUsedAt.After(now.Add(-gap))) {
			t.LastUsedAt, t.LastUsedIP = now, ip
			c.s.tokens[h] = t
			c.s.touches++
			return true, nil
		}
	}
	return false, nil
}

func (countingTokens) Create(context.Context, *storage.PersonalToken) error { panic("unused") }
func (countingTokens) ListByUser(context.Context, string) ([]storage.PersonalToken, error) {
	panic("unused")
}
func (countingTokens) Revoke(context.Context, string, string, time.Time) error { panic("unused") }
func (countingTokens) RevokeByUser(context.Context, string, time.Time) (int64, error) {
	panic("unused")
}
func (countingTokens) DeleteExpired(context.Context, time.Time) (int64, error) { panic("unused") }

type countingUsers struct {
	storage.UserStore // only ByID is used
	s                 *countingStore
}

func (c countingUsers) ByID(_ context.Context, id string) (storage.User, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.queries++
	u, ok := c.s.users[id]
	if !ok {
		return u, storage.ErrNotFound
	}
	return u, nil
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	clock := now
	st := &countingStore{tokens: map[string]storage.PersonalToken{}, users: map[string]storage.User{
		"u1": {ID: "u1", State: storage.UserActive, Role: storage.RoleUser},
		"u2": {ID: "u2", State: storage.UserBlocked},
	}}
	add := func(id, user string, expires time.Time, revoked time.Time) string {
		text, hash := Generate()
		st.tokens[string(hash)] = storage.PersonalToken{ID: id, UserID: user, TokenHash: hash, Scopes: []string{ScopeProfile},
			CreatedAt: now.Add(-time.Hour), ExpiresAt: expires, RevokedAt: revoked}
		return text
	}
	live := add("live", "u1", now.Add(time.Hour), time.Time{})
	revoked := add("revoked", "u1", now.Add(time.Hour), now.Add(-time.Minute))
	expired := add("expired", "u1", now.Add(-time.Second), time.Time{})
	blocked := add("blocked", "u2", now.Add(time.Hour), time.Time{})
	v := NewVerifier(st, func() time.Time { return clock }, nil)
	ctx := context.Background()

	got, err := v.Verify(ctx, live, "192.0.2.1")
	if err != nil || got.User.ID != "u1" || !got.HasScope(ScopeProfile) || got.Admin() {
		t.Fatalf("live token: %+v %v", got, err)
	}
	for name, text := range map[string]string{"revoked": revoked, "expired": expired, "blocked owner": blocked} {
		if _, err := v.Verify(ctx, text, "192.0.2.1"); !errors.Is(err, ErrInactive) {
			t.Errorf("%s: %v, want ErrInactive", name, err)
		}
	}
	unknown, _ := Generate()
	if _, err := v.Verify(ctx, unknown, ""); !errors.Is(err, ErrInactive) {
		t.Errorf("unknown token: %v", err)
	}

	// A changed character is refused by the checksum: no query at all.
	before := st.queries
	altered := live[:30] + flip(live[30]) + live[31:]
	if _, err := v.Verify(ctx, altered, ""); !errors.Is(err, ErrMalformed) {
		t.Fatalf("altered token: %v", err)
	}
	if st.queries != before {
		t.Fatalf("the altered token cost %d queries, want 0", st.queries-before)
	}

	// "last used" is written at most once a minute.
	if st.touches != 1 {
		t.Fatalf("touches after the first use: %d", st.touches)
	}
	clock = now.Add(30 * time.Second)
	_, _ = v.Verify(ctx, live, "192.0.2.2")
	if st.touches != 1 {
		t.Errorf("a use within a minute wrote last used again")
	}
	clock = now.Add(61 * time.Second)
	_, _ = v.Verify(ctx, live, "192.0.2.3")
	for _, tk := range st.tokens {
		if tk.ID == "live" && (tk.LastUsedIP != "192.0.2.3" || !tk.LastUsedAt.Equal(clock)) {
			t.Errorf("last used after a minute: %s %s", tk.LastUsedAt, tk.LastUsedIP)
		}
	}
	if st.touches != 2 {
		t.Errorf("touches after a minute: %d, want 2", st.touches)
	}
}
