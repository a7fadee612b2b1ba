package adminapi

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// maxBody bounds request bodies.
const maxBody = 64 << 10

// secretFields may never be written through the API (SECURITY 24).
var secretFields = []string{"password", "password_hash", "password_confirm", "secret_hash"}

// decodeBody reads a JSON object into dst, accepting only the allowed
// keys. Unknown keys and password fields get a 400 problem naming each;
// it reports whether the handler may go on. An empty body is {} when
// emptyOK.
func decodeBody(c *gin.Context, dst any, allowed []string, emptyOK bool) bool {
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		invalid(c, "the request body is too large or unreadable")
		return false
	}
	if len(data) == 0 && emptyOK {
		data = []byte("{}")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		invalid(c, "the request body must be a JSON object")
		return false
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var fields []FieldProblem
	for _, k := range keys {
		switch {
		case slices.Contains(secretFields, k):
			fields = append(fields, FieldProblem{Field: k, Detail: "passwords and hashes cannot be set or read through the API"})
		case !slices.Contains(allowed, k):
			fields = append(fields, FieldProblem{Field: k, Detail: "unknown field"})
		}
	}
	if len(fields) > 0 {
		invalid(c, "the request has fields that cannot be set", fields...)
		return false
	}
	if err := json.Unmarshal(data, dst); err != nil {
		detail := "a field has the wrong type"
		var te *json.UnmarshalTypeError
		if ok := asTypeError(err, &te); ok {
			invalid(c, detail, FieldProblem{Field: te.Field, Detail: "expected " + te.Type.String()})
			return false
		}
		invalid(c, detail)
		return false
	}
	return true
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
}

// pageParams reads cursor and limit; it answers 400 itself on a bad limit.
func pageParams(c *gin.Context) (string, int, bool) {
	limit := storage.DefaultLimit
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > storage.MaxLimit {
			invalid(c, "bad query parameter", FieldProblem{Field: "limit", Detail: "a number from 1 to " + strconv.Itoa(storage.MaxLimit)})
			return "", 0, false
		}
		limit = n
	}
	return c.Query("cursor"), limit, true
}

// listJSON is the shape of every list answer.
type listJSON[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func writeList[T any](c *gin.Context, items []T, next string) {
	if items == nil {
		items = []T{}
	}
	c.JSON(http.StatusOK, listJSON[T]{Items: items, NextCursor: next})
}
