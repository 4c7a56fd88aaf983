// Package division holds the statistical division codes of China (provinces,
// prefectures, county-level areas, streets and townships, and the villages
// and communities of Hunan) and assigns an enterprise to the street or
// township of its registered address (按注册地原则).
//
// Load parses the embedded gazetteer once; Gazetteer.District builds the
// district Fugai serves, with its townships and a resolver. District.Resolve
// maps a registered address to a township following the rules of the design's
// "Registration import" section: township names decide first, then village and
// community names; several townships are ambiguous; an address naming another
// county-level division, and not this one, is outside the district.
package division

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

//go:embed data/provinces.csv data/cities.csv data/areas.csv data/streets.csv.gz data/villages-43.csv.gz
var dataFS embed.FS

// ErrUnknownDistrict is returned, wrapped, by Gazetteer.District when a code
// is malformed or names no county-level division of the gazetteer.
var ErrUnknownDistrict = errors.New("unknown district code")

// Gazetteer is the national list of county-level divisions (区/县/县级市/旗
// and the statistical areas such as development zones), with the names of
// their prefectures and provinces. It is read-only after Load and safe for
// concurrent use.
type Gazetteer struct {
	areas     []area         // in file order, which is code order
	byCode    map[string]int // area code → index in areas
	cities    map[string]string
	provinces map[string]string
}

// area is one county-level division.
type area struct {
	code, name, cityCode, provinceCode string
}

