package branding

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/storage"
)

// Instance setting keys: the display name and the primary colour, JSON
// strings ("" means the configured instance name, or the built-in
// colour).
const (
	SettingDisplayName  = "branding.display_name"
	SettingPrimaryColor = "branding.primary_color"
)

// Asset kinds (branding_assets.kind).
const (
	KindLogo    = "logo"
	KindFavicon = "favicon"
	KindCSS     = "css"
	kindTheme   = "theme" // generated from the colour, never stored
)

// Kinds lists the kinds an administrator uploads.
func Kinds() []string { return []string{KindLogo, KindFavicon, KindCSS} }

// PathPrefix is where the assets are served: /branding/<kind>-<hash><ext>.
const PathPrefix = "/branding/"

// MaxNameLength bounds the display name, in characters.
const MaxNameLength = 100

// MaxCacheAge is how long a replica keeps what it read: a change reaches
// every replica within it.
const MaxCacheAge = 5 * time.Second

// Audit event types.
const (
	EventChanged = "admin.branding.changed"
)

// Asset is one file of the branding with its hashed URL path.
type Asset struct {
	Kind        string
	ContentType string
	Hash        string // SHA-256 of Body in hex
	Body        []byte
	Path        string // PathPrefix + kind-<first 16 hex of Hash> + extension
	UpdatedAt   time.Time
}

// File is the last segment of Path, as requested under PathPrefix.
func (a *Asset) File() string { return strings.TrimPrefix(a.Path, PathPrefix) }

func newAsset(kind, contentType string, body []byte, updated time.Time) *Asset {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	return &Asset{Kind: kind, ContentType: contentType, Hash: h, Body: body, UpdatedAt: updated,
		Path: PathPrefix + kind + "-" + h[:16] + Extension(contentType)}
}

// Branding is the branding in force. Name is never empty; a nil asset is
// not set (the pages use the built-in one, or none).
type Branding struct {
	Name       string
	CustomName string // the display name setting; empty: Name is the configured one
	Color      string // "#rrggbb", or empty for the built-in colour
	Logo       *Asset
	Favicon    *Asset
	CSS        *Asset
	Theme      *Asset // the stylesheet of Color; nil without one
}

// Find returns the asset whose URL ends in file.
func (b Branding) Find(file string) (*Asset, bool) {
	for _, a := range []*Asset{b.Logo, b.Favicon, b.CSS, b.Theme} {
		if a != nil && a.File() == file {
			return a, true
		}
	}
	return nil, false
}

// Service reads and changes the branding. It is safe for concurrent use.
type Service struct {
	store       storage.Store
	defaultName string
	ttl         time.Duration
	now         func() time.Time

	mu     sync.Mutex
	cur    Branding
	readAt time.Time
	valid  bool // cur is fresh (read within ttl)
	ever   bool // cur was read at least once
}

// New returns the branding over store; defaultName (the configured
// instance name) applies while no display name is set.
func New(store storage.Store, defaultName string) *Service {
	if strings.TrimSpace(defaultName) == "" {
		defaultName = "Gatehouse"
	}
	return &Service{store: store, defaultName: defaultName, ttl: MaxCacheAge, now: time.Now}
}

// DefaultName is the configured instance name.
func (s *Service) DefaultName() string { return s.defaultName }

// Current returns the branding in force, read again once the cached copy
// is older than MaxCacheAge (only changed files are fetched again).
func (s *Service) Current(ctx context.Context) (Branding, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.valid && now.Sub(s.readAt) < s.ttl && !now.Before(s.readAt) {
		return s.cur, nil
	}
	b, err := s.read(ctx, s.cur)
	if err != nil {
		return Branding{}, err
	}
	s.cur, s.readAt, s.valid, s.ever = b, now, true, true
	return b, nil
}

// Fallback is what pages and letters show when the database cannot be
// read: the branding last read, or the configured name and the built-in
// look when none was.
func (s *Service) Fallback() Branding {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ever {
		return s.cur
	}
	return Branding{Name: s.defaultName}
}

func (s *Service) read(ctx context.Context, prev Branding) (Branding, error) {
	b := Branding{Name: s.defaultName}
	var err error
	if b.CustomName, err = s.stringSetting(ctx, SettingDisplayName); err != nil {
		return Branding{}, err
	}
	if b.CustomName != "" {
		b.Name = b.CustomName
	}
	if b.Color, err = s.stringSetting(ctx, SettingPrimaryColor); err != nil {
		return Branding{}, err
	}
	if b.Color != "" {
		css, err := ThemeCSS(b.Color)
		if err != nil {
			return Branding{}, fmt.Errorf("branding: stored colour: %w", err)
		}
		b.Theme = newAsset(kindTheme, TypeCSS, []byte(css), time.Time{})
	}
	hashes, err := s.store.BrandingAssets().Hashes(ctx)
	if err != nil {
		return Branding{}, fmt.Errorf("branding: read files: %w", err)
	}
	for kind, hash := range hashes {
		var a *Asset
		if old := prev.byKind(kind); old != nil && old.Hash == hash {
			a = old
		} else {
			row, err := s.store.BrandingAssets().Get(ctx, kind)
			if errors.Is(err, storage.ErrNotFound) {
				continue // removed meanwhile
			}
			if err != nil {
				return Branding{}, fmt.Errorf("branding: read %s: %w", kind, err)
			}
			a = newAsset(kind, row.ContentType, row.Body, row.UpdatedAt)
		}
		b.set(a)
	}
	return b, nil
}

