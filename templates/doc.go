// Package templates owns the embedded presentation assets of Gatehouse:
// the html/template pages of the hosted UI (pages/), the email templates
// (mail/), the static files served under /static/ (static/) and the message
// catalogs (locales/<lang>.json, flat key -> message).
//
// It imports nothing but the standard library; package ui parses the pages,
// package i18n loads the catalogs and package mail renders the letters.
//
// Page files follow one convention: a file whose name starts with "_" is
// shared (the layout and partials) and is parsed into every page; every other
// pages/<name>.html is the page <name> and defines the "title" and "content"
// templates used by the layout.
package templates
