package division

import (
	"strings"
	"unicode/utf8"
)

// District is one county-level division with its streets and townships, and
// the indices that resolve a registered address to one of them. It is
// read-only once built and safe for concurrent use; callers must not modify
// Townships or the Places in it.
type District struct {
	// Code is the 6-digit county-level code, such as "431103".
	Code string
	// Name is the official name, such as "冷水滩区".
	Name string
	// CityName is the prefecture, such as "永州市".
	CityName string
	// ProvinceName is the province, such as "湖南省".
	ProvinceName string
	// Townships are the streets (街道) and townships (镇, 乡), sorted by code.
	Townships []Township
	// Region says the code names a prefecture (XXXX00) or a province
	// (XX0000), not a county-level division: it has no townships, and an
	// instance for it serves a roll-up of its districts' coverage.
	Region bool

	codes    []string       // township codes by index, a private copy of Townships[i].Code
	byCode   map[string]int // township code → index
	towns    names          // township names
	places   names          // village and community names as addresses write them
	counties *matcher       // county-level names; id = countyOwn, countyOther or countyIgnore
}

// names finds the names of one level (townships, or villages and
// communities) and knows the townships each belongs to.
type names struct {
	m *matcher // id = index into towns
	// towns lists, for each distinct name, the indices of the townships it
	// occurs in: more than one when two townships have a place of the same
	// name.
	towns [][]int
}

// nameIndex collects names for a names.
type nameIndex struct {
	pats  []pattern
	towns [][]int
	ids   map[string]int
}

// add records that name occurs in township t.
func (x *nameIndex) add(name string, t int) {
	if x.ids == nil {
		x.ids = make(map[string]int)
	}
	id, ok := x.ids[name]
	if !ok {
		id = len(x.towns)
		x.ids[name] = id
		x.towns = append(x.towns, nil)
		x.pats = append(x.pats, pattern{text: name, id: id})
	}
	if n := len(x.towns[id]); n == 0 || x.towns[id][n-1] != t {
		x.towns[id] = append(x.towns[id], t)
	}
}

// build returns the names collected.
func (x *nameIndex) build() names {
	return names{m: newMatcher(x.pats), towns: x.towns}
}

// Township is a street (街道) or township (镇, 乡) of a district.
type Township struct {
	// Code is the 9-digit statistical code, such as "431103001".
	Code string
	// Name is the official name with its suffix, such as "梅湾街道".
	Name string
	// Places are the villages and communities, sorted by code.
	Places []Place
}

// Place is a village (村) or community (社区) of a township.
type Place struct {
	// Code is the 12-digit statistical code.
	Code string
	// Name is the name as addresses write it: 坪塘村村委会 → 坪塘村,
	// 三多亭社区居委会 → 三多亭社区.
	Name string
	// OfficialName is the gazetteer's name, such as "坪塘村村委会".
	OfficialName string
}

// Township returns the street or township of d with the 9-digit code.
func (d *District) Township(code string) (Township, bool) {
	i, ok := d.byCode[code]
	if !ok {
		return Township{}, false
	}
	return d.Townships[i], true
}

// Tags for the county-level matcher's pattern ids.
const (
	countyOther  = iota // another county-level division
	countyOwn           // this district
	countyIgnore        // a name of this district that merely contains a county name
)

// buildIndex precomputes the matchers Resolve uses.
func (d *District) buildIndex(g *Gazetteer) {
	d.codes = make([]string, len(d.Townships))
	d.byCode = make(map[string]int, len(d.Townships))
	var towns, places nameIndex
	for i, t := range d.Townships {
		d.codes[i] = t.Code
		d.byCode[t.Code] = i
		towns.add(t.Name, i)
		for _, p := range t.Places {
			places.add(p.Name, i)
		}
	}
	d.towns = towns.build()
	d.places = places.build()
	d.counties = newMatcher(d.countyPatterns(g, towns.pats, places.pats))
}

// countyPatterns returns the names that tell whether an address lies in d or
// in another county-level division. Earlier patterns win over later ones with
// the same text, so d's own names come first.
//
// A county-level name only counts where it cannot be ordinary address text:
//   - It must end in 区, 县, 市 or 旗 and be at least three characters long.
//     Two-character names (道县, 芒市, 城区) are too likely to occur inside
//     other words.
//   - Names made only of positional and landmark characters (城关区, 新城区,
//     老城区, 市中区, 河西区, 江北区, 路南区, 铁西区, 港口区, 西湖区, …;
//     see isGenericName) are what addresses call parts of any town, or a
//     residential area (滨江新城区), so they do not count on their own.
//   - 市辖区 never counts.
//
// Short and generic names still count when written after their prefecture or
// province, as full addresses do: 永州市道县, 洛阳市老城区, 北京市西城区.
// A county-level city's name directly followed by 场 is a market (中山市场,
// 东方市场), not the city. Finally this district's own names (its province,
// prefecture, townships and places) are matched too, and since the longest
// match wins, a county name inside one of them (a 高溪市 inside 高溪市镇)
// does not count.
func (d *District) countyPatterns(g *Gazetteer, towns, places []pattern) []pattern {
	ownQualified := d.CityName + d.Name
	if q := g.qualifier(g.areas[g.byCode[d.Code]]); q != d.CityName {
		ownQualified = q + d.Name
	}
	pats := []pattern{
		{text: d.Name, id: countyOwn},
		{text: ownQualified, id: countyOwn},
		{text: d.CityName, id: countyIgnore},
		{text: d.ProvinceName, id: countyIgnore},
	}
	for _, p := range towns {
		pats = append(pats, pattern{text: p.text, id: countyIgnore})
	}
	for _, p := range places {
		pats = append(pats, pattern{text: p.text, id: countyIgnore})
	}
	for _, a := range g.areas {
		if a.code == d.Code {
			continue
		}
		var guard rune
		if strings.HasSuffix(a.name, "市") {
			guard = '场'
		}
		if a.name != d.Name && countsAlone(a.name) {
			pats = append(pats, pattern{text: a.name, id: countyOther, notFollowedBy: guard})
		}
		// Also for a.name == d.Name: 石家庄市新华区 is not 沧州市新华区.
		if q := g.qualifier(a); q != "" && a.name != "市辖区" {
			text := a.name
			if !strings.HasPrefix(text, q) {
				text = q + text
			}
			pats = append(pats, pattern{text: text, id: countyOther, notFollowedBy: guard})
		}
	}
	return pats
}

// countsAlone reports whether the county-level name marks an address as
// being in that division without its prefecture written before it.
func countsAlone(name string) bool {
	if utf8.RuneCountInString(name) < 3 || name == "市辖区" {
		return false
	}
	switch r, _ := utf8.DecodeLastRuneInString(name); r {
	case '区', '县', '市', '旗':
	default:
		return false
	}
	return !isGenericName(name)
}

// isGenericName reports whether name is a district (区) whose name is made
// only of compass points, town parts and landmarks: 东区, 城关区, 新城区,
// 老城区, 市中区, 河东区, 江北区, 桥西区, 路南区, 铁西区, 站前区, 港口区,
// 东湖区, 西湖区, 东西湖区. Such names describe a part of any town as often
// as they name a district.
func isGenericName(name string) bool {
	stem, ok := strings.CutSuffix(name, "区")
	if !ok || stem == "" {
		return false
	}
	for _, r := range stem {
		if !strings.ContainsRune("东西南北中城市郊矿辖新老关厢河江湖桥路铁站港口前", r) {
			return false
		}
	}
	return true
}
