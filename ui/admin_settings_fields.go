package ui

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/account"
)

// The registration form's fields on the settings form: one row per
// known field, in form order, with a checkbox to include it
// (field_on=NAME), one to make it optional (field_optional=NAME; never
// for email, password and password_confirm), the order as hidden
// field_order=NAME inputs, and Up/Down submit buttons
// (field_move=up:NAME, down:NAME) that redraw the form with the row
// moved and everything else as typed, without JavaScript and without
// saving. A form without field_order (a script) may still send the
// registration_fields list ("login, email, company?").

// regFieldRow is one row of the fields list.
type regFieldRow struct {
	Name, Label        string
	On, Optional       bool
	CanBeOptional      bool
	First, Last        bool
	UpLabel, DownLabel string // translated, naming the field
}

// neverOptional are the fields that are always required when present.
var neverOptional = []string{account.FieldEmail, account.FieldPassword, account.FieldPasswordConfirm}

// fullFieldOrder is order (known names, once each) followed by the known
// names it lacks.
func fullFieldOrder(order []string) []string {
	var out []string
	for _, n := range order {
		if slices.Contains(account.RegistrationFieldNames(), n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, n := range account.RegistrationFieldNames() {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// fieldOrderOf is the order of the fields in a list such as "login,
// email?, company?".
func fieldOrderOf(list string) []string {
	var names []string
	for _, n := range splitFieldList(list) {
		names = append(names, strings.TrimSuffix(n, "?"))
	}
	return fullFieldOrder(names)
}

// splitFieldList splits a registration_fields list at commas and spaces.
func splitFieldList(list string) []string {
	return strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

// readFieldRows fills in.Fields and in.FieldOrder from the rows of a
// posted form; ok is false when the form has no rows.
func readFieldRows(form url.Values, in *settingsInput) bool {
	if !form.Has("field_order") {
		return false
	}
	in.FieldOrder = fullFieldOrder(form["field_order"])
	if move := form.Get("field_move"); move != "" {
		in.FieldOrder = moveField(in.FieldOrder, move)
		in.moved = true
	}
	var list []string
	for _, n := range in.FieldOrder {
		if !slices.Contains(form["field_on"], n) {
			continue
		}
		if slices.Contains(form["field_optional"], n) && !slices.Contains(neverOptional, n) {
			n += "?"
		}
		list = append(list, n)
	}
	in.Fields = strings.Join(list, ", ")
	return true
}

// moveField moves the field a field_move value names ("up:NAME" or
// "down:NAME") one place; anything else leaves order as it is.
func moveField(order []string, move string) []string {
	dir, name, _ := strings.Cut(move, ":")
	i := slices.Index(order, name)
	j := i - 1
	if dir == "down" {
		j = i + 1
	}
	if i < 0 || (dir != "up" && dir != "down") || j < 0 || j >= len(order) {
		return order
	}
	out := slices.Clone(order)
	out[i], out[j] = out[j], out[i]
	return out
}

// fieldRows are the rows of the fields list for in.
func (u *UI) fieldRows(lang string, in settingsInput) []regFieldRow {
	on := map[string]bool{}
	optional := map[string]bool{}
	for _, n := range splitFieldList(in.Fields) {
		name := strings.TrimSuffix(n, "?")
		on[name], optional[name] = true, strings.HasSuffix(n, "?")
	}
	order := in.FieldOrder
	if len(order) == 0 {
		order = fieldOrderOf(in.Fields)
	}
	rows := make([]regFieldRow, 0, len(order))
	for i, n := range order {
		label := u.bundle.T(lang, "register.field."+n+".label")
		rows = append(rows, regFieldRow{Name: n, Label: label, On: on[n], Optional: optional[n],
			CanBeOptional: !slices.Contains(neverOptional, n), First: i == 0, Last: i == len(order)-1,
			UpLabel:   u.bundle.T(lang, "console2.fields.up", "field", label),
			DownLabel: u.bundle.T(lang, "console2.fields.down", "field", label)})
	}
	return rows
}

// fieldRowKeys lists the keys the rows build in Go.
func fieldRowKeys() []string {
	keys := []string{"console2.fields.up", "console2.fields.down"}
	for _, n := range account.RegistrationFieldNames() {
		keys = append(keys, "register.field."+n+".label")
	}
	return keys
}
