package dynreg

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// PathRegister is the registration endpoint; a client's configuration
// endpoint is PathRegister/{client_id}.
const PathRegister = "/oauth/register"

// maxBody bounds a registration request.
const maxBody = 256 << 10

// Routes registers the endpoints on r.
func (s *Service) Routes(r gin.IRouter) {
	r.POST(PathRegister, s.enabled, s.handleRegister)
	r.GET(PathRegister+"/:id", s.enabled, s.handleRead)
	r.PUT(PathRegister+"/:id", s.enabled, s.handleUpdate)
	r.DELETE(PathRegister+"/:id", s.enabled, s.handleDelete)
}

// enabled answers 404 while registration is off.
func (s *Service) enabled(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	on, err := s.opts.Enabled(c.Request.Context())
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "dynreg: read setting", "error", err)
		writeError(c, http.StatusServiceUnavailable, "temporarily_unavailable", "try again later")
		return
	}
	if !on {
		writeError(c, http.StatusNotFound, "not_found", "dynamic client registration is off")
		return
	}
	c.Next()
}

func writeError(c *gin.Context, status int, code, desc string) {
	c.AbortWithStatusJSON(status, gin.H{"error": code, "error_description": desc})
}

func bearer(c *gin.Context) string {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

func unauthorized(c *gin.Context) {
	c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
	writeError(c, http.StatusUnauthorized, "invalid_token", "the access token is missing, unknown, expired or revoked")
}

// readMetadata decodes the JSON body; false when it answered.
func readMetadata(c *gin.Context) (Metadata, bool) {
	var m Metadata
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(body, &m)
	}
	if err != nil {
		writeError(c, http.StatusBadRequest, "invalid_client_metadata", "the body must be a JSON object of client metadata")
		return m, false
	}
	return m, true
}

// fail answers err: a RegistrationError as 400, anything else 500.
func (s *Service) fail(c *gin.Context, err error) {
	var re *RegistrationError
	if errors.As(err, &re) {
		writeError(c, http.StatusBadRequest, re.Code, re.Description)
		return
	}
	s.log.ErrorContext(c.Request.Context(), "dynreg", "error", err)
	writeError(c, http.StatusInternalServerError, "server_error", "the request could not be completed")
}

func (s *Service) handleRegister(c *gin.Context) {
	ctx := c.Request.Context()
	t, ok, err := s.initialToken(ctx, bearer(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	if !ok {
		unauthorized(c)
		return
	}
	m, ok := readMetadata(c)
	if !ok {
		return
	}
	resp, err := s.register(ctx, t, m)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, resp)
}

// configured authenticates a request to a client's configuration
// endpoint; false when it answered (401 for any mismatch, so that a
// caller learns nothing about other clients).
func (s *Service) configured(c *gin.Context) (clientOK bool, cl clientRef) {
	got, ok, err := s.registered(c.Request.Context(), c.Param("id"), bearer(c))
	if err != nil {
		s.fail(c, err)
		return false, cl
	}
	if !ok {
		unauthorized(c)
		return false, cl
	}
	return true, clientRef{got}
}

func (s *Service) handleRead(c *gin.Context) {
	ok, ref := s.configured(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, s.response(ref.c))
}

func (s *Service) handleUpdate(c *gin.Context) {
	ok, ref := s.configured(c)
	if !ok {
		return
	}
	m, ok := readMetadata(c)
	if !ok {
		return
	}
	resp, err := s.update(c.Request.Context(), ref.c, m)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Service) handleDelete(c *gin.Context) {
	ok, ref := s.configured(c)
	if !ok {
		return
	}
	if err := s.remove(c.Request.Context(), ref.c); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// clientRef carries the authenticated client between handler steps.
type clientRef struct{ c storage.Client }
