// Package mail owns the letters Gatehouse sends and their delivery: it
// renders the templates of templates/mail in the recipient's language,
// keeps each letter in the durable outbox (storage.OutboxStore) and runs the
// worker that sends them over SMTP with github.com/wneessen/go-mail.
//
// Enqueue renders a Letter and stores it through the outbox it is given.
// Flows pass the outbox of their own transaction (tx.Outbox()), so the
// letter commits with the change it reports (a new user, a reset) or not at
// all, and call Kick after the commit. Every letter has a text and an HTML
// part, both rendered at enqueue time. Recipients and subjects containing
// CR or LF are refused with ErrInvalidLetter (SECURITY 16), and every link
// comes from Link, which builds absolute URLs from the configured issuer
// only, whatever the request's Host said (SECURITY 15); a Data value whose
// key ends in "Link" must start with the issuer.
//
// Run is the worker. It claims due letters in batches of 10 with a
// one-minute lease, so workers on several replicas share one outbox without
// sending a letter twice, sends each over its own SMTP connection (10 s
// timeout) and marks it sent, or records the failure with the next attempt
// after an exponential backoff (RetryBase doubled per failure, capped at
// RetryMax, ±20% jitter). After MaxAttempts failures the letter is
// abandoned. The SMTP URL decides the transport:
//
//	smtp://user:pass@host[:587]       STARTTLS when offered; AUTH PLAIN or
//	                                  LOGIN, never without TLS except to
//	                                  loopback
//	smtps://user:pass@host[:465]      implicit TLS
//	smtp://127.0.0.1:2525?insecure=1  plain SMTP, loopback hosts only (tests)
//
// With no SMTP URL the worker captures letters: it marks them sent at once
// and logs them. In development mode the log carries the recipient, subject
// and links, and /dev/mail (package ui) lists them; outside it the log says
// only that a letter was kept, and Run warns once that mail is not
// delivered.
//
// Metrics (Options.Registerer), labelled kind=<template>:
//
//	gatehouse_mail_sent_total             delivered to the SMTP server
//	gatehouse_mail_captured_total         kept without delivery (no SMTP)
//	gatehouse_mail_failed_attempts_total  failed delivery attempts
//	gatehouse_mail_abandoned_total        letters given up
//
// Letters (Letter.Template, with the Data each uses): verify_email (Link,
// Name), activate (Link, Name), already_registered (Name, Login),
// awaiting_approval (Name), account_active (Name), invitation (Link, Name), registration_rejected
// (Name, Reason), reset_link and reset_confirm (Link, Minutes, Name),
// reset_temporary (Password, Link, Minutes, Name), reset_complete and
// password_changed (Name), email_change_confirm (Link, Name),
// email_change_notice (NewEmail, Name), mfa_enabled and
// mfa_recovery_regenerated (Name), mfa_disabled (Name, ByAdmin),
// mfa_recovery_used (Name, Left; messages in <lang>/mfa.json). Each is a pair templates/mail/<name>.txt and <name>.html
// that defines "subject" and "body" with the catalog function t; the
// messages live in templates/locales/<lang>/mail.json.
package mail
