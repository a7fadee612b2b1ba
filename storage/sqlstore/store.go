package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/gatehouse/gatehouse/storage"
)

// Store is the database: it implements storage.Store and runs the
// migrations. It is safe for concurrent use.
type Store struct {
	stores
	d     dialect
	write *sqlx.DB // every write and transaction
	read  *sqlx.DB // reads outside transactions; == write except on file SQLite
	log   *slog.Logger
	goose *goose.Provider
	ckpt  *checkpointer // file SQLite only (checkpoint.go)
}

var _ storage.Store = (*Store)(nil)

func newStore(d dialect, write, read *sqlx.DB, log *slog.Logger) (*Store, error) {
	p, err := newMigrator(d, write.DB, log)
	if err != nil {
		return nil, err
	}
	var gate writeGate
	if !d.postgres() {
		gate = newWriteGate()
	}
	ws, rs := newStmtCache(write, d), newStmtCache(read, d)
	if read == write {
		rs = ws
	}
	h := handle{d: d, r: read, w: write, db: write, gate: gate, rs: rs, ws: ws, audit: &auditSink{}}
	return &Store{stores: stores{h: h}, d: d, write: write, read: read, log: log, goose: p}, nil
}

// Dialect is Postgres or SQLite.
func (s *Store) Dialect() string { return s.d.name }

// DB is the connection pool that carries writes and transactions (for
// SQLite file databases, reads outside transactions use a second pool; see
// the package documentation). Use it for pool statistics, not for queries:
// a statement run on it directly bypasses the SQLite writer's queue.
func (s *Store) DB() *sql.DB { return s.write.DB }

// Ping reports whether the database answers on every pool.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.h.gate.hold(ctx, func() error { return s.write.PingContext(ctx) }); err != nil {
		return fmt.Errorf("ping %s: %w", s.d.name, classify(ctx, err))
	}
	if s.read != s.write {
		if err := s.read.PingContext(ctx); err != nil {
			return fmt.Errorf("ping %s (readers): %w", s.d.name, classify(ctx, err))
		}
	}
	return nil
}

// Close closes every prepared statement and every pool.
func (s *Store) Close() error {
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.stop())
	}
	errs = append(errs, s.h.ws.close())
	if s.h.rs != s.h.ws {
		errs = append(errs, s.h.rs.close())
	}
	if s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	errs = append(errs, s.write.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close %s: %w", s.d.name, err)
	}
	return nil
}

// InTx implements storage.Store. On SQLite the transaction waits its turn
// for the writer (in arrival order) and holds it until it ends; it begins
// IMMEDIATE, holding the write lock from the start, so it never fails
// half-way for another writer.
func (s *Store) InTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	pending := &pendingAudit{}
	err := s.h.gate.hold(ctx, func() error {
		s.h.ws.prepareWanted(ctx)
		sqlTx, err := s.write.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin transaction: %w", classify(ctx, err))
		}
		done := false
		defer func() {
			if !done { // fn failed or panicked
				if err := sqlTx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
					s.log.WarnContext(ctx, "rollback failed", slog.Any("error", err))
				}
			}
		}()
		if err := fn(txStore{stores: stores{h: s.h.inTx(sqlTx, pending)}}); err != nil {
			return err
		}
		done = true
		if err := sqlTx.Commit(); err != nil {
			return fmt.Errorf("commit transaction: %w", classify(ctx, mapErr(err)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.h.audit.notify(pending.take())
	return nil
}

// WithLock implements storage.Store.
func (s *Store) WithLock(ctx context.Context, name string, fn func(tx storage.Tx) error) error {
	return s.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.Lock(ctx, name); err != nil {
			return err
		}
		return fn(tx)
	})
}

// txStore is a transaction in progress.
type txStore struct {
	stores
}

var _ storage.Tx = txStore{}

// Lock implements storage.Tx.
func (t txStore) Lock(ctx context.Context, name string) error {
	if err := t.h.d.lock(ctx, t.h.w, name); err != nil {
		return fmt.Errorf("lock %q: %w", name, classify(ctx, err))
	}
	return nil
}

// stores hands out the entity stores over one handle.
type stores struct {
	h handle
}

func (s stores) Users() storage.UserStore                       { return users{s.h} }
func (s stores) Identities() storage.IdentityStore              { return identities{s.h} }
func (s stores) Sessions() storage.SessionStore                 { return sessions{s.h} }
func (s stores) Settings() storage.SettingStore                 { return settings{s.h} }
func (s stores) Audit() storage.AuditStore                      { return audit{s.h} }
func (s stores) Clients() storage.ClientStore                   { return clients{s.h} }
func (s stores) AuthRequests() storage.AuthRequestStore         { return authRequests{s.h} }
func (s stores) Tokens() storage.TokenStore                     { return tokens{s.h} }
func (s stores) SigningKeys() storage.SigningKeyStore           { return signingKeys{s.h} }
func (s stores) Consents() storage.ConsentStore                 { return consents{s.h} }
func (s stores) Throttles() storage.ThrottleStore               { return throttles{s.h} }
func (s stores) Outbox() storage.OutboxStore                    { return outbox{s.h} }
func (s stores) OneTimeTokens() storage.OneTimeTokenStore       { return oneTimeTokens{s.h} }
func (s stores) Captchas() storage.CaptchaStore                 { return captchas{s.h} }
func (s stores) FederationFlows() storage.FederationFlowStore   { return federationFlows{s.h} }
func (s stores) MFA() storage.MFAStore                          { return mfaStore{s.h} }
func (s stores) PersonalTokens() storage.PersonalTokenStore     { return personalTokens{s.h} }
func (s stores) Devices() storage.DeviceStore                   { return devices{s.h} }
func (s stores) Groups() storage.GroupStore                     { return groups{s.h} }
func (s stores) Invitations() storage.InvitationStore           { return invitations{s.h} }
func (s stores) Passkeys() storage.PasskeyStore                 { return passkeyStore{s.h} }
func (s stores) LogoutDeliveries() storage.LogoutDeliveryStore  { return logoutDeliveries{s.h} }
func (s stores) ClientAssertions() storage.ClientAssertionStore { return clientAssertions{s.h} }

// Issue 18 items 4 and 6.
func (s stores) PushedRequests() storage.PushedRequestStore { return pushedRequests{s.h} }
func (s stores) RegistrationTokens() storage.RegistrationTokenStore {
	return registrationTokens{s.h}
}
func (s stores) BrandingAssets() storage.BrandingAssetStore { return brandingAssets{s.h} }
func (s stores) Leases() storage.LeaseStore                 { return leases{s.h} }
