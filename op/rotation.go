package op

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// ErrRotateTooSoon: RotateKeys was asked to rotate before the next key had
// been published long enough for every cache to know it.
var ErrRotateTooSoon = errors.New("op: the next signing key is not published long enough to sign")

// clockSkewMargin pads PublishUntil for verifiers whose clocks run late.
const clockSkewMargin = time.Minute

// keyPlan is what one rotation step does to the keys of one algorithm.
type keyPlan struct {
	alg          string   // the algorithm of the keys created
	createActive bool     // no key can sign: create one that signs at once
	createNext   bool     // publish a new next key
	activate     string   // next key that starts signing
	retire       string   // active key that stops signing
	drop         []string // keys to unpublish at once (stray next keys, extra active ones)
}

func (p keyPlan) empty() bool {
	return !p.createActive && !p.createNext && p.activate == "" && p.retire == "" && len(p.drop) == 0
}

// keyPlans is one rotation step for every algorithm in use.
type keyPlans []keyPlan

func (ps keyPlans) empty() bool {
	for _, p := range ps {
		if !p.empty() {
			return false
		}
	}
	return true
}

// algorithmsInUse are the algorithms that keep keys: the instance's
// (SigningAlgorithm), RS256 (every relying party must be able to ask for
// it), those extra ones a client asked for (id_token_signed_response_alg)
// and those that still have an active key. A next key of any other
// algorithm is dropped.
func algorithmsInUse(rows []storage.SigningKey, o *Options, extra ...string) []string {
	algs := []string{o.SigningAlgorithm}
	add := func(a string) {
		if validAlgorithm(a) && !slices.Contains(algs, a) {
			algs = append(algs, a)
		}
	}
	add(AlgRS256)
	for _, a := range extra {
		add(a)
	}
	for _, r := range rows {
		if r.State == storage.KeyActive {
			add(r.Algorithm)
		}
	}
	return algs
}

// planKeys decides the rotation step for rows at now, per algorithm in
// use: next -> active -> retired holds for each algorithm on its own.
// force rotates before the rotation period ends (CLI), yet never lets a
// next key sign before it was published for o.publishMargin().
func planKeys(rows []storage.SigningKey, now time.Time, o *Options, force bool, extra ...string) (keyPlans, error) {
	algs := algorithmsInUse(rows, o, extra...)
	var stray keyPlan
	for _, r := range rows {
		if r.State == storage.KeyNext && !slices.Contains(algs, r.Algorithm) {
			stray.drop = append(stray.drop, r.ID) // no longer in use
		}
	}
	plans := keyPlans{}
	if !stray.empty() {
		plans = append(plans, stray)
	}
	for _, alg := range algs {
		var own []storage.SigningKey
		for _, r := range rows {
			if r.Algorithm == alg {
				own = append(own, r)
			}
		}
		p, err := planAlgorithm(own, alg, now, o, force)
		if err != nil {
			return nil, err
		}
		if !p.empty() {
			plans = append(plans, p)
		}
	}
	return plans, nil
}

// planAlgorithm decides the rotation step for the rows of one algorithm.
func planAlgorithm(rows []storage.SigningKey, alg string, now time.Time, o *Options, force bool) (keyPlan, error) {
	p := keyPlan{alg: alg}
	active, next := pickKeys(rows, &p)
	if active == nil {
		if next != nil {
			p.activate = next.ID // nothing else can sign
		} else {
			p.createActive = true
		}
		p.createNext = true
		return p, nil
	}
	if next == nil {
		p.createNext = true
	}
	due := force || !now.Before(active.ActivatedAt.Add(o.KeyRotationPeriod))
	if !due {
		return p, nil
	}
	if next == nil || now.Before(next.CreatedAt.Add(o.publishMargin())) {
		if force {
			return p, rotateTooSoon(next, now, o)
		}
		return p, nil // rotate once the next key is old enough
	}
	p.retire, p.activate, p.createNext = active.ID, next.ID, true
	return p, nil
}

// pickKeys finds, among the rows of one algorithm, the signing key (the
// most recently activated active one) and the next key (the oldest next
// one); every other active or next key goes to p.drop.
func pickKeys(rows []storage.SigningKey, p *keyPlan) (active, next *storage.SigningKey) {
	for i := range rows {
		r := &rows[i]
		switch r.State {
		case storage.KeyActive:
			if active == nil || r.ActivatedAt.After(active.ActivatedAt) {
				if active != nil {
					p.drop = append(p.drop, active.ID)
				}
				active = r
				continue
			}
			p.drop = append(p.drop, r.ID)
		case storage.KeyNext:
			if next == nil || r.CreatedAt.Before(next.CreatedAt) {
				if next != nil {
					p.drop = append(p.drop, next.ID)
				}
				next = r
				continue
			}
			p.drop = append(p.drop, r.ID)
		}
	}
	return active, next
}

func rotateTooSoon(next *storage.SigningKey, now time.Time, o *Options) error {
	if next == nil {
		return fmt.Errorf("%w: there is no next key yet; one is being published now", ErrRotateTooSoon)
	}
	ready := next.CreatedAt.Add(o.publishMargin())
	return fmt.Errorf("%w: next key %s may sign from %s (in %s)", ErrRotateTooSoon, next.ID, ready.Format(time.RFC3339), ready.Sub(now).Round(time.Second))
}

