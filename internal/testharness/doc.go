// Package testharness owns the test-support pieces that end-to-end and storage
// tests share. It is imported only from _test.go files of other packages.
//
//   - PostgresURL: a fresh, empty PostgreSQL database per test, on the server of
//     GATEHOUSE_TEST_POSTGRES_URL or on a throwaway cluster started once per test
//     process from local binaries; otherwise the test is skipped loudly, or fails
//     when GATEHOUSE_TEST_REQUIRE_POSTGRES=1. Packages that use it call Main from
//     their TestMain so that the cluster is stopped at the end.
//   - TCPProxy: a loopback TCP forwarder that can be cut and restored, to make a
//     dependency (the database) unreachable in the middle of a test.
//   - SMTPSink: an in-process SMTP server (emersion/go-smtp) that records and
//     parses the mail it receives, and can be set down to make deliveries fail.
//   - Browser and Page: headless Chromium through chromedp, one browser per
//     test, with a screenshot written to GATEHOUSE_TEST_ARTIFACTS when the test
//     fails. A missing Chromium skips loudly, or fails when
//     GATEHOUSE_TEST_REQUIRE_BROWSER=1.
//   - Accessibility: axe-core (vendored from its npm package under axe/) runs
//     after every navigation of a Page onto a page Gatehouse rendered, once per
//     distinct page state in the test process, and fails the test on any
//     violation of the WCAG 2 A/AA rules and axe's best practices
//     (GATEHOUSE_TEST_AXE=0 turns the automatic scan off for a quick local run).
//
// Everything listens on 127.0.0.1 only, is bounded in time, and is cleaned up
// with t.Cleanup.
package testharness
