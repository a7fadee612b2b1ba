// Package argon2id derives Argon2id keys (RFC 9106, version 0x13) into
// working memory that the caller keeps between derivations.
//
// It is golang.org/x/crypto/argon2 (BSD licence, LICENSE in this folder:
// blake2b.go and the blamka_* files are its files unchanged, argon2id.go
// its argon2.go cut down to Argon2id) with one change: IDKey takes a
// *Memory instead of allocating 1 KiB per KiB of the memory parameter on
// every call. A password hash of 19 MiB then leaves no 19 MiB of garbage
// behind, so a sign-in flood neither drives the garbage collector nor
// grows the heap by a buffer per hash, and no memory is zeroed. The keys
// are those of x/crypto's argon2.IDKey for the same arguments, whatever
// the memory held before (argon2id_test.go checks both, and the known
// answers of x/crypto's tests).
package argon2id
