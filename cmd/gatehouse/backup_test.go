package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// TestBackupDuringWritesRestoresEveryCommittedUser backs up a live SQLite
// database while 200 users are being created concurrently, restores the
// backup, starts a server on it, and finds every user whose creation had
// committed before the backup started, able to sign in.
func TestBackupDuringWritesRestoresEveryCommittedUser(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	key := strings.Repeat("k3", 20)
	cheapHashes := map[string]string{
		"GATEHOUSE_SECRET_KEY":               key,
		"GATEHOUSE_PASSWORD_HASH_MEMORY_KIB": "8192",
		"GATEHOUSE_PASSWORD_HASH_ITERATIONS": "1",
	}
	srv := testserver.Start(t, testserver.ServerOptions{DatabaseURL: "sqlite:" + live, Env: cheapHashes})
	cliEnv := map[string]string{
		"GATEHOUSE_DATABASE_URL": "sqlite:" + live,
		"GATEHOUSE_SECRET_KEY":   key,
		"GATEHOUSE_LISTEN":       srv.Config.Listen,
		"GATEHOUSE_ISSUER":       srv.URL,
	}

	const writers = 200
	const password = "backup-test-password-1"
	svc := account.New(srv.Srv.Store(), server.AccountOptions(srv.Config, nil))
	committedAt := make([]time.Time, writers) // zero: failed
	var done atomic.Int32
	halfway := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.CreateUser(ctx, account.NewUser{Email: fmt.Sprintf("user%03d@example.com", i), Password: password})
			if err != nil {
				t.Errorf("create user %d: %v", i, err)
				return
			}
			committedAt[i] = time.Now()
			if done.Add(1) >= writers/4 {
				once.Do(func() { close(halfway) })
			}
		}()
	}
	select {
	case <-halfway:
	case <-ctx.Done():
		t.Fatal("users are not being created")
	}
	backup := filepath.Join(dir, "backup.db")
	backupStarted := time.Now()
	code, stdout, stderr := runCLI(t, cliEnv, "backup", backup)
	backupEnded := time.Now()
	if code != 0 || !strings.Contains(stdout, "backup written to "+backup) {
		t.Fatalf("backup: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	wg.Wait()
	var before, during []string
	for i, at := range committedAt {
		email := fmt.Sprintf("user%03d@example.com", i)
		switch {
		case at.IsZero():
		case at.Before(backupStarted):
			before = append(before, email)
		case at.Before(backupEnded):
			during = append(during, email)
		}
	}
	t.Logf("%d users committed before the backup started, %d while it ran, %d after", len(before), len(during), writers-len(before)-len(during))
	if info, err := os.Stat(backup); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the backup must be private (0600): %v %v", info.Mode(), err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".backup.db.partial-*")); len(matches) != 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}

	t.Run("restore refuses", func(t *testing.T) {
		code, _, stderr := runCLI(t, cliEnv, "restore", backup)
		if code != 2 || !strings.Contains(stderr, "a server answers") {
			t.Errorf("restore under a running server: code %d, %q", code, stderr)
		}
		other := map[string]string{"GATEHOUSE_DATABASE_URL": "sqlite:" + filepath.Join(dir, "other.db"), "GATEHOUSE_LISTEN": "127.0.0.1:1"}
		notDB := filepath.Join(dir, "notes.txt")
		if err := os.WriteFile(notDB, []byte("not a database"), 0o600); err != nil {
			t.Fatal(err)
		}
		emptyDB := filepath.Join(dir, "empty.db")
		db, err := sql.Open("sqlite", emptyDB)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		for _, f := range []string{notDB, emptyDB} {
			code, _, stderr := runCLI(t, other, "restore", f)
			if code != 2 || !strings.Contains(stderr, "not a Gatehouse database") {
				t.Errorf("restore %s: code %d, %q", filepath.Base(f), code, stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "other.db")); !errors.Is(err, os.ErrNotExist) {
			t.Error("a refused restore created the database")
		}
		if code, _, stderr := runCLI(t, other, "restore"); code != 2 || !strings.Contains(stderr, "one FILE") {
			t.Errorf("restore without a file: code %d, %q", code, stderr)
		}
	})

	restoredDir := t.TempDir()
	restored := filepath.Join(restoredDir, "gatehouse.db")
	restoreEnv := map[string]string{"GATEHOUSE_DATABASE_URL": "sqlite:" + restored, "GATEHOUSE_SECRET_KEY": key, "GATEHOUSE_LISTEN": "127.0.0.1:1"}
	code, stdout, stderr = runCLI(t, restoreEnv, "restore", backup)
	if code != 0 || !strings.Contains(stdout, "restored ") {
		t.Fatalf("restore: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// A second restore over it needs --force and keeps the old file.
	if code, _, stderr := runCLI(t, restoreEnv, "restore", backup); code != 2 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("restore over an existing database: code %d, %q", code, stderr)
	}
	code, stdout, stderr = runCLI(t, restoreEnv, "restore", "--force", backup)
	if code != 0 || !strings.Contains(stdout, "moved to "+restored+".before-restore-") {
		t.Fatalf("restore --force: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	back := testserver.Start(t, testserver.ServerOptions{DatabaseURL: "sqlite:" + restored, Env: cheapHashes})
	users := back.Srv.Store().Users()
	missing := 0
	for _, email := range before {
		if _, err := users.ByLogin(ctx, email); err != nil {
			missing++
			t.Errorf("%s committed before the backup but is not in the restored database: %v", email, err)
		}
	}
	t.Logf("restored database: %d of %d users committed before the backup are present (%d missing)", len(before)-missing, len(before), missing)
	page, err := users.List(ctx, storage.UserFilter{Limit: storage.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) < len(before) || len(page.Items) > writers {
		t.Errorf("the restored database has %d users; want between %d and %d", len(page.Items), len(before), writers)
	}
	if code, body := get(t, back.URL+"/readyz"); code != http.StatusOK {
		t.Fatalf("restored server /readyz = %d %s", code, body)
	}
	if code, body := get(t, back.URL+"/keys"); code != http.StatusOK || !strings.Contains(body, `"kid"`) {
		t.Fatalf("restored server /keys = %d %s", code, body)
	}
	// Sign in through the form as the first and the last user committed
	// before the backup.
	for _, email := range []string{before[0], before[len(before)-1]} {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.PostForm(back.URL+"/login", url.Values{"login": {email}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
			t.Errorf("sign-in as %s on the restored server: %s, cookies %v", email, resp.Status, resp.Cookies())
		}
	}
}

func TestBackupOnPostgresPrintsPgDump(t *testing.T) {
	env := map[string]string{
		"GATEHOUSE_DATABASE_URL": "postgres://gate:s3cret-pw@db.example.com:5432/gatehouse?sslmode=require",
		"GATEHOUSE_SECRET_KEY":   strings.Repeat("x", 40),
		"GATEHOUSE_ISSUER":       "https://login.example.com",
	}
	code, stdout, stderr := runCLI(t, env, "backup", "/var/backups/gh.dump")
	want := "pg_dump --format=custom --no-owner --file=/var/backups/gh.dump '--dbname=postgres://gate@db.example.com:5432/gatehouse?sslmode=require'\n"
	if code != 1 || stdout != want || !strings.Contains(stderr, "pg_dump") {
		t.Errorf("code %d\nstdout %q\nwant   %q\nstderr %q", code, stdout, want, stderr)
	}
	code, stdout, _ = runCLI(t, env, "restore", "/var/backups/gh.dump")
	if code != 1 || !strings.HasPrefix(stdout, "pg_restore ") || !strings.Contains(stdout, "'--dbname=postgres://gate@db.example.com:5432/gatehouse?sslmode=require' /var/backups/gh.dump") {
		t.Errorf("restore: code %d, stdout %q", code, stdout)
	}
	if strings.Contains(stdout+stderr, "s3cret") {
		t.Error("the password was printed")
	}
}

func TestBackupRefusesExistingFile(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GATEHOUSE_DATABASE_URL": "sqlite:" + filepath.Join(dir, "g.db")}
	if code, _, stderr := runCLI(t, env, "backup", existing); code != 2 || !strings.Contains(stderr, "already exists") {
		t.Errorf("backup over an existing file: code %d, %q", code, stderr)
	}
	if data, _ := os.ReadFile(existing); string(data) != "keep me" {
		t.Error("the existing file was changed")
	}
	if code, _, stderr := runCLI(t, env, "backup", filepath.Join(dir, "b.db")); code != 2 || !strings.Contains(stderr, "does not exist") {
		t.Errorf("backup of a missing database: code %d, %q", code, stderr)
	}
}
