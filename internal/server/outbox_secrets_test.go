package server_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// TestDeliveredSecretsLeaveTheDatabase: once a letter is delivered, the
// confirmation link and the temporary password it carried can be found
// nowhere in the database (SECURITY 13, 20; issue 12): the outbox keeps
// recipient, kind, times and status only. On SQLite and Postgres.
func TestDeliveredSecretsLeaveTheDatabase(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := map[string]string{"GATEHOUSE_RESET_STYLE": "temporary"}
			if db == "postgres" {
				env["GATEHOUSE_DATABASE_URL"] = testharness.PostgresURL(t)
			}
			srv := startRegServer(t, env)
			rp := newRelyingParty(t, srv.Server, "none", "")
			if status, _, body := registerHTTP(t, rp, shapeAForm("grace", "grace@example.com", testPass)); status != http.StatusOK {
				t.Fatalf("register: %d\n%s", status, mainText(body))
			}
			link := srv.link(t, srv.letter(t, "grace@example.com", "Confirm"), "/verify")
			token := mustQuery(t, link, "token")
			srv.CreateUser(t, "alan@example.com", testPass)
			if status, body := requestReset(t, rp, url.Values{"email": {"alan@example.com"}}); status != http.StatusOK {
				t.Fatalf("reset: %d\n%s", status, mainText(body))
			}
			m := temporaryPasswordRe.FindStringSubmatch(srv.letter(t, "alan@example.com", "temporary").TextBody)
			if m == nil {
				t.Fatal("no temporary password in the letter")
			}
			waitOutboxDelivered(t, srv)
			secrets := map[string]string{"confirmation token": token, "confirmation link": link, "temporary password": m[1]}
			dumpContains(t, srv.Config.DatabaseURL, secrets)
			// The outbox still says who got what, and when.
			page, err := srv.Srv.Store().Outbox().List(t.Context(), "", 10)
			if err != nil || len(page.Items) < 2 {
				t.Fatalf("outbox = %+v, %v", page.Items, err)
			}
			for _, msg := range page.Items {
				if msg.To == "" || msg.Kind == "" || msg.SentAt.IsZero() || msg.TextBody != "" || msg.HTMLBody != "" {
					t.Errorf("delivered letter kept %+v", msg)
				}
			}
		})
	}
}

// TestDevMailboxKeepsLettersUntilTheyExpire: in dev mode without SMTP the
// captured letters stay readable on /dev/mail until the links in them
// expire; then the sweeper erases their bodies.
func TestDevMailboxKeepsLettersUntilTheyExpire(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_SMTP_URL": ""})
	rp := newRelyingParty(t, srv.Server, "none", "")
	if status, _, body := registerHTTP(t, rp, shapeAForm("ivy", "ivy@example.com", testPass)); status != http.StatusOK {
		t.Fatalf("register: %d\n%s", status, mainText(body))
	}
	msg := waitOutboxDelivered(t, srv)[0]
	if !strings.Contains(msg.TextBody, "/verify") {
		t.Fatalf("a captured letter lost its text at once: %+v", msg)
	}
	srv.Srv.Sweep(t.Context(), time.Now().Add(time.Hour))
	if got, _ := srv.Srv.Store().Outbox().ByID(t.Context(), msg.ID); got.TextBody == "" {
		t.Fatal("the sweeper erased a letter whose link still works")
	}
	srv.Srv.Sweep(t.Context(), time.Now().Add(25*time.Hour))
	got, err := srv.Srv.Store().Outbox().ByID(t.Context(), msg.ID)
	if err != nil || got.TextBody != "" || got.HTMLBody != "" || got.To != "ivy@example.com" {
		t.Fatalf("after the link expired: %+v, %v", got, err)
	}
	if status, _, body := rp.get("/dev/mail/" + msg.ID); status != http.StatusOK || !strings.Contains(body, `id="devmail-erased"`) {
		t.Fatalf("dev mailbox of an erased letter: %d\n%s", status, mainText(body))
	}
}

func mustQuery(t *testing.T, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Query().Get(key) == "" {
		t.Fatalf("no %s in %q: %v", key, raw, err)
	}
	return u.Query().Get(key)
}

// waitOutboxDelivered waits until every letter of the outbox is sent and
// returns them, newest first.
func waitOutboxDelivered(t *testing.T, srv *regServer) []storage.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		page, err := srv.Srv.Store().Outbox().List(t.Context(), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		done := len(page.Items) > 0
		for _, m := range page.Items {
			done = done && !m.SentAt.IsZero()
		}
		if done {
			return page.Items
		}
		if time.Now().After(deadline) {
			t.Fatalf("letters not delivered: %+v", page.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dumpContains reads every column of every table of the database as text
// and fails when any holds one of the secrets.
func dumpContains(t *testing.T, dbURL string, secrets map[string]string) {
	t.Helper()
	driver, dsn, list := "postgres", dbURL, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		driver, dsn, list = "sqlite", path, `SELECT name FROM sqlite_master WHERE type = 'table'`
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.QueryContext(t.Context(), list)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	cells := 0
	for _, table := range tables {
		rows, err := db.QueryContext(t.Context(), fmt.Sprintf(`SELECT * FROM %q`, table))
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				cells++
				text := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					text = string(b)
				}
				for what, secret := range secrets {
					if strings.Contains(text, secret) {
						t.Errorf("the %s is still in %s.%s", what, table, cols[i])
					}
				}
			}
		}
		rows.Close()
	}
	if cells == 0 {
		t.Fatal("nothing was read from the database")
	}
}
