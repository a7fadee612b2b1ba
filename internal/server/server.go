package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/branding"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/dynreg"
	"github.com/gatehouse/gatehouse/internal/httpbase"
	"github.com/gatehouse/gatehouse/internal/instancekey"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/tracing"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
	"github.com/gatehouse/gatehouse/templates"
	"github.com/gatehouse/gatehouse/ui"
)

// HTTP server limits. Slow clients cannot hold connections open forever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// Server is one wired Gatehouse process.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	key      instancekey.Key
	keySrc   instancekey.Source
	store    *sqlstore.Store
	metrics  *metrics.Metrics
	pages    *ui.UI
	engine   *gin.Engine
	accounts *account.Service
	provider *op.Provider
	reg      *registration     // registration.go
	branding *branding.Service // branding.go
	mfa      *account.SecondFactors
	access   *access.Service   // access.go
	passkeys *account.Passkeys // passkeys.go
	// backchannel configures the logout token worker (backchannel.go).
	backchannel op.BackchannelOptions
	// dynreg is dynamic client registration (protocol2.go).
	dynreg *dynreg.Service
	// pprofAddr is the bound profiling address (pprof.go).
	pprofAddr atomic.Pointer[string]
	// root is the HTTP root: the engine, traced when tracing is on
	// (observability.go); stopTracing flushes the spans at Close.
	root        http.Handler
	stopTracing func(context.Context) error
	// replicaID names this process as the holder of job leases (sweep.go).
	replicaID string
	// draining is set when shutdown begins: /readyz answers 503 from then.
	draining atomic.Bool
}

// New opens the database, applies pending migrations (unless
// cfg.AutoMigrate is false) and builds the HTTP handler. cfg must be valid.
// Close releases what New opened.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Server, error) {
	logger = slog.New(httpbase.LogHandler(logger.Handler())) // request_id on every line of a request
	key, keySrc, err := instancekey.Load(&cfg)
	if err != nil {
		return nil, fmt.Errorf("instance key: %w", err)
	}
	stopTracing, err := tracing.Setup(ctx, tracing.Options{Endpoint: cfg.OTelEndpoint, Exporter: testHooksFrom(ctx).SpanExporter})
	if err != nil {
		return nil, err
	}
	store, err := OpenStore(ctx, cfg, logger)
	if err != nil {
		_ = stopTracing(ctx)
		return nil, err
	}
	if err := checkMigrated(ctx, store); err != nil {
		store.Close()
		_ = stopTracing(ctx)
		return nil, err
	}
	s := &Server{cfg: cfg, log: logger, key: key, keySrc: keySrc, store: store, metrics: metrics.New(), stopTracing: stopTracing,
		replicaID: storage.NewID()}
	s.announceKeyRotation(ctx) // keyrotation.go
	if err := s.build(ctx); err != nil {
		store.Close()
		_ = stopTracing(ctx)
		return nil, err
	}
	return s, nil
}

// OpenStore opens the configured database and, when cfg.AutoMigrate is set,
// applies pending migrations.
func OpenStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (*sqlstore.Store, error) {
	store, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{
		MaxOpenConns:    cfg.DatabaseMaxOpenConns,
		MaxIdleConns:    cfg.DatabaseMaxIdleConns,
		ConnMaxLifetime: cfg.DatabaseConnMaxLife,
		ConnMaxIdleTime: cfg.DatabaseConnMaxIdle,
		Logger:          logger,
		Trace:           cfg.OTelEndpoint != "",
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if cfg.AutoMigrate {
		if err := store.Migrate(ctx); err != nil {
			store.Close()
			return nil, fmt.Errorf("apply migrations: %w", err)
		}
	}
	return store, nil
}

// ErrPendingMigrations: the database lacks migrations this version needs
// and GATEHOUSE_AUTO_MIGRATE is off.
var ErrPendingMigrations = errors.New("the database has pending migrations: run `gatehouse migrate` first (or set GATEHOUSE_AUTO_MIGRATE=true)")

func checkMigrated(ctx context.Context, store *sqlstore.Store) error {
	pending, err := store.PendingMigrations(ctx)
	if err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w (%d pending, first %s)", ErrPendingMigrations, len(pending), pending[0].Name)
	}
	return nil
}

