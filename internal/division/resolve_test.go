package division

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	d := district(t)
	const (
		meiwan     = "431103001"
		fenghuang  = "431103006"
		shanhu     = "431103007"
		quhe       = "431103008"
		huaqiao    = "431103101"
		gaoxishi   = "431103104"
		shanglingq = "431103106"
	)
	tests := []struct {
		name       string
		address    string
		township   string
		assignment Assignment
		reason     Reason
		candidates []string
	}{
		{"street named", "湖南省永州市冷水滩区梅湾街道零陵南路30号", meiwan, AssignedByTownship, ReasonNone, []string{meiwan}},
		{"full-width digits and U+3000", "湖南省永州市冷水滩区　曲河街道滨江路６号", quhe, AssignedByTownship, ReasonNone, []string{quhe}},
		{"ASCII and other spaces", "永州市 冷水滩区\t曲 河\u00a0街\u2003道 滨江路6号", quhe, AssignedByTownship, ReasonNone, []string{quhe}},
		{"zero-width space inside name", "冷水滩区曲河\u200b街道", quhe, AssignedByTownship, ReasonNone, []string{quhe}},
		{"full-width brackets", "冷水滩区（梅湾街道）", meiwan, AssignedByTownship, ReasonNone, []string{meiwan}},
		{"odd official name 花桥街镇", "湖南省永州市冷水滩区花桥街镇零陵北路6号", huaqiao, AssignedByTownship, ReasonNone, []string{huaqiao}},
		{"odd official name 高溪市镇", "永州市冷水滩区高溪市镇零陵中路58号", gaoxishi, AssignedByTownship, ReasonNone, []string{gaoxishi}},
		{"township without district", "梅湾街道七里店路93号", meiwan, AssignedByTownship, ReasonNone, []string{meiwan}},
		{"township named twice", "冷水滩区梅湾街道梅湾街道1号", meiwan, AssignedByTownship, ReasonNone, []string{meiwan}},
		{"township decides over its places", "冷水滩区梅湾街道三多亭社区4组", meiwan, AssignedByTownship, ReasonNone, []string{meiwan}},
		{"township decides over other places", "冷水滩区凤凰街道古塘村1组", fenghuang, AssignedByTownship, ReasonNone, []string{fenghuang}},
		{"two townships", "冷水滩区梅湾街道凤凰街道1号", "", Unassigned, ReasonAmbiguous, []string{meiwan, fenghuang}},
		{"two townships reversed", "冷水滩区凤凰街道与梅湾街道交界处", "", Unassigned, ReasonAmbiguous, []string{meiwan, fenghuang}},
		{"古塘村 is 上岭桥镇", "湖南省永州市冷水滩区古塘村3组", shanglingq, AssignedByPlace, ReasonNone, []string{shanglingq}},
		{"古塘社区 is 珊瑚街道", "湖南省永州市冷水滩区古塘社区3组", shanhu, AssignedByPlace, ReasonNone, []string{shanhu}},
		{"古塘村 and 古塘社区", "冷水滩区古塘村与古塘社区之间", "", Unassigned, ReasonAmbiguous, []string{shanhu, shanglingq}},
		{"two places of one township", "冷水滩区三多亭社区旁梅湾社区", meiwan, AssignedByPlace, ReasonNone, []string{meiwan}},
		{"village from 村村委会", "冷水滩区坪塘村5组", huaqiao, AssignedByPlace, ReasonNone, []string{huaqiao}},
		{"community from 居委会", "冷水滩区花桥社区", huaqiao, AssignedByPlace, ReasonNone, []string{huaqiao}},
		{"马坪社区 not 马坪里村", "冷水滩区马坪社区2组", shanhu, AssignedByPlace, ReasonNone, []string{shanhu}},
		{"马坪里村 not 马坪社区", "冷水滩区马坪里村2组", shanglingq, AssignedByPlace, ReasonNone, []string{shanglingq}},
		{"bare 古塘", "湖南省永州市冷水滩区古塘3组", "", Unassigned, ReasonNoMatch, nil},
		{"bare 马坪", "冷水滩区马坪2组", "", Unassigned, ReasonNoMatch, nil},
		{"bare 巴洲", "冷水滩区巴洲路1号", "", Unassigned, ReasonNoMatch, nil},
		{"凤凰路 is not 凤凰街道", "永州市冷水滩区凤凰路20号", "", Unassigned, ReasonNoMatch, nil},
		{"珊瑚路 is not 珊瑚街道", "永州市冷水滩区珊瑚路78号", "", Unassigned, ReasonNoMatch, nil},
		{"凤凰 alone", "凤凰", "", Unassigned, ReasonNoMatch, nil},
		{"empty", "", "", Unassigned, ReasonNoMatch, nil},
		{"spaces only", " \u3000\t", "", Unassigned, ReasonNoMatch, nil},
		{"零陵区", "湖南省永州市零陵区萍洲路151号", "", Unassigned, ReasonOutsideDistrict, nil},
		{"零陵区 with a township of ours", "湖南省永州市零陵区梅湾街道1号", "", Unassigned, ReasonOutsideDistrict, nil},
		{"东安县", "湖南省永州市东安县白牙市镇1号", "", Unassigned, ReasonOutsideDistrict, nil},
		{"祁阳市", "祁阳市浯溪街道1号", "", Unassigned, ReasonOutsideDistrict, nil},
		{"two-character county after its city", "湖南省永州市道县濂溪街道1号", "", Unassigned, ReasonOutsideDistrict, nil},
		{"another province", "广东省中山市石岐街道1号", "", Unassigned, ReasonOutsideDistrict, nil},
		{"generic name after its city", "河南省洛阳市老城区1号", "", Unassigned, ReasonOutsideDistrict, nil},
		{"ours and another", "湖南省永州市冷水滩区梅湾街道零陵区驻冷水滩办事处", meiwan, AssignedByTownship, ReasonNone, []string{meiwan}},
		{"零陵北路 is a road", "永州市冷水滩区零陵北路107号", "", Unassigned, ReasonNoMatch, nil},
		{"零陵中路 without district", "湖南省永州市高溪市镇零陵中路58号", gaoxishi, AssignedByTownship, ReasonNone, []string{gaoxishi}},
		{"market is not a city", "冷水滩区梅湾街道中山市场2号", meiwan, AssignedByTownship, ReasonNone, []string{meiwan}},
		{"generic name alone", "永州市滨江新城区8栋", "", Unassigned, ReasonNoMatch, nil},
		{"two-character county alone", "永州市梅湾街道道县商会", meiwan, AssignedByTownship, ReasonNone, []string{meiwan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := d.Resolve(tt.address)
			want := Resolution{TownshipCode: tt.township, Assignment: tt.assignment, Reason: tt.reason, Candidates: tt.candidates}
			if got.TownshipCode != want.TownshipCode || got.Assignment != want.Assignment ||
				got.Reason != want.Reason || !slices.Equal(got.Candidates, want.Candidates) {
				t.Errorf("Resolve(%q)\n got %+v\nwant %+v", tt.address, got, want)
			}
		})
	}
}

