package adminapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Problem types (RFC 9457 "type"): stable URNs clients may switch on.
const (
	ProblemUnauthorized = "urn:gatehouse:problem:unauthorized"
	ProblemForbidden    = "urn:gatehouse:problem:forbidden"
	ProblemNotFound     = "urn:gatehouse:problem:not-found"
	ProblemValidation   = "urn:gatehouse:problem:validation"
	ProblemConflict     = "urn:gatehouse:problem:state-conflict"
	ProblemDuplicate    = "urn:gatehouse:problem:duplicate"
	ProblemMethod       = "urn:gatehouse:problem:method-not-allowed"
	ProblemInternal     = "urn:gatehouse:problem:internal"
	// ProblemUnavailable: the database could not be reached; retry after
	// the Retry-After header's seconds.
	ProblemUnavailable = "urn:gatehouse:problem:unavailable"
)

// unavailableRetryAfter is the Retry-After of a ProblemUnavailable, in
// seconds.
const unavailableRetryAfter = "10"

// ProblemContentType is the media type of every error answer.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Errors []FieldProblem `json:"errors,omitempty"` // validation: one per bad field
}

// FieldProblem names one bad input field.
type FieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

var titles = map[string]string{
	ProblemUnauthorized: "Authentication required",
	ProblemForbidden:    "Forbidden",
	ProblemNotFound:     "Not found",
	ProblemValidation:   "Invalid request",
	ProblemConflict:     "State conflict",
	ProblemDuplicate:    "Already exists",
	ProblemMethod:       "Method not allowed",
	ProblemInternal:     "Internal error",
}

// writeProblem answers with a problem and stops the handler chain.
func writeProblem(c *gin.Context, status int, typ, detail string, fields ...FieldProblem) {
	p := Problem{Type: typ, Title: titles[typ], Status: status, Detail: detail, Errors: fields}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", ProblemContentType)
	c.AbortWithStatusJSON(status, p) // keeps the Content-Type set above
}

// invalid answers 400 with field errors.
func invalid(c *gin.Context, detail string, fields ...FieldProblem) {
	writeProblem(c, http.StatusBadRequest, ProblemValidation, detail, fields...)
}

// fail maps an account or storage error to a problem; unexpected errors
// are logged and answered 500 without their cause.
func (a *API) fail(c *gin.Context, err error) {
	var fe *account.FieldError
	var dup *account.DuplicateError
	switch {
	case errors.As(err, &fe):
		invalid(c, "a field is invalid", FieldProblem{Field: fe.Field, Detail: fieldDetail(fe)})
	case errors.As(err, &dup):
		detail := "the email or username is already taken"
		if dup.Field != "" {
			detail = "the " + dup.Field + " is already taken"
		}
		writeProblem(c, http.StatusConflict, ProblemDuplicate, detail)
	case errors.Is(err, account.ErrRoleForbidden):
		writeProblem(c, http.StatusForbidden, ProblemForbidden, "this caller may not change roles",
			FieldProblem{Field: "role", Detail: "only an administrator user may set roles"})
	case errors.Is(err, account.ErrStateConflict), errors.Is(err, storage.ErrConflict):
		writeProblem(c, http.StatusConflict, ProblemConflict, stateDetail(err))
	case errors.Is(err, storage.ErrNotFound):
		writeProblem(c, http.StatusNotFound, ProblemNotFound, "no such resource")
	case errors.Is(err, storage.ErrAlreadyExists):
		writeProblem(c, http.StatusConflict, ProblemDuplicate, "it already exists")
	case errors.Is(err, ErrInvalidInput):
		invalid(c, strings.NewReplacer("invalid input: ", "", "op: ", "").Replace(err.Error()))
	case errors.Is(err, storage.ErrUnavailable):
		a.log.WarnContext(c.Request.Context(), "management API: database unavailable", "path", c.FullPath(), "error", err)
		c.Header("Retry-After", unavailableRetryAfter)
		writeProblem(c, http.StatusServiceUnavailable, ProblemUnavailable, "the database is temporarily unavailable; try again")
	default:
		a.log.ErrorContext(c.Request.Context(), "management API failed", "path", c.FullPath(), "error", err)
		writeProblem(c, http.StatusInternalServerError, ProblemInternal, "the request failed; see the server log")
	}
}

// ErrInvalidInput wraps validation failures whose message is safe to show
// (client registration rules).
var ErrInvalidInput = errors.New("invalid input")

func fieldDetail(fe *account.FieldError) string {
	d := fe.Reason.Error()
	if fe.Detail != "" {
		d += ": " + fe.Detail
	}
	return d
}

// stateDetail explains a state conflict: the account layer's message
// names the states, never secrets.
func stateDetail(err error) string {
	msg := err.Error()
	const prefix = "account: "
	for len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		msg = msg[len(prefix):]
	}
	return msg
}