func (s *Server) build(ctx context.Context) error {
	if err := s.applyStaticClients(ctx); err != nil {
		return err
	}
	s.accounts = account.New(s.store, AccountOptions(s.cfg, s.log))
	s.branding = Branding(s.store, s.cfg) // branding.go
	pageTemplates, _, err := templates.Overlay(s.cfg.TemplatesDir)
	if err != nil {
		return err
	}
	provider, err := NewProvider(ctx, s.cfg, s.key, s.store, s.log)
	if err != nil {
		return err
	}
	s.provider = provider
	if err := s.buildBackchannel(ctx); err != nil { // backchannel.go
		return err
	}
	if err := s.buildRegistration(ctx); err != nil { // registration.go
		return err
	}
	if err := s.buildMFA(); err != nil { // mfa.go
		return err
	}
	if err := s.buildProtocol2(); err != nil { // protocol2.go
		return err
	}
	s.buildAccess()                           // access.go
	if err := s.buildPasskeys(); err != nil { // passkeys.go
		return err
	}
	opts := ui.Options{
		InstanceName:        s.cfg.InstanceName,
		Logger:              s.log,
		Dev:                 s.cfg.Dev,
		Secure:              s.cfg.IsHTTPS(),
		Accounts:            accounts{Service: s.accounts, p: provider, reg: s.reg.registrar},
		ClassifySignInError: classifySignInError,
		SessionLifetime:     s.cfg.SessionLifetime,
		AuthRequests:        authRequests{p: provider, audit: s.store.Audit()},
		Consents:            consents{store: s.store.Consents(), now: time.Now},
		WithBrowserBinding:  op.WithBrowserBinding,
		LogoutCompleteURL:   logoutComplete(provider),
		Branding:            s.branding,
		BrandingAdmin:       s.branding,
		Pages:               pageTemplates,
	}
	s.registrationPages(&opts)         // registration.go
	s.mfaPages(&opts)                  // mfa.go
	s.passkeyPages(&opts)              // passkeys.go
	opts.Invitations = s.reg.registrar // invitations (access.go)
	opts.AdminAccess = s.accessAPIOf()
	if provider.DeviceFlowEnabled() { // device.go
		opts.DeviceFlow = deviceFlow{p: provider, throttles: s.store.Throttles(), audit: s.store.Audit(), now: time.Now}
	}
	if err := s.federationPages(&opts); err != nil {
		return err // federation.go
	}
	pages, err := ui.New(opts)
	if err != nil {
		return fmt.Errorf("load pages: %w", err)
	}
	s.pages = pages
	s.metrics.RegisterDB(s.store.DB(), "gatehouse")
	if err := s.observe(); err != nil { // observability.go
		return err
	}
	engine, err := s.newEngine()
	if err != nil {
		return err
	}
	s.engine = engine
	s.root = s.tracedRoot(engine) // observability.go
	s.routes()
	s.routeRegistration(s.engine) // registration.go
	s.dynreg.Routes(s.engine)     // protocol2.go: /oauth/register
	if err := s.routeAdminAPI(ctx, s.engine); err != nil {
		return err // admin_api.go
	}
	return s.checkSettingsDrift(ctx) // settings_drift.go
}

func init() {
	// Gatehouse logs every request itself; gin's debug route dump is noise.
	gin.SetMode(gin.ReleaseMode)
}

func (s *Server) newEngine() (*gin.Engine, error) {
	engine := gin.New()
	// Forwarded headers are believed only from the configured proxies
	// (none by default): otherwise every X-Forwarded-For would reset
	// per-IP throttles.
	if err := engine.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	engine.HandleMethodNotAllowed = true
	engine.Use(
		httpbase.RequestID(),
		httpbase.AccessLog(s.log),
		s.metrics.Middleware(),
		tracing.RouteNames(),
		httpbase.Recovery(s.log, s.pages.RenderError),
		httpbase.SecurityHeaders(s.cfg.IsHTTPS()),
		httpbase.CrossOrigin(s.pages.RenderError, crossOriginBypass...),
		s.pages.Locale(),
		ui.WithRequestUserAgent(),
		s.pages.RefuseBearerTokens(),
	)
	return engine, nil
}

// Handler is the whole HTTP surface of the process.
func (s *Server) Handler() http.Handler { return s.root }

// Routes lists the routes of the engine (method and path), for the test
// that keeps the documented route tables true.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

// Store is the server's database, for tests and commands.
func (s *Server) Store() *sqlstore.Store { return s.store }

// KeySource tells where the instance key came from.
func (s *Server) KeySource() instancekey.Source { return s.keySrc }

// Serve serves HTTP on ln until ctx is done; then /readyz answers 503 at
// once, requests are still served for the configured drain time, and
// in-flight requests finish within the shutdown timeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.root,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	pprofCtx, stopPprof := context.WithCancel(ctx)
	defer stopPprof()
	pprofAddr, err := s.servePprof(pprofCtx) // pprof.go
	if err != nil {
		return err
	}
	s.pprofAddr.Store(&pprofAddr)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	sweepCtx, stopSweeper := context.WithCancel(ctx)
	defer stopSweeper()
	go s.sweepEvery(sweepCtx, s.cfg.SweepInterval)
	go s.runMail(sweepCtx)        // registration.go
	go s.runBackchannel(sweepCtx) // backchannel.go
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Not ready first: load balancers polling /readyz stop sending new
	// requests while this replica still serves what they send meanwhile.
	s.draining.Store(true)
	if d := s.cfg.ShutdownDrain; d > 0 {
		s.log.Info("shutting down: /readyz answers 503; still serving while load balancers notice", slog.Duration("drain", d))
		select {
		case err := <-errc:
			return fmt.Errorf("serve: %w", err)
		case <-time.After(d):
		}
	}
	s.log.Info("shutting down", slog.Duration("deadline", s.cfg.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// Close releases the database and flushes the spans not yet exported.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(s.store.Close(), s.stopTracing(ctx))
}
