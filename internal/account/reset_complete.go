package account

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"

	"github.com/gatehouse/gatehouse/storage"
)

// Generated passwords: 24 characters from an alphabet without look-alikes
// (57 symbols, about 140 bits), plus one character of each class the
// policy requires.
const (
	generatedPasswordLen = 24
	generatedAlphabet    = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	generatedSymbols     = "!#%+-=?@_"
	maxGenerateAttempts  = 20
)

// generatePassword returns a random password that policy p accepts for
// u. It fails only when p cannot be met, which Validate prevents.
func generatePassword(p PasswordPolicy, instance string, u storage.User) (string, error) {
	p = p.Normalized()
	n := max(generatedPasswordLen, p.MinLength)
	pc := PolicyContext{Login: u.Username, Email: u.Email, InstanceName: instance}
	for range maxGenerateAttempts {
		b := make([]byte, 0, n+1)
		for range n {
			b = append(b, randomByte(generatedAlphabet))
		}
		for _, c := range p.Require {
			if c == ClassSymbol {
				b[randomIndex(len(b))] = randomByte(generatedSymbols)
			}
		}
		pw := string(b)
		if p.Check(pw, pc) == nil {
			return pw, nil
		}
	}
	return "", errors.New("account: cannot generate a password the policy accepts")
}

func temporaryPassword(rs RegistrationSettings, u storage.User) (string, error) {
	return generatePassword(rs.Password, rs.InstanceName, u)
}

func randomIndex(n int) int {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return int(i.Int64())
}

func randomByte(alphabet string) byte { return alphabet[randomIndex(len(alphabet))] }

// ResetResult is what a completed reset tells the page.
type ResetResult struct {
	UserID string
	Email  string
	// Password is the generated password (generated style only): shown
	// once on the page, never stored in clear or logged.
	Password string
}

// CompleteResetWithPassword uses a link-style reset link to set password
// (checked against the policy and confirm first: a *RegistrationError,
// which uses nothing). Atomically and once it sets the password, voids
// every other reset, ends every session and revokes every token of the
// user (SECURITY 22), and queues the "reset complete" letter. A link that
// does not work wraps ErrLinkInvalid.
func (r *Registrar) CompleteResetWithPassword(ctx context.Context, token, password, confirm, ip string) (ResetResult, error) {
	rs, err := r.Settings(ctx)
	if err != nil {
		return ResetResult{}, err
	}
	u, info, err := r.resetUser(ctx, r.store.OneTimeTokens(), r.store.Users(), storage.PurposeResetPassword, token)
	if err != nil {
		return ResetResult{}, err
	}
	if info.State != LinkValid {
		return ResetResult{}, linkStateError(info.State)
	}
	if err := checkNewPassword(rs, RegistrationInput{Login: u.Username, Email: u.Email}, password, confirm); err != nil {
		return ResetResult{}, err
	}
	hash, err := r.svc.hasher.Hash(ctx, password)
	if err != nil {
		return ResetResult{}, fmt.Errorf("account: hash password: %w", err)
	}
	return r.completeReset(ctx, storage.PurposeResetPassword, token, hash, ip)
}

// CompleteResetWithGenerated uses a generated-style reset link: it sets a
// newly generated password and returns it, once, as
// CompleteResetWithPassword does otherwise.
func (r *Registrar) CompleteResetWithGenerated(ctx context.Context, token, ip string) (ResetResult, error) {
	rs, err := r.Settings(ctx)
	if err != nil {
		return ResetResult{}, err
	}
	u, info, err := r.resetUser(ctx, r.store.OneTimeTokens(), r.store.Users(), storage.PurposeResetGenerated, token)
	if err != nil {
		return ResetResult{}, err
	}
	if info.State != LinkValid {
		return ResetResult{}, linkStateError(info.State)
	}
	pw, err := generatePassword(rs.Password, rs.InstanceName, u)
	if err != nil {
		return ResetResult{}, err
	}
	hash, err := r.svc.hasher.Hash(ctx, pw)
	if err != nil {
		return ResetResult{}, fmt.Errorf("account: hash password: %w", err)
	}
	res, err := r.completeReset(ctx, storage.PurposeResetGenerated, token, hash, ip)
	if err != nil {
		return ResetResult{}, err
	}
	res.Password = pw
	return res, nil
}

// completeReset consumes the link and sets the password hash, in one
// transaction.
func (r *Registrar) completeReset(ctx context.Context, purpose, token, hash, ip string) (ResetResult, error) {
	th, ok := linkTokenHash(token)
	if !ok {
		return ResetResult{}, ErrLinkUnknown
	}
	var res ResetResult
	err := r.inTx(ctx, func(tx txStores) error {
		t, err := tx.OneTimeTokens().Consume(ctx, purpose, th, r.svc.now())
		if err != nil {
			return r.linkError(ctx, tx, purpose, th, err)
		}
		u, err := tx.Users().ByID(ctx, t.UserID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return ErrLinkUnknown
		case err != nil:
			return fmt.Errorf("account: read reset user: %w", err)
		case storage.FoldCase(u.Email) != storage.FoldCase(t.Email), u.State != storage.UserActive:
			return ErrLinkUnknown
		}
		if err := r.confirmMailbox(ctx, tx, &u, ip); err != nil {
			return err
		}
		if err := r.setPassword(ctx, tx, &u, hash, "", purpose); err != nil {
			return err
		}
		details := map[string]string{resetPurposeDetailStyle: purpose}
		if err := r.audit(ctx, tx, storage.AuditEvent{Type: EventResetCompleted, UserID: u.ID, IP: ip, Details: details}); err != nil {
			return err
		}
		res = ResetResult{UserID: u.ID, Email: u.Email}
		return r.send(ctx, tx, u, LetterResetComplete, nil)
	})
	if err != nil {
		return ResetResult{}, err
	}
	r.kick()
	return res, nil
}

// setPassword stores hash as u's password, clears a required change,
// voids every pending reset (but keeps the used token of usedPurpose, so
// its link answers "already used"), and ends every session but
// keepSessionID and every token of u, within tx.
func (r *Registrar) setPassword(ctx context.Context, tx txStores, u *storage.User, hash, keepSessionID, usedPurpose string) error {
	u.PasswordHash, u.PasswordChangeRequired = hash, false
	if err := tx.Users().Update(ctx, u); err != nil {
		return fmt.Errorf("account: set password: %w", err)
	}
	for _, p := range resetPurposes {
		if p == usedPurpose {
			continue
		}
		if err := tx.OneTimeTokens().DeleteByUser(ctx, u.ID, p); err != nil {
			return fmt.Errorf("account: void resets: %w", err)
		}
	}
	return r.endEverything(ctx, tx, u.ID, keepSessionID)
}

// linkStateError is the error of a link in state s (not LinkValid).
func linkStateError(s LinkState) error {
	switch s {
	case LinkExpired:
		return ErrLinkExpired
	case LinkUsed:
		return ErrLinkUsed
	}
	return ErrLinkUnknown
}
