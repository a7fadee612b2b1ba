package account

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// Firebase's published example (github.com/firebase/scrypt README): the
// project's parameters, one user's salt, password and expected hash.
const (
	fbSignerKey  = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
	fbSaltSep    = "Bw=="
	fbSalt       = "42xEC+ixf3L2lw=="
	fbPassword   = "user1password"
	fbHash       = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
	fbRounds     = 8
	fbMemCost    = 14
	keycloakPass = "keycloak secret 42"
)

// keycloakParts derives a PBKDF2 hash the way Keycloak stores one
// (secretData value and salt, standard base64; 64-byte key).
func keycloakParts(t *testing.T, password string, iterations int, sha512Hash bool) (hash, salt string) {
	t.Helper()
	s := make([]byte, 16)
	_, _ = rand.Read(s)
	h := sha256.New
	if sha512Hash {
		h = sha512.New
	}
	key, err := pbkdf2.Key(h, password, s, iterations, 64)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(key), base64.StdEncoding.EncodeToString(s)
}

func TestForeignHashesVerify(t *testing.T) {
	h, err := NewHasher(fastHash, 2)
	if err != nil {
		t.Fatal(err)
	}
	bc, _ := bcrypt.GenerateFromPassword([]byte("bcrypt password"), 4)
	salt := []byte("0123456789abcdef")
	a2i := fmt.Sprintf("$argon2i$v=19$m=64,t=1,p=1$%s$%s", b64.EncodeToString(salt),
		b64.EncodeToString(argon2.Key([]byte("argon2i password"), salt, 1, 64, 1, 32)))
	kcHash, kcSalt := keycloakParts(t, keycloakPass, 1000, false)
	kc512Hash, kc512Salt := keycloakParts(t, keycloakPass, 1000, true)
	tests := []struct {
		name, password, encoded string
	}{
		{"bcrypt 2b", "bcrypt password", string(bc)},
		{"bcrypt 2y (PHP)", "bcrypt password", "$2y$" + strings.TrimPrefix(string(bc), "$2a$")},
		{"argon2i", "argon2i password", a2i},
		{"pbkdf2-sha256 Keycloak", keycloakPass, "$pbkdf2-sha256$i=1000$" + kcSalt + "$" + kcHash},
		{"pbkdf2-sha512 Keycloak", keycloakPass, "$pbkdf2-sha512$i=1000$" + kc512Salt + "$" + kc512Hash},
		{"firebase scrypt (published example)", fbPassword, fmt.Sprintf("$firescrypt$ln=%d,r=%d,p=1$%s$%s$%s$%s", fbMemCost, fbRounds, fbSalt, fbHash, fbSaltSep, fbSignerKey)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckImportedHash(tc.encoded); err != nil {
				t.Fatalf("CheckImportedHash: %v", err)
			}
			ok, err := h.Verify(t.Context(), tc.password, tc.encoded)
			if err != nil || !ok {
				t.Fatalf("right password: %v %v", ok, err)
			}
			ok, err = h.Verify(t.Context(), tc.password+"x", tc.encoded)
			if err != nil || ok {
				t.Fatalf("wrong password: %v %v", ok, err)
			}
			if !h.NeedsRehash(tc.encoded) {
				t.Fatal("a foreign hash must be rehashed after sign-in")
			}
		})
	}
	// No bcrypt truncation: the first 72 bytes plus more do not match.
	long := strings.Repeat("a", 72)
	lb, _ := bcrypt.GenerateFromPassword([]byte(long), 4)
	if ok, _ := h.Verify(t.Context(), long+"tail", string(lb)); ok {
		t.Fatal("bcrypt matched a password longer than 72 bytes by its prefix")
	}
	for _, bad := range []string{"$2b$99$abc", "$pbkdf2-sha256$i=0$c2FsdA$aGFzaA", "$pbkdf2-md5$i=1$c2FsdA$aGFzaA",
		"$firescrypt$ln=40,r=8,p=1$a$b$c$d", "$argon2i$v=19$m=999999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if err := CheckImportedHash(bad); !errors.Is(err, ErrInvalidHash) {
			t.Errorf("CheckImportedHash(%q) = %v, want ErrInvalidHash", bad, err)
		}
	}
}

