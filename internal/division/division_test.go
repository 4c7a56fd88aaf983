package division

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// loadGazetteer parses the embedded data once for all tests.
var loadGazetteer = sync.OnceValues(Load)

// lengshuitan builds 冷水滩区 once for all tests; District is read-only, so
// parallel tests may share it.
var lengshuitan = sync.OnceValues(func() (*District, error) {
	g, err := loadGazetteer()
	if err != nil {
		return nil, err
	}
	return g.District("431103")
})

// district returns the shared 冷水滩区.
func district(tb testing.TB) *District {
	tb.Helper()
	d, err := lengshuitan()
	if err != nil {
		tb.Fatalf("District(431103): %v", err)
	}
	return d
}

func TestDistrictLengshuitan(t *testing.T) {
	t.Parallel()
	d := district(t)
	if d.Code != "431103" || d.Name != "冷水滩区" || d.CityName != "永州市" || d.ProvinceName != "湖南省" {
		t.Errorf("district = %s %s %s %s, want 431103 冷水滩区 永州市 湖南省", d.Code, d.Name, d.CityName, d.ProvinceName)
	}
	want := []struct{ code, name string }{
		{"431103001", "梅湾街道"}, {"431103002", "菱角山街道"}, {"431103003", "肖家园街道"},
		{"431103004", "杨家桥街道"}, {"431103005", "梧桐街道"}, {"431103006", "凤凰街道"},
		{"431103007", "珊瑚街道"}, {"431103008", "曲河街道"}, {"431103009", "岚角山街道"},
		{"431103101", "花桥街镇"}, {"431103102", "普利桥镇"}, {"431103103", "牛角坝镇"},
		{"431103104", "高溪市镇"}, {"431103105", "黄阳司镇"}, {"431103106", "上岭桥镇"},
		{"431103108", "伊塘镇"}, {"431103110", "蔡市镇"}, {"431103201", "杨村甸乡"},
	}
	if len(d.Townships) != len(want) {
		t.Fatalf("%d townships, want %d", len(d.Townships), len(want))
	}
	places := 0
	for i, w := range want {
		got := d.Townships[i]
		if got.Code != w.code || got.Name != w.name {
			t.Errorf("township %d = %s %s, want %s %s", i, got.Code, got.Name, w.code, w.name)
		}
		if len(got.Places) == 0 {
			t.Errorf("township %s has no villages or communities", got.Code)
		}
		for j, p := range got.Places {
			if len(p.Code) != 12 || !strings.HasPrefix(p.Code, got.Code) {
				t.Errorf("place %s %s is not a 12-digit code under %s", p.Code, p.Name, got.Code)
			}
			if j > 0 && got.Places[j-1].Code >= p.Code {
				t.Errorf("places of %s not sorted: %s before %s", got.Code, got.Places[j-1].Code, p.Code)
			}
		}
		places += len(got.Places)
	}
	if places != 204 {
		t.Errorf("%d villages and communities, want 204", places)
	}
}

func TestDistrictPlaces(t *testing.T) {
	t.Parallel()
	d := district(t)
	byCode := map[string]Place{}
	for _, tw := range d.Townships {
		for _, p := range tw.Places {
			byCode[p.Code] = p
		}
	}
	tests := []struct {
		name, code, place, official string
	}{
		{"village committee", "431103101209", "新铺村", "新铺村委会"},
		{"doubled 村村", "431103101218", "坪塘村", "坪塘村村委会"},
		{"village named 敏村", "431103101214", "敏村", "敏村村委会"},
		{"community committee", "431103001002", "三多亭社区", "三多亭社区居委会"},
		{"residents committee", "431103101002", "花桥社区", "花桥居委会"},
		{"already short", "431103006007", "四丘田社区", "四丘田社区"},
		{"古塘 village", "431103106269", "古塘村", "古塘村委会"},
		{"古塘 community", "431103007003", "古塘社区", "古塘社区居委会"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, ok := byCode[tt.code]
			if !ok {
				t.Fatalf("no place %s", tt.code)
			}
			if p.Name != tt.place || p.OfficialName != tt.official {
				t.Errorf("place %s = %q (%q), want %q (%q)", tt.code, p.Name, p.OfficialName, tt.place, tt.official)
			}
		})
	}
}

