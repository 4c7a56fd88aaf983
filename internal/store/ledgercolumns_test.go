package store

import (
	"reflect"
	"slices"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/fugai/fugai/internal/enterprise"
)

// Every field of enterpriseRow is one column of ledgerColumns, named as
// gorm names it (gorm writes the row on create and edit; the table reads
// and copies it), and nothing else is.
func TestLedgerColumnsCoverTheRow(t *testing.T) {
	var r enterpriseRow
	rv := reflect.ValueOf(&r).Elem()
	byAddr := map[uintptr]ledgerColumn{}
	for _, c := range ledgerColumns {
		p := reflect.ValueOf(c.field(&r))
		if p.Kind() != reflect.Pointer {
			t.Fatalf("column %s: field gives %s, not a pointer", c.name, p.Kind())
		}
		if _, dup := byAddr[p.Pointer()]; dup {
			t.Errorf("column %s: its field is another column's too", c.name)
		}
		byAddr[p.Pointer()] = c
	}
	names := schema.NamingStrategy{}
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		c, ok := byAddr[rv.Field(i).Addr().Pointer()]
		switch {
		case !ok:
			t.Errorf("field %s of enterpriseRow has no column in ledgerColumns", f.Name)
		case c.name != names.ColumnName("", f.Name):
			t.Errorf("field %s is column %q in ledgerColumns, %q to gorm", f.Name, c.name, names.ColumnName("", f.Name))
		}
		derefAny(rv.Field(i).Addr().Interface()) // every field's type is handled
	}
	if len(ledgerColumns) != rv.NumField() {
		t.Errorf("%d columns for %d fields", len(ledgerColumns), rv.NumField())
	}
	want := "name = s.name"
	if set := ledgerUpdateSet("s"); len(set) < len(want) || set[:len(want)] != want {
		t.Errorf("update set %q", set)
	}
}

// Every stored column of a ledger is in its history — a change of it is
// recorded — except what the system keeps about the row itself.
func TestLedgerColumnsAreInTheHistory(t *testing.T) {
	notRecorded := map[string]bool{"id": true, "version": true, "created_at": true, "updated_at": true, "verified_at": true}
	history := enterprise.HistoryFields()
	for _, c := range ledgerColumns {
		name := c.name
		if name == "union_org" { // the API's and the history's "union"
			name = "union"
		}
		if !notRecorded[c.name] && !slices.Contains(history, name) {
			t.Errorf("column %s is not in the ledger's history (enterprise.HistoryFields)", c.name)
		}
	}
	for _, f := range history {
		if !slices.ContainsFunc(ledgerColumns, func(c ledgerColumn) bool { return c.name == f || (f == "union" && c.name == "union_org") }) {
			t.Errorf("history field %s is no column of the ledger", f)
		}
	}
}
