package division

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// pattern is one name a matcher looks for.
type pattern struct {
	text string
	// id is the caller's meaning of the name (an index, or a negative tag).
	id int
	// notFollowedBy, when not zero, rejects a match directly followed by
	// this rune (a county-level city 中山市 inside 中山市场, a market).
	notFollowedBy rune
}

// matcher finds names in text by leftmost-longest, non-overlapping
// matching: scanning left to right, at each position the longest name that
// starts there wins and the scan resumes after it. So 古塘社区 is one match,
// not also a bare 古塘, and a name inside a longer one never counts twice.
// It is built once per district and only read afterwards, so it is safe for
// concurrent use.
type matcher struct {
	// byFirst holds the patterns by their first rune, longest first.
	byFirst map[rune][]pattern
}

// newMatcher returns a matcher for pats. When two patterns have the same
// text, the first one given wins.
func newMatcher(pats []pattern) *matcher {
	m := &matcher{byFirst: make(map[rune][]pattern)}
	seen := make(map[string]bool, len(pats))
	for _, p := range pats {
		if p.text == "" || seen[p.text] {
			continue
		}
		seen[p.text] = true
		r, _ := utf8.DecodeRuneInString(p.text)
		m.byFirst[r] = append(m.byFirst[r], p)
	}
	for _, ps := range m.byFirst {
		// Longest first; the stable sort keeps the order of equal lengths.
		slices.SortStableFunc(ps, func(a, b pattern) int { return cmp.Compare(len(b.text), len(a.text)) })
	}
	return m
}

// next returns the leftmost-longest match in s at or after byte offset from:
// the pattern's id and the byte offset just after the match. ok is false when
// nothing more matches.
func (m *matcher) next(s string, from int) (id, end int, ok bool) {
	for i := from; i < len(s); {
		r, w := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(s[i:])
		}
		for _, p := range m.byFirst[r] {
			if !strings.HasPrefix(s[i:], p.text) {
				continue
			}
			e := i + len(p.text)
			if p.notFollowedBy != 0 {
				if nr, _ := utf8.DecodeRuneInString(s[e:]); nr == p.notFollowedBy {
					continue
				}
			}
			return p.id, e, true
		}
		i += w
	}
	return 0, len(s), false
}
