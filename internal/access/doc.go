// Package access owns who may use what beyond the account itself: named
// groups and their members (the groups claim), the per-application access
// rule (a client's allowed groups, checked by the OpenID Provider), and
// invitations (invite-only registration). It has no HTTP; the management
// API, the console and the CLI call it, and every change is audited with
// its actor.
package access
