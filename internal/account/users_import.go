package account

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/storage"
)

// Importing users from another system (issue 16): JSON Lines, one user a
// line, idempotent by email. Every line is validated before anything is
// written; then all lines are written in one transaction, so a file
// imports completely or not at all. Hashes are stored as given (nothing
// is hashed at import) and replaced by argon2id at the first sign-in.

// ImportRecord is one line of an import or export file.
type ImportRecord struct {
	Email         string   `json:"email"`
	Username      string   `json:"username,omitempty"`
	GivenName     string   `json:"given_name,omitempty"`
	FamilyName    string   `json:"family_name,omitempty"`
	EmailVerified bool     `json:"email_verified"`
	Groups        []string `json:"groups,omitempty"`
	State         string   `json:"state,omitempty"`
	// PasswordHash is a string (argon2id PHC, bcrypt, argon2i, the
	// $pbkdf2-sha256$ and $firescrypt$ forms of foreignhash.go) or an
	// object with the fields of a Keycloak or Firebase export (HashObject).
	PasswordHash json.RawMessage `json:"password_hash,omitempty"`
}

// HashObject is password_hash as an object: the parts of another system's
// export, turned into one of the string forms at import.
//
//	Keycloak: {"algorithm": "pbkdf2-sha256", "hash": "<secretData.value>",
//	           "salt": "<secretData.salt>", "iterations": 27500}
//	Firebase: {"algorithm": "firebase-scrypt", "hash": "<passwordHash>",
//	           "salt": "<salt>"} with the project's parameters in the object
//	           (signer_key, salt_separator, rounds, mem_cost) or in
//	           FirebaseParams of the import.
type HashObject struct {
	Algorithm     string `json:"algorithm"`
	Hash          string `json:"hash"`
	Salt          string `json:"salt"`
	Iterations    int    `json:"iterations,omitempty"`
	SignerKey     string `json:"signer_key,omitempty"`
	SaltSeparator string `json:"salt_separator,omitempty"`
	Rounds        int    `json:"rounds,omitempty"`
	MemCost       int    `json:"mem_cost,omitempty"`
}

// FirebaseParams are a Firebase project's password hash parameters
// (Authentication > Users > Password hash parameters), all base64 but the
// numbers.
type FirebaseParams struct {
	SignerKey     string
	SaltSeparator string
	Rounds        int
	MemCost       int
}

// ImportOptions configure an import.
type ImportOptions struct {
	Firebase FirebaseParams
	// Actor is audited as who imported.
	Actor string
}

// Import outcomes of one line.
const (
	ImportCreated   = "created"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
)

// ImportResult counts the outcome of every line.
type ImportResult struct {
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Lines     []ImportOutcome `json:"lines"`
}

// ImportOutcome is what happened to one line.
type ImportOutcome struct {
	Line    int    `json:"line"`
	Email   string `json:"email"`
	Outcome string `json:"outcome"`
}

// ImportLineError is a refused line: Line counts from 1.
type ImportLineError struct {
	Line   int
	Field  string
	Detail string
}

// ImportError lists every refused line; nothing was imported.
type ImportError struct{ Lines []ImportLineError }

func (e *ImportError) Error() string {
	var b strings.Builder
	b.WriteString("import refused, nothing imported:")
	for i, l := range e.Lines {
		if i == 20 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Lines)-20)
			break
		}
		fmt.Fprintf(&b, " line %d: %s: %s;", l.Line, l.Field, l.Detail)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ImportError) Unwrap() error { return ErrInvalid }

// maxImportLine bounds one line (a user with a long hash fits many times).
const maxImportLine = 64 << 10

// importLine is a validated line.
type importLine struct {
	n   int
	rec ImportRecord
	// hash is the password hash to store ("" keeps the stored one).
	hash  string
	state storage.UserState
}

