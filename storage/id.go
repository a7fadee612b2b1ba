package storage

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
)

// IDLength is the length of the ids NewID returns.
const IDLength = 22

// NewID returns a fresh opaque id: 128 random bits, base64url without
// padding (22 characters). Ids carry no order and no meaning. An id never
// starts with '-', so that command lines cannot mistake one for a flag.
func NewID() string {
	for {
		var b [16]byte
		_, _ = rand.Read(b[:]) // never fails: crypto/rand aborts the program instead
		if id := base64.RawURLEncoding.EncodeToString(b[:]); id[0] != '-' {
			return id
		}
	}
}

// FoldCase is the case folding under which emails and usernames are unique
// and looked up. Stores apply it in Go rather than in SQL, so the rule is the
// same on every database whatever its locale.
func FoldCase(s string) string { return strings.ToLower(s) }

// Time converts t to the form stores return: UTC, truncated to the
// millisecond. Compare values read back from a store with values passed in
// through Time.
func Time(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}
