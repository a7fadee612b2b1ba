package storagetest

import (
	"bytes"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) brandingAssets(t *testing.T) {
	s.test(t, "BrandingAssets", testBrandingAssets)
}

// Branding assets are stored byte for byte, one per kind, replaced by a
// new Put, listed by hash without bodies, and deleted.
func testBrandingAssets(t *testing.T, st storage.Store) {
	ctx := t.Context()
	store := st.BrandingAssets()
	_, err := store.Get(ctx, "logo")
	wantErr(t, err, storage.ErrNotFound)
	body := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	noErr(t, store.Put(ctx, storage.BrandingAsset{Kind: "logo", ContentType: "image/png", Body: body, Hash: "h1"}))
	noErr(t, store.Put(ctx, storage.BrandingAsset{Kind: "css", ContentType: "text/css", Body: []byte("a{}"), Hash: "h2"}))
	got, err := store.Get(ctx, "logo")
	noErr(t, err)
	if !bytes.Equal(got.Body, body) || got.ContentType != "image/png" || got.Hash != "h1" || got.UpdatedAt.IsZero() {
		t.Fatalf("stored logo %+v", got)
	}
	noErr(t, store.Put(ctx, storage.BrandingAsset{Kind: "logo", ContentType: "image/webp", Body: []byte("RIFF"), Hash: "h3"}))
	hashes, err := store.Hashes(ctx)
	noErr(t, err)
	if len(hashes) != 2 || hashes["logo"] != "h3" || hashes["css"] != "h2" {
		t.Fatalf("hashes %v", hashes)
	}
	wantErr(t, store.Put(ctx, storage.BrandingAsset{Kind: "favicon"}), storage.ErrInvalid)
	noErr(t, store.Delete(ctx, "logo"))
	wantErr(t, store.Delete(ctx, "logo"), storage.ErrNotFound)
	_, err = store.Get(ctx, "logo")
	wantErr(t, err, storage.ErrNotFound)
}