func newImportStore(t testing.TB) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "i.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestImportedHashesSignInAndBecomeArgon2id: users imported with a bcrypt,
// an argon2id, a Keycloak PBKDF2-SHA256 and a Firebase scrypt hash each
// sign in with their original password; afterwards the stored hash is
// argon2id with the instance's parameters.
func TestImportedHashesSignInAndBecomeArgon2id(t *testing.T) {
	st := newImportStore(t)
	ctx := t.Context()
	svc := New(sqlStores{Store: st, throttles: newFakeStores().Throttles()}, Options{Hash: fastHash})
	bc, _ := bcrypt.GenerateFromPassword([]byte("bcrypt password"), 4)
	foreignArgon, err := NewHasher(HashParams{Memory: 64, Time: 1, Threads: 1}, 1) // other parameters than the instance's
	if err != nil {
		t.Fatal(err)
	}
	a2id, err := foreignArgon.Hash(ctx, "argon2id password")
	if err != nil {
		t.Fatal(err)
	}
	kcHash, kcSalt := keycloakParts(t, keycloakPass, 27500, false)
	file := strings.Join([]string{
		`{"email":"bcrypt@example.com","email_verified":true,"password_hash":"` + string(bc) + `"}`,
		`{"email":"argon@example.com","email_verified":true,"password_hash":"` + a2id + `"}`,
		`{"email":"kc@example.com","username":"kc-user","given_name":"Key","family_name":"Cloak","email_verified":true,"groups":["staff"],` +
			`"password_hash":{"algorithm":"pbkdf2-sha256","hash":"` + kcHash + `","salt":"` + kcSalt + `","iterations":27500}}`,
		`{"email":"fb@example.com","email_verified":true,"password_hash":{"algorithm":"firebase-scrypt","hash":"` + fbHash + `","salt":"` + fbSalt + `"}}`,
	}, "\n")
	fb := FirebaseParams{SignerKey: fbSignerKey, SaltSeparator: fbSaltSep, Rounds: fbRounds, MemCost: fbMemCost}
	res, err := ImportUsers(ctx, st, strings.NewReader(file), ImportOptions{Firebase: fb, Actor: "test"})
	if err != nil || res.Created != 4 {
		t.Fatalf("import: %+v %v", res, err)
	}
	for _, tc := range []struct{ email, password string }{
		{"bcrypt@example.com", "bcrypt password"}, {"argon@example.com", "argon2id password"},
		{"kc@example.com", keycloakPass}, {"fb@example.com", fbPassword},
	} {
		if _, err := svc.Authenticate(ctx, tc.email, tc.password+"!", ""); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("%s with a wrong password: %v", tc.email, err)
		}
		if _, err := svc.Authenticate(ctx, tc.email, tc.password, ""); err != nil {
			t.Fatalf("%s signs in with the original password: %v", tc.email, err)
		}
		u, err := st.Users().ByLogin(ctx, tc.email)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || svc.Hasher().NeedsRehash(u.PasswordHash) {
			t.Errorf("%s: stored hash after sign-in is %.20s..., want argon2id with the instance parameters", tc.email, u.PasswordHash)
		}
		if _, err := svc.Authenticate(ctx, tc.email, tc.password, ""); err != nil {
			t.Errorf("%s signs in again with the rehashed password: %v", tc.email, err)
		}
	}
	kc, _ := st.Users().ByLogin(ctx, "kc-user")
	gs, _ := st.Groups().OfUser(ctx, kc.ID)
	if kc.GivenName != "Key" || len(gs) != 1 || gs[0].Name != "staff" {
		t.Fatalf("imported profile and groups: %+v %+v", kc, gs)
	}
}

