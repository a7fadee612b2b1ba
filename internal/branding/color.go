package branding

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MinContrast is the WCAG 2.x AA ratio for normal text: the primary
// colour carries white button text and is the link colour on white.
const MinContrast = 4.5

// rgb is a colour with 8-bit channels.
type rgb struct{ r, g, b uint8 }

func (c rgb) hex() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

// ParseColor reads "#rrggbb" (any case) and returns it in lower case.
func ParseColor(s string) (string, error) {
	c, err := parseRGB(s)
	if err != nil {
		return "", err
	}
	return c.hex(), nil
}

func parseRGB(s string) (rgb, error) {
	t := strings.TrimSpace(s)
	if len(t) != 7 || t[0] != '#' {
		return rgb{}, refuse(CodeColorFormat, "the colour must be written #rrggbb, e.g. #1d4ed8")
	}
	v, err := strconv.ParseUint(t[1:], 16, 32)
	if err != nil {
		return rgb{}, refuse(CodeColorFormat, "the colour must be written #rrggbb, e.g. #1d4ed8")
	}
	return rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

// channel is one sRGB channel's linear value (WCAG relative luminance).
func channel(v uint8) float64 {
	c := float64(v) / 255
	if c <= 0.04045 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}

func (c rgb) luminance() float64 {
	return 0.2126*channel(c.r) + 0.7152*channel(c.g) + 0.0722*channel(c.b)
}

// ContrastWithWhite is the WCAG contrast ratio of the colour with white,
// from 1 to 21.
func ContrastWithWhite(color string) (float64, error) {
	c, err := parseRGB(color)
	if err != nil {
		return 0, err
	}
	return 1.05 / (c.luminance() + 0.05), nil
}

// CheckPrimaryColor parses color and refuses one whose contrast with
// white is below MinContrast; it returns the colour in lower case.
func CheckPrimaryColor(color string) (string, error) {
	ratio, err := ContrastWithWhite(color)
	if err != nil {
		return "", err
	}
	if ratio < MinContrast {
		return "", refuse(CodeColorContrast,
			"%s has a contrast of %.2f:1 with white; white text on it and it as text on white need at least 4.5:1 (WCAG AA): choose a darker colour",
			strings.ToLower(strings.TrimSpace(color)), math.Floor(ratio*100)/100)
	}
	return ParseColor(color)
}

// darker mixes c with black: the hover shade of the primary colour, whose
// contrast with white is only higher.
func darker(c rgb, amount float64) rgb {
	f := func(v uint8) uint8 { return uint8(math.Round(float64(v) * (1 - amount))) }
	return rgb{f(c.r), f(c.g), f(c.b)}
}

// ThemeCSS is the stylesheet that applies color as the primary colour of
// the pages (links, buttons, focus rings) over templates/static/
// gatehouse.css. In the dark scheme only the buttons take it, with white
// text, since the colour is dark by rule.
func ThemeCSS(color string) (string, error) {
	c, err := parseRGB(color)
	if err != nil {
		return "", err
	}
	hover := darker(c, 0.15).hex()
	return fmt.Sprintf(`/* Gatehouse theme: the instance's primary colour. */
:root {
  --primary: %[1]s;
  --primary-hover: %[2]s;
  --on-primary: #ffffff;
  --link: %[1]s;
  --focus: %[1]s;
}
@media (prefers-color-scheme: dark) {
  :root {
    --primary: %[1]s;
    --primary-hover: %[2]s;
    --on-primary: #ffffff;
  }
}
`, c.hex(), hover), nil
}