// TestResolveSharedPlaceName uses 浏阳市, where two townships each have a
// 合盛村: the name alone cannot tell them apart.
func TestResolveSharedPlaceName(t *testing.T) {
	t.Parallel()
	g, err := loadGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	d, err := g.District("430181")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, tw := range d.Townships {
		for _, p := range tw.Places {
			if p.Name == "合盛村" {
				codes = append(codes, tw.Code)
			}
		}
	}
	if len(codes) != 2 {
		t.Fatalf("合盛村 in %v, want two townships of 浏阳市", codes)
	}
	got := d.Resolve("湖南省长沙市浏阳市合盛村5组")
	if got.Reason != ReasonAmbiguous || got.TownshipCode != "" || !slices.Equal(got.Candidates, codes) {
		t.Errorf("Resolve(合盛村) = %+v, want ambiguous between %v", got, codes)
	}
	// Naming the township settles it.
	tw, _ := d.Township(codes[1])
	if got := d.Resolve("浏阳市" + tw.Name + "合盛村5组"); got.TownshipCode != codes[1] {
		t.Errorf("Resolve(%s合盛村) = %+v, want %s", tw.Name, got, codes[1])
	}
}

// TestResolveOwnNamesInside checks that none of the district's own township
// or place names reads as another county-level division.
func TestResolveOwnNamesInside(t *testing.T) {
	t.Parallel()
	d := district(t)
	for _, tw := range d.Townships {
		if got := d.Resolve(tw.Name); got.TownshipCode != tw.Code {
			t.Errorf("Resolve(%s) = %+v, want %s", tw.Name, got, tw.Code)
		}
		for _, p := range tw.Places {
			if got := d.Resolve("湖南省永州市" + p.Name); got.TownshipCode != tw.Code {
				t.Errorf("Resolve(%s) = %+v, want %s", p.Name, got, tw.Code)
			}
		}
	}
}

