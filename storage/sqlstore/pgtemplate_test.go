package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// The contract suite needs a fresh, migrated Postgres database per subtest.
// Migrating costs about as much as creating the database, so TestPostgres
// migrates one template database and clones it for every subtest (CREATE
// DATABASE ... TEMPLATE). TestMigratePostgres and TestMigrationsDownAndUp
// still migrate fresh databases.

// pgAdminTimeout bounds CREATE DATABASE and DROP DATABASE.
const pgAdminTimeout = 30 * time.Second

// migratedTemplate creates a database, migrates it, closes every
// connection to it (a template must have none) and drops it when t ends.
func migratedTemplate(t *testing.T) string {
	t.Helper()
	name := createDatabase(t, "template0")
	st := open(t, databaseURL(t, name))
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate template: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("close template: %v", err)
	}
	return name
}

// cloneURL creates a copy of the template database for t, dropped when t
// ends, and returns its URL.
func cloneURL(t *testing.T, template string) string {
	t.Helper()
	return databaseURL(t, createDatabase(t, template))
}

// createDatabase creates a database with a unique name from template and
// drops it (WITH (FORCE)) in t.Cleanup.
func createDatabase(t *testing.T, template string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "gh_st_" + hex.EncodeToString(b[:])
	err := pgAdmin(t, "CREATE DATABASE "+pq.QuoteIdentifier(name)+" TEMPLATE "+pq.QuoteIdentifier(template))
	if err != nil {
		t.Fatalf("create database %s from %s: %v", name, template, err)
	}
	t.Cleanup(func() {
		if err := pgAdmin(t, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return name
}

// pgAdmin runs one statement on a short-lived admin connection.
func pgAdmin(t *testing.T, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), pgAdminTimeout)
	defer cancel()
	db, err := sql.Open("postgres", testharness.PostgresAdminURL(t))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// databaseURL is the admin URL with its database replaced by name.
func databaseURL(t *testing.T, name string) string {
	t.Helper()
	u, err := url.Parse(testharness.PostgresAdminURL(t))
	if err != nil {
		t.Fatalf("admin URL: %v", err)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}
