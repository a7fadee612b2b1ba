package branding

import (
	"bytes"
	"image/png"

	"golang.org/x/image/webp"
)

// MaxImageBytes bounds an uploaded logo or favicon.
const MaxImageBytes = 256 << 10

// maxImageSide bounds the width and height of a PNG or WebP image, so a
// small file cannot ask the browser for a huge bitmap.
const maxImageSide = 4096

// Image content types.
const (
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
	TypeSVG  = "image/svg+xml"
)

// CheckImage decides what body is by its content (never by a file name or
// a declared type): a PNG or WebP image that decodes, or an SVG document
// that passes SanitizeSVG. It returns the content type and the body to
// store (for SVG, the sanitised document).
func CheckImage(body []byte) (string, []byte, error) {
	if len(body) == 0 {
		return "", nil, refuse(CodeEmpty, "the file is empty")
	}
	if len(body) > MaxImageBytes {
		return "", nil, refuse(CodeTooLarge, "the file is %d KiB; at most %d KiB is accepted", (len(body)+1023)/1024, MaxImageBytes>>10)
	}
	switch {
	case bytes.HasPrefix(body, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err := png.DecodeConfig(bytes.NewReader(body))
		if err != nil {
			return "", nil, refuse(CodeImageBroken, "the PNG image cannot be read")
		}
		if err := checkSides(cfg.Width, cfg.Height); err != nil {
			return "", nil, err
		}
		return TypePNG, body, nil
	case len(body) >= 12 && string(body[:4]) == "RIFF" && string(body[8:12]) == "WEBP":
		cfg, err := webp.DecodeConfig(bytes.NewReader(body))
		if err != nil {
			return "", nil, refuse(CodeImageBroken, "the WebP image cannot be read")
		}
		if err := checkSides(cfg.Width, cfg.Height); err != nil {
			return "", nil, err
		}
		return TypeWebP, body, nil
	case looksLikeXML(body):
		clean, err := SanitizeSVG(body)
		if err != nil {
			return "", nil, err
		}
		return TypeSVG, clean, nil
	}
	return "", nil, refuse(CodeImageType, "the file is not a PNG, WebP or SVG image")
}

func checkSides(w, h int) error {
	if w < 1 || h < 1 || w > maxImageSide || h > maxImageSide {
		return refuse(CodeImageBroken, "the image is %d×%d pixels; each side must be from 1 to %d", w, h, maxImageSide)
	}
	return nil
}

// looksLikeXML reports whether body starts, after a byte order mark and
// white space, with "<".
func looksLikeXML(body []byte) bool {
	b := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

// Extension is the file extension of a content type in asset URLs.
func Extension(contentType string) string {
	switch contentType {
	case TypePNG:
		return ".png"
	case TypeWebP:
		return ".webp"
	case TypeSVG:
		return ".svg"
	case TypeCSS:
		return ".css"
	}
	return ""
}