// TestResolveEveryOtherArea writes an address in every other county-level
// division of the gazetteer, the way a full address does (province,
// prefecture, county), and expects each to be outside 冷水滩区.
func TestResolveEveryOtherArea(t *testing.T) {
	t.Parallel()
	g, err := loadGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	d := district(t)
	for _, a := range g.areas {
		if a.code == d.Code {
			continue
		}
		addr := a.name + "人民路1号"
		q := g.qualifier(a)
		if !strings.HasPrefix(a.name, q) {
			addr = q + addr
		}
		if p := g.provinces[a.provinceCode]; p != q {
			addr = p + addr
		}
		if got := d.Resolve(addr); got.Reason != ReasonOutsideDistrict {
			t.Errorf("Resolve(%q) = %+v, want outside_district", addr, got)
		}
	}
}

func TestCountsAlone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"零陵区", true},
		{"东安县", true},
		{"祁阳市", true},
		{"江华瑶族自治县", true},
		{"永州经济技术开发区", true},
		{"阿荣旗", true},
		{"道县", false},
		{"芒市", false},
		{"城区", false},
		{"市辖区", false},
		{"城关区", false},
		{"新城区", false},
		{"市中区", false},
		{"路南区", false},
		{"东西湖区", false},
		{"西沙群岛", false},
	}
	for _, tt := range tests {
		if got := countsAlone(tt.name); got != tt.want {
			t.Errorf("countsAlone(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// benchAddresses is a mix shaped like a registration export.
var benchAddresses = []string{
	"湖南省永州市冷水滩区梅湾街道零陵南路30号",
	"永州市冷水滩区　曲河街道滨江路６号",
	"湖南省永州市冷水滩区高溪市镇零陵中路58号",
	"湖南省永州市冷水滩区三多亭社区4组",
	"湖南省永州市冷水滩区易家桥村9组",
	"永州市冷水滩区零陵北路107号",
	"湖南省永州市零陵区萍洲路151号",
	"永州市冷水滩区肖家园街道 珊瑚路250号",
}

func BenchmarkResolve(b *testing.B) {
	d := district(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Resolve(benchAddresses[i%len(benchAddresses)])
		i++
	}
}

// BenchmarkNFKCBaseline is the floor Resolve cannot go below: the NFKC
// pass over the same addresses, measured in the same run.
func BenchmarkNFKCBaseline(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		norm.NFKC.String(benchAddresses[i%len(benchAddresses)])
		i++
	}
}

func BenchmarkDistrict(b *testing.B) {
	g, err := loadGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.District("431103"); err != nil {
			b.Fatal(err)
		}
	}
}
