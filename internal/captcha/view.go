package captcha

import (
	"errors"
	"html/template"
	"net/url"
	"strings"
)

// View is the value the "captcha" partial template renders
// (templates/pages/_captcha.html): a challenge and what only the page
// knows. Build it with NewView and pass it as {{template "captcha" .Data.Captcha}}.
type View struct {
	Challenge
	// NewImageURL is where the built-in captcha's "New image" button
	// posts the form without JavaScript: the form page with captcha=new
	// added, which shows the form again, as typed, with a new challenge.
	NewImageURL string
	// ChallengeURL is where captcha.js fetches a new challenge as JSON
	// (NewChallengePath), to replace only the image.
	ChallengeURL string
	// AudioURL is the spoken alternative of this challenge (AudioPath),
	// empty without one.
	AudioURL string
	// Failed shows that the previous submission's captcha did not pass.
	Failed bool
	// Unavailable says the vendor could not be asked (with Failed).
	Unavailable bool
}

// NewView returns the view of ch on the form page at page (the request's
// URL), after the previous submission's Verify error verr (nil when the
// form is shown for the first time or failed for another reason).
func NewView(ch Challenge, page *url.URL, verr error) View {
	v := View{
		Challenge:   ch,
		Failed:      errors.Is(verr, ErrFailed),
		Unavailable: errors.Is(verr, ErrUnavailable),
	}
	if page != nil && ch.IsBuiltin() {
		v.NewImageURL = NewImageURL(page)
	}
	if ch.IsBuiltin() {
		v.ChallengeURL = NewChallengePath
		v.AudioURL = AudioURL(ch)
	}
	return v
}

// Paths of the built-in captcha's endpoints, served by package ui.
const (
	// NewChallengePath answers GET with a new challenge as JSON
	// (ChallengeJSON), for the "New image" button's script.
	NewChallengePath = "/captcha/new"
	// AudioPath answers GET ?id=ID[&lang=en|ru] with the challenge's
	// spoken digits (Captcha.Audio).
	AudioPath = "/captcha/audio"
)

// AudioURL is the spoken alternative of ch, or "" when it has none.
func AudioURL(ch Challenge) string {
	if !ch.IsBuiltin() || !ch.Audio {
		return ""
	}
	return AudioPath + "?" + url.Values{"id": {ch.ID}}.Encode()
}

// ChallengeJSON is the body of NewChallengePath: what captcha.js swaps
// into the form.
type ChallengeJSON struct {
	ID       string `json:"id"`                  // the new captcha_id
	Image    string `json:"image"`               // data:image/png;base64,...
	AudioURL string `json:"audio_url,omitempty"` // the spoken alternative
}

// JSON is ch as NewChallengePath answers it.
func (c Challenge) JSON() ChallengeJSON {
	return ChallengeJSON{ID: c.ID, Image: string(c.ImageSrc()), AudioURL: AudioURL(c)}
}

// NewImageURL returns the path and query of page with captcha=new added:
// a same-origin, relative link that reloads the form with a new image,
// without JavaScript. Other query parameters (such as the authorization
// request being served) are kept; scheme and host are dropped.
func NewImageURL(page *url.URL) string {
	q := page.Query()
	q.Set("captcha", "new")
	// Exactly one leading slash: "//host/..." would name another host.
	path := "/" + strings.TrimLeft(page.Path, "/")
	return (&url.URL{Path: path, RawQuery: q.Encode()}).String()
}

// IsBuiltin reports whether the challenge is a built-in image.
func (c Challenge) IsBuiltin() bool { return c.Provider == Builtin && c.ID != "" }

// IsVendor reports whether the challenge is a vendor's widget.
func (c Challenge) IsVendor() bool { return vendors[c.Provider] != nil && c.SiteKey != "" }

// WidgetClass is the class of the element the vendor's script turns into
// its widget (h-captcha, cf-turnstile, g-recaptcha); empty for others.
func (c Challenge) WidgetClass() string {
	if v := vendors[c.Provider]; v != nil {
		return v.widgetClass
	}
	return ""
}

// ImageWidth is the built-in image's width, for the <img> attribute.
func (Challenge) ImageWidth() int { return ImageWidth }

// ImageHeight is the built-in image's height, for the <img> attribute.
func (Challenge) ImageHeight() int { return ImageHeight }

// imagePrefix starts every data URI the driver produces.
const imagePrefix = "data:image/png;base64,"

// ImageSrc is ImageDataURI typed as trusted for html/template, which
// otherwise rewrites data: URIs in src to "#ZgotmplZ". It vouches only for
// what Challenge produces: a base64 PNG data URI; anything else gives "".
func (c Challenge) ImageSrc() template.URL {
	data, ok := strings.CutPrefix(c.ImageDataURI, imagePrefix)
	if !ok || data == "" || !isBase64(data) {
		return ""
	}
	return template.URL(c.ImageDataURI) // checked above: a base64 PNG data URI only
}

// isBase64 reports whether s holds only characters of standard base64.
func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '+' || c == '/' || c == '='
		if !ok {
			return false
		}
	}
	return true
}