func (b Branding) byKind(kind string) *Asset {
	switch kind {
	case KindLogo:
		return b.Logo
	case KindFavicon:
		return b.Favicon
	case KindCSS:
		return b.CSS
	}
	return nil
}

func (b *Branding) set(a *Asset) {
	switch a.Kind {
	case KindLogo:
		b.Logo = a
	case KindFavicon:
		b.Favicon = a
	case KindCSS:
		b.CSS = a
	}
}

func (s *Service) stringSetting(ctx context.Context, key string) (string, error) {
	st, err := s.store.Settings().Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("branding: read %s: %w", key, err)
	}
	var v string
	if err := json.Unmarshal(st.Value, &v); err != nil {
		return "", fmt.Errorf("branding: setting %s is not a string: %w", key, err)
	}
	return v, nil
}

// forget makes the next Current read the database.
func (s *Service) forget() {
	s.mu.Lock()
	s.valid = false
	s.mu.Unlock()
}

// Changes are the settings an update sets; nil fields stay.
type Changes struct {
	DisplayName  *string // "" goes back to the configured instance name
	PrimaryColor *string // "" goes back to the built-in colour
}

// CheckName trims a display name and refuses one that is too long or has
// control characters.
func CheckName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if utf8.RuneCountInString(n) > MaxNameLength {
		return "", refuse(CodeNameLength, "the display name is longer than %d characters", MaxNameLength)
	}
	if strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return "", refuse(CodeNameLength, "the display name contains a line break or control character")
	}
	return n, nil
}

// Check validates ch and returns it normalised (trimmed name, lower-case
// colour), without storing anything.
func (ch Changes) Check() (Changes, error) {
	out := ch
	if ch.DisplayName != nil {
		n, err := CheckName(*ch.DisplayName)
		if err != nil {
			return Changes{}, err
		}
		out.DisplayName = &n
	}
	if ch.PrimaryColor != nil && strings.TrimSpace(*ch.PrimaryColor) != "" {
		c, err := CheckPrimaryColor(*ch.PrimaryColor)
		if err != nil {
			return Changes{}, err
		}
		out.PrimaryColor = &c
	} else if ch.PrimaryColor != nil {
		empty := ""
		out.PrimaryColor = &empty
	}
	return out, nil
}

// Update checks and stores ch, audited as actor's (empty: the command
// line), and returns the new branding.
func (s *Service) Update(ctx context.Context, ch Changes, actor string) (Branding, error) {
	ch, err := ch.Check()
	if err != nil {
		return Branding{}, err
	}
	details := map[string]string{}
	err = s.store.InTx(ctx, func(tx storage.Tx) error {
		for key, v := range map[string]*string{SettingDisplayName: ch.DisplayName, SettingPrimaryColor: ch.PrimaryColor} {
			if v == nil {
				continue
			}
			raw, _ := json.Marshal(*v)
			if err := tx.Settings().Set(ctx, key, raw); err != nil {
				return fmt.Errorf("branding: save %s: %w", key, err)
			}
			details[key] = *v
		}
		if len(details) == 0 {
			return nil
		}
		return audit(ctx, tx, actor, details)
	})
	if err != nil {
		return Branding{}, err
	}
	s.forget()
	return s.Current(ctx)
}

// PutImage checks body as a logo or favicon (CheckImage) and stores it.
func (s *Service) PutImage(ctx context.Context, kind string, body []byte, actor string) (Branding, error) {
	if kind != KindLogo && kind != KindFavicon {
		return Branding{}, fmt.Errorf("branding: %q is not an image kind", kind)
	}
	ctype, clean, err := CheckImage(body)
	if err != nil {
		return Branding{}, err
	}
	return s.put(ctx, kind, ctype, clean, actor)
}

// PutCSS checks body as the custom stylesheet (CheckCSS) and stores it.
func (s *Service) PutCSS(ctx context.Context, body []byte, actor string) (Branding, error) {
	clean, err := CheckCSS(body)
	if err != nil {
		return Branding{}, err
	}
	return s.put(ctx, KindCSS, TypeCSS, clean, actor)
}

func (s *Service) put(ctx context.Context, kind, ctype string, body []byte, actor string) (Branding, error) {
	a := newAsset(kind, ctype, body, time.Time{})
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.BrandingAssets().Put(ctx, storage.BrandingAsset{Kind: kind, ContentType: ctype, Body: body, Hash: a.Hash}); err != nil {
			return fmt.Errorf("branding: save %s: %w", kind, err)
		}
		return audit(ctx, tx, actor, map[string]string{kind: a.Path})
	})
	if err != nil {
		return Branding{}, err
	}
	s.forget()
	return s.Current(ctx)
}

// Remove deletes the file of kind (storage.ErrNotFound when there is
// none); the pages go back to the built-in one.
func (s *Service) Remove(ctx context.Context, kind, actor string) (Branding, error) {
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.BrandingAssets().Delete(ctx, kind); err != nil {
			return fmt.Errorf("branding: remove %s: %w", kind, err)
		}
		return audit(ctx, tx, actor, map[string]string{kind: "removed"})
	})
	if err != nil {
		return Branding{}, err
	}
	s.forget()
	return s.Current(ctx)
}

func audit(ctx context.Context, tx storage.Tx, actor string, details map[string]string) error {
	e := storage.AuditEvent{Type: EventChanged, ActorID: actor, Details: details}
	if err := tx.Audit().Append(ctx, &e); err != nil {
		return fmt.Errorf("branding: audit: %w", err)
	}
	return nil
}
