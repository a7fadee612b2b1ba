package server

import (
	"context"

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

// mailBrand gives the letters the branding's name, logo path and colour.
func mailBrand(b *branding.Service) func(ctx context.Context) (mail.Brand, error) {
	return func(ctx context.Context) (mail.Brand, error) {
		cur, err := b.Current(ctx)
		if err != nil {
			return mail.Brand{}, err
		}
		out := mail.Brand{Name: cur.Name, Color: cur.Color}
		if cur.Logo != nil {
			out.LogoPath = cur.Logo.Path
		}
		return out, nil
	}
}