// ParseImport reads and validates every line of r. Empty lines are
// skipped. A refused file is an *ImportError naming every bad line.
func ParseImport(r io.Reader, fb FirebaseParams) ([]importLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxImportLine)
	var lines []importLine
	var bad []ImportLineError
	emails, usernames := map[string]int{}, map[string]int{}
	n := 0
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		l, problems := parseImportLine(n, raw, fb)
		if len(problems) == 0 {
			key := storage.FoldCase(l.rec.Email)
			if first, dup := emails[key]; dup {
				problems = append(problems, ImportLineError{n, "email", fmt.Sprintf("the same address as line %d", first)})
			}
			emails[key] = n
			if u := storage.FoldCase(l.rec.Username); u != "" {
				if first, dup := usernames[u]; dup {
					problems = append(problems, ImportLineError{n, "username", fmt.Sprintf("the same username as line %d", first)})
				}
				usernames[u] = n
			}
		}
		bad = append(bad, problems...)
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			bad = append(bad, ImportLineError{n + 1, "line", fmt.Sprintf("longer than %d bytes", maxImportLine)})
		} else {
			return nil, fmt.Errorf("account: read import: %w", err)
		}
	}
	if len(bad) > 0 {
		return nil, &ImportError{Lines: bad}
	}
	if len(lines) == 0 {
		return nil, &ImportError{Lines: []ImportLineError{{1, "file", "no users in the file"}}}
	}
	return lines, nil
}

func parseImportLine(n int, raw []byte, fb FirebaseParams) (importLine, []ImportLineError) {
	l := importLine{n: n}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l.rec); err != nil {
		return l, []ImportLineError{{n, "line", "not a JSON object of the import format: " + jsonProblem(err)}}
	}
	var out []ImportLineError
	bad := func(field string, err error) {
		var fe *FieldError
		detail := err.Error()
		if errors.As(err, &fe) {
			detail = fieldDetail(fe)
		}
		out = append(out, ImportLineError{n, field, detail})
	}
	l.rec.Email = strings.TrimSpace(l.rec.Email)
	if err := CheckEmail(l.rec.Email); err != nil {
		bad("email", err)
	}
	if l.rec.Username != "" {
		if err := CheckUsername(l.rec.Username); err != nil {
			bad("username", err)
		}
	}
	if err := checkName(FieldGivenName, l.rec.GivenName); err != nil {
		bad("given_name", err)
	}
	if err := checkName(FieldFamilyName, l.rec.FamilyName); err != nil {
		bad("family_name", err)
	}
	l.state = storage.UserActive
	if l.rec.State != "" {
		l.state = storage.UserState(l.rec.State)
		if !l.state.Valid() {
			bad("state", errors.New("one of pending_verification, pending_approval, active, blocked, rejected"))
		}
	}
	for _, g := range l.rec.Groups {
		if err := access.CheckGroupName(g); err != nil {
			bad("groups", fmt.Errorf("%q: %w", g, err))
		}
	}
	if len(l.rec.PasswordHash) > 0 && string(l.rec.PasswordHash) != "null" {
		h, err := importHash(l.rec.PasswordHash, fb)
		if err != nil {
			bad("password_hash", err)
		}
		l.hash = h
	}
	return l, out
}

func fieldDetail(fe *FieldError) string {
	d := fe.Reason.Error()
	if fe.Detail != "" {
		d += ": " + fe.Detail
	}
	return d
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case strings.Contains(err.Error(), "unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "field " + te.Field + " has the wrong type"
	}
	return "malformed"
}

