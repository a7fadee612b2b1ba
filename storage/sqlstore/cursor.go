package sqlstore

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// A cursor marks the last row of a page by its sort key: a time and an id.
// It travels to callers as opaque base64url text.
type cursor struct {
	at time.Time
	id string
}

func encodeCursor(at time.Time, id string) string {
	raw := strconv.FormatInt(storage.Time(at).UnixMilli(), 10) + "," + id
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(s string) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, fmt.Errorf("%w: malformed cursor", storage.ErrInvalid)
	}
	ms, id, ok := strings.Cut(string(raw), ",")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return cursor{}, fmt.Errorf("%w: malformed cursor", storage.ErrInvalid)
	}
	return cursor{at: time.UnixMilli(n).UTC(), id: id}, nil
}

// pageLimit applies storage.DefaultLimit and storage.MaxLimit.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return storage.DefaultLimit
	case n > storage.MaxLimit:
		return storage.MaxLimit
	}
	return n
}

// makePage cuts items, fetched with limit+1, to one page and sets the cursor
// of the next page when there is one. key gives an item's sort key.
func makePage[T any](items []T, limit int, key func(T) (time.Time, string)) storage.Page[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return storage.Page[T]{Items: items}
	}
	items = items[:limit]
	at, id := key(items[limit-1])
	return storage.Page[T]{Items: items, Next: encodeCursor(at, id)}
}

// encodeIDCursor is the cursor of a list ordered by id alone.
func encodeIDCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id))
}

func decodeIDCursor(s string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) == 0 {
		return "", fmt.Errorf("%w: malformed cursor", storage.ErrInvalid)
	}
	return string(raw), nil
}

// makeIDPage is makePage for lists ordered by id alone.
func makeIDPage[T any](items []T, limit int, id func(T) string) storage.Page[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return storage.Page[T]{Items: items}
	}
	items = items[:limit]
	return storage.Page[T]{Items: items, Next: encodeIDCursor(id(items[limit-1]))}
}
