package main

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// rowKind is what a row is meant to exercise in an importer.
type rowKind uint8

const (
	kindNormal     rowKind = iota
	kindWrongCheck         // well-formed code whose check character is wrong
	kindMalformed          // code that is not 18 characters of the alphabet
	kindDuplicate          // exact copy of an earlier row (same code, same data)
	kindConflict           // an earlier row's code with another name and address
)

// Shares of the special kinds, in rows per million.
const (
	ppmMalformed  = 100
	ppmWrongCheck = 1000
	ppmDuplicate  = 1000
	ppmConflict   = 500
)

// Founding dates are drawn from this range, before the export date in the
// title.
var (
	firstFounded = time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC)
	foundedDays  = int(time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC).Sub(firstFounded)/(24*time.Hour)) + 1
)

// dateForm is how a founding date is written.
type dateForm uint8

const (
	formISO     dateForm = iota // 2015-03-12
	formSlash                   // 2015/3/12
	formChinese                 // 2015年3月12日
)

// record is one row of the export, before serialisation.
type record struct {
	code, name, entityType, legalRep, capital string
	founded                                   time.Time // midnight UTC
	form                                      dateForm
	// dateCell asks the xlsx writer for a real date cell (an Excel serial)
	// instead of text; CSV ignores it.
	dateCell                                    bool
	status, address, authority, industry, scope string
}

// foundedText is the founding date written in the record's form.
func (r *record) foundedText() string {
	switch r.form {
	case formSlash:
		return r.founded.Format("2006/1/2")
	case formChinese:
		return r.founded.Format("2006年1月2日")
	}
	return r.founded.Format("2006-01-02")
}

// generator produces the rows of one seed. Every row is a pure function of
// the seed and its index, so a duplicate is made by generating an earlier
// index again, and nothing grows with the number of rows.
type generator struct {
	seed uint64
	perm codePermutation
	src  *rand.PCG
	rng  *rand.Rand
}

func newGenerator(seed uint64) *generator {
	src := rand.NewPCG(0, 0)
	return &generator{seed: seed, perm: newCodePermutation(seed), src: src, rng: rand.New(src)}
}

// kind is the intended kind of row i, drawn from its own hash so that it is
// cheap to ask about any earlier row.
func (g *generator) kind(i int) rowKind {
	u := mix(mix(g.seed^0x3c6ef372fe94f82b)+uint64(i)) % 1_000_000
	switch {
	case u < ppmMalformed:
		return kindMalformed
	case u < ppmMalformed+ppmWrongCheck:
		return kindWrongCheck
	case u < ppmMalformed+ppmWrongCheck+ppmDuplicate:
		return kindDuplicate
	case u < ppmMalformed+ppmWrongCheck+ppmDuplicate+ppmConflict:
		return kindConflict
	}
	return kindNormal
}

// source picks the earlier row that duplicate row i copies: one with a
// well-formed code that is not itself a copy. It reports false when there is
// none (the first rows), and row i is then an ordinary row.
func (g *generator) source(i int) (int, bool) {
	if i == 0 {
		return 0, false
	}
	for attempt := uint64(0); attempt < 8; attempt++ {
		j := int(mix(g.seed^mix(uint64(i)<<3|attempt)^0xa54ff53a5f1d36f1) % uint64(i))
		if k := g.kind(j); k == kindNormal || k == kindWrongCheck {
			return j, true
		}
	}
	return 0, false
}

// row returns row i (0-based) and what it turned out to be.
func (g *generator) row(i int) (record, rowKind) {
	switch k := g.kind(i); k {
	case kindDuplicate, kindConflict:
		j, ok := g.source(i)
		if !ok {
			return g.base(i, kindNormal), kindNormal
		}
		src := g.base(j, g.kind(j))
		if k == kindDuplicate {
			return src, k
		}
		r := g.base(i, kindNormal)
		r.code, r.authority = src.code, src.authority
		for r.name == src.name && r.address == src.address {
			r.address = g.address()
		}
		return r, k
	case kindWrongCheck, kindMalformed:
		return g.base(i, k), k
	}
	return g.base(i, kindNormal), kindNormal
}