// currentKeys returns the key rows after applying a rotation step when one
// is due, checking without the lock first so the common case costs one
// read.
func (s *oidcStorage) currentKeys(ctx context.Context, extra ...string) ([]storage.SigningKey, error) {
	rows, err := s.store.SigningKeys().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("op: list signing keys: %w", err)
	}
	p, err := planKeys(rows, s.now(), &s.opts, false, extra...)
	if err != nil || p.empty() {
		return rows, err
	}
	if err := s.ensureKeys(ctx, false, extra...); err != nil {
		return nil, err
	}
	rows, err = s.store.SigningKeys().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("op: list signing keys: %w", err)
	}
	return rows, nil
}

// ensureKeys plans and applies one rotation step under the signing-keys
// lock, reading the rows again inside it: of replicas racing on an empty
// database, one creates the key and the others find it.
func (s *oidcStorage) ensureKeys(ctx context.Context, force bool, extra ...string) error {
	return s.store.WithLock(ctx, signingKeysLock, func(tx storage.Tx) error {
		ks := tx.SigningKeys() // on SQLite the outer store would wait for tx
		rows, err := ks.List(ctx)
		if err != nil {
			return fmt.Errorf("op: list signing keys: %w", err)
		}
		now := s.now()
		plans, err := planKeys(rows, now, &s.opts, force, extra...)
		if err != nil {
			return err
		}
		for _, p := range plans {
			if err := s.applyPlan(ctx, ks, p, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *oidcStorage) applyPlan(ctx context.Context, ks storage.SigningKeyStore, p keyPlan, now time.Time) error {
	if p.createActive {
		if err := s.createKey(ctx, ks, p.alg, storage.KeyActive, now); err != nil {
			return err
		}
	}
	if p.retire != "" {
		if err := ks.SetState(ctx, p.retire, storage.KeyRetired, now, s.retiredUntil(now)); err != nil {
			return fmt.Errorf("op: retire signing key %s: %w", p.retire, err)
		}
	}
	if p.activate != "" {
		if err := ks.SetState(ctx, p.activate, storage.KeyActive, now, time.Time{}); err != nil {
			return fmt.Errorf("op: activate signing key %s: %w", p.activate, err)
		}
	}
	for _, id := range p.drop {
		// An extra active key may have signed: keep it as long as a
		// retired one. A stray next key signed nothing, but a relying
		// party may hold it: the same bound is simplest.
		if err := ks.SetState(ctx, id, storage.KeyRetired, now, s.retiredUntil(now)); err != nil {
			return fmt.Errorf("op: retire signing key %s: %w", id, err)
		}
	}
	if p.createNext {
		if err := s.createKey(ctx, ks, p.alg, storage.KeyNext, now); err != nil {
			return err
		}
	}
	s.log.InfoContext(ctx, "signing keys updated", slog.String("algorithm", p.alg), slog.Bool("created_active", p.createActive),
		slog.String("activated", p.activate), slog.String("retired", p.retire), slog.Bool("created_next", p.createNext))
	return nil
}

// retiredUntil is how long a key retired at now stays published: until
// everything it signed has expired, counting replicas that still sign with
// it from a cache up to CacheTTL old.
func (s *oidcStorage) retiredUntil(now time.Time) time.Time {
	return now.Add(s.opts.longestJWTLifetime() + s.opts.CacheTTL + clockSkewMargin)
}

func (s *oidcStorage) createKey(ctx context.Context, ks storage.SigningKeyStore, alg, state string, now time.Time) error {
	id := storage.NewID()
	priv, err := generateKey(alg)
	if err != nil {
		return fmt.Errorf("op: generate %s key: %w", alg, err)
	}
	sealed, err := encryptPrivateKey(s.opts.KeyEncryptionKey, id, alg, priv)
	if err != nil {
		return err
	}
	pub, err := publicJWK(priv, id, alg)
	if err != nil {
		return err
	}
	k := storage.SigningKey{ID: id, Algorithm: alg, State: state, PrivateEncrypted: sealed, PublicJWK: pub, CreatedAt: now}
	if state == storage.KeyActive {
		k.ActivatedAt = now
	}
	if err := ks.Create(ctx, &k); err != nil {
		return fmt.Errorf("op: store signing key %s: %w", id, err)
	}
	return nil
}

// KeyInfo describes a signing key for `gatehouse keys list` (no private
// part).
type KeyInfo struct {
	ID           string
	Algorithm    string
	State        string // next, active, retired
	CreatedAt    time.Time
	ActivatedAt  time.Time // zero until active
	RetiredAt    time.Time // zero until retired
	PublishUntil time.Time // retired keys leave JWKS then
	Published    bool      // in JWKS now
}

// Keys lists the signing keys, newest first.
func (p *Provider) Keys(ctx context.Context) ([]KeyInfo, error) {
	rows, err := p.st.store.SigningKeys().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("op: list signing keys: %w", err)
	}
	now := p.st.now()
	published := map[string]bool{}
	for _, r := range publishedKeys(rows, now) {
		published[r.ID] = true
	}
	out := make([]KeyInfo, len(rows))
	for i, r := range rows {
		out[i] = KeyInfo{ID: r.ID, Algorithm: r.Algorithm, State: r.State, CreatedAt: r.CreatedAt,
			ActivatedAt: r.ActivatedAt, RetiredAt: r.RetiredAt, PublishUntil: r.PublishUntil, Published: published[r.ID]}
	}
	return out, nil
}

// RotateKeys makes the next key sign now, retires the active one (it stays
// published until what it signed has expired) and publishes a new next
// key. It refuses (ErrRotateTooSoon) while the next key has been published
// for less than KeysMaxAge + CacheTTL, since relying parties may not know
// it yet. Other replicas pick the change up within CacheTTL.
func (p *Provider) RotateKeys(ctx context.Context) error {
	if err := p.st.ensureKeys(ctx, true); err != nil {
		return err
	}
	p.st.keys.invalidate()
	return nil
}
