// Package branding owns how an instance looks to its users: the display
// name, the primary colour, the logo, the favicon and a custom stylesheet
// that administrators set at run time (management API, console, CLI).
//
// It checks what is uploaded before anything is stored: images are
// sniffed by content and size-limited (PNG, WebP, and SVG only after
// sanitising with an allow-list, svg.go), the colour must keep WCAG AA
// contrast with white (color.go), and the stylesheet may not import or
// load anything from another origin (css.go). The name and colour are
// instance settings (branding.display_name, branding.primary_color); the
// files live in the branding_assets table. Service (branding.go) reads
// them through a cache that every replica refreshes within
// MaxCacheAge, and gives each file a URL carrying a hash of its content
// (/branding/logo-<hash>.png) so that it can be cached for ever. The
// pages (ui/branding.go) serve those URLs and the letters
// (internal/mail) link the logo under the issuer.
package branding