// importHash turns password_hash (a string or a HashObject) into a stored
// form Verify can check.
func importHash(raw json.RawMessage, fb FirebaseParams) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if err := CheckImportedHash(s); err != nil {
			return "", errors.New("not a supported hash (argon2id, argon2i, bcrypt, $pbkdf2-sha256$, $pbkdf2-sha512$, $firescrypt$)")
		}
		return s, nil
	}
	var o HashObject
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return "", errors.New("a string or an object with algorithm, hash, salt and the algorithm's parameters")
	}
	var out string
	switch strings.ToLower(o.Algorithm) {
	case "pbkdf2-sha256", "pbkdf2-sha512":
		if o.Iterations < 1 {
			return "", errors.New("iterations is required for " + o.Algorithm)
		}
		out = fmt.Sprintf("$%s$i=%d$%s$%s", strings.ToLower(o.Algorithm), o.Iterations, o.Salt, o.Hash)
	case "firebase-scrypt", "scrypt":
		p := FirebaseParams{SignerKey: o.SignerKey, SaltSeparator: o.SaltSeparator, Rounds: o.Rounds, MemCost: o.MemCost}
		if p.SignerKey == "" {
			p.SignerKey = fb.SignerKey
		}
		if p.SaltSeparator == "" {
			p.SaltSeparator = fb.SaltSeparator
		}
		if p.Rounds == 0 {
			p.Rounds = fb.Rounds
		}
		if p.MemCost == 0 {
			p.MemCost = fb.MemCost
		}
		if p.SignerKey == "" || p.Rounds == 0 || p.MemCost == 0 {
			return "", errors.New("firebase-scrypt needs the project's signer key, rounds and mem_cost (in the object or the import's parameters)")
		}
		out = fmt.Sprintf("$firescrypt$ln=%d,r=%d,p=1$%s$%s$%s$%s", p.MemCost, p.Rounds, o.Salt, o.Hash, p.SaltSeparator, p.SignerKey)
	default:
		return "", fmt.Errorf("algorithm %q: the object form takes pbkdf2-sha256, pbkdf2-sha512 or firebase-scrypt (give other hashes as a string)", o.Algorithm)
	}
	if err := CheckImportedHash(out); err != nil {
		return "", fmt.Errorf("the %s parts do not form a valid hash: %w", o.Algorithm, errors.Unwrap(err))
	}
	return out, nil
}

