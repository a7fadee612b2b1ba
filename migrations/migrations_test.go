package migrations

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestDialectsHaveTheSameFiles(t *testing.T) {
	pg := names(t, Postgres)
	lite := names(t, SQLite)
	if len(pg) == 0 {
		t.Fatal("no postgres migrations embedded")
	}
	if !slices.Equal(pg, lite) {
		t.Fatalf("postgres and sqlite migrations differ:\npostgres: %v\nsqlite:   %v", pg, lite)
	}
}

func TestFilesHaveUpAndDown(t *testing.T) {
	for _, dialect := range []string{Postgres, SQLite} {
		fsys, err := ForDialect(dialect)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names(t, dialect) {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			if !strings.Contains(s, "-- +goose Up") || !strings.Contains(s, "-- +goose Down") {
				t.Errorf("%s/%s: needs both -- +goose Up and -- +goose Down", dialect, name)
			}
		}
	}
}

func TestForDialectRejectsUnknown(t *testing.T) {
	if _, err := ForDialect("mysql"); err == nil {
		t.Fatal("ForDialect(mysql) succeeded")
	}
}

func names(t *testing.T, dialect string) []string {
	t.Helper()
	fsys, err := ForDialect(dialect)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	return got
}
