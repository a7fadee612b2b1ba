// Package storagetest owns the storage contract suite: Run checks that an
// implementation of storage.Store behaves as the storage package documents,
// entity by entity, including uniqueness, not-found and invalid-input
// errors, pagination, filters, session expiry, transactions, named locks
// and concurrent writers; for the OpenID stores also cascades on user and
// client deletion, expiry and sweeping, key states, consent merging,
// revocation, and the single winner among parallel code claims, refresh
// rotations and throttle hits; for registration the outbox (leases, retries,
// abandoning, sweeping, disjoint parallel claims, rollback with the
// transaction), one-time tokens (voiding, single use under 50 parallel
// consumes) and captcha challenges (single take). storage/sqlstore runs it
// against SQLite always and against Postgres whenever one can be had.
package storagetest
