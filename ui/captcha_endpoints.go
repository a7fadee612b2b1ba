package ui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"
)

// Endpoints of the built-in captcha (paths as internal/captcha's
// NewChallengePath and AudioPath):
//
//	GET /captcha/new            a new challenge as JSON {"id", "image",
//	                            "audio_url"}, for the "New image" button's
//	                            script (templates/static/captcha.js)
//	GET /captcha/audio?id=ID    the challenge's spoken digits, audio/wav, in
//	                            the page's language (or ?lang=en|ru)
//
// Both answer no-store, 404 when the captcha is not the built-in one (or
// has no audio), and 429 with Retry-After past the per-address limit of
// the Captcha (the server counts them in the database). Forms work without
// them: the "New image" button is then a submit button posting the form
// to its page with captcha=new (newCaptchaRequested).
const (
	captchaNewPath   = "/captcha/new"
	captchaAudioPath = "/captcha/audio"
)

// newCaptchaParam=newCaptchaValue in the query of a form's POST asks for
// the form again, as typed, with a new captcha (the "New image" button's
// formaction, internal/captcha's NewImageURL).
const (
	newCaptchaParam = "captcha"
	newCaptchaValue = "new"
)

// CaptchaEndpoints is implemented by a Captcha whose challenges can be
// fetched by script and listened to; without it the endpoints answer 404.
type CaptchaEndpoints interface {
	// NewChallenge returns a new challenge as the JSON body of
	// /captcha/new; ErrCaptchaLimited past the client's limit,
	// ErrCaptchaNotFound when the captcha is not the built-in one.
	NewChallenge(ctx context.Context, remoteIP string) (any, error)
	// Audio returns the spoken alternative of challenge id in lang as a
	// WAV file; the same errors, and ErrCaptchaNotFound for a malformed id.
	Audio(ctx context.Context, id, lang, remoteIP string) ([]byte, error)
}

// Errors of CaptchaEndpoints.
var (
	ErrCaptchaLimited  = errors.New("ui: too many captcha requests from this address")
	ErrCaptchaNotFound = errors.New("ui: no such captcha")
)

// captchaLimitedKey is the message of a 429.
const captchaLimitedKey = "captcha2.error.limited"

// captchaRetryAfter is the Retry-After of a 429, in seconds.
const captchaRetryAfter = 60

// captchaRoutes adds the captcha endpoints.
func (u *UI) captchaRoutes(r gin.IRouter) {
	r.GET(captchaNewPath, u.captchaNew)
	r.GET(captchaAudioPath, u.captchaAudio)
}

// captchaEndpoints is the configured captcha's endpoints, or nil when it
// has none or is turned off.
func (u *UI) captchaEndpoints(c *gin.Context) CaptchaEndpoints {
	ep, ok := u.captcha.(CaptchaEndpoints)
	if !ok || u.captcha == nil || !u.captcha.Enabled(c.Request.Context()) {
		return nil
	}
	return ep
}

// captchaNew serves GET /captcha/new.
func (u *UI) captchaNew(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	ep := u.captchaEndpoints(c)
	if ep == nil {
		u.captchaProblem(c, ErrCaptchaNotFound)
		return
	}
	body, err := ep.NewChallenge(c.Request.Context(), c.ClientIP())
	if err != nil {
		u.captchaProblem(c, err)
		return
	}
	c.JSON(http.StatusOK, body)
}

// captchaAudio serves GET /captcha/audio.
func (u *UI) captchaAudio(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	ep := u.captchaEndpoints(c)
	if ep == nil {
		u.captchaProblem(c, ErrCaptchaNotFound)
		return
	}
	lang := c.Query(langParam)
	if !slices.Contains(u.bundle.Supported(), lang) {
		lang = u.lang(c)
	}
	wav, err := ep.Audio(c.Request.Context(), c.Query("id"), lang, c.ClientIP())
	if err != nil {
		u.captchaProblem(c, err)
		return
	}
	c.Header("Content-Language", lang)
	c.Header("Content-Disposition", `inline; filename="captcha.wav"`)
	c.Data(http.StatusOK, "audio/wav", wav)
}

// captchaProblem answers an endpoint's failure as JSON with a message in
// the page's language.
func (u *UI) captchaProblem(c *gin.Context, err error) {
	lang := u.lang(c)
	switch {
	case errors.Is(err, ErrCaptchaLimited):
		c.Header("Retry-After", strconv.Itoa(captchaRetryAfter))
		c.JSON(http.StatusTooManyRequests, gin.H{"error": u.bundle.T(lang, captchaLimitedKey)})
	case errors.Is(err, ErrCaptchaNotFound):
		c.JSON(http.StatusNotFound, gin.H{"error": u.bundle.T(lang, "error.404.message")})
	default:
		u.logFailure(c, "captcha endpoint", "captcha", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": u.bundle.T(lang, "error.503.message")})
	}
}

// newCaptchaRequested reports whether a form's POST came from the "New
// image" button (without JavaScript): the form is then shown again with
// everything typed, a new captcha, no error, and the captcha is not
// checked.
func newCaptchaRequested(c *gin.Context) bool {
	return c.Query(newCaptchaParam) == newCaptchaValue
}
