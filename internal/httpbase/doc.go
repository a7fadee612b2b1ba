// Package httpbase owns the HTTP middleware every route runs through:
// request ids, the access log, panic recovery, security headers and the
// cross-origin check on state-changing requests.
package httpbase
