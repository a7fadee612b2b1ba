package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// LocaleKey is the gin context key under which Locale stores the request's
// language (c.GetString(ui.LocaleKey)).
const LocaleKey = "locale"

const (
	langParam     = "lang" // query parameter that picks a language
	langCookie    = "lang" // cookie that remembers it
	langCookieAge = 365 * 24 * 60 * 60
	langNameKey   = "lang.name" // each catalog's name for its own language
)

// Locale remembers a supported ?lang= in the lang cookie for a year, so
// the choice sticks on later pages. The language itself is negotiated on
// first use (lang), so requests that render nothing (the protocol and
// API endpoints) do not pay for it.
func (u *UI) Locale() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.URL.RawQuery != "" {
			if q := c.Query(langParam); q != "" {
				if chosen, ok := u.bundle.Match(q); ok {
					u.setLangCookie(c, chosen)
				}
			}
		}
		c.Next()
	}
}

// lang is the request's language, negotiated once per request from
// ?lang=, the lang cookie and Accept-Language, and kept under LocaleKey.
func (u *UI) lang(c *gin.Context) string {
	if lang := c.GetString(LocaleKey); lang != "" {
		return lang
	}
	lang := u.negotiate(c)
	c.Set(LocaleKey, lang)
	return lang
}

func (u *UI) negotiate(c *gin.Context) string {
	cookie, _ := c.Cookie(langCookie) // absent: ""
	return u.bundle.Negotiate(c.Query(langParam), cookie, c.GetHeader("Accept-Language"))
}

func (u *UI) setLangCookie(c *gin.Context, lang string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     langCookie,
		Value:    lang,
		Path:     "/",
		MaxAge:   langCookieAge,
		HttpOnly: true,
		Secure:   u.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// languageLink is one entry of the language switcher.
type languageLink struct {
	Code    string // language tag, for lang and hreflang
	Name    string // the language's name in itself
	Href    string // the current page in that language
	Current bool   // the page is in this language
}

func (u *UI) languageLinks(current *url.URL, lang string) []languageLink {
	supported := u.bundle.Supported()
	links := make([]languageLink, 0, len(supported))
	for _, code := range supported {
		links = append(links, languageLink{
			Code:    code,
			Name:    u.bundle.T(code, langNameKey),
			Href:    switchHref(current, code),
			Current: code == lang,
		})
	}
	return links
}

// switchHref is the current path and query with lang set to code. The
// path stays on this site: leading slashes and backslashes collapse to one
// slash, so "//evil.example" cannot become a protocol-relative link.
func switchHref(current *url.URL, code string) string {
	q := current.Query()
	q.Set(langParam, code)
	p := "/" + strings.TrimLeft(current.EscapedPath(), `/\`)
	return p + "?" + q.Encode()
}
