package ui

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// providerErrorKeys are the title and message of the page shown instead of
// an error the OpenID Provider answers the browser itself (an unknown
// client_id, an unregistered redirect_uri, an expired or foreign request
// at the callback, a refused logout request).
const (
	providerErrorTitle   = "error.provider.title"
	providerErrorMessage = "error.provider.message"
)

// maxProviderErrorLog bounds how much of the provider's own error text is
// logged.
const maxProviderErrorLog = 512

// ProviderErrorPages wraps the provider's browser-facing endpoints
// (/authorize, /authorize/callback, /end_session). The provider answers
// what it cannot redirect to the client with a bare text/plain or JSON
// line in English; this middleware holds back any such 4xx/5xx answer and
// renders the styled, translated error page instead, with the request id
// (the provider's own text goes to the log). A request that met a
// database outage gets the 503 "temporarily unavailable" page. Redirects
// (including errors redirected to the client) and pages pass unchanged.
func (u *UI) ProviderErrorPages() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, watch := storage.WatchUnavailable(c.Request.Context())
		c.Request = c.Request.WithContext(ctx)
		orig := c.Writer
		hold := &errorHoldingWriter{ResponseWriter: orig, beforeRedirect: func(h http.Header) {
			if watch.Seen() {
				outageRedirect(h)
			}
		}}
		c.Writer = hold
		c.Next()
		c.Writer = orig
		if !hold.held {
			return
		}
		u.log.Log(ctx, providerErrorLevel(hold.status), "provider error shown as a page",
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", hold.status),
			slog.String("provider_answer", providerText(hold.body.Bytes())),
			slog.Bool("database_unavailable", watch.Seen()),
			slog.String("request_id", c.GetString(requestIDKey)))
		h := orig.Header() // the provider's, shared with the held answer
		h.Del("Content-Length")
		h.Del("Content-Type") // else gin keeps text/plain for the page
		switch {
		case watch.Seen():
			u.RenderUnavailable(c)
		case hold.status >= http.StatusInternalServerError:
			u.RenderError(c, http.StatusInternalServerError)
		default:
			u.renderProviderError(c, hold.status)
		}
	}
}

// outageRedirect turns the server_error that the provider redirects to
// the client, when the request met a database outage, into
// temporarily_unavailable (RFC 6749 §4.1.2.1): the client may simply try
// again.
func outageRedirect(h http.Header) {
	loc, err := url.Parse(h.Get("Location"))
	if err != nil {
		return
	}
	q := loc.Query()
	if q.Get("error") != "server_error" {
		return
	}
	q.Set("error", "temporarily_unavailable")
	q.Del("error_description")
	loc.RawQuery = q.Encode()
	h.Set("Location", loc.String())
}

// renderProviderError renders the error page for a request the provider
// refused, keeping its 4xx status.
func (u *UI) renderProviderError(c *gin.Context, status int) {
	c.Abort()
	lang := u.lang(c)
	u.Render(c, status, errorPage, errorData{
		Status:    status,
		Title:     u.bundle.T(lang, providerErrorTitle),
		Message:   u.bundle.T(lang, providerErrorMessage),
		RequestID: c.GetString(requestIDKey),
	})
}

func providerErrorLevel(status int) slog.Level {
	if status >= http.StatusInternalServerError {
		return slog.LevelError
	}
	return slog.LevelWarn
}

// providerText is the provider's answer for the log: one line, bounded.
func providerText(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > maxProviderErrorLog {
		s = s[:maxProviderErrorLog] + "..."
	}
	return s
}

// errorHoldingWriter passes everything through until the handler answers
// with an error status; from then on it holds the answer back (held,
// status, body) for ProviderErrorPages to replace.
type errorHoldingWriter struct {
	gin.ResponseWriter
	beforeRedirect func(http.Header) // may change a redirect's headers
	held           bool
	status         int
	body           bytes.Buffer
}

func (w *errorHoldingWriter) WriteHeader(code int) {
	if w.held || w.ResponseWriter.Written() {
		return
	}
	if code >= http.StatusBadRequest {
		w.held, w.status = true, code
		return
	}
	if code >= http.StatusMultipleChoices && w.beforeRedirect != nil {
		w.beforeRedirect(w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *errorHoldingWriter) Write(b []byte) (int, error) {
	if w.held {
		return w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *errorHoldingWriter) WriteString(s string) (int, error) {
	if w.held {
		return w.body.WriteString(s)
	}
	return w.ResponseWriter.WriteString(s)
}

func (w *errorHoldingWriter) Status() int {
	if w.held {
		return w.status
	}
	return w.ResponseWriter.Status()
}

func (w *errorHoldingWriter) Written() bool {
	return w.held || w.ResponseWriter.Written()
}

func (w *errorHoldingWriter) WriteHeaderNow() {
	if !w.held {
		w.ResponseWriter.WriteHeaderNow()
	}
}
