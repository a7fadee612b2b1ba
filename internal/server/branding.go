package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/branding"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/storage"
)

// Branding is the branding of the instance over store (display name,
// colour, logo, favicon, custom CSS; internal/branding), with cfg's
// instance name while no display name is set.
func Branding(store storage.Store, cfg config.Config) *branding.Service {
	return branding.New(store, cfg.InstanceName)
}

// mailBrand gives the letters the branding's name, logo path and colour
// (the last read when the database cannot be read now).
func mailBrand(b *branding.Service) func(ctx context.Context) (mail.Brand, error) {
	return func(ctx context.Context) (mail.Brand, error) {
		cur, err := b.Current(ctx)
		if err != nil {
			cur = b.Fallback() // the last branding read; a letter is never held back by it
		}
		out := mail.Brand{Name: cur.Name, Color: cur.Color}
		if cur.Logo != nil {
			out.LogoPath = cur.Logo.Path
		}
		return out, nil
	}
}

// warnBrandingDrift logs a warning when GATEHOUSE_INSTANCE_NAME was given
// (environment or file) but a display name stored by an administrator
// applies instead, naming the command that goes back to the configured
// name.
func (s *Server) warnBrandingDrift(ctx context.Context) error {
	from := s.cfg.GivenBy("INSTANCE_NAME")
	if from == "" {
		return nil
	}
	b, err := s.branding.Current(ctx)
	if err != nil {
		return fmt.Errorf("read branding: %w", err)
	}
	if b.CustomName == "" || b.CustomName == s.cfg.InstanceName {
		return nil
	}
	name := config.EnvPrefix + "INSTANCE_NAME"
	if from == "file" {
		name = "instance_name (configuration file)"
	}
	s.log.WarnContext(ctx, "configuration value ignored: the display name stored in the database applies",
		slog.String("setting", branding.SettingDisplayName), slog.String("configured", name+"="+s.cfg.InstanceName),
		slog.String("stored", b.CustomName), slog.String("change_with", `gatehouse branding set-name ""`))
	return nil
}
