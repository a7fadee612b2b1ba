package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/adminapi"
)

// routes is the route table of the process.
func (s *Server) routes() {
	r := s.engine
	r.GET("/healthz", s.healthz)
	r.HEAD("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.HEAD("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(s.metrics.Handler()))
	s.routeProvider(r)
	s.pages.Register(r)
	r.NoRoute(adminapi.Fallback(http.StatusNotFound), s.pages.NotFound())
	r.NoMethod(adminapi.Fallback(http.StatusMethodNotAllowed), func(c *gin.Context) { s.pages.RenderError(c, http.StatusMethodNotAllowed) })
}

// healthz answers while the process runs; it checks nothing else, so an
// orchestrator does not restart a process whose database is away.
func (s *Server) healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only while the database answers within the readiness
// timeout, so a load balancer stops sending traffic while it is away, and
// 503 from the moment shutdown begins (SIGTERM), before the listener closes.
func (s *Server) readyz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if s.draining.Load() {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.ReadinessTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness check failed", slog.Any("error", err))
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": "unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "database": "ok"})
}
