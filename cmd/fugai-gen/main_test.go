package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const testRows = 2000

// codeShape is an 18-character credit code over the GB 32100 alphabet,
// written independently of codeAlphabet.
var codeShape = regexp.MustCompile(`^[0-9A-HJ-NPQRTUWXY]{18}$`)

// generate runs the whole program and returns the file it wrote and what it
// printed on standard error.
func generate(t *testing.T, name string, args ...string) ([]byte, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	var stdout, stderr bytes.Buffer
	if err := run(append(args, "-o", out), &stdout, &stderr); err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data, stderr.String()
}

func parseCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return recs
}

// wantCheck is the GB 32100-2015 check character, computed from the
// definition rather than from the generator's tables.
func wantCheck(code string) byte {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(alphabet, code[i]) * w
		w = w * 3 % 31
	}
	return alphabet[(31-sum%31)%31]
}

func TestCSV(t *testing.T) {
	t.Parallel()
	plain, stderr := generate(t, "a.csv", "-rows", strconv.Itoa(testRows), "-seed", "7", "-format", "csv")
	if !strings.Contains(stderr, "wrote 2000 rows (csv, utf8)") || !strings.Contains(stderr, "peak RSS") {
		t.Errorf("summary = %q", stderr)
	}
	again, _ := generate(t, "b.csv", "-rows", strconv.Itoa(testRows), "-seed", "7", "-format", "csv")
	if !bytes.Equal(plain, again) {
		t.Fatal("two runs with the same flags differ")
	}
	other, _ := generate(t, "c.csv", "-rows", strconv.Itoa(testRows), "-seed", "8", "-format", "csv")
	if bytes.Equal(plain, other) {
		t.Fatal("seeds 7 and 8 give the same file")
	}

	tests := []struct {
		name      string
		args      []string
		title     bool
		decodeGBK bool
	}{
		{"utf8", nil, false, false},
		{"utf8 with title", []string{"-title"}, true, false},
		{"gb18030", []string{"-encoding", "gb18030"}, false, true},
		{"gb18030 with title", []string{"-encoding", "gb18030", "-title"}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"-rows", strconv.Itoa(testRows), "-seed", "7", "-format", "csv"}, tc.args...)
			data, _ := generate(t, "x.csv", args...)
			if tc.decodeGBK {
				if bytes.Equal(data[:64], plain[:64]) {
					t.Fatal("GB18030 output starts like the UTF-8 output")
				}
				var err error
				if data, err = simplifiedchinese.GB18030.NewDecoder().Bytes(data); err != nil {
					t.Fatalf("decode GB18030: %v", err)
				}
			}
			recs := parseCSV(t, data)
			if tc.title {
				if recs[0][0] != title {
					t.Fatalf("title row = %q", recs[0])
				}
				recs = recs[1:]
			}
			if !slices.Equal(recs[0], header) {
				t.Fatalf("header = %q", recs[0])
			}
			if got := len(recs) - 1; got != testRows {
				t.Fatalf("%d data rows, want %d", got, testRows)
			}
			// Every variant carries the plain file's rows.
			body := string(data)
			if tc.title {
				_, body, _ = strings.Cut(body, "\n")
			}
			if body != string(plain) {
				t.Fatal("rows differ from the plain UTF-8 file")
			}
		})
	}

	recs := parseCSV(t, plain)[1:]
	g := newGenerator(7)
	seen := map[string]bool{}
	for i, rec := range recs {
		if len(rec) != len(header) {
			t.Fatalf("row %d has %d fields", i+1, len(rec))
		}
		if rec[0] != strconv.Itoa(i+1) {
			t.Fatalf("row %d: 序号 %q", i+1, rec[0])
		}
		_, k := g.row(i)
		code := rec[1]
		switch {
		case k == kindMalformed:
			if codeShape.MatchString(code) {
				t.Errorf("row %d: malformed code %q looks valid", i+1, code)
			}
		case !codeShape.MatchString(code) || !strings.HasPrefix(code, "9143110"):
			t.Errorf("row %d: code %q is not 18 valid characters of 冷水滩区 or 永州市", i+1, code)
		case k == kindDuplicate || k == kindConflict:
			if !seen[code] {
				t.Errorf("row %d: duplicate code %q is new", i+1, code)
			}
		case seen[code]:
			t.Errorf("row %d: code %q repeats", i+1, code)
		case (code[17] == wantCheck(code)) != (k == kindNormal):
			t.Errorf("row %d (kind %d): code %q has the wrong check character", i+1, k, code)
		}
		seen[code] = true
	}
}

