// Package captcha issues and checks the captcha of Gatehouse's public forms
// (registration, password reset request, and sign-in after repeated
// failures), with the provider GATEHOUSE_CAPTCHA names:
//
//   - builtin (the default): an image of AnswerLength characters from
//     Alphabet (English letters and digits without look-alikes), drawn with
//     github.com/mojocn/base64Captcha from an answer taken from crypto/rand.
//     Only the answer's SHA-256 is kept, in the database
//     (storage.CaptchaStore), so any replica can check it. An answer is
//     compared case-sensitively and in constant time, once: Verify takes
//     the challenge out of the store whatever the answer, and a challenge
//     expires after Options.Lifetime (10 minutes by default). The image is
//     embedded in the page as a data: URI, in two colours of a 13.6:1
//     contrast (image.go, WCAG 2 AA asks 4.5:1). "New image" is a submit
//     button posting the form to NewImageURL (the page with captcha=new,
//     which shows the form again as typed); with JavaScript,
//     templates/static/captcha.js fetches NewChallengePath (ChallengeJSON)
//     and replaces only the image.
//   - the spoken alternative (audio.go), with Options.AudioKey: AudioLength
//     digits read out in English or Russian (Captcha.Audio, a WAV served at
//     AudioPath), accepted in place of the characters. The digits are an
//     HMAC of the challenge id (AudioAnswer), so nothing more is stored.
//   - hcaptcha, turnstile, recaptcha: the vendor's widget; Verify posts
//     its response token, with the secret and the client's address, to the
//     vendor's verify URL (Options.VerifyURL for tests) within 5 seconds.
//     A vendor that cannot be asked fails closed (ErrFailed and
//     ErrUnavailable). The page's Content-Security-Policy must allow the
//     widget's origins: CSPSources and CSPStyleSources.
//   - none: no captcha; Enabled is false and Verify passes everything.
//
// Verify's errors: ErrFailed (wrapped) means the captcha did not pass
// (missing, wrong, unknown, expired, reused); show the form again with a
// new challenge. Any other error is an internal failure (the database).
//
// A page renders a challenge with the partial template "captcha"
// (templates/pages/_captcha.html) and a View:
//
//	ch, err := captchas.Challenge(ctx)            // for every rendering of the form
//	data.Captcha = captcha.NewView(ch, pageURL, verifyErr)
//	{{template "captcha" .Data.Captcha}}          // inside the <form>
//
// Options.TestAnswer (GATEHOUSE_CAPTCHA_TEST_ANSWER) is honoured only in
// dev mode and only for the built-in provider: it is then accepted for any
// live challenge, which it still consumes. New warns whenever it is set.
package captcha
