// Package useragent names the browser and operating system of a
// User-Agent header for people ("Firefox on Linux"), for the session list,
// the activity page and the "new sign-in" letter. It is a small
// hand-written matcher of the common browsers and systems, not a device
// database: anything it does not know is "Unknown browser" / "unknown
// system".
package useragent