// TestShares checks on a bigger file that the anomalies and mixes come in
// about the shares the package comment promises.
func TestShares(t *testing.T) {
	t.Parallel()
	const n = 50_000
	data, stderr := generate(t, "shares.csv", "-rows", strconv.Itoa(n), "-seed", "3")
	recs := parseCSV(t, data)[1:]
	if len(recs) != n {
		t.Fatalf("%d rows, want %d", len(recs), n)
	}
	var wrong, malformed, exact, conflict, public, closed, place, nothing, outside, ideographicSpace, slash, chinese int
	first := map[string][]string{}
	public4 := map[string]bool{"全民所有制": true, "集体所有制": true, "有限责任公司（国有独资）": true, "有限责任公司（国有控股）": true}
	placeAddr := regexp.MustCompile(`^湖南省永州市冷水滩区\p{Han}+(村|社区)\d+组$`)
	townAddr := regexp.MustCompile(`(街道|镇|乡)`)
	for _, rec := range recs {
		code := rec[1]
		switch {
		case !codeShape.MatchString(code):
			malformed++
		case code[17] != wantCheck(code):
			wrong++
		}
		if prev, ok := first[code]; ok && codeShape.MatchString(code) {
			if slices.Equal(prev[1:], rec[1:]) {
				exact++
			} else if prev[2] == rec[2] && prev[8] == rec[8] {
				t.Errorf("code %s repeats with the same name and address but other data", code)
			} else {
				conflict++
			}
		} else {
			first[code] = rec
		}
		if public4[rec[3]] {
			public++
		}
		if rec[7] == "注销" || rec[7] == "吊销，未注销" {
			closed++
		}
		addr := rec[8]
		switch {
		case strings.Contains(addr, "零陵区"):
			outside++
		case placeAddr.MatchString(addr):
			place++
		case !townAddr.MatchString(addr):
			nothing++
		}
		if strings.Contains(addr, "\u3000") {
			ideographicSpace++
		}
		switch {
		case strings.Contains(rec[6], "/"):
			slash++
		case strings.Contains(rec[6], "年"):
			chinese++
		}
	}
	pct := func(x int) float64 { return 100 * float64(x) / n }
	bands := []struct {
		name     string
		got      int
		min, max float64 // per cent
	}{
		{"wrong check digit", wrong, 0.05, 0.2},
		{"malformed code", malformed, 0.002, 0.03},
		{"exact duplicate", exact, 0.05, 0.2},
		{"conflicting duplicate", conflict, 0.02, 0.1},
		{"public sector", public, 1.5, 4.5},
		{"注销 or 吊销", closed, 2, 4.5},
		{"village or community address", place, 8, 12},
		{"unresolvable address", nothing, 2, 4},
		{"other district", outside, 0.5, 1.5},
		{"U+3000 in address", ideographicSpace, 3, 7},
		{"2015/3/12 dates", slash, 18, 28},
		{"2015年3月12日 dates", chinese, 23, 33},
	}
	for _, b := range bands {
		if p := pct(b.got); p < b.min || p > b.max {
			t.Errorf("%s: %d rows (%.3f %%), want %.3f–%.3f %%", b.name, b.got, p, b.min, b.max)
		}
	}
	summary := "codes: " + strconv.Itoa(wrong) + " wrong check digit, " + strconv.Itoa(malformed) + " malformed; rows: " +
		strconv.Itoa(exact) + " exact duplicates, " + strconv.Itoa(conflict) + " conflicting duplicates"
	if !strings.Contains(stderr, summary) {
		t.Errorf("summary %q does not report %q", stderr, summary)
	}
}

func TestXLSX(t *testing.T) {
	t.Parallel()
	args := []string{"-rows", strconv.Itoa(testRows), "-seed", "5", "-format", "xlsx"}
	data, stderr := generate(t, "a.xlsx", args...)
	if !strings.Contains(stderr, "wrote 2000 rows (xlsx)") {
		t.Errorf("summary = %q", stderr)
	}
	again, _ := generate(t, "b.xlsx", args...)
	rows := xlsxRows(t, data)
	if !slices.EqualFunc(rows, xlsxRows(t, again), slices.Equal) {
		t.Fatal("two runs with the same flags give different cells")
	}
	if len(rows[0]) != 1 || rows[0][0] != title {
		t.Fatalf("title row = %q", rows[0])
	}
	if !slices.Equal(rows[1], header) {
		t.Fatalf("header = %q", rows[1])
	}
	rows = rows[2:]
	if len(rows) != testRows {
		t.Fatalf("%d data rows, want %d", len(rows), testRows)
	}

	// The same seed gives the same rows as CSV; founding dates may be real
	// date cells (Excel serials) instead of text.
	plain, _ := generate(t, "a.csv", "-rows", strconv.Itoa(testRows), "-seed", "5")
	recs := parseCSV(t, plain)[1:]
	serials := 0
	for i, row := range rows {
		rec := recs[i]
		for c := range header {
			if c == 6 || row[c] == rec[c] {
				continue
			}
			t.Fatalf("row %d column %s: xlsx %q, csv %q", i+1, header[c], row[c], rec[c])
		}
		if row[6] == rec[6] {
			continue
		}
		serial, err := strconv.ParseFloat(row[6], 64)
		if err != nil {
			t.Fatalf("row %d: 成立日期 %q is neither the CSV text %q nor a serial", i+1, row[6], rec[6])
		}
		got, err := excelize.ExcelDateToTime(serial, false)
		if err != nil {
			t.Fatal(err)
		}
		if want := parseDate(t, rec[6]); !got.Equal(want) {
			t.Errorf("row %d: serial %v is %s, CSV says %s", i+1, serial, got.Format(time.DateOnly), rec[6])
		}
		serials++
	}
	if serials < testRows/10 || serials > testRows*3/10 {
		t.Errorf("%d date cells in %d rows, want about a fifth", serials, testRows)
	}

	noTitle, _ := generate(t, "c.xlsx", append(args, "-title=false")...)
	if rows := xlsxRows(t, noTitle); !slices.Equal(rows[0], header) || len(rows) != testRows+1 {
		t.Fatalf("-title=false: first row %q, %d rows", rows[0], len(rows))
	}
}

