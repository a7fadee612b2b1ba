package op

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// keysByState returns the ids of the instance algorithm's keys, by state
// (each algorithm in use rotates on its own; keysByStateOf for another).
func (e *testEnv) keysByState() map[string][]string {
	return e.keysByStateOf(e.p.opts.SigningAlgorithm)
}

func (e *testEnv) keysByStateOf(alg string) map[string][]string {
	e.f.mu.Lock()
	defer e.f.mu.Unlock()
	out := map[string][]string{}
	for _, k := range e.f.keys {
		if k.Algorithm == alg {
			out[k.State] = append(out[k.State], k.ID)
		}
	}
	return out
}

// jwks fetches /keys and returns the key ids, failing on any private part.
func (e *testEnv) jwks() []string {
	e.t.Helper()
	w := e.do(http.MethodGet, PathKeys, nil, "", nil)
	if w.Code != http.StatusOK {
		e.t.Fatalf("/keys: %d %s", w.Code, w.Body)
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, k := range set.Keys {
		if k["alg"] != e.p.opts.SigningAlgorithm {
			continue // another algorithm's keys (RS256 is always published)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				e.t.Fatalf("JWKS has private member %q: %s", private, w.Body)
			}
		}
		ids = append(ids, k["kid"].(string))
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func TestKeysOnEmptyDatabase(t *testing.T) {
	e := newTestEnv(t)
	st := e.keysByState()
	if len(st[storage.KeyActive]) != 1 || len(st[storage.KeyNext]) != 1 || len(st[storage.KeyRetired]) != 0 {
		t.Fatalf("keys = %v, want one active and one next", st)
	}
	if got, want := e.jwks(), sorted(st[storage.KeyActive][0], st[storage.KeyNext][0]); !slices.Equal(got, want) {
		t.Fatalf("JWKS kids = %v, want %v (next is published before it signs)", got, want)
	}
	k, err := e.p.st.SigningKey(context.Background())
	if err != nil || k.ID() != st[storage.KeyActive][0] {
		t.Fatalf("SigningKey = %v, %v; want the active key", k, err)
	}
	// An ES256 instance keeps RS256 keys too, with their own cycle.
	if rs := e.keysByStateOf(AlgRS256); len(rs[storage.KeyActive]) != 1 || len(rs[storage.KeyNext]) != 1 {
		t.Fatalf("RS256 keys = %v, want one active and one next", rs)
	}
}

func TestKeyRotationStates(t *testing.T) {
	e := newTestEnv(t, func(o *Options) { o.KeyRotationPeriod = 24 * time.Hour })
	st := e.keysByState()
	a, b := st[storage.KeyActive][0], st[storage.KeyNext][0]

	e.clock.Advance(time.Hour)
	e.jwks()
	if got := e.keysByState(); !slices.Equal(got[storage.KeyActive], []string{a}) {
		t.Fatalf("rotated early: %v", got)
	}

	e.clock.Advance(24 * time.Hour)
	e.jwks() // any use after CacheTTL reloads, and rotates when due
	st = e.keysByState()
	if !slices.Equal(st[storage.KeyRetired], []string{a}) || !slices.Equal(st[storage.KeyActive], []string{b}) || len(st[storage.KeyNext]) != 1 {
		t.Fatalf("after the period keys = %v; want %s retired, %s active, a new next", st, a, b)
	}
	c := st[storage.KeyNext][0]
	if got := e.jwks(); !slices.Equal(got, sorted(a, b, c)) {
		t.Fatalf("JWKS = %v, want retired, active and next", got)
	}
	if k, _ := e.p.st.SigningKey(context.Background()); k.ID() != b {
		t.Fatalf("signing with %s, want %s", k.ID(), b)
	}
	retired := e.f.keys[a]
	wantUntil := retired.RetiredAt.Add(DefaultIDTokenLifetime + DefaultCacheTTL + clockSkewMargin)
	if !retired.PublishUntil.Equal(wantUntil) {
		t.Fatalf("PublishUntil = %s, want %s", retired.PublishUntil, wantUntil)
	}

	e.clock.Advance(DefaultIDTokenLifetime + DefaultCacheTTL + clockSkewMargin)
	if got := e.jwks(); !slices.Equal(got, sorted(b, c)) {
		t.Fatalf("JWKS = %v after PublishUntil, want the retired key gone", got)
	}
	if err := e.p.Sweep(context.Background(), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.f.keys[a]; ok {
		t.Fatal("Sweep kept an unpublished key")
	}
}

func TestRotateKeysWaitsForPublication(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	if err := e.p.RotateKeys(ctx); !errors.Is(err, ErrRotateTooSoon) {
		t.Fatalf("RotateKeys right after start: %v, want ErrRotateTooSoon", err)
	}
	before := e.keysByState()
	e.clock.Advance(DefaultKeysMaxAge + DefaultCacheTTL)
	if err := e.p.RotateKeys(ctx); err != nil {
		t.Fatalf("RotateKeys: %v", err)
	}
	after := e.keysByState()
	if !slices.Equal(after[storage.KeyActive], before[storage.KeyNext]) || !slices.Equal(after[storage.KeyRetired], before[storage.KeyActive]) {
		t.Fatalf("before %v after %v: want next activated and active retired", before, after)
	}
	if k, _ := e.p.st.SigningKey(ctx); k.ID() != before[storage.KeyNext][0] {
		t.Fatal("this replica still signs with the old key after RotateKeys")
	}
	infos, err := e.p.Keys(ctx)
	if err != nil || len(infos) != 6 {
		t.Fatalf("Keys = %v, %v; want 3 per algorithm (ES256, RS256)", infos, err)
	}
	for _, k := range infos {
		if !k.Published {
			t.Errorf("key %s (%s) not published", k.ID, k.State)
		}
	}
}

func TestReplicasStartingTogetherCreateOneKey(t *testing.T) {
	f := newFakeStore()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := New(context.Background(), testOptions(), f)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	for _, k := range f.keys {
		counts[k.Algorithm+" "+k.State]++
	}
	if counts["ES256 active"] != 1 || counts["ES256 next"] != 1 || counts["RS256 active"] != 1 || counts["RS256 next"] != 1 || len(f.keys) != 4 {
		t.Fatalf("keys by state = %v, want exactly one active and one next per algorithm", counts)
	}
}

func TestPlanKeys(t *testing.T) {
	now := time.Now()
	o := testOptions()
	o, _ = o.withDefaults()
	key := func(id, state, alg string, created time.Time) storage.SigningKey {
		k := storage.SigningKey{ID: id, State: state, Algorithm: alg, CreatedAt: created}
		if state == storage.KeyActive {
			k.ActivatedAt = created
		}
		return k
	}
	old := now.Add(-time.Hour)
	tests := []struct {
		name string
		rows []storage.SigningKey
		want keyPlan
	}{
		{"empty", nil, keyPlan{alg: AlgES256, createActive: true, createNext: true}},
		{"steady", []storage.SigningKey{key("a", storage.KeyActive, AlgES256, old), key("n", storage.KeyNext, AlgES256, old)}, keyPlan{}},
		{"next missing", []storage.SigningKey{key("a", storage.KeyActive, AlgES256, old)}, keyPlan{createNext: true}},
		{"active missing", []storage.SigningKey{key("n", storage.KeyNext, AlgES256, old)}, keyPlan{activate: "n", createNext: true}},
		{"due", []storage.SigningKey{key("a", storage.KeyActive, AlgES256, now.Add(-o.KeyRotationPeriod)), key("n", storage.KeyNext, AlgES256, old)},
			keyPlan{retire: "a", activate: "n", createNext: true}},
		{"due, next too young", []storage.SigningKey{key("a", storage.KeyActive, AlgES256, now.Add(-o.KeyRotationPeriod)), key("n", storage.KeyNext, AlgES256, now)},
			keyPlan{}},
		{"two active", []storage.SigningKey{key("a", storage.KeyActive, AlgES256, old), key("b", storage.KeyActive, AlgES256, now), key("n", storage.KeyNext, AlgES256, old)},
			keyPlan{drop: []string{"a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := planAlgorithm(tt.rows, AlgES256, now, &o, false)
			if err != nil {
				t.Fatal(err)
			}
			if got.createActive != tt.want.createActive || got.createNext != tt.want.createNext || got.activate != tt.want.activate ||
				got.retire != tt.want.retire || !slices.Equal(got.drop, tt.want.drop) {
				t.Fatalf("plan = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestPlanKeysPerAlgorithm: each algorithm in use has its own next ->
// active -> retired cycle. An ES256 instance keeps RS256 keys too; an
// algorithm a client asked for (or that still has an active key) keeps
// its keys; a next key of an algorithm no longer in use is dropped.
func TestPlanKeysPerAlgorithm(t *testing.T) {
	now := time.Now()
	o := testOptions()
	o, _ = o.withDefaults()
	old := now.Add(-time.Hour)
	key := func(id, state, alg string, created time.Time) storage.SigningKey {
		k := storage.SigningKey{ID: id, State: state, Algorithm: alg, CreatedAt: created}
		if state == storage.KeyActive {
			k.ActivatedAt = created
		}
		return k
	}
	find := func(ps keyPlans, alg string) keyPlan {
		for _, p := range ps {
			if p.alg == alg {
				return p
			}
		}
		return keyPlan{}
	}
	rows := []storage.SigningKey{key("e", storage.KeyActive, AlgES256, old), key("en", storage.KeyNext, AlgES256, old),
		key("stray", storage.KeyNext, AlgEdDSA, old)}
	plans, err := planKeys(rows, now, &o, false)
	if err != nil {
		t.Fatal(err)
	}
	if p := find(plans, AlgRS256); !p.createActive || !p.createNext {
		t.Fatalf("RS256 must get an active and a next key: %+v", plans)
	}
	if p := find(plans, AlgES256); !p.empty() {
		t.Fatalf("ES256 is steady: %+v", p)
	}
	if p := find(plans, ""); !slices.Equal(p.drop, []string{"stray"}) {
		t.Fatalf("the EdDSA next key is not in use and must be dropped: %+v", plans)
	}

	plans, err = planKeys(rows, now, &o, false, AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	if p := find(plans, AlgEdDSA); p.activate != "stray" || !p.createNext {
		t.Fatalf("EdDSA asked for by a client: its next key signs, a new next key follows: %+v", plans)
	}

	// Due for rotation: each algorithm rotates on its own.
	due := now.Add(-o.KeyRotationPeriod)
	rows = []storage.SigningKey{key("e", storage.KeyActive, AlgES256, due), key("en", storage.KeyNext, AlgES256, old),
		key("r", storage.KeyActive, AlgRS256, old), key("rn", storage.KeyNext, AlgRS256, old)}
	plans, err = planKeys(rows, now, &o, false)
	if err != nil {
		t.Fatal(err)
	}
	if p := find(plans, AlgES256); p.retire != "e" || p.activate != "en" || !p.createNext {
		t.Fatalf("ES256 due: %+v", plans)
	}
	if p := find(plans, AlgRS256); !p.empty() {
		t.Fatalf("RS256 not due: %+v", plans)
	}
}