// Load parses the embedded provinces, prefectures and county-level areas.
// Streets, townships, villages and communities are parsed later, for one
// district at a time, by Gazetteer.District.
func Load() (*Gazetteer, error) {
	g := &Gazetteer{
		byCode:    make(map[string]int),
		cities:    make(map[string]string),
		provinces: make(map[string]string),
	}
	err := readCSV("data/provinces.csv", 2, "", func(rec []string) error {
		g.provinces[rec[0]] = rec[1]
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV("data/cities.csv", 3, "", func(rec []string) error {
		g.cities[rec[0]] = rec[1]
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV("data/areas.csv", 4, "", func(rec []string) error {
		if !isDigits(rec[0], 6) {
			return fmt.Errorf("area code %q is not 6 digits", rec[0])
		}
		if _, dup := g.byCode[rec[0]]; dup {
			return fmt.Errorf("area code %q appears twice", rec[0])
		}
		g.byCode[rec[0]] = len(g.areas)
		g.areas = append(g.areas, area{code: rec[0], name: Normalize(rec[1]), cityCode: rec[2], provinceCode: rec[3]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// District returns the county-level division with the 6-digit code (431103
// for 冷水滩区) with its streets and townships, their villages and
// communities, and the indices Resolve uses. It parses the embedded street and
// village files, which takes some milliseconds: call it once and keep the
// result. Villages and communities are only known for Hunan (province 43);
// elsewhere Township.Places is empty and Resolve decides by township names.
//
// A malformed or unknown code returns an error wrapping ErrUnknownDistrict,
// such as `unknown district code "999999": not in the gazetteer`.
func (g *Gazetteer) District(code string) (*District, error) {
	if !isDigits(code, 6) {
		return nil, fmt.Errorf("%w %q: want 6 digits", ErrUnknownDistrict, code)
	}
	i, ok := g.byCode[code]
	if !ok {
		if d := g.region(code); d != nil {
			return d, nil
		}
		return nil, fmt.Errorf("%w %q: not in the gazetteer", ErrUnknownDistrict, code)
	}
	a := g.areas[i]
	d := &District{
		Code:         a.code,
		Name:         a.name,
		CityName:     g.cities[a.cityCode],
		ProvinceName: g.provinces[a.provinceCode],
	}
	if err := g.loadTownships(d, true); err != nil {
		return nil, err
	}
	d.buildIndex(g)
	return d, nil
}

// region returns the prefecture (code XXXX00) or province (XX0000) named
// by code as a District without streets and townships (Region set), or nil.
func (g *Gazetteer) region(code string) *District {
	if name, ok := g.cities[code[:4]]; ok && code[4:] == "00" && code[2:] != "0000" {
		switch name {
		case "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划":
			name = g.provinces[code[:2]] + name
		}
		d := &District{Code: code, Name: name, CityName: name, ProvinceName: g.provinces[code[:2]], Region: true}
		d.buildIndex(g)
		return d
	}
	if name, ok := g.provinces[code[:2]]; ok && code[2:] == "0000" {
		d := &District{Code: code, Name: name, ProvinceName: name, Region: true}
		d.buildIndex(g)
		return d
	}
	return nil
}

// Holds reports whether the county-level division with the 6-digit code
// lies in d: d itself, or for a region one of its districts.
func (d *District) Holds(code string) bool {
	if !d.Region {
		return code == d.Code
	}
	prefix := d.Code[:4] // a prefecture
	if d.Code[2:] == "0000" {
		prefix = d.Code[:2] // a province
	}
	return len(code) == 6 && strings.HasPrefix(code, prefix) && code != d.Code
}

// Outline is a county-level division's name and its streets and townships
// (without villages, and without what resolving addresses needs): what a
// roll-up of several districts shows.
type Outline struct {
	Code      string
	Name      string
	Townships []Township // Places left empty
}

// Outline returns the county-level division with the 6-digit code, its
// streets and townships; cheaper than District.
func (g *Gazetteer) Outline(code string) (Outline, error) {
	i, ok := g.byCode[code]
	if !isDigits(code, 6) || !ok {
		return Outline{}, fmt.Errorf("%w %q: not a county-level division of the gazetteer", ErrUnknownDistrict, code)
	}
	d := &District{Code: code, Name: g.areas[i].name}
	if err := g.loadTownships(d, false); err != nil {
		return Outline{}, err
	}
	return Outline{Code: d.Code, Name: d.Name, Townships: d.Townships}, nil
}

// loadTownships reads the streets and townships of d and, with places,
// their villages and communities.
func (g *Gazetteer) loadTownships(d *District, places bool) error {
	byCode := make(map[string]int)
	err := readCSV("data/streets.csv.gz", 5, d.Code, func(rec []string) error {
		if rec[2] != d.Code {
			return nil
		}
		if !isDigits(rec[0], 9) || !strings.HasPrefix(rec[0], d.Code) {
			return fmt.Errorf("street code %q does not belong to area %s", rec[0], d.Code)
		}
		byCode[rec[0]] = len(d.Townships)
		d.Townships = append(d.Townships, Township{Code: rec[0], Name: Normalize(rec[1])})
		return nil
	})
	if err != nil {
		return err
	}
	if len(d.Townships) == 0 {
		return fmt.Errorf("district %s (%s) has no streets or townships in the gazetteer", d.Code, d.Name)
	}
	if places && strings.HasPrefix(d.Code, "43") {
		err = readCSV("data/villages-43.csv.gz", 6, d.Code, func(rec []string) error {
			if rec[5] != d.Code {
				return nil
			}
			t, ok := byCode[rec[2]]
			if !ok || !isDigits(rec[0], 12) || !strings.HasPrefix(rec[0], rec[2]) {
				return fmt.Errorf("village %s %q has no street %s in area %s", rec[0], rec[1], rec[2], d.Code)
			}
			d.Townships[t].Places = append(d.Townships[t].Places, Place{
				Code: rec[0], Name: placeName(rec[1]), OfficialName: rec[1],
			})
			return nil
		})
		if err != nil {
			return err
		}
	}
	slices.SortFunc(d.Townships, func(a, b Township) int { return strings.Compare(a.Code, b.Code) })
	for _, t := range d.Townships {
		slices.SortFunc(t.Places, func(a, b Place) int { return strings.Compare(a.Code, b.Code) })
	}
	return nil
}

// qualifier returns the name written before a in a full address: its
// prefecture (永州市), or its province where the prefecture level has no
// proper name (the districts of 北京市, 重庆市's counties, the county-level
// cities directly under a province).
func (g *Gazetteer) qualifier(a area) string {
	switch city := g.cities[a.cityCode]; city {
	case "", "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划":
		return g.provinces[a.provinceCode]
	default:
		return city
	}
}

// readCSV calls fn for every record of the embedded file name after its
// header whose line starts with prefix ("" for all); records must have want
// fields. Files ending in .gz are gunzipped. The prefix skips the CSV parsing
// of other districts' rows: every code starts with its parent's code.
func readCSV(name string, want int, prefix string, fn func(rec []string) error) error {
	raw, err := dataFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("division data: %w", err)
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("division data %s: %w", name, err)
		}
		raw, err = io.ReadAll(zr)
		if err != nil {
			return fmt.Errorf("division data %s: %w", name, err)
		}
	}
	header, body, _ := bytes.Cut(raw, []byte("\n"))
	if len(bytes.Split(header, []byte(","))) != want {
		return fmt.Errorf("division data %s: header %q does not have %d columns", name, header, want)
	}
	if prefix != "" {
		var kept []byte
		for line := range bytes.Lines(body) {
			if bytes.HasPrefix(line, []byte(prefix)) {
				kept = append(kept, line...)
			}
		}
		body = kept
	}
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = want
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("division data %s: %w", name, err)
		}
		if err := fn(rec); err != nil {
			return fmt.Errorf("division data %s: %w", name, err)
		}
	}
}

// isDigits reports whether s is n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
