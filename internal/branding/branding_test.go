package branding

import (
	"errors"
	"image/color"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

func newService(t *testing.T) (*Service, storage.Store) {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "b.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return New(st, "Configured"), st
}

func ptr(s string) *string { return &s }

func TestServiceDefaultsAndUpdate(t *testing.T) {
	s, st := newService(t)
	ctx := t.Context()
	b, err := s.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "Configured" || b.Color != "" || b.Logo != nil || b.Theme != nil {
		t.Fatalf("fresh branding %+v", b)
	}
	b, err = s.Update(ctx, Changes{DisplayName: ptr("  Acme ID "), PrimaryColor: ptr("#0F766E")}, "admin-1")
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "Acme ID" || b.Color != "#0f766e" || b.Theme == nil || !strings.HasPrefix(b.Theme.Path, "/branding/theme-") ||
		!strings.HasSuffix(b.Theme.Path, ".css") {
		t.Fatalf("updated branding %+v", b)
	}
	if _, ok := b.Find(b.Theme.File()); !ok {
		t.Fatal("theme not found by its file name")
	}
	_, err = s.Update(ctx, Changes{PrimaryColor: ptr("#ffff00")}, "admin-1")
	wantCode(t, err, CodeColorContrast)
	_, err = s.Update(ctx, Changes{DisplayName: ptr("two\nlines")}, "admin-1")
	wantCode(t, err, CodeNameLength)
	if b, _ = s.Current(ctx); b.Color != "#0f766e" {
		t.Fatalf("a refused change was stored: %+v", b)
	}
	b, err = s.Update(ctx, Changes{DisplayName: ptr(""), PrimaryColor: ptr("")}, "admin-1")
	if err != nil || b.Name != "Configured" || b.Theme != nil {
		t.Fatalf("back to defaults: %+v %v", b, err)
	}
	events, err := st.Audit().List(ctx, storage.AuditFilter{Type: EventChanged})
	if err != nil || len(events.Items) != 2 || events.Items[0].ActorID != "admin-1" {
		t.Fatalf("audit %+v %v", events, err)
	}
}

func TestServiceHashedURLFollowsContent(t *testing.T) {
	s, _ := newService(t)
	ctx := t.Context()
	b, err := s.PutImage(ctx, KindLogo, pngImage(t, 2, 2, color.Black), "a")
	if err != nil {
		t.Fatal(err)
	}
	first := b.Logo.Path
	if !strings.HasPrefix(first, "/branding/logo-") || !strings.HasSuffix(first, ".png") || b.Logo.ContentType != TypePNG {
		t.Fatalf("logo %+v", b.Logo)
	}
	b, err = s.PutImage(ctx, KindLogo, pngImage(t, 2, 2, color.White), "a")
	if err != nil {
		t.Fatal(err)
	}
	if b.Logo.Path == first {
		t.Fatalf("new content kept the URL %s", first)
	}
	if _, ok := b.Find(strings.TrimPrefix(first, PathPrefix)); ok {
		t.Fatal("the old URL still finds a file")
	}
	same, err := s.PutImage(ctx, KindLogo, pngImage(t, 2, 2, color.White), "a")
	if err != nil || same.Logo.Path != b.Logo.Path {
		t.Fatalf("same content, other URL: %s %s %v", same.Logo.Path, b.Logo.Path, err)
	}
	b, err = s.PutImage(ctx, KindFavicon, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>`), "a")
	if err != nil || !strings.HasSuffix(b.Favicon.Path, ".svg") || b.Favicon.ContentType != TypeSVG {
		t.Fatalf("favicon %+v %v", b.Favicon, err)
	}
	_, err = s.PutImage(ctx, KindFavicon, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "a")
	wantCode(t, err, CodeSVGUnsafe)
	b, err = s.PutCSS(ctx, []byte(".brand{gap:1rem}"), "a")
	if err != nil || !strings.HasSuffix(b.CSS.Path, ".css") {
		t.Fatalf("css %+v %v", b.CSS, err)
	}
	b, err = s.Remove(ctx, KindLogo, "a")
	if err != nil || b.Logo != nil || b.Favicon == nil {
		t.Fatalf("after removing the logo %+v %v", b, err)
	}
	if _, err := s.Remove(ctx, KindLogo, "a"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("removing again: %v", err)
	}
}

// Another replica's change is seen once the cache ages out.
func TestServiceSeesOtherReplicaWithinCacheAge(t *testing.T) {
	s, st := newService(t)
	other := New(st, "Configured")
	now := time.Now()
	s.now = func() time.Time { return now }
	ctx := t.Context()
	if _, err := s.Current(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Update(ctx, Changes{DisplayName: ptr("Changed")}, "a"); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Current(ctx); b.Name != "Configured" {
		t.Fatalf("read again before the cache aged: %q", b.Name)
	}
	now = now.Add(MaxCacheAge)
	if b, _ := s.Current(ctx); b.Name != "Changed" {
		t.Fatalf("after %s: %q", MaxCacheAge, b.Name)
	}
}

// When the database cannot be read, Fallback is the branding last read.
func TestServiceFallbackKeepsLastRead(t *testing.T) {
	s, st := newService(t)
	if b := s.Fallback(); b.Name != "Configured" {
		t.Fatalf("fallback before any read: %+v", b)
	}
	if _, err := s.Update(t.Context(), Changes{DisplayName: ptr("Kept"), PrimaryColor: ptr("#0f766e")}, "a"); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	s.forget()
	if _, err := s.Current(t.Context()); err == nil {
		t.Fatal("read a closed database")
	}
	if b := s.Fallback(); b.Name != "Kept" || b.Color != "#0f766e" {
		t.Fatalf("fallback after a failed read: %+v", b)
	}
}
