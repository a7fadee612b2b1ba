package storage

import (
	"context"
	"time"
)

// BrandingAsset is one file an administrator uploaded to brand the
// instance: the logo, the favicon or the custom stylesheet. Body is the
// checked (for SVG: sanitised) content; Hash is its SHA-256 in hex, so a
// replica can tell a change without reading the body.
type BrandingAsset struct {
	Kind        string // "logo", "favicon" or "css"
	ContentType string
	Body        []byte
	Hash        string
	UpdatedAt   time.Time
}

// BrandingAssetStore keeps the branding files, one per kind.
type BrandingAssetStore interface {
	// Get returns the asset of kind with its body, or ErrNotFound.
	Get(ctx context.Context, kind string) (BrandingAsset, error)
	// Hashes returns the Hash of every stored asset by kind (no bodies).
	Hashes(ctx context.Context) (map[string]string, error)
	// Put creates or replaces the asset of a.Kind.
	Put(ctx context.Context, a BrandingAsset) error
	// Delete removes the asset of kind; ErrNotFound when there is none.
	Delete(ctx context.Context, kind string) error
}
