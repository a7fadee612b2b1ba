package branding

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// pngImage is a small valid PNG.
func pngImage(t *testing.T, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// webpImage is a 1×1 lossless WebP.
var webpImage = []byte{
	0x52, 0x49, 0x46, 0x46, 0x1a, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x4c,
	0x0d, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe,
	0x07, 0x00,
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var p *Problem
	if !errors.As(err, &p) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v, want a Problem %s", err, code)
	}
	if p.Code != code {
		t.Fatalf("code %s (%s), want %s", p.Code, p.Detail, code)
	}
}

func TestCheckImageTypes(t *testing.T) {
	ctype, body, err := CheckImage(pngImage(t, 4, 4, color.Black))
	if err != nil || ctype != TypePNG || len(body) == 0 {
		t.Fatalf("PNG: %s %v", ctype, err)
	}
	if ctype, _, err := CheckImage(webpImage); err != nil || ctype != TypeWebP {
		t.Fatalf("WebP: %s %v", ctype, err)
	}
	svg := `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#123456"/></svg>`
	if ctype, _, err := CheckImage([]byte(svg)); err != nil || ctype != TypeSVG {
		t.Fatalf("SVG: %s %v", ctype, err)
	}
	for name, body := range map[string][]byte{
		"jpeg":       {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'},
		"gif":        []byte("GIF89a\x01\x00\x01\x00"),
		"text":       []byte("hello"),
		"html":       []byte("<html><script>alert(1)</script></html>"),
		"broken png": []byte("\x89PNG\r\n\x1a\nnot really"),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := CheckImage(body)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
		})
	}
}

func TestCheckImageTooLarge(t *testing.T) {
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxImageBytes)...)
	_, _, err := CheckImage(big)
	wantCode(t, err, CodeTooLarge)
	if !strings.Contains(err.Error(), "256 KiB") {
		t.Fatalf("message %q does not name the limit", err)
	}
	_, _, err = CheckImage(nil)
	wantCode(t, err, CodeEmpty)
	_, _, err = CheckImage(pngImage(t, 5000, 1, color.White))
	wantCode(t, err, CodeImageBroken)
}

func TestSanitizeSVGRefuses(t *testing.T) {
	const open = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">`
	cases := map[string]string{
		"script":              open + `<script>alert(1)</script></svg>`,
		"script in group":     open + `<g><script type="text/javascript">alert(1)</script></g></svg>`,
		"foreignObject":       open + `<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>`,
		"onload":              `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`,
		"onclick upper":       open + `<rect ONCLICK="alert(1)"/></svg>`,
		"external href":       open + `<use href="https://evil.example/x.svg#a"/></svg>`,
		"xlink javascript":    open + `<a xlink:href="javascript:alert(1)"><rect/></a></svg>`,
		"use javascript":      open + `<use xlink:href="javascript:alert(1)"/></svg>`,
		"image":               open + `<image href="#x"/></svg>`,
		"animate":             open + `<animate attributeName="href" to="javascript:alert(1)"/></svg>`,
		"style url":           open + `<style>rect{fill:url(https://evil.example/x)}</style></svg>`,
		"style import":        open + `<style>@import "https://evil.example/x.css";</style></svg>`,
		"style import cdata":  open + `<style>@imp<![CDATA[ort "https://evil.example/x.css";]]></style></svg>`,
		"style escape":        open + `<style>rect{fill:u\72l(https://evil.example/x)}</style></svg>`,
		"style attr url":      open + `<rect style="fill:url('http://evil.example/x')"/></svg>`,
		"fill data url":       open + `<rect fill="url(data:image/png;base64,AAAA)"/></svg>`,
		"entity":              `<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>`,
		"not svg root":        `<html xmlns="http://www.w3.org/1999/xhtml"></html>`,
		"svg without ns":      `<svg><rect/></svg>`,
		"not well-formed":     open + `<rect></svg>`,
		"iframe in ns":        open + `<iframe/></svg>`,
		"second root element": `<svg xmlns="http://www.w3.org/2000/svg"></svg><svg xmlns="http://www.w3.org/2000/svg"></svg>`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := SanitizeSVG([]byte(doc))
			if err == nil {
				t.Fatalf("accepted: %s", out)
			}
			wantCode(t, err, CodeSVGUnsafe)
		})
	}
}

