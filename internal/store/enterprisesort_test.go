package store

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/apperr"
)

func TestPrefixBound(t *testing.T) {
	cases := []struct{ name, prefix, want string }{
		{"ascii", "C", "D"},
		{"chinese", "制造", "制逡"},
		{"before the surrogates", "a\uD7FF", "a\uE000"},
		{"last rune", "a" + string(utf8.MaxRune), "b"},
		{"only last runes", string(utf8.MaxRune) + string(utf8.MaxRune), ""},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := prefixBound(c.prefix)
			if got != c.want {
				t.Fatalf("prefixBound(%q) = %q, want %q", c.prefix, got, c.want)
			}
			// Every string starting with the prefix lies below the bound.
			for _, s := range []string{c.prefix, c.prefix + "\x00", c.prefix + "业", c.prefix + string(utf8.MaxRune)} {
				if got != "" && s >= got {
					t.Fatalf("%q starts with %q but is not below %q", s, c.prefix, got)
				}
			}
		})
	}
}

func TestEnterpriseCursorsRoundTrip(t *testing.T) {
	n := 7
	at := time.Date(2026, 6, 1, 9, 30, 0, 123456789, time.UTC)
	r := enterpriseRow{ID: 42, Name: "测试企业", CreditCode: "91431103MA4L1234X5", UpdatedAt: at, FullMembers: &n}
	want := map[string]string{"id": "", "-id": "", "name": "测试企业", "-name": "测试企业", "credit_code": r.CreditCode,
		"-credit_code": r.CreditCode, "updated_at": at.Format(time.RFC3339Nano), "-updated_at": at.Format(time.RFC3339Nano),
		"full_members": "7", "-full_members": "7", "employees": "-1", "-employees": "-1"}
	for _, sort := range EnterpriseSorts() {
		t.Run(sort, func(t *testing.T) {
			cur := parseOrder(sort).cursorOf(&r)
			key, id, err := ParseEnterpriseCursor(sort, cur)
			if err != nil || id != 42 || key != want[sort] {
				t.Fatalf("cursor %q read back as %q, %d, %v; want %q, 42", cur, key, id, err, want[sort])
			}
			for _, other := range EnterpriseSorts() {
				if other == sort {
					continue
				}
				if _, _, err := ParseEnterpriseCursor(other, cur); !apperr.Is(err, "cursor_sort_mismatch") {
					t.Fatalf("a %s cursor with sort=%s: %v", sort, other, err)
				}
			}
		})
	}
}

func FuzzParseEnterpriseCursor(f *testing.F) {
	f.Add("name", "eyJzIjoibmFtZSIsImsiOiJhIiwiaSI6M30")
	f.Add("id", "12")
	f.Add("-updated_at", "eyJzIjoiLXVwZGF0ZWRfYXQiLCJrIjoieCIsImkiOjF9")
	f.Fuzz(func(t *testing.T, sort, raw string) {
		if !ValidEnterpriseSort(sort) {
			return
		}
		key, id, err := ParseEnterpriseCursor(sort, raw)
		if err != nil {
			if apperr.KindOf(err) != apperr.Invalid {
				t.Fatalf("a bad cursor is not a 422: %v", err)
			}
			return
		}
		if id <= 0 {
			t.Fatalf("accepted id %d", id)
		}
		// What is accepted is a value of the sort's key: the query binds it.
		if o := parseOrder(sort); o.key != nil && !validKey(o.key.kind, key) {
			t.Fatalf("accepted key %q for %s", key, sort)
		}
		if strings.TrimPrefix(sort, "-") == "id" && key != "" {
			t.Fatalf("an id cursor carries key %q", key)
		}
	})
}
