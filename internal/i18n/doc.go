// Package i18n owns the message catalogs of the hosted pages and the choice
// of a page's language.
//
// A catalog is one flat JSON object per language, <lang>.json, mapping a
// dotted key to a message: {"landing.sign_in": "Sign in"}. Keys are named
// <area>.<thing>[.<detail>], where area is a page ("landing", "login"), the
// layout ("layout"), errors ("error") or the language itself ("lang.name",
// the language's own name, shown in the language switcher).
//
// Messages take named arguments in braces: "Request ID: {id}". Bundle.T
// receives them as alternating name/value pairs, as log/slog does:
//
//	b.T("ru", "error.request_id", "id", reqID)
//
// A value is formatted with fmt.Sprint. A placeholder without a matching
// argument, and any brace that does not enclose a name ([A-Za-z0-9_]+), is
// left as written. Messages are plain text: html/template escapes them.
//
// English ("en") is the reference catalog and must exist; T falls back to it
// and then to the key itself. Negotiate picks the language from ?lang=, then
// the lang cookie, then Accept-Language, then English.
package i18n