// ImportUsers validates every line of r and then writes them all in one
// transaction: a new address creates a user, a known one (by email,
// ignoring case) is updated where the line differs, and unchanged
// otherwise. Groups named in a line are created when missing and joined
// (memberships are never removed by an import). A refused file is an
// *ImportError and nothing is written.
func ImportUsers(ctx context.Context, store storage.Store, r io.Reader, opts ImportOptions) (ImportResult, error) {
	lines, err := ParseImport(r, opts.Firebase)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err = store.InTx(ctx, func(tx storage.Tx) error {
		res = ImportResult{Lines: make([]ImportOutcome, 0, len(lines))}
		groupIDs := map[string]string{}
		now := time.Now()
		for _, l := range lines {
			outcome, err := importOne(ctx, tx, l, groupIDs, now)
			if err != nil {
				return err
			}
			switch outcome {
			case ImportCreated:
				res.Created++
			case ImportUpdated:
				res.Updated++
			default:
				res.Unchanged++
			}
			res.Lines = append(res.Lines, ImportOutcome{Line: l.n, Email: l.rec.Email, Outcome: outcome})
		}
		e := &storage.AuditEvent{Time: now, Type: access.EventUsersImported, ActorID: opts.Actor, Details: map[string]string{
			"created": strconv.Itoa(res.Created), "updated": strconv.Itoa(res.Updated), "unchanged": strconv.Itoa(res.Unchanged)}}
		return tx.Audit().Append(ctx, e)
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// importOne writes one validated line inside tx.
func importOne(ctx context.Context, tx storage.Tx, l importLine, groupIDs map[string]string, now time.Time) (string, error) {
	lineErr := func(field, detail string) error {
		return &ImportError{Lines: []ImportLineError{{l.n, field, detail}}}
	}
	existing, err := tx.Users().ByLogin(ctx, l.rec.Email)
	if err == nil && storage.FoldCase(existing.Email) != storage.FoldCase(l.rec.Email) {
		err = storage.ErrNotFound // the address is another user's username: a new user
	}
	outcome := ImportUnchanged
	var userID string
	switch {
	case errors.Is(err, storage.ErrNotFound):
		u := storage.User{Email: l.rec.Email, Username: l.rec.Username, GivenName: l.rec.GivenName,
			FamilyName: l.rec.FamilyName, EmailVerified: l.rec.EmailVerified, PasswordHash: l.hash,
			Role: storage.RoleUser, State: l.state, CreatedAt: now}
		if err := tx.Users().Create(ctx, &u); errors.Is(err, storage.ErrAlreadyExists) {
			return "", lineErr("username", "already taken by another user")
		} else if err != nil {
			return "", fmt.Errorf("account: import line %d: %w", l.n, err)
		}
		userID, outcome = u.ID, ImportCreated
	case err != nil:
		return "", fmt.Errorf("account: import line %d: %w", l.n, err)
	default:
		u := existing
		u.Username, u.GivenName, u.FamilyName = l.rec.Username, l.rec.GivenName, l.rec.FamilyName
		u.EmailVerified, u.State = l.rec.EmailVerified, l.state
		if l.hash != "" {
			u.PasswordHash = l.hash
		}
		userID = u.ID
		if u != existing {
			if err := tx.Users().Update(ctx, &u); errors.Is(err, storage.ErrAlreadyExists) {
				return "", lineErr("username", "already taken by another user")
			} else if err != nil {
				return "", fmt.Errorf("account: import line %d: %w", l.n, err)
			}
			if existing.State == storage.UserActive && u.State != storage.UserActive {
				// As a block: sessions and tokens end at once (SECURITY 14).
				if _, err := tx.Sessions().DeleteByUser(ctx, u.ID, ""); err != nil {
					return "", fmt.Errorf("account: import line %d: %w", l.n, err)
				}
				if err := tx.Tokens().RevokeByUser(ctx, u.ID, now); err != nil {
					return "", fmt.Errorf("account: import line %d: %w", l.n, err)
				}
			}
			outcome = ImportUpdated
		}
	}
	for _, name := range l.rec.Groups {
		key := storage.FoldCase(name)
		id, ok := groupIDs[key]
		if !ok {
			g, err := tx.Groups().ByName(ctx, name)
			if errors.Is(err, storage.ErrNotFound) {
				g = storage.Group{Name: name, CreatedAt: now}
				err = tx.Groups().Create(ctx, &g)
			}
			if err != nil {
				return "", fmt.Errorf("account: import line %d: group %q: %w", l.n, name, err)
			}
			id, groupIDs[key] = g.ID, g.ID
		}
		added, err := tx.Groups().AddMember(ctx, id, userID)
		if err != nil {
			return "", fmt.Errorf("account: import line %d: %w", l.n, err)
		}
		if added && outcome == ImportUnchanged {
			outcome = ImportUpdated
		}
	}
	return outcome, nil
}

// ExportUsers writes every user as a line of the import format, oldest
// first, with their groups; password hashes only when withHashes.
func ExportUsers(ctx context.Context, store storage.Store, w io.Writer, withHashes bool) (int, error) {
	enc := json.NewEncoder(w)
	n := 0
	f := storage.UserFilter{Limit: storage.MaxLimit}
	for {
		page, err := store.Users().List(ctx, f)
		if err != nil {
			return n, fmt.Errorf("account: export users: %w", err)
		}
		for _, u := range page.Items {
			gs, err := store.Groups().OfUser(ctx, u.ID)
			if err != nil {
				return n, fmt.Errorf("account: export users: %w", err)
			}
			rec := ImportRecord{Email: u.Email, Username: u.Username, GivenName: u.GivenName, FamilyName: u.FamilyName,
				EmailVerified: u.EmailVerified, State: string(u.State)}
			for _, g := range gs {
				rec.Groups = append(rec.Groups, g.Name)
			}
			if withHashes && u.PasswordHash != "" {
				rec.PasswordHash, _ = json.Marshal(u.PasswordHash)
			}
			if err := enc.Encode(rec); err != nil {
				return n, fmt.Errorf("account: export users: %w", err)
			}
			n++
		}
		if page.Next == "" {
			return n, nil
		}
		f.Cursor = page.Next
	}
}
