// Package vocab holds Fugai's closed vocabularies (数据字典): lists of
// values with a stable English code, a Chinese label and the Chinese
// spellings accepted on input. The domain packages define their
// vocabularies with it (经营状况, 业主身份, 党员来源, 企业所需, 服务内容);
// the API and the importers accept a code, a label or an alias and store
// the code. It imports neither gin nor gorm.
package vocab

import (
	"fmt"
	"strings"

	"github.com/fugai/fugai/internal/division"
)

// Term is one value of a vocabulary.
type Term struct {
	// Code is the stable English code stored and returned by the API.
	Code string
	// Label is the Chinese name shown to users.
	Label string
	// Aliases are other spellings accepted on input, besides the code
	// and the label.
	Aliases []string
}

// Vocabulary is a closed list of terms in display order. It is immutable
// and safe for concurrent use.
type Vocabulary struct {
	terms []Term
	codes map[string]int    // code → position
	index map[string]string // Key of every accepted spelling → code
}

// New builds a vocabulary of terms in display order. A spelling shared by
// two terms is a programming error: New panics.
func New(terms ...Term) *Vocabulary {
	v := &Vocabulary{terms: terms, codes: map[string]int{}, index: map[string]string{}}
	for i, t := range terms {
		if t.Code == "" || t.Label == "" {
			panic("vocab: term without code or label")
		}
		v.codes[t.Code] = i
		for _, s := range append([]string{t.Code, t.Label}, t.Aliases...) {
			k := Key(s)
			if other, ok := v.index[k]; ok && other != t.Code {
				panic(fmt.Sprintf("vocab: %q is both %s and %s", s, other, t.Code))
			}
			v.index[k] = t.Code
		}
	}
	return v
}

// Key is the form spellings are compared in: NFKC, every space removed
// (U+3000 included), lower case.
func Key(s string) string { return strings.ToLower(division.Normalize(s)) }

// Terms returns the terms in display order.
func (v *Vocabulary) Terms() []Term { return append([]Term(nil), v.terms...) }

// Codes returns the codes in display order.
func (v *Vocabulary) Codes() []string {
	out := make([]string, len(v.terms))
	for i, t := range v.terms {
		out[i] = t.Code
	}
	return out
}

// Valid reports whether code is one of the vocabulary's codes.
func (v *Vocabulary) Valid(code string) bool {
	_, ok := v.codes[code]
	return ok
}

// Label returns the Chinese label of code, or code itself when it is not
// one of the vocabulary's.
func (v *Vocabulary) Label(code string) string {
	if i, ok := v.codes[code]; ok {
		return v.terms[i].Label
	}
	return code
}

// Order returns the 1-based display position of code (0 when unknown).
func (v *Vocabulary) Order(code string) int {
	if i, ok := v.codes[code]; ok {
		return i + 1
	}
	return 0
}

// Parse returns the code s names: a code, a label or an alias, compared by
// Key. ok is false when s names none.
func (v *Vocabulary) Parse(s string) (code string, ok bool) {
	code, ok = v.index[Key(s)]
	return code, ok
}

// Choices lists the labels for messages: "正常经营、经营困难、…".
func (v *Vocabulary) Choices() string {
	labels := make([]string, len(v.terms))
	for i, t := range v.terms {
		labels[i] = t.Label
	}
	return strings.Join(labels, "、")
}

// Sort returns the codes of set in display order, each once; codes not in
// the vocabulary are left out.
func (v *Vocabulary) Sort(set []string) []string {
	seen := make([]bool, len(v.terms))
	for _, c := range set {
		if i, ok := v.codes[c]; ok {
			seen[i] = true
		}
	}
	var out []string
	for i, t := range v.terms {
		if seen[i] {
			out = append(out, t.Code)
		}
	}
	return out
}
