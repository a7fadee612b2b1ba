package storagetest

import (
	"cmp"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) signingKeys(t *testing.T) {
	s.group(t, "SigningKeys",
		sub("CreateAndList", testKeyRoundTrip),
		sub("RejectsInvalid", testKeyInvalid),
		sub("Lifecycle", testKeyLifecycle),
		sub("ForbiddenMoves", testKeyForbiddenMoves),
		sub("DeleteUnpublished", testKeyDeleteUnpublished),
		sub("Reseal", testKeyReseal),
	)
}

// newKey returns a key in state created at at.
func newKey(state string, at time.Time) storage.SigningKey {
	k := storage.SigningKey{
		Algorithm: "RS256", State: state, PrivateEncrypted: []byte("sealed-" + storage.NewID()),
		PublicJWK: []byte(`{"kty":"RSA","n":"0vx7","e":"AQAB"}`), CreatedAt: at,
	}
	if state == storage.KeyRetired {
		k.RetiredAt, k.PublishUntil = at, at.Add(time.Hour)
	}
	return k
}

func createKey(t *testing.T, st storage.Store, state string, at time.Time) storage.SigningKey {
	t.Helper()
	k := newKey(state, at)
	noErr(t, st.SigningKeys().Create(t.Context(), &k))
	return k
}

// listKeys returns the stored keys among ids, in List order.
func listKeys(t *testing.T, st storage.Store, ids ...string) []storage.SigningKey {
	t.Helper()
	all, err := st.SigningKeys().List(t.Context())
	noErr(t, err)
	return slices.DeleteFunc(all, func(k storage.SigningKey) bool { return !slices.Contains(ids, k.ID) })
}

func keyByID(t *testing.T, st storage.Store, id string) storage.SigningKey {
	t.Helper()
	ks := listKeys(t, st, id)
	if len(ks) != 1 {
		t.Fatalf("key %s listed %d times", id, len(ks))
	}
	return ks[0]
}

func testKeyRoundTrip(t *testing.T, st storage.Store) {
	retired := createKey(t, st, storage.KeyRetired, clock())
	active := createKey(t, st, storage.KeyActive, clock().Add(time.Second))
	next := createKey(t, st, storage.KeyNext, clock().Add(2*time.Second))
	if len(next.ID) != storage.IDLength || !active.ActivatedAt.Equal(active.CreatedAt) || !next.ActivatedAt.IsZero() {
		t.Fatalf("Create set next %+v, active %+v", next, active)
	}
	got := listKeys(t, st, retired.ID, active.ID, next.ID)
	if want := []storage.SigningKey{next, active, retired}; !reflect.DeepEqual(got, want) {
		t.Fatalf("List (newest first):\n got %+v\nwant %+v", got, want)
	}
	dup := newKey(storage.KeyNext, clock())
	dup.ID = next.ID
	wantErr(t, st.SigningKeys().Create(t.Context(), &dup), storage.ErrAlreadyExists)
	defaults := storage.SigningKey{Algorithm: "EdDSA", State: storage.KeyActive, PrivateEncrypted: []byte{1}, PublicJWK: []byte("{}")}
	noErr(t, st.SigningKeys().Create(t.Context(), &defaults))
	wantUTCMillis(t, "CreatedAt", defaults.CreatedAt)
	if defaults.CreatedAt.IsZero() || !defaults.ActivatedAt.Equal(defaults.CreatedAt) {
		t.Fatalf("Create filled %+v", defaults)
	}
}

func testKeyInvalid(t *testing.T, st storage.Store) {
	for name, mod := range map[string]func(*storage.SigningKey){
		"unknown state":          func(k *storage.SigningKey) { k.State = "disabled" },
		"no algorithm":           func(k *storage.SigningKey) { k.Algorithm = "" },
		"no private key":         func(k *storage.SigningKey) { k.PrivateEncrypted = nil },
		"no public key":          func(k *storage.SigningKey) { k.PublicJWK = nil },
		"retired without expiry": func(k *storage.SigningKey) { k.State = storage.KeyRetired },
	} {
		k := newKey(storage.KeyNext, clock())
		mod(&k)
		if err := st.SigningKeys().Create(t.Context(), &k); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: Create = %v, want ErrInvalid", name, err)
		}
	}
}

// testKeyLifecycle walks a key through next -> active -> retired.
func testKeyLifecycle(t *testing.T, st storage.Store) {
	k := createKey(t, st, storage.KeyNext, clock())
	activated, retired, until := clock().Add(time.Hour), clock().Add(2*time.Hour), clock().Add(5*time.Hour)
	noErr(t, st.SigningKeys().SetState(t.Context(), k.ID, storage.KeyActive, activated, time.Time{}))
	got := keyByID(t, st, k.ID)
	if got.State != storage.KeyActive || !got.ActivatedAt.Equal(activated) || !got.RetiredAt.IsZero() {
		t.Fatalf("after activation: %+v", got)
	}
	noErr(t, st.SigningKeys().SetState(t.Context(), k.ID, storage.KeyRetired, retired, until))
	got = keyByID(t, st, k.ID)
	k.State, k.ActivatedAt, k.RetiredAt, k.PublishUntil = storage.KeyRetired, activated, retired, until
	if !reflect.DeepEqual(got, k) {
		t.Fatalf("after retirement:\n got %+v\nwant %+v", got, k)
	}
	// A next key that never signed may be retired directly.
	stray := createKey(t, st, storage.KeyNext, clock())
	noErr(t, st.SigningKeys().SetState(t.Context(), stray.ID, storage.KeyRetired, retired, until))
	if got := keyByID(t, st, stray.ID); got.State != storage.KeyRetired || !got.ActivatedAt.IsZero() {
		t.Fatalf("retired next key: %+v", got)
	}
}