func TestSanitizeSVGKeepsDrawing(t *testing.T) {
	in := `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 24 24" width="24" height="24" inkscape:version="1.0">
<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
<title>Acme</title>
<defs><linearGradient id="g"><stop offset="0" stop-color="#123456"/></linearGradient></defs>
<style>.a{fill:url(#g)}</style>
<path class="a" d="M0 0h24v24H0z" data-name="box"/>
<use xlink:href="#g"/>
</svg>`
	out, err := SanitizeSVG([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"`, `<title>Acme</title>`,
		`<path class="a" d="M0 0h24v24H0z">`, `<use href="#g">`, `.a{fill:url(#g)}`} {
		if !strings.Contains(s, want) {
			t.Errorf("sanitised SVG lacks %q:\n%s", want, s)
		}
	}
	for _, gone := range []string{"inkscape", "metadata", "rdf", "data-name", "comment", "<?xml"} {
		if strings.Contains(s, gone) {
			t.Errorf("sanitised SVG keeps %q:\n%s", gone, s)
		}
	}
	// The output is itself accepted and unchanged by a second pass.
	again, err := SanitizeSVG(out)
	if err != nil || string(again) != s {
		t.Fatalf("second pass: %v\n%s", err, again)
	}
}

func TestPrimaryColorContrast(t *testing.T) {
	for _, ok := range []string{"#1d4ed8", "#1D4ED8", "#000000", "#767676", " #b91c1c "} {
		if c, err := CheckPrimaryColor(ok); err != nil || c != strings.ToLower(strings.TrimSpace(ok)) {
			t.Errorf("%q: %q %v", ok, c, err)
		}
	}
	for _, low := range []string{"#777777", "#ffff00", "#ffffff", "#7aa7ff"} {
		_, err := CheckPrimaryColor(low)
		wantCode(t, err, CodeColorContrast)
		if !strings.Contains(err.Error(), "4.5:1") {
			t.Errorf("%s: message %q does not say the required ratio", low, err)
		}
	}
	for _, bad := range []string{"red", "#12345", "#1234567", "1d4ed8", "#gggggg", "rgb(0,0,0)", ""} {
		_, err := CheckPrimaryColor(bad)
		wantCode(t, err, CodeColorFormat)
	}
	r, _ := ContrastWithWhite("#000000")
	if r < 20.9 || r > 21.1 {
		t.Fatalf("black on white %.2f, want 21", r)
	}
}

func TestThemeCSS(t *testing.T) {
	css, err := ThemeCSS("#0f766e")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(css, "--primary: #0f766e;") || !strings.Contains(css, "--on-primary: #ffffff;") {
		t.Fatalf("theme:\n%s", css)
	}
	if _, err := CheckCSS([]byte(css)); err != nil {
		t.Fatalf("the theme fails the custom CSS rules: %v", err)
	}
}

func TestCheckCSS(t *testing.T) {
	good := []string{
		".site-header{background:#fff}",
		".brand{background:url(/static/favicon.svg) no-repeat}",
		`.x{background-image:url("data:image/png;base64,iVBORw0KGgo=")}`,
		"@media (max-width: 600px){body{font-size:15px}}",
		"html{scroll-behavior:smooth;overscroll-behavior:contain}",
	}
	for _, css := range good {
		if _, err := CheckCSS([]byte(css)); err != nil {
			t.Errorf("%q refused: %v", css, err)
		}
	}
	bad := map[string]string{
		"import":            `@import url(/static/gatehouse.css);`,
		"import upper":      `@IMPORT "x.css";`,
		"external url":      `body{background:url(https://evil.example/x.png)}`,
		"protocol relative": `body{background:url(//evil.example/x.png)}`,
		"quoted external":   `body{background:url( "http://evil.example/x.png" )}`,
		"svg data":          `body{background:url(data:image/svg+xml;base64,PHN2Zz4=)}`,
		"escape":            `body{background:u\72l(http://evil.example/x)}`,
		"expression":        `body{width:expression(alert(1))}`,
		"htc behavior":      `body{behavior:url(https://evil.example/x.htc)}`,
		"image-set":         `body{background:image-set("https://evil.example/x.png" 1x)}`,
		"font src":          `@font-face{font-family:x;src:url(https://evil.example/f.woff2)}`,
		"unclosed":          `body{background:url(/x`,
		"end tag":           `</style><script>alert(1)</script>`,
	}
	for name, css := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := CheckCSS([]byte(css))
			wantCode(t, err, CodeCSSUnsafe)
		})
	}
	_, err := CheckCSS(bytes.Repeat([]byte("a"), MaxCSSBytes+1))
	wantCode(t, err, CodeTooLarge)
	_, err = CheckCSS([]byte{0xff, 0xfe})
	wantCode(t, err, CodeCSSUnsafe)
}
