package op

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// verifiedCacheSize bounds how many verified JWT access tokens a replica
// remembers (about 200 bytes each).
const verifiedCacheSize = 10000

// verifiedTokens remembers JWT access tokens whose signature, issuer,
// algorithm and expiry this replica has checked, by the SHA-256 of the
// token, so that a token presented again (a resource server introspecting
// it on every call, an application asking userinfo, a script calling the
// management API) skips the signature check and the JSON of its claims:
// about a third of the CPU of userinfo and introspection.
//
// What it remembers is only that this exact string was signed by key K
// and names token T and subject S until E. A hit counts while E is ahead
// and K is still published, so withdrawing a key stops its tokens within
// the key cache's bound, as before. Everything that can change after
// issuance (revocation, the token row's expiry, the user's state, the
// client) is still read from the database on every request by the caller:
// revocation stays immediate.
type verifiedTokens struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]verifiedToken

	hits    atomic.Uint64 // tokens answered from the cache
	checked atomic.Uint64 // JWTs whose signature was checked
}

type verifiedToken struct {
	presented
	keyID   string
	expires time.Time
}

// lookup returns the remembered token for token, if its expiry is ahead of
// now and its key is among published.
func (v *verifiedTokens) lookup(token string, now time.Time, published func(keyID string) bool) (verifiedToken, bool) {
	sum := sha256.Sum256([]byte(token))
	v.mu.Lock()
	t, ok := v.m[sum]
	v.mu.Unlock()
	if !ok || !now.Before(t.expires) || !published(t.keyID) {
		return verifiedToken{}, false
	}
	v.hits.Add(1)
	return t, true
}

// remember records a token that passed verification. A token without a
// key id in its header or without an expiry is not remembered. When full,
// expired entries go first, then about a quarter of the rest (Go's map
// order is random).
func (v *verifiedTokens) remember(token string, t verifiedToken, now time.Time) {
	if t.keyID = jwtKeyID(token); t.keyID == "" || t.expires.IsZero() {
		return
	}
	sum := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = make(map[[sha256.Size]byte]verifiedToken)
	}
	if len(v.m) >= verifiedCacheSize {
		for k, e := range v.m {
			if !now.Before(e.expires) {
				delete(v.m, k)
			}
		}
		for k := range v.m {
			if len(v.m) < verifiedCacheSize*3/4 {
				break
			}
			delete(v.m, k)
		}
	}
	v.m[sum] = t
}

// VerifiedTokenStats describes the verified-token cache of this replica
// (verified.go): how many bearer JWTs it answered without checking their
// signature, how many JWTs had their signature checked, and how many
// tokens it remembers now.
type VerifiedTokenStats struct {
	Cached           uint64
	SignatureChecked uint64
	Entries          int
}

// VerifiedTokenStats reports the verified-token cache's counters, for the
// metrics.
func (p *Provider) VerifiedTokenStats() VerifiedTokenStats {
	return VerifiedTokenStats{Cached: p.verified.hits.Load(), SignatureChecked: p.verified.checked.Load(), Entries: p.verified.len()}
}

// len is the number of remembered tokens.
func (v *verifiedTokens) len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.m)
}

// jwtKeyID is the kid of a compact JWS's protected header, or "".
func jwtKeyID(token string) string {
	header, _, ok := strings.Cut(token, ".")
	if !ok {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return ""
	}
	var h struct {
		KeyID string `json:"kid"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return ""
	}
	return h.KeyID
}
