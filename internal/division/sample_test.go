package division

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// sampleRow is one row of the sample export (kept once, in
// internal/importer/testdata).
type sampleRow struct {
	line          int
	code, address string
}

// readSample decodes the GB18030 registration export and returns its credit
// codes and registered addresses.
func readSample(t *testing.T) []sampleRow {
	t.Helper()
	f, err := os.Open("../importer/testdata/registration-gbk.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(simplifiedchinese.GB18030.NewDecoder().Reader(f))
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	codeCol, addrCol := -1, -1
	for i, rec := range records {
		codeCol = slices.Index(rec, "统一社会信用代码")
		addrCol = slices.Index(rec, "住所（经营场所）")
		if codeCol < 0 || addrCol < 0 {
			continue
		}
		var rows []sampleRow
		for j, rec := range records[i+1:] {
			if len(rec) <= max(codeCol, addrCol) {
				continue
			}
			rows = append(rows, sampleRow{
				line:    i + j + 2,
				code:    strings.ToUpper(strings.TrimSpace(Normalize(rec[codeCol]))),
				address: rec[addrCol],
			})
		}
		return rows
	}
	t.Fatal("no header row with 统一社会信用代码 and 住所（经营场所）")
	return nil
}

// TestResolveSample resolves every registered address of the sample export
// and compares with the township expected.json records for its credit code.
func TestResolveSample(t *testing.T) {
	t.Parallel()
	d := district(t)
	raw, err := os.ReadFile("../importer/testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var expected struct {
		Entities map[string]struct {
			Township         *string `json:"township"`
			OutOfScopeReason string  `json:"out_of_scope_reason"`
		} `json:"entities"`
	}
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	rows := readSample(t)
	checked, matched := 0, 0
	entities := map[string]bool{}
	for _, row := range rows {
		want, ok := expected.Entities[row.code]
		if !ok {
			continue // rejected rows (malformed codes) have no entity
		}
		checked++
		entities[row.code] = true
		got := d.Resolve(row.address)
		switch {
		case want.OutOfScopeReason == "outside_district":
			if got.Reason != ReasonOutsideDistrict || got.TownshipCode != "" {
				t.Errorf("line %d %s %q: got %+v, want outside_district", row.line, row.code, row.address, got)
				continue
			}
		case want.Township == nil:
			if got.Assignment != Unassigned || got.TownshipCode != "" || got.Reason == ReasonOutsideDistrict {
				t.Errorf("line %d %s %q: got %+v, want unassigned", row.line, row.code, row.address, got)
				continue
			}
		default:
			if got.TownshipCode != *want.Township {
				t.Errorf("line %d %s %q: got %+v, want %s", row.line, row.code, row.address, got, *want.Township)
				continue
			}
		}
		matched++
	}
	if len(entities) != len(expected.Entities) {
		t.Errorf("sample rows cover %d of %d expected entities", len(entities), len(expected.Entities))
	}
	t.Logf("%d of %d sample rows (%d entities) resolved as expected", matched, checked, len(entities))
}
