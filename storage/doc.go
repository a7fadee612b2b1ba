// Package storage owns Gatehouse's domain types (users, identities, browser
// sessions, instance settings, audit events, OAuth clients, authorization
// requests and codes, access and refresh tokens, signing keys, consents,
// throttle counters, the mail outbox, one-time link tokens and captcha
// challenges) and the small store interfaces through which every other
// package reads and writes them. It knows nothing about SQL: storage/sqlstore
// is the implementation, storage/storagetest the contract suite it must pass.
//
// Errors are the sentinels ErrNotFound, ErrAlreadyExists, ErrConflict,
// ErrInvalid and ErrUnavailable (the database is unreachable: try again
// later), wrapped with context; test them with errors.Is. WatchUnavailable
// lets an HTTP layer learn afterwards that a request met an outage. Times are
// returned in UTC, truncated to the millisecond (the precision every backend
// keeps). Several operations commit together through Store.InTx; named locks
// held until commit come from Tx.Lock or Store.WithLock. Single-use things
// (authorization codes, refresh tokens, one-time tokens, captcha
// challenges) are consumed by one conditional write, so of parallel
// attempts on any replica exactly one wins; outbox messages are leased the
// same way, so no two workers claim one.
package storage
