// Package instancekey owns the instance key: the one secret from which every
// purpose's key (token encryption, signing-key encryption, cookie and CSRF
// secrets) is derived with HKDF-SHA256.
//
// The key comes from GATEHOUSE_SECRET_KEY, from GATEHOUSE_SECRET_KEY_FILE,
// or, for the SQLite quickstart only, from gatehouse.key beside the
// database, generated once with mode 0600.
//
// During a rotation the setting lists the new key and then the old one
// ("new,old"): Derive32 gives the new key's, which encrypts, and
// DeriveAll32 the new and then the old, which decrypt.
package instancekey