// TestImportOneBadLineImportsNothing: one bad line refuses the whole
// file, naming the line; nothing is written.
func TestImportOneBadLineImportsNothing(t *testing.T) {
	st := newImportStore(t)
	ctx := t.Context()
	file := `{"email":"a@example.com"}
{"email":"b@example.com","groups":["ops"]}

{"email":"not an address"}
{"email":"c@example.com","password_hash":"$md5$nope"}
{"email":"A@example.com"}
{"email":"d@example.com","role":"admin"}`
	_, err := ImportUsers(ctx, st, strings.NewReader(file), ImportOptions{})
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("import of a bad file: %v", err)
	}
	want := map[int]string{4: "email", 5: "password_hash", 6: "email", 7: "line"}
	for _, l := range ie.Lines {
		if want[l.Line] != l.Field {
			t.Errorf("unexpected problem %+v", l)
		}
		delete(want, l.Line)
	}
	if len(want) != 0 {
		t.Errorf("lines not reported: %v (got %+v)", want, ie.Lines)
	}
	if !strings.Contains(err.Error(), "line 4: email") {
		t.Errorf("message does not name the line: %v", err)
	}
	page, _ := st.Users().List(ctx, storage.UserFilter{})
	groups, _ := st.Groups().List(ctx, "", 10)
	if len(page.Items) != 0 || len(groups.Items) != 0 {
		t.Fatalf("a refused file wrote %d users and %d groups", len(page.Items), len(groups.Items))
	}
}

// TestImportIsIdempotentByEmail: a second run of the same file reports
// every line unchanged; a changed line is updated; export writes the
// same format back.
func TestImportIsIdempotentByEmail(t *testing.T) {
	st := newImportStore(t)
	ctx := t.Context()
	file := `{"email":"x@example.com","given_name":"X","email_verified":true,"groups":["a","b"]}
{"email":"y@example.com","state":"blocked"}`
	if res, err := ImportUsers(ctx, st, strings.NewReader(file), ImportOptions{}); err != nil || res.Created != 2 {
		t.Fatalf("first run: %+v %v", res, err)
	}
	res, err := ImportUsers(ctx, st, strings.NewReader(file), ImportOptions{})
	if err != nil || res.Unchanged != 2 || res.Created+res.Updated != 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	changed := strings.Replace(file, `"given_name":"X"`, `"given_name":"Xavier"`, 1)
	res, err = ImportUsers(ctx, st, strings.NewReader(changed), ImportOptions{})
	if err != nil || res.Updated != 1 || res.Unchanged != 1 || res.Lines[0].Outcome != ImportUpdated {
		t.Fatalf("changed run: %+v %v", res, err)
	}
	var out strings.Builder
	n, err := ExportUsers(ctx, st, &out, false)
	if err != nil || n != 2 {
		t.Fatal(n, err)
	}
	if !strings.Contains(out.String(), `"given_name":"Xavier"`) || !strings.Contains(out.String(), `"groups":["a","b"]`) ||
		strings.Contains(out.String(), "password_hash") {
		t.Fatalf("export:\n%s", out.String())
	}
	// The export imports back as unchanged.
	res, err = ImportUsers(ctx, st, strings.NewReader(out.String()), ImportOptions{})
	if err != nil || res.Unchanged != 2 {
		t.Fatalf("re-import of the export: %+v %v", res, err)
	}
}

// TestImport10000UsersUnderAMinute: 10,000 users with hashes import into
// SQLite well within a minute (nothing is hashed at import).
// TestImportManyUsers imports a thousand users in one go; the speed of
// 10,000 (under a minute on SQLite) is BenchmarkImport10000Users, since
// SQLite under the race detector is far too slow for it in a test.
func TestImportManyUsers(t *testing.T) {
	st := newImportStore(t)
	start := time.Now()
	res, err := ImportUsers(t.Context(), st, strings.NewReader(usersFile(t, 1000)), ImportOptions{})
	if err != nil || res.Created != 1000 {
		t.Fatalf("import: %v (%d created)", err, res.Created)
	}
	t.Logf("1,000 users imported in %v", time.Since(start))
}

// BenchmarkImport10000Users: go test -run '^$' -bench Import10000 ./internal/account
func BenchmarkImport10000Users(b *testing.B) {
	lines := usersFile(b, 10000)
	for b.Loop() {
		st := newImportStore(b)
		res, err := ImportUsers(b.Context(), st, strings.NewReader(lines), ImportOptions{})
		if err != nil || res.Created != 10000 {
			b.Fatalf("import: %v (%d created)", err, res.Created)
		}
	}
}

// usersFile is an import file of n users with bcrypt hashes.
func usersFile(tb testing.TB, n int) string {
	tb.Helper()
	bc, err := bcrypt.GenerateFromPassword([]byte("same for all"), 4)
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"email":"user%d@example.com","username":"user%d","email_verified":true,"groups":["g%d"],"password_hash":"%s"}`+"\n", i, i, i%10, bc)
	}
	return b.String()
}
