package op

import (
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/storage"
)

// openPrivateKey decrypts the private key of r with KeyEncryptionKey, then
// with each of PreviousKeyEncryptionKeys (an instance key rotation in
// progress). It also reports whether an older key opened it.
func (o Options) openPrivateKey(r storage.SigningKey) (crypto.Signer, error) {
	priv, _, err := o.openPrivateKeyWith(r)
	return priv, err
}

func (o Options) openPrivateKeyWith(r storage.SigningKey) (crypto.Signer, bool, error) {
	priv, err := decryptPrivateKey(o.KeyEncryptionKey, r.ID, r.Algorithm, r.PrivateEncrypted)
	if err == nil || !errors.Is(err, errKeyCipher) {
		return priv, false, err
	}
	for _, kek := range o.PreviousKeyEncryptionKeys {
		if old, oldErr := decryptPrivateKey(kek, r.ID, r.Algorithm, r.PrivateEncrypted); oldErr == nil {
			return old, true, nil
		}
	}
	return nil, false, err
}

// Resealed counts what a re-encryption did.
type Resealed struct {
	// Resealed were sealed again under the current key.
	Resealed int
	// Current were under the current key already.
	Current int
}

// ReencryptSigningKeys seals again, under KeyEncryptionKey, every stored
// private key that an older key encrypted, so the older instance key can be
// dropped. It is idempotent, and safe while replicas serve: each row is
// replaced with a compare-and-set (a row that changed meanwhile is read
// again). A key that no configured key opens fails the whole run, naming
// it; the others are done first.
func (p *Provider) ReencryptSigningKeys(ctx context.Context) (Resealed, error) {
	var out Resealed
	rows, err := p.st.store.SigningKeys().List(ctx)
	if err != nil {
		return out, fmt.Errorf("op: list signing keys: %w", err)
	}
	var errs []error
	for _, r := range rows {
		resealed, err := p.resealKey(ctx, r)
		switch {
		case err != nil:
			errs = append(errs, err)
		case resealed:
			out.Resealed++
		default:
			out.Current++
		}
	}
	return out, errors.Join(errs...)
}

// resealKey re-encrypts one row when an older key opened it, retrying
// once when the row changed under it.
func (p *Provider) resealKey(ctx context.Context, r storage.SigningKey) (bool, error) {
	for attempt := 0; ; attempt++ {
		priv, old, err := p.opts.openPrivateKeyWith(r)
		if err != nil {
			return false, err
		}
		if !old {
			return false, nil
		}
		sealed, err := encryptPrivateKey(p.opts.KeyEncryptionKey, r.ID, r.Algorithm, priv)
		if err != nil {
			return false, err
		}
		err = p.st.store.SigningKeys().Reseal(ctx, r.ID, r.PrivateEncrypted, sealed)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, storage.ErrNotFound):
			return false, nil // swept meanwhile: nothing left to protect
		case !errors.Is(err, storage.ErrConflict) || attempt > 0:
			return false, fmt.Errorf("op: reseal signing key %s: %w", r.ID, err)
		}
		if r, err = p.reloadKey(ctx, r.ID); errors.Is(err, storage.ErrNotFound) {
			return false, nil
		} else if err != nil {
			return false, err
		}
	}
}

func (p *Provider) reloadKey(ctx context.Context, id string) (storage.SigningKey, error) {
	rows, err := p.st.store.SigningKeys().List(ctx)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("op: list signing keys: %w", err)
	}
	for _, r := range rows {
		if r.ID == id {
			return r, nil
		}
	}
	return storage.SigningKey{}, fmt.Errorf("op: signing key %s: %w", id, storage.ErrNotFound)
}