// base generates row i's own data with a code of the given kind.
func (g *generator) base(i int, k rowKind) record {
	g.src.Seed(mix(g.seed^mix(uint64(i))), uint64(i))
	r := g.rng
	act := pickActivity(r)
	rec := record{
		entityType: entityTypes.pick(r),
		industry:   act.industry,
		scope:      act.scope,
	}
	rec.name = g.name(rec.entityType, act.word)
	rec.legalRep = g.person()
	rec.capital = capitalAmounts[r.IntN(len(capitalAmounts))] + capitalSuffixes.pick(r)
	rec.founded = firstFounded.AddDate(0, 0, r.IntN(foundedDays))
	switch n := r.IntN(100); {
	case n < 49:
		rec.form = formISO
	case n < 77:
		rec.form = formChinese
	default:
		rec.form = formSlash
	}
	rec.dateCell = r.IntN(5) == 0
	rec.status = statuses.pick(r)
	area := areaDistrict
	rec.authority = authorityDistrict
	if r.IntN(1000) < 137 {
		area, rec.authority = areaCity, authorityCity
	}
	rec.address = g.address()
	rec.code = g.code(i, area, k)
	return rec
}

// code builds row i's credit code: correct, with a wrong check character, or
// malformed.
func (g *generator) code(i int, area string, k rowKind) string {
	var b [18]byte
	g.perm.body(&b, area, uint64(i))
	b[17] = checkChar(b[:17])
	r := g.rng
	switch k {
	case kindWrongCheck:
		b[17] = codeAlphabet[(codeValue(b[17])+1+r.IntN(30))%31]
	case kindMalformed:
		switch n := r.IntN(10); {
		case n < 4: // cut short, like 91431103MA4
			return string(b[:8]) + "MA4" + string(b[11:11+r.IntN(6)])
		case n < 7: // a letter outside the alphabet
			b[8+r.IntN(9)] = "IOSVZ"[r.IntN(5)]
		case n < 9: // check character missing
			return string(b[:17])
		default: // one character too many
			return string(b[:]) + codeAlphabet[r.IntN(31):][:1]
		}
	}
	return string(b[:])
}

// name builds an enterprise name whose form follows the entity type, as in
// the sample: 冷水滩区鑫利网络科技店, 永州宁楚建设工程合伙企业（普通合伙）,
// 湖南恒宁房地产开发股份有限公司, 永州市鑫宁农业开发有限公司.
func (g *generator) name(entityType, word string) string {
	a := g.rng.IntN(len(tradeChars))
	b := (a + 1 + g.rng.IntN(len(tradeChars)-1)) % len(tradeChars)
	trade := string([]rune{tradeChars[a], tradeChars[b]})
	switch entityType {
	case typeSole:
		return "冷水滩区" + trade + word + "店"
	case typePartnership:
		return "永州" + trade + word + "合伙企业（普通合伙）"
	case typeJointStock:
		return "湖南" + trade + word + "股份有限公司"
	}
	return "永州市" + trade + word + "有限公司"
}

// person is a legal representative's name: a surname and one or two given
// characters.
func (g *generator) person() string {
	r := g.rng
	n := []rune{surnames[r.IntN(len(surnames))], givenChars[r.IntN(len(givenChars))], 0}
	if r.IntN(3) == 0 {
		return string(n[:2])
	}
	n[2] = givenChars[r.IntN(len(givenChars))]
	return string(n)
}

// address draws a registered address: 86 % name a township (a few with the
// U+3000 or ASCII space of the sample), 10 % a village or community, 3 %
// nothing the district can resolve, 1 % another district.
func (g *generator) address() string {
	r := g.rng
	number := strconv.Itoa(1+r.IntN(300)) + "号"
	switch u := r.IntN(1000); {
	case u < 100:
		return "湖南省永州市冷水滩区" + places[r.IntN(len(places))].name + strconv.Itoa(1+r.IntN(12)) + "组"
	case u < 130:
		return "永州市冷水滩区" + roads[r.IntN(len(roads))] + number
	case u < 140:
		return "湖南省永州市零陵区" + otherDistrictRoads[r.IntN(len(otherDistrictRoads))] + number
	}
	town := g.township()
	road := roads[r.IntN(len(roads))]
	switch n := r.IntN(100); {
	case n < 88:
		return "湖南省永州市冷水滩区" + town + road + number
	case n < 94:
		return "永州市冷水滩区\u3000" + town + road + number
	default:
		return "永州市冷水滩区" + town + " " + road + number
	}
}

// township draws a township name; the urban streets (街道, codes 001–009)
// are three times as likely as the towns (镇, 乡).
func (g *generator) township() string {
	n := g.rng.IntN(townshipTotal)
	for _, t := range townships {
		if w := townshipWeight(t); n < w {
			return t.name
		}
		n -= townshipWeight(t)
	}
	return townships[len(townships)-1].name
}

func townshipWeight(t township) int {
	if t.code[6] == '0' {
		return 3
	}
	return 1
}

var townshipTotal = func() int {
	n := 0
	for _, t := range townships {
		n += townshipWeight(t)
	}
	return n
}()
