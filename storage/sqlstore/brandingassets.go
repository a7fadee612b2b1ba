package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// brandingAssets implements storage.BrandingAssetStore over
// branding_assets (one row per kind).
type brandingAssets struct{ h handle }

type brandingAssetRow struct {
	Kind        string `db:"kind"`
	ContentType string `db:"content_type"`
	Body        []byte `db:"body"`
	Hash        string `db:"hash"`
	UpdatedAt   dbTime `db:"updated_at"`
}

func (s brandingAssets) Get(ctx context.Context, kind string) (storage.BrandingAsset, error) {
	var r brandingAssetRow
	err := s.h.get(ctx, &r, `SELECT kind, content_type, body, hash, updated_at FROM branding_assets WHERE kind = ?`, kind)
	if err != nil {
		return storage.BrandingAsset{}, fmt.Errorf("branding asset %q: %w", kind, mapErr(err))
	}
	return storage.BrandingAsset{Kind: r.Kind, ContentType: r.ContentType, Body: r.Body, Hash: r.Hash, UpdatedAt: r.UpdatedAt.time()}, nil
}

func (s brandingAssets) Hashes(ctx context.Context) (map[string]string, error) {
	var rows []brandingAssetRow
	if err := s.h.selectRows(ctx, &rows, `SELECT kind, hash FROM branding_assets ORDER BY kind`); err != nil {
		return nil, fmt.Errorf("branding asset hashes: %w", mapErr(err))
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Kind] = r.Hash
	}
	return out, nil
}

func (s brandingAssets) Put(ctx context.Context, a storage.BrandingAsset) error {
	if a.Kind == "" || a.ContentType == "" || a.Hash == "" || len(a.Body) == 0 {
		return fmt.Errorf("put branding asset: %w: kind, content type, hash and body are required", storage.ErrInvalid)
	}
	_, err := s.h.exec(ctx, `INSERT INTO branding_assets (kind, content_type, body, hash, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind) DO UPDATE SET content_type = excluded.content_type, body = excluded.body,
		hash = excluded.hash, updated_at = excluded.updated_at`,
		a.Kind, a.ContentType, a.Body, a.Hash, s.h.d.ts(time.Now()))
	if err != nil {
		return fmt.Errorf("put branding asset %q: %w", a.Kind, mapErr(err))
	}
	return nil
}

func (s brandingAssets) Delete(ctx context.Context, kind string) error {
	n, err := s.h.exec(ctx, `DELETE FROM branding_assets WHERE kind = ?`, kind)
	if err != nil {
		return fmt.Errorf("delete branding asset %q: %w", kind, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("delete branding asset %q: %w", kind, storage.ErrNotFound)
	}
	return nil
}
