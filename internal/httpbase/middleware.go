package httpbase

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// RequestIDKey is the gin context key (and c.GetString name) of the request id.
const RequestIDKey = "request_id"

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-ID"

var canonicalRequestIDHeader = http.CanonicalHeaderKey(RequestIDHeader)

var acceptableRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// ErrorPage renders a generic page for status; it must not reveal causes.
type ErrorPage func(c *gin.Context, status int)

// RequestID gives every request an id: the caller's X-Request-ID when it is
// well-formed (so a proxy's id follows the request), else a new random one.
func RequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if id == "" || !acceptableRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Set(RequestIDKey, id)
		c.Writer.Header()[canonicalRequestIDHeader] = []string{id}
		// In the request's context too, so every log line of the request
		// carries it (LogHandler).
		c.Request = c.Request.WithContext(WithRequestID(c.Request.Context(), id))
		c.Next()
	}
}

func newRequestID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// AccessLog writes one slog line per request. It logs the path without its
// query string: links carry one-time tokens there and tokens never reach logs.
func AccessLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		if !logger.Enabled(c.Request.Context(), level) {
			return // spare the fields of a line nobody reads
		}
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		logger.LogAttrs(c.Request.Context(), level, "http request",
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.Int("bytes", c.Writer.Size()),
			slog.String("ip", c.ClientIP()),
			slog.String("request_id", c.GetString(RequestIDKey)),
		)
	}
}

// Recovery turns a panic into a logged error with its stack and a generic
// error page. http.ErrAbortHandler is passed on, as net/http expects.
func Recovery(logger *slog.Logger, page ErrorPage) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if err, ok := rec.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(rec)
			}
			logger.ErrorContext(c.Request.Context(), "panic while serving a request",
				slog.Any("panic", rec),
				slog.String("route", c.FullPath()),
				slog.String("request_id", c.GetString(RequestIDKey)),
				slog.String("stack", string(debug.Stack())),
			)
			if !c.Writer.Written() {
				page(c, http.StatusInternalServerError)
			}
			c.Abort()
		}()
		c.Next()
	}
}
