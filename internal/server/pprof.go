package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePprof serves net/http/pprof on GATEHOUSE_PPROF_LISTEN, a listener
// of its own (never the public engine), until ctx ends. Configuration
// validation keeps the address on loopback unless the operator allowed
// another. It returns the bound address, or "" when profiling is off.
func (s *Server) servePprof(ctx context.Context) (string, error) {
	if s.cfg.PprofListen == "" {
		return "", nil
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.cfg.PprofListen)
	if err != nil {
		return "", fmt.Errorf("pprof listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	addr := ln.Addr().String()
	s.log.Warn("serving profiles (net/http/pprof)", slog.String("address", addr))
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("pprof listener stopped", slog.Any("error", err))
		}
	}()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	return addr, nil
}

// PprofAddr is the address the profiling listener is bound to once Serve
// started it ("" while profiling is off or not yet started).
func (s *Server) PprofAddr() string {
	if p := s.pprofAddr.Load(); p != nil {
		return *p
	}
	return ""
}
