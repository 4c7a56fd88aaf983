package division

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns s in the form Fugai matches text in: Unicode NFKC
// (full-width letters, digits and punctuation become ASCII) with every
// whitespace character removed, including U+3000 ideographic spaces, other
// Unicode spaces and the invisible zero-width spaces and byte-order marks
// that spreadsheets leave behind. Registration exports put such spaces
// anywhere, so addresses and names are compared in this form.
//
// Normalize is idempotent: Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	if plain(s) {
		return s
	}
	// Removing a space can bring a base character and a combining mark
	// together, so NFKC must run again until nothing changes. The second
	// round never creates spaces (only compatibility decompositions do, and
	// NFKC output holds no such characters), so this stops after at most
	// three rounds; the bound only guards against a broken invariant.
	for range 4 {
		n := norm.NFKC.String(s)
		t := stripSpace(n)
		if t == n {
			return t
		}
		s = t
	}
	return s
}

// plain reports whether Normalize leaves s as it is because every
// character is printable ASCII other than the space, or a CJK unified
// ideograph of U+4E00–U+9FFF: none of these has a compatibility or
// canonical decomposition, a combining class or a composition, so NFKC
// maps such a text to itself (TestPlainIsNormal). Most addresses and names
// are such texts, and an import normalises several of each row.
func plain(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r < 0x4e00 || r > 0x9fff {
			return false
		}
		i += w
	}
	return true
}

// isStripped reports whether r is removed by Normalize.
func isStripped(r rune) bool {
	switch r {
	case '\u180e', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		// Mongolian vowel separator (a space before Unicode 6.3),
		// zero-width space, non-joiner, joiner, word joiner and BOM.
		return true
	}
	return unicode.IsSpace(r)
}

// stripSpace removes the characters isStripped reports. It returns s itself
// when there is nothing to remove, and copies invalid UTF-8 bytes unchanged.
func stripSpace(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiSpace(c) {
				break
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if isStripped(r) {
			break
		}
		i += w
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !asciiSpace(c) {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isStripped(r) {
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	return b.String()
}

// asciiSpace reports whether the ASCII byte c is white space.
func asciiSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// placeName returns the name of a village or community as addresses write
// it, from its official gazetteer name: a trailing 村委会 becomes 村 and a
// doubled 村村 collapses (坪塘村村委会 → 坪塘村, 新铺村委会 → 新铺村); a
// trailing 社区居委会 or 居委会 becomes 社区 (三多亭社区居委会 → 三多亭社区,
// 花桥居委会 → 花桥社区). The long forms 村民委员会 and (社区)居民委员会,
// which the Hunan data also uses, are treated alike. Other names are only
// normalised.
func placeName(official string) string {
	// Longer endings first, so 社区居委会 wins over 居委会.
	suffixes := [...]struct{ official, address string }{
		{"村民委员会", "村"},
		{"村委会", "村"},
		{"社区居民委员会", "社区"},
		{"社区居委会", "社区"},
		{"居民委员会", "社区"},
		{"居委会", "社区"},
	}
	s := Normalize(official)
	for _, suf := range suffixes {
		stem, ok := strings.CutSuffix(s, suf.official)
		if !ok || stem == "" {
			continue
		}
		// 坪塘村 + 村 → 坪塘村, not 坪塘村村.
		if strings.HasSuffix(stem, suf.address) {
			return stem
		}
		return stem + suf.address
	}
	return s
}
