package branding

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every refusal of a value or file; errors.As
// with *Problem gives its code and a message safe to show.
var ErrInvalid = errors.New("branding: invalid")

// Problem codes. The console shows the catalog message
// "branding.error.<code>"; the API and CLI show Detail.
const (
	CodeTooLarge      = "too_large"
	CodeImageType     = "image_type"
	CodeImageBroken   = "image_broken"
	CodeSVGUnsafe     = "svg_unsafe"
	CodeColorFormat   = "color_format"
	CodeColorContrast = "color_contrast"
	CodeCSSUnsafe     = "css_unsafe"
	CodeNameLength    = "name_length"
	CodeEmpty         = "empty"
)

// Problems lists every code, for the catalog check.
func Problems() []string {
	return []string{CodeTooLarge, CodeImageType, CodeImageBroken, CodeSVGUnsafe, CodeColorFormat,
		CodeColorContrast, CodeCSSUnsafe, CodeNameLength, CodeEmpty}
}

// Problem is why a value or file was refused. Detail names what is wrong
// (an element, a ratio) in English and never echoes secrets.
type Problem struct {
	Code   string
	Detail string
}

func (p *Problem) Error() string { return "branding: " + p.Detail }

// Unwrap makes every Problem match ErrInvalid.
func (p *Problem) Unwrap() error { return ErrInvalid }

func refuse(code, format string, args ...any) error {
	return &Problem{Code: code, Detail: fmt.Sprintf(format, args...)}
}
