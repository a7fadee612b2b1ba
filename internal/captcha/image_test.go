package captcha

import (
	"bytes"
	"encoding/base64"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// The configured colours meet WCAG 2 AA for text (4.5:1), and the
// contrast formula gives the known values.
func TestImageColoursMeetWCAGAA(t *testing.T) {
	if r := ContrastRatio(ImageForeground, ImageBackground); r < 4.5 {
		t.Errorf("contrast of the characters %.2f:1, want at least 4.5:1", r)
	}
	black, white := color.RGBA{A: 0xff}, color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	grey := color.RGBA{R: 0x76, G: 0x76, B: 0x76, A: 0xff} // the classic 4.54:1 on white
	for _, tc := range []struct {
		a, b     color.RGBA
		min, max float64
	}{
		{black, white, 20.99, 21.01},
		{white, black, 20.99, 21.01},
		{white, white, 1, 1},
		{grey, white, 4.53, 4.55},
	} {
		if r := ContrastRatio(tc.a, tc.b); r < tc.min || r > tc.max {
			t.Errorf("ContrastRatio(%v, %v) = %.3f, want %.2f..%.2f", tc.a, tc.b, r, tc.min, tc.max)
		}
	}
}

// Every pixel of a drawn image is the foreground blended over the
// background, whatever random colours the driver picked: the characters
// are drawn at full foreground strength.
func TestImageIsDrawnInTheTwoColours(t *testing.T) {
	allowed := map[color.RGBA]bool{}
	for i := 0; i <= inkSteps; i++ {
		allowed[blend(float64(i)/inkSteps)] = true
	}
	for range 5 {
		uri, err := drawImage("AbdEFG")
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(uri, imagePrefix))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		var ink, paper int
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				if !allowed[p] {
					t.Fatalf("pixel (%d,%d) is %v, not a blend of the two colours", x, y, p)
				}
				switch p {
				case ImageForeground:
					ink++
				case ImageBackground:
					paper++
				}
			}
		}
		total := b.Dx() * b.Dy()
		if ink < total/50 || paper < total/2 {
			t.Errorf("%d foreground and %d background pixels of %d: the characters are missing or unreadable", ink, paper, total)
		}
	}
}
