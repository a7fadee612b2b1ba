package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gatehouse/gatehouse/internal/branding"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// brandingCommand reads and changes the branding (the same rules as
// /api/v1/settings/branding and the console). Running servers show a
// change within seconds.
func brandingCommand() *command {
	return &command{name: "branding", summary: "show and change the display name, colour, logo, favicon and stylesheet", sub: []*command{
		{name: "show", summary: "print the branding as JSON (settings and the hashed URLs of the files)", run: runBrandingShow},
		{name: "set-name", args: "NAME", summary: `set the display name of pages and letters ("" restores GATEHOUSE_INSTANCE_NAME)`, run: runBrandingSetName},
		{name: "set-color", args: "#RRGGBB", summary: `set the primary colour; it needs a contrast of 4.5:1 with white ("" restores the built-in one)`, run: runBrandingSetColor},
		{name: "set-logo", args: "FILE", summary: "upload the logo: a PNG, WebP or SVG file of at most 256 KiB (SVG is sanitised)", run: runBrandingSetFile(branding.KindLogo)},
		{name: "set-favicon", args: "FILE", summary: "upload the favicon: a PNG, WebP or SVG file of at most 256 KiB", run: runBrandingSetFile(branding.KindFavicon)},
		{name: "set-css", args: "FILE", summary: "upload the custom stylesheet (at most 64 KiB; no @import, no url() of other origins)", run: runBrandingSetFile(branding.KindCSS)},
		{name: "remove", args: "logo|favicon|css", summary: "remove an uploaded file; the built-in one applies again", run: runBrandingRemove},
	}}
}

// withBranding runs fn with the branding over the configured database.
func withBranding(ctx context.Context, e *env, common *commonFlags, fn func(*branding.Service) (branding.Branding, error)) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		b, err := fn(server.Branding(store, cfg))
		var p *branding.Problem
		if errors.As(err, &p) {
			return fmt.Errorf("%w: branding: %s", errUsage, p.Detail)
		}
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("%w: branding: nothing to remove", errUsage)
		}
		if err != nil {
			return err
		}
		return printBranding(e, b)
	})
}

// printBranding writes the fields of GET /api/v1/settings/branding.
func printBranding(e *env, b branding.Branding) error {
	path := func(a *branding.Asset) string {
		if a == nil {
			return ""
		}
		return a.Path
	}
	out, err := json.MarshalIndent(map[string]string{"display_name": b.CustomName, "name": b.Name, "primary_color": b.Color,
		"logo_url": path(b.Logo), "favicon_url": path(b.Favicon), "css_url": path(b.CSS)}, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, string(out))
	return nil
}

func runBrandingShow(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("%w: branding show takes no arguments", errUsage)
	}
	return withBranding(ctx, e, common, func(s *branding.Service) (branding.Branding, error) { return s.Current(ctx) })
}

func runBrandingSetName(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: branding set-name needs NAME", errUsage)
	}
	return withBranding(ctx, e, common, func(s *branding.Service) (branding.Branding, error) {
		return s.Update(ctx, branding.Changes{DisplayName: &args[0]}, "")
	})
}

func runBrandingSetColor(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: branding set-color needs #RRGGBB", errUsage)
	}
	return withBranding(ctx, e, common, func(s *branding.Service) (branding.Branding, error) {
		return s.Update(ctx, branding.Changes{PrimaryColor: &args[0]}, "")
	})
}

func runBrandingSetFile(kind string) func(context.Context, *env, *commonFlags, any, []string) error {
	return func(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("%w: branding set-%s needs FILE", errUsage, kind)
		}
		body, err := readLimited(args[0], max(branding.MaxImageBytes, branding.MaxCSSBytes)+1)
		if err != nil {
			return fmt.Errorf("%w: branding set-%s: %v", errUsage, kind, err)
		}
		return withBranding(ctx, e, common, func(s *branding.Service) (branding.Branding, error) {
			if kind == branding.KindCSS {
				return s.PutCSS(ctx, body, "")
			}
			return s.PutImage(ctx, kind, body, "")
		})
	}
}

// readLimited reads at most limit bytes of the file (more is refused by
// the branding rules with the limit named).
func readLimited(name string, limit int) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return body, nil
}

func runBrandingRemove(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) != 1 || (args[0] != branding.KindLogo && args[0] != branding.KindFavicon && args[0] != branding.KindCSS) {
		return fmt.Errorf("%w: branding remove needs logo, favicon or css", errUsage)
	}
	return withBranding(ctx, e, common, func(s *branding.Service) (branding.Branding, error) {
		return s.Remove(ctx, args[0], "")
	})
}
