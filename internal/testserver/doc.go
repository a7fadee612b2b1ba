// Package testserver starts the real Gatehouse server in-process on a random
// loopback port, against SQLite or a fresh Postgres database, for end-to-end
// tests. Only _test.go files import it.
package testserver