func TestDistrictUnknown(t *testing.T) {
	t.Parallel()
	g, err := loadGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code, message string
	}{
		{"unknown", "999999", `unknown district code "999999": not in the gazetteer`},
		{"unknown prefecture", "439900", `unknown district code "439900": not in the gazetteer`},
		{"too short", "4311", `unknown district code "4311": want 6 digits`},
		{"township code", "431103001", `unknown district code "431103001": want 6 digits`},
		{"letters", "43110x", `unknown district code "43110x": want 6 digits`},
		{"full-width digits", "４３１１０３", `unknown district code "４３１１０３": want 6 digits`},
		{"empty", "", `unknown district code "": want 6 digits`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := g.District(tt.code)
			if err == nil {
				t.Fatalf("District(%q) = %s, want an error", tt.code, d.Name)
			}
			if !errors.Is(err, ErrUnknownDistrict) {
				t.Errorf("error %v does not wrap ErrUnknownDistrict", err)
			}
			if err.Error() != tt.message {
				t.Errorf("error = %q, want %q", err, tt.message)
			}
		})
	}
}

func TestDistrictOutsideHunan(t *testing.T) {
	t.Parallel()
	g, err := loadGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	// Beijing 东城区: townships but no villages in the data.
	d, err := g.District("110101")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "东城区" || d.ProvinceName != "北京市" || len(d.Townships) == 0 {
		t.Fatalf("District(110101) = %s %s with %d townships", d.Name, d.ProvinceName, len(d.Townships))
	}
	tw := d.Townships[0]
	if r := d.Resolve("北京市东城区" + tw.Name + "1号"); r.TownshipCode != tw.Code {
		t.Errorf("Resolve in %s = %+v, want %s", tw.Name, r, tw.Code)
	}
	if r := d.Resolve("北京市西城区金融大街1号"); r.Reason != ReasonOutsideDistrict {
		t.Errorf("西城区 address from 东城区 = %+v, want outside_district", r)
	}
}

func TestTownship(t *testing.T) {
	t.Parallel()
	d := district(t)
	tests := []struct {
		name, code, want string
		ok               bool
	}{
		{"street", "431103001", "梅湾街道", true},
		{"township", "431103201", "杨村甸乡", true},
		{"gap in codes", "431103107", "", false},
		{"other district", "431102001", "", false},
		{"district code", "431103", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := d.Township(tt.code)
			if ok != tt.ok || got.Name != tt.want {
				t.Errorf("Township(%q) = %q, %v; want %q, %v", tt.code, got.Name, ok, tt.want, tt.ok)
			}
			if ok && got.Code != tt.code {
				t.Errorf("Township(%q).Code = %q", tt.code, got.Code)
			}
		})
	}
}

