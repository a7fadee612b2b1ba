// Package httpbase owns the HTTP middleware every route runs through:
// request ids (also in the request context, added to every log line by
// LogHandler), the access log, panic recovery, security headers and the
// cross-origin check on state-changing requests.
package httpbase
