package branding

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxCSSBytes bounds the custom stylesheet.
const MaxCSSBytes = 64 << 10

// TypeCSS is the content type of stylesheets.
const TypeCSS = "text/css; charset=utf-8"

// cssDataImage is the only url() target from elsewhere that the custom
// stylesheet may use: an inline raster image (the pages' CSP allows
// img-src data:). SVG data URLs are refused, as their content is not
// checked.
var cssDataImage = regexp.MustCompile(`^data:image/(png|webp|gif|jpeg);base64,[a-z0-9+/=\s]*$`)

// CheckCSS accepts a custom stylesheet that cannot load anything from
// another origin: no @import, url() only of a path on this server
// ("/static/...", not "//host") or of a data:image/png, webp, gif or jpeg,
// no backslash escapes (which could spell either in disguise; write the
// character itself), no expression() or -moz-binding (IE's behavior needs
// a url(), checked like the others). It must
// be UTF-8 and at most MaxCSSBytes.
func CheckCSS(body []byte) ([]byte, error) {
	if len(body) == 0 {
		return nil, refuse(CodeEmpty, "the stylesheet is empty")
	}
	if len(body) > MaxCSSBytes {
		return nil, refuse(CodeTooLarge, "the stylesheet is %d KiB; at most %d KiB is accepted", (len(body)+1023)/1024, MaxCSSBytes>>10)
	}
	if !utf8.Valid(body) {
		return nil, refuse(CodeCSSUnsafe, "the stylesheet is not UTF-8 text")
	}
	v := strings.ToLower(string(body))
	switch {
	case strings.Contains(v, "\\"):
		return nil, refuse(CodeCSSUnsafe, "the stylesheet uses backslash escapes; write the characters themselves")
	case strings.Contains(v, "@import"):
		return nil, refuse(CodeCSSUnsafe, "the stylesheet uses @import; put everything in this one file")
	case strings.Contains(v, "expression("), strings.Contains(v, "-moz-binding"),
		strings.Contains(v, "javascript:"), strings.Contains(v, "</"):
		return nil, refuse(CodeCSSUnsafe, "the stylesheet has script-like content (expression(), -moz-binding, javascript:)")
	}
	for rest := v; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			break
		}
		rest = rest[i+4:]
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return nil, refuse(CodeCSSUnsafe, "the stylesheet has an unclosed url(")
		}
		arg := strings.Trim(strings.TrimSpace(rest[:end]), `"'`)
		if !sameOriginPath(arg) && !cssDataImage.MatchString(arg) {
			return nil, refuse(CodeCSSUnsafe, "the stylesheet loads url(%s); only paths on this server (/static/...) and data:image/png, webp, gif or jpeg are allowed", arg)
		}
	}
	if strings.Contains(v, "image-set(") || strings.Contains(v, "src(") {
		return nil, refuse(CodeCSSUnsafe, "the stylesheet uses image-set() or src(); use url() of a path on this server")
	}
	return body, nil
}

// sameOriginPath: an absolute path on this server, not a scheme or
// protocol-relative URL.
func sameOriginPath(s string) bool {
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.Contains(s, ":")
}
