package store

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/apperr"
)

// DefaultEnterpriseSort is the order of ledger lists when none is asked
// for: by id, oldest ledger first. Its cursor is the last id of the page.
const DefaultEnterpriseSort = "id"

// sortKey is one whitelisted order of ledger lists: a column (or an
// expression) with an index on (it, id) in both dialects (migration 16),
// so that a page is read from the index from the cursor on.
type sortKey struct {
	// expr is the SQL of the key with %s for the table prefix ("" or
	// "e."); pg is its PostgreSQL form when it differs (text keys compare
	// by code point, as SQLite's BINARY collation does, whatever the
	// database's collation).
	expr, pg string
	kind     keyKind
}

type keyKind int

const (
	textKey keyKind = iota
	intKey
	instantKey
)

// enterpriseSortKeys are the sort keys of ledger lists besides id. A
// nullable count sorts as -1 when unknown: before every known count
// ascending, after them descending.
var enterpriseSortKeys = map[string]sortKey{
	"name":         {expr: "%sname", pg: `%sname COLLATE "C"`, kind: textKey},
	"credit_code":  {expr: "%scredit_code", pg: `%scredit_code COLLATE "C"`, kind: textKey},
	"updated_at":   {expr: "%supdated_at", kind: instantKey},
	"full_members": {expr: "COALESCE(%sfull_members, -1)", kind: intKey},
	"employees":    {expr: "COALESCE(%semployees, -1)", kind: intKey},
}

// EnterpriseSorts lists the sort= values of ledger lists in the order
// documented: each key ascending, and with a leading "-" descending.
func EnterpriseSorts() []string {
	out := []string{}
	for _, k := range []string{"id", "name", "credit_code", "updated_at", "full_members", "employees"} {
		out = append(out, k, "-"+k)
	}
	return out
}

// ValidEnterpriseSort reports whether sort is one of EnterpriseSorts.
func ValidEnterpriseSort(sort string) bool {
	k := strings.TrimPrefix(sort, "-")
	_, ok := enterpriseSortKeys[k]
	return ok || k == "id"
}

// enterpriseOrder is a parsed sort: its key (nil for id) and direction.
type enterpriseOrder struct {
	name string
	key  *sortKey
	desc bool
}

func parseOrder(sort string) enterpriseOrder {
	if sort == "" {
		sort = DefaultEnterpriseSort
	}
	o := enterpriseOrder{name: sort, desc: strings.HasPrefix(sort, "-")}
	if k, ok := enterpriseSortKeys[strings.TrimPrefix(sort, "-")]; ok {
		o.key = &k
	}
	return o
}

// column is the key's SQL with the table prefix, in the dialect.
func (o enterpriseOrder) column(prefix string, d Dialect) string {
	if o.key == nil {
		return prefix + "id"
	}
	e := o.key.expr
	if d == Postgres && o.key.pg != "" {
		e = o.key.pg
	}
	return strings.ReplaceAll(e, "%s", prefix)
}

// orderBy is the ORDER BY list of the sort (without the keyword).
func (o enterpriseOrder) orderBy(prefix string, d Dialect) string {
	dir := ""
	if o.desc {
		dir = " DESC"
	}
	if o.key == nil {
		return prefix + "id" + dir
	}
	return o.column(prefix, d) + dir + ", " + prefix + "id" + dir
}

// after is the keyset condition of the rows after the cursor (the key's
// value and the last id), with its arguments.
func (o enterpriseOrder) after(key string, id int64, d Dialect) (string, []any) {
	op := ">"
	if o.desc {
		op = "<"
	}
	if o.key == nil {
		return "id " + op + " ?", []any{id}
	}
	var v any = key
	switch o.key.kind {
	case intKey:
		v, _ = strconv.Atoi(key)
	case instantKey:
		t, _ := time.Parse(time.RFC3339Nano, key)
		v = t.UTC()
	}
	return d.keysetAfter(o.column("", d), op, v, id)
}

// cursorOf is the next_cursor after row r: for the id sort the id alone
// (as ever), else the sort, the key's value and the id, encoded.
func (o enterpriseOrder) cursorOf(r *enterpriseRow) string {
	if o.name == DefaultEnterpriseSort {
		return strconv.FormatInt(r.ID, 10)
	}
	c := sortCursor{Sort: o.name, ID: r.ID}
	if o.key != nil {
		switch strings.TrimPrefix(o.name, "-") {
		case "name":
			c.Key = r.Name
		case "credit_code":
			c.Key = r.CreditCode
		case "updated_at":
			c.Key = r.UpdatedAt.UTC().Format(time.RFC3339Nano)
		case "full_members":
			c.Key = countKey(r.FullMembers)
		case "employees":
			c.Key = countKey(r.Employees)
		}
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func countKey(n *int) string {
	if n == nil {
		return "-1"
	}
	return strconv.Itoa(*n)
}

// sortCursor is the content of a cursor of a sort other than id.
type sortCursor struct {
	Sort string `json:"s"`
	Key  string `json:"k"`
	ID   int64  `json:"i"`
}

// ParseEnterpriseCursor reads the cursor of a ledger list sorted by sort
// (a value of EnterpriseSorts, "" for id): the sort key's value of the
// last ledger of the previous page and its id. A cursor that is not a
// next_cursor of this sort — of another sort, or made up — is a 422
// naming cursor.
func ParseEnterpriseCursor(sort, raw string) (key string, id int64, err error) {
	o := parseOrder(sort)
	c, ok := decodeCursor(raw)
	if !ok {
		return "", 0, apperr.Field("invalid_cursor", "cursor", "cursor 无效，请使用同一排序（sort）下上一页返回的 next_cursor")
	}
	if c.Sort != o.name {
		return "", 0, apperr.Field("cursor_sort_mismatch", "cursor",
			"cursor 来自另一种排序（sort="+c.Sort+"），不能用于 sort="+o.name+"；请去掉 cursor 从第一页读起")
	}
	return c.Key, c.ID, nil
}

// decodeCursor reads either form of cursor: an id (of the id sort) or an
// encoded sortCursor whose key is a value of its sort's kind.
func decodeCursor(raw string) (sortCursor, bool) {
	if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return sortCursor{Sort: DefaultEnterpriseSort, ID: id}, id > 0
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	var c sortCursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID <= 0 || !ValidEnterpriseSort(c.Sort) || c.Sort == DefaultEnterpriseSort {
		return sortCursor{}, false
	}
	if o := parseOrder(c.Sort); (o.key == nil && c.Key != "") || (o.key != nil && !validKey(o.key.kind, c.Key)) {
		return sortCursor{}, false
	}
	return c, true
}

func validKey(k keyKind, v string) bool {
	switch k {
	case intKey: // the columns are 32-bit
		_, err := strconv.ParseInt(v, 10, 32)
		return err == nil
	case instantKey:
		_, err := time.Parse(time.RFC3339Nano, v)
		return err == nil
	}
	return utf8.ValidString(v) && !strings.ContainsRune(v, 0) // PostgreSQL refuses NUL in text
}

// prefixBound is the least string above every string that starts with p,
// in code point order ("" when there is none): p <= s < prefixBound(p)
// holds exactly for the strings s starting with p.
func prefixBound(p string) string {
	rs := []rune(p)
	for len(rs) > 0 {
		last := rs[len(rs)-1]
		switch {
		case last == utf8.MaxRune:
			rs = rs[:len(rs)-1]
			continue
		case last == 0xD7FF: // the surrogates are not runes
			rs[len(rs)-1] = 0xE000
		default:
			rs[len(rs)-1] = last + 1
		}
		return string(rs)
	}
	return ""
}
