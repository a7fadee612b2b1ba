package testharness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Finding the local PostgreSQL server binaries, and running them as a user
// they accept.

type pgBinaries struct{ initdb, postgres, version string }

// findPostgresBinaries looks in $GATEHOUSE_TEST_POSTGRES_BIN only, when set;
// else next to initdb on PATH, then in the versioned install dirs, highest
// version first.
func findPostgresBinaries() (pgBinaries, error) {
	var dirs []string
	explicit := os.Getenv(EnvPostgresBin)
	if explicit != "" {
		dirs = []string{explicit}
	} else {
		if p, err := exec.LookPath("initdb"); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				dirs = append(dirs, filepath.Dir(real)) // e.g. /usr/lib/postgresql/15/bin
			}
			dirs = append(dirs, filepath.Dir(p))
		}
		dirs = append(dirs, versionedDirs("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin",
			"/usr/local/opt/postgresql@*/bin", "/opt/homebrew/opt/postgresql@*/bin")...)
	}
	for _, d := range dirs {
		b := pgBinaries{initdb: filepath.Join(d, "initdb"), postgres: filepath.Join(d, "postgres")}
		if !isExecutable(b.initdb) || !isExecutable(b.postgres) {
			continue
		}
		b.version = "PostgreSQL"
		if out, err := runBounded(10*time.Second, nil, "", b.postgres, "--version"); err == nil {
			b.version = strings.Replace(strings.TrimSpace(string(out)), "postgres (PostgreSQL)", "PostgreSQL", 1)
		}
		return b, nil
	}
	if explicit != "" {
		return pgBinaries{}, fmt.Errorf("%s=%s holds no initdb and postgres", EnvPostgresBin, explicit)
	}
	return pgBinaries{}, errors.New("no PostgreSQL server binaries (initdb and postgres) found on PATH or under /usr/lib/postgresql/*/bin")
}

// versionedDirs globs the patterns and orders the matches by the version in
// the path, highest first.
func versionedDirs(patterns ...string) []string {
	var all []string
	for _, p := range patterns {
		m, _ := filepath.Glob(p)
		all = append(all, m...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := versionKey(all[i]), versionKey(all[j])
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] > b[k]
			}
		}
		return len(a) > len(b)
	})
	return all
}

// versionKey extracts "15" or "9.6" from the dir that holds bin/.
func versionKey(binDir string) []int {
	name := filepath.Base(filepath.Dir(binDir))
	if i := strings.LastIndexAny(name, "-@"); i >= 0 {
		name = name[i+1:]
	}
	var key []int
	for _, part := range strings.Split(name, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			break
		}
		key = append(key, n)
	}
	return key
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// postgresCredential returns nil when not root. initdb and postgres refuse to
// run as root, so as root they run as the postgres system user.
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("the tests run as root, initdb and postgres refuse to run as root, "+
			"and there is no \"postgres\" system user to run them as (%v); create one "+
			"(useradd --system --user-group postgres) or set %s", err, EnvPostgresURL)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user postgres has a non-numeric uid/gid %s/%s", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// clusterBaseDir is os.TempDir(), or /tmp when running as root and the
// postgres user could not reach os.TempDir().
func clusterBaseDir(cred *syscall.Credential) string {
	base := os.TempDir()
	if cred == nil {
		return base
	}
	for d := base; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return "/tmp"
		}
		st, _ := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().Perm()&0o001 == 0 && (st == nil || st.Uid != cred.Uid) {
			return "/tmp"
		}
		if d == filepath.Dir(d) {
			return base
		}
	}
}

// runBounded runs a command (as cred, when not nil) with a time limit and
// returns its combined output.
func runBounded(timeout time.Duration, cred *syscall.Credential, dir, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = postgresEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

// postgresEnv is the environment without PG* variables, in the C locale.
func postgresEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "LANG=C")
}
