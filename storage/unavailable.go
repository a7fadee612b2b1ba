package storage

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrUnavailable: the database could not be reached or did not answer in
// time (connection refused or reset, a broken pooled connection, the
// server shutting down, a deadline on the query). Nothing was decided:
// the same call may succeed once the database is back, so callers answer
// "temporarily unavailable, try again" (HTTP 503), never a client error.
var ErrUnavailable = errors.New("storage: database unavailable")

// UnavailableWatch records whether a store call made with its context
// failed with ErrUnavailable. Layers that turn errors into answers out of
// sight of the caller (the OpenID library folds every storage error into
// invalid_grant, invalid_client or "inactive") install one to tell an
// outage from a client's mistake afterwards.
type UnavailableWatch struct {
	hit atomic.Bool
}

type unavailableWatchKey struct{}

// WatchUnavailable returns a context that records ErrUnavailable failures
// of store calls made with it (or contexts derived from it) in the
// returned watch.
func WatchUnavailable(ctx context.Context) (context.Context, *UnavailableWatch) {
	w := &UnavailableWatch{}
	return context.WithValue(ctx, unavailableWatchKey{}, w), w
}

// Seen reports whether a store call failed with ErrUnavailable.
func (w *UnavailableWatch) Seen() bool { return w != nil && w.hit.Load() }

// NoteUnavailable is called by stores when a call made with ctx fails with
// ErrUnavailable; it marks the context's watch, if any.
func NoteUnavailable(ctx context.Context) {
	if w, ok := ctx.Value(unavailableWatchKey{}).(*UnavailableWatch); ok {
		w.hit.Store(true)
	}
}
