package ui

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"
)

// errorPage is the page RenderError renders.
const errorPage = "error"

// explainedStatuses have their own title and message in the catalogs
// (error.<status>.title, error.<status>.message). Other 4xx use
// error.client.*, other 5xx error.500.*.
var explainedStatuses = []int{
	http.StatusBadRequest,
	http.StatusForbidden,
	http.StatusNotFound,
	http.StatusMethodNotAllowed,
	http.StatusRequestEntityTooLarge,
	http.StatusTooManyRequests,
	http.StatusInternalServerError,
	http.StatusServiceUnavailable,
}

// errorData is the .Data of the error page.
type errorData struct {
	Status    int
	Title     string // translated
	Message   string // translated
	RequestID string // empty when unknown
}

// RenderError writes the generic error page for status (4xx or 5xx; other
// values become 500) and aborts the handler chain. The page says what kind
// of failure happened, never why, and shows the request id for support. It
// does nothing when the response has already started.
func (u *UI) RenderError(c *gin.Context, status int) {
	c.Abort()
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	lang := u.lang(c)
	prefix := errorKeyPrefix(status)
	u.Render(c, status, errorPage, errorData{
		Status:    status,
		Title:     u.bundle.T(lang, prefix+".title"),
		Message:   u.bundle.T(lang, prefix+".message"),
		RequestID: c.GetString(requestIDKey),
	})
}

// unavailableRetryAfter is the Retry-After (seconds) of the 503 page: a
// database outage is usually over within that, or a retry costs little.
const unavailableRetryAfter = "10"

// RenderUnavailable renders the 503 "temporarily unavailable, try again"
// page with a Retry-After header, for a request that met a database
// outage. Nothing was decided, so the same request may simply be sent
// again.
func (u *UI) RenderUnavailable(c *gin.Context) {
	c.Header("Retry-After", unavailableRetryAfter)
	u.RenderError(c, http.StatusServiceUnavailable)
}

// NotFound renders the 404 page; use it as gin's NoRoute handler.
func (u *UI) NotFound() gin.HandlerFunc {
	return func(c *gin.Context) { u.RenderError(c, http.StatusNotFound) }
}

func errorKeyPrefix(status int) string {
	switch {
	case slices.Contains(explainedStatuses, status):
		return "error." + strconv.Itoa(status)
	case status >= 500:
		return "error.500"
	default:
		return "error.client"
	}
}

// errorMessageKeys lists every catalog key RenderError can ask for.
func errorMessageKeys() []string {
	prefixes := []string{"error.client"}
	for _, s := range explainedStatuses {
		prefixes = append(prefixes, errorKeyPrefix(s))
	}
	keys := make([]string, 0, 2*len(prefixes)+2)
	for _, p := range prefixes {
		keys = append(keys, p+".title", p+".message")
	}
	return append(keys, providerErrorTitle, providerErrorMessage)
}
