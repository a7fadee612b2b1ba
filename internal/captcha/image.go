package captcha

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/mojocn/base64Captcha"
)

// The built-in image's two colours. The driver draws the characters and
// the lines over them in random dark colours; drawImage then repaints
// every pixel as a blend of ImageForeground over ImageBackground, so the
// characters always have the same contrast, 13.6:1, above the 4.5:1 of
// WCAG 2 level AA (success criterion 1.4.3), whatever the driver chose.
var (
	ImageForeground = color.RGBA{R: 0x1f, G: 0x2a, B: 0x44, A: 0xff}
	ImageBackground = color.RGBA{R: 0xfa, G: 0xfa, B: 0xf7, A: 0xff}
)

// inkThreshold is how far (in the largest channel difference from the
// background) a pixel must be from the background to count as fully
// inked; nearer pixels (the anti-aliased edges) are partly inked. The
// driver's dark colours are at least this far from a light background.
const inkThreshold = 96

// drawImage draws answer and returns the image as a PNG data URI in the
// two colours.
func drawImage(answer string) (string, error) {
	item, err := driver().DrawCaptcha(answer)
	if err != nil {
		return "", fmt.Errorf("captcha: draw image: %w", err)
	}
	var raw bytes.Buffer
	if _, err := item.WriteTo(&raw); err != nil {
		return "", fmt.Errorf("captcha: encode image: %w", err)
	}
	src, err := png.Decode(&raw)
	if err != nil {
		return "", fmt.Errorf("captcha: decode image: %w", err)
	}
	var out bytes.Buffer
	if err := png.Encode(&out, twoColours(src)); err != nil {
		return "", fmt.Errorf("captcha: encode image: %w", err)
	}
	return imagePrefix + base64.StdEncoding.EncodeToString(out.Bytes()), nil
}

// twoColours repaints src: each pixel becomes ImageForeground blended over
// ImageBackground by how far it is from the background the driver painted.
// The result is paletted (17 steps of ink), which also keeps it small.
func twoColours(src image.Image) *image.Paletted {
	b := src.Bounds()
	bg := ImageBackground // the driver's plain background (newDriver)
	pal := make(color.Palette, inkSteps+1)
	for i := range pal {
		pal[i] = blend(float64(i) / inkSteps)
	}
	dst := image.NewPaletted(b, pal)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.RGBAModel.Convert(src.At(x, y)).(color.RGBA)
			d := max(absDiff(p.R, bg.R), absDiff(p.G, bg.G), absDiff(p.B, bg.B))
			ink := min(1, float64(d)/inkThreshold)
			dst.SetColorIndex(x, y, uint8(math.Round(ink*inkSteps)))
		}
	}
	return dst
}

// inkSteps is the number of blend steps between the two colours.
const inkSteps = 16

// blend is ImageForeground over ImageBackground with opacity a.
func blend(a float64) color.RGBA {
	mix := func(f, b uint8) uint8 { return uint8(math.Round(float64(f)*a + float64(b)*(1-a))) }
	fg, bg := ImageForeground, ImageBackground
	return color.RGBA{R: mix(fg.R, bg.R), G: mix(fg.G, bg.G), B: mix(fg.B, bg.B), A: 0xff}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// ContrastRatio is the WCAG 2 contrast ratio of two opaque colours, from 1
// to 21.
func ContrastRatio(a, b color.RGBA) float64 {
	la, lb := relativeLuminance(a), relativeLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// relativeLuminance is WCAG 2's relative luminance of an sRGB colour.
func relativeLuminance(c color.RGBA) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// newDriver is the driver of the image: a plain ImageBackground and the
// fonts whose capital and small letters differ in shape.
func newDriver() *base64Captcha.DriverString {
	bg := ImageBackground
	return base64Captcha.NewDriverString(ImageHeight, ImageWidth, 0,
		base64Captcha.OptionShowSlimeLine, // no thick sine wave: in one colour it hides the glyphs
		AnswerLength, Alphabet, &bg, nil, imageFonts)
}