// TestHunanSelfConsistent resolves, in every county-level division of Hunan,
// a full address naming each township and each village or community: each
// must come back to its own township (or be ambiguous, for a place name two
// townships share), and never be outside the district.
func TestHunanSelfConsistent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every district of Hunan")
	}
	t.Parallel()
	g, err := loadGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	districts, townships, places := 0, 0, 0
	for _, a := range g.areas {
		if !strings.HasPrefix(a.code, "43") {
			continue
		}
		d, err := g.District(a.code)
		if err != nil {
			t.Errorf("District(%s %s): %v", a.code, a.name, err)
			continue
		}
		districts++
		prefix := d.ProvinceName + d.CityName + d.Name
		for _, tw := range d.Townships {
			townships++
			if r := d.Resolve(prefix + tw.Name + "88号"); r.TownshipCode != tw.Code || r.Assignment != AssignedByTownship {
				t.Errorf("%s: %s%s = %+v, want %s", d.Code, prefix, tw.Name, r, tw.Code)
			}
			for _, p := range tw.Places {
				places++
				r := d.Resolve(prefix + p.Name + "3组")
				switch {
				case r.Reason == ReasonAmbiguous && len(d.places.towns[placeIndex(d, p.Name)]) > 1:
				case r.TownshipCode != tw.Code:
					// Some place names start with their township's
					// (朱亭镇古镇社区); then the township decides, alike.
					t.Errorf("%s: %s%s (%s) = %+v, want %s", d.Code, prefix, p.Name, p.OfficialName, r, tw.Code)
				}
				if r := d.Resolve(p.Name); r.Reason == ReasonOutsideDistrict {
					t.Errorf("%s: place %s alone is outside the district", d.Code, p.Name)
				}
			}
		}
	}
	if districts < 120 || places < 29000 {
		t.Errorf("only %d districts, %d townships, %d places of Hunan checked", districts, townships, places)
	}
}

// placeIndex returns the index of a normalised place name in d.places.
func placeIndex(d *District, name string) int {
	id, end, ok := d.places.m.next(name, 0)
	if !ok || end != len(name) {
		return -1
	}
	return id
}

func TestRegions(t *testing.T) {
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		code, name string
		holds      []string
		not        []string
	}{
		{"431100", "永州市", []string{"431103", "431102", "431181"}, []string{"431100", "431003", "430102"}},
		{"431000", "郴州市", []string{"431002"}, []string{"431103"}},
		{"430000", "湖南省", []string{"431103", "430102"}, []string{"430000", "440106"}},
	} {
		d, err := g.District(c.code)
		if err != nil {
			t.Fatalf("%s: %v", c.code, err)
		}
		if !d.Region || d.Name != c.name || len(d.Townships) != 0 {
			t.Errorf("%s: %+v", c.code, d)
		}
		for _, h := range c.holds {
			if !d.Holds(h) {
				t.Errorf("%s should hold %s", c.code, h)
			}
		}
		for _, h := range c.not {
			if d.Holds(h) {
				t.Errorf("%s should not hold %s", c.code, h)
			}
		}
		if r := d.Resolve("湖南省永州市冷水滩区梅湾街道"); r.TownshipCode != "" {
			t.Errorf("%s resolved an address to a township: %+v", c.code, r)
		}
	}
	d, err := g.District("431103")
	if err != nil || d.Region || !d.Holds("431103") || d.Holds("431102") {
		t.Errorf("a district holds itself alone: %v %+v", err, d.Region)
	}
	// County-level codes ending in 00 stay districts (东莞市 has no counties).
	if d, err := g.District("441900"); err != nil || d.Region {
		t.Errorf("441900: %v", err)
	}
	if _, err := g.District("439900"); err == nil {
		t.Error("an unknown prefecture was accepted")
	}
}

func TestOutline(t *testing.T) {
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	o, err := g.Outline("431103")
	if err != nil {
		t.Fatal(err)
	}
	d, err := g.District("431103")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "冷水滩区" || len(o.Townships) != len(d.Townships) || len(o.Townships) == 0 {
		t.Fatalf("outline %s %d townships, district %d", o.Name, len(o.Townships), len(d.Townships))
	}
	for i, tw := range o.Townships {
		if tw.Code != d.Townships[i].Code || tw.Name != d.Townships[i].Name || len(tw.Places) != 0 {
			t.Errorf("township %d: %+v vs %s %s", i, tw, d.Townships[i].Code, d.Townships[i].Name)
		}
	}
	for _, bad := range []string{"431100", "4311", "999999"} {
		if _, err := g.Outline(bad); !errors.Is(err, ErrUnknownDistrict) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