func testKeyForbiddenMoves(t *testing.T, st storage.Store) {
	now, until := clock(), clock().Add(time.Hour)
	next := createKey(t, st, storage.KeyNext, now)
	active := createKey(t, st, storage.KeyActive, now)
	retired := createKey(t, st, storage.KeyRetired, now)
	ks := st.SigningKeys()
	cases := []struct {
		name  string
		id    string
		state string
		until time.Time
		want  error
	}{
		{"retired to active", retired.ID, storage.KeyActive, time.Time{}, storage.ErrConflict},
		{"retired to retired", retired.ID, storage.KeyRetired, until, storage.ErrConflict},
		{"active to active", active.ID, storage.KeyActive, time.Time{}, storage.ErrConflict},
		{"active to next", active.ID, storage.KeyNext, time.Time{}, storage.ErrInvalid},
		{"unknown state", next.ID, "disabled", time.Time{}, storage.ErrInvalid},
		{"retire without until", active.ID, storage.KeyRetired, time.Time{}, storage.ErrInvalid},
		{"unknown key", "no-such-key", storage.KeyActive, time.Time{}, storage.ErrNotFound},
		{"unknown key retired", "no-such-key", storage.KeyRetired, until, storage.ErrNotFound},
	}
	for _, tc := range cases {
		if err := ks.SetState(t.Context(), tc.id, tc.state, now, tc.until); !isErr(err, tc.want) {
			t.Errorf("%s: SetState = %v, want %v", tc.name, err, tc.want)
		}
	}
	if got := listKeys(t, st, next.ID, active.ID, retired.ID); !reflect.DeepEqual(got, listKeysWant(next, active, retired)) {
		t.Fatalf("refused moves changed keys: %+v", got)
	}
}

// listKeysWant is keys in List order (same CreatedAt: id descending).
func listKeysWant(keys ...storage.SigningKey) []storage.SigningKey {
	out := slices.Clone(keys)
	slices.SortFunc(out, func(a, b storage.SigningKey) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out
}

func testKeyDeleteUnpublished(t *testing.T, st storage.Store) {
	now := epoch()
	mk := func(state string, until time.Duration) storage.SigningKey {
		k := newKey(state, now.Add(-time.Hour))
		if state == storage.KeyRetired {
			k.PublishUntil = now.Add(until)
		}
		noErr(t, st.SigningKeys().Create(t.Context(), &k))
		return k
	}
	gone, atNow := mk(storage.KeyRetired, -time.Second), mk(storage.KeyRetired, 0)
	published := mk(storage.KeyRetired, time.Second)
	active, next := mk(storage.KeyActive, 0), mk(storage.KeyNext, 0)
	n, err := st.SigningKeys().DeleteUnpublished(t.Context(), now)
	noErr(t, err)
	wantN(t, "DeleteUnpublished", n, 2)
	got := listKeys(t, st, gone.ID, atNow.ID, published.ID, active.ID, next.ID)
	if len(got) != 3 || len(listKeys(t, st, gone.ID, atNow.ID)) != 0 {
		t.Fatalf("after DeleteUnpublished: %+v", got)
	}
}

// testKeyReseal: Reseal replaces the sealed private key only while it is
// still the one read (compare-and-set), and leaves the rest of the row.
func testKeyReseal(t *testing.T, st storage.Store) {
	ctx := t.Context()
	k := createKey(t, st, storage.KeyActive, clock())
	wantErr(t, st.SigningKeys().Reseal(ctx, k.ID, []byte("not-this"), []byte("new")), storage.ErrConflict)
	noErr(t, st.SigningKeys().Reseal(ctx, k.ID, k.PrivateEncrypted, []byte("resealed")))
	got := keyByID(t, st, k.ID)
	if string(got.PrivateEncrypted) != "resealed" || got.State != storage.KeyActive || string(got.PublicJWK) != string(k.PublicJWK) {
		t.Fatalf("after reseal: %+v", got)
	}
	wantErr(t, st.SigningKeys().Reseal(ctx, k.ID, k.PrivateEncrypted, []byte("again")), storage.ErrConflict)
	wantErr(t, st.SigningKeys().Reseal(ctx, "no-such-key", []byte("x"), []byte("y")), storage.ErrNotFound)
	wantErr(t, st.SigningKeys().Reseal(ctx, k.ID, []byte("resealed"), nil), storage.ErrInvalid)
}