// xlsxRows reads the export's sheet with raw cell values, so date cells
// show their serials.
func xlsxRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{sheetName}) {
		t.Fatalf("sheets = %q", sheets)
	}
	rows, err := f.GetRows(sheetName, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func parseDate(t *testing.T, s string) time.Time {
	t.Helper()
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006年1月2日"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d
		}
	}
	t.Fatalf("date %q in none of the sample's forms", s)
	return time.Time{}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "x")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no output", []string{"-rows", "10"}, "-o is required"},
		{"negative rows", []string{"-rows", "-1", "-o", out}, "-rows -1"},
		{"too many rows", []string{"-rows", "100000001", "-o", out}, "want 0 to 100000000"},
		{"xlsx sheet limit", []string{"-rows", "1048575", "-format", "xlsx", "-o", out}, "at most 1048574 data rows"},
		{"unknown format", []string{"-format", "ods", "-o", out}, `-format "ods"`},
		{"unknown encoding", []string{"-encoding", "big5", "-o", out}, `-encoding "big5"`},
		{"encoded xlsx", []string{"-format", "xlsx", "-encoding", "gb18030", "-o", out}, "csv only"},
		{"stray argument", []string{"-o", out, "extra"}, "unexpected arguments"},
		{"bad seed", []string{"-seed", "-3", "-o", out}, "invalid value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run(%q) = %v, want an error with %q", tc.args, err, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("an output file was left behind: %v", err)
			}
		})
	}
}

func TestFormatFromExtension(t *testing.T) {
	t.Parallel()
	data, _ := generate(t, "x.XLSX", "-rows", "3")
	if !bytes.HasPrefix(data, []byte("PK")) {
		t.Fatalf("-o x.XLSX without -format wrote %q…", data[:min(len(data), 16)])
	}
}

func TestStdout(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-rows", "5", "-o", "-"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if recs := parseCSV(t, stdout.Bytes()); len(recs) != 6 {
		t.Fatalf("%d records on stdout, want header and 5 rows", len(recs))
	}
	if want := "(csv, utf8) to -: " + strconv.Itoa(stdout.Len()) + " bytes"; !strings.Contains(stderr.String(), want) {
		t.Errorf("summary %q lacks %q", stderr.String(), want)
	}
}

func TestCheckChar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		ok   bool
	}{
		{"914311007R0Q0C3T26", true},  // sample row 1
		{"91431100A4534C661X", true},  // sample row 2
		{"91431103214CU1R72W", false}, // sample row 13, flagged by the sample's expectations
		{"91431103MA4", false},
		{"91431103214CU1R72", false},
		{"9143110O214CU1R72W", false},
	}
	for _, tc := range tests {
		if got := checkOK(tc.code); got != tc.ok {
			t.Errorf("checkOK(%q) = %v, want %v", tc.code, got, tc.ok)
		}
		if wellFormed(tc.code) && (wantCheck(tc.code) == tc.code[17]) != tc.ok {
			t.Errorf("the definition disagrees about %q", tc.code)
		}
	}
}

// TestCodesUnique checks that the organisation parts of the first 100,000
// indexes are distinct for a few seeds: no set is kept at run time.
func TestCodesUnique(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{0, 1, 42} {
		p := newCodePermutation(seed)
		seen := make(map[[9]uint64]bool, 100_000)
		for i := uint64(0); i < 100_000; i++ {
			d := p.org(i)
			if seen[d] {
				t.Fatalf("seed %d: index %d repeats an organisation part", seed, i)
			}
			seen[d] = true
		}
	}
}
