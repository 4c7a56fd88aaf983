package importer

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/fugai/fugai/internal/enterprise"
)

// The header rows of the sample files (testdata/registration-gbk.csv and
// testdata/survey.xlsx), and a survey header with every survey column.
const (
	registrationHeader = "序号,统一社会信用代码,企业名称,市场主体类型,法定代表人（负责人）,注册资本（万元）,成立日期,登记状态,住所（经营场所）,登记机关,所属行业,经营范围"
	surveyHeader       = "统一社会信用代码,企业名称,职工人数,正式党员人数,预备党员人数,是否规模以上企业,业主身份,经营状况,党员来源,是否建立工会,是否建立共青团,是否建立妇联"
	fullSurveyHeader   = surveyHeader + ",35岁以下职工人数,年营业收入（万元）,实际经营地址,企业所需"

	registrationRow = "1,914311007R0Q0C3T26,永州市鑫宁农业开发有限公司,有限责任公司（外商投资企业法人独资）,邓涛雪,50,2005/2/27,存续（在营、开业、在册）,永州市冷水滩区　曲河街道滨江路6号,永州市市场监督管理局,农、林、牧、渔业,农作物种植、水产养殖、农产品销售"
	surveyRow       = "91431103721194Q66P,永州市昌楚农业开发有限公司,12,1,0,否,政协委员,正常经营,无,是,否,否"
)

// splitCells splits one line of fuzz text into cells: by tabs when it has
// one, by commas otherwise (so a cell may hold commas in tab mode).
func splitCells(line string) []string {
	if strings.Contains(line, "\t") {
		return strings.Split(line, "\t")
	}
	return strings.Split(line, ",")
}

func splitRows(text string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(text, "\n") {
		rows = append(rows, splitCells(line))
	}
	return rows
}

// hasHan reports whether s holds at least one Chinese character: every
// message a user sees is in Chinese.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func kindOf(survey bool) Kind {
	if survey {
		return Survey
	}
	return Registration
}

func columnOf(f Field) (column, bool) {
	for _, c := range columnTable {
		if c.field == f {
			return c, true
		}
	}
	return column{}, false
}

func copyRows(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = append([]string(nil), r...)
	}
	return out
}

func FuzzDetectHeader(f *testing.F) {
	for _, s := range []struct {
		text   string
		survey bool
	}{
		{registrationHeader + "\n" + registrationRow, false},
		{surveyHeader + "\n" + surveyRow, true},
		{fullSurveyHeader, true},
		// Title rows above the header, as exports have them.
		{"永州市冷水滩区市场主体登记信息表\n导出日期：2024年5月1日,,,\n\n" + registrationHeader + "\n" + registrationRow, false},
		{"2024年度非公有制企业党建情况调查表\n填报单位：（盖章）\n" + surveyHeader, true},
		// Full-width spaces, a BOM, asterisks and colons in header cells.
		{"\ufeff序号,\u3000统一社会信用代码\u3000,企业\u3000名称,*住所：,注册资本(万元)", false},
		{"统一社会 信用代码\t企业名称\t职工人数\t正式党员", true},
		// The wrong kind: a survey under registration and the reverse.
		{surveyHeader, false},
		{registrationHeader, true},
		// Required columns missing; a repeated column; no header at all.
		{"统一社会信用代码,企业名称,成立日期", false},
		{"统一社会信用代码,企业名称,名称,住所,地址", false},
		{"统一社会信用代码,企业名称", true},
		{"序号,统一社会信用代码", false},
		{strings.Repeat("标题\n", 30) + registrationHeader, false},
		{"", false},
		{"\xff\xfe,信用代码,\xd6\xd0", true},
	} {
		f.Add(s.text, s.survey)
	}
	f.Fuzz(func(t *testing.T, text string, survey bool) {
		k := kindOf(survey)
		rows := splitRows(text)
		before := copyRows(rows)
		h, err := DetectHeader(rows, k)
		if !reflect.DeepEqual(rows, before) {
			t.Fatalf("DetectHeader changed its input rows")
		}
		if err != nil {
			if h != nil {
				t.Fatalf("DetectHeader returned a header and an error %v", err)
			}
			var he *HeaderError
			if !errors.As(err, &he) {
				t.Fatalf("error %T %v is not a *HeaderError", err, err)
			}
			if he.Code != "header_not_found" && he.Code != "missing_columns" {
				t.Fatalf("error code %q", he.Code)
			}
			if he.Message == "" || !hasHan(he.Message) || he.Error() != he.Message {
				t.Fatalf("error message %q is not a Chinese message", he.Message)
			}
			return
		}
		if h == nil {
			t.Fatal("DetectHeader returned neither a header nor an error")
		}
		if h.Row < 1 || h.Row > min(len(rows), maxHeaderSearch) {
			t.Fatalf("header row %d of %d rows", h.Row, len(rows))
		}
		row := rows[h.Row-1]
		if !h.Has(FieldCreditCode) {
			t.Fatalf("header at row %d has no credit code column: %q", h.Row, row)
		}
		if len(h.Names) != len(row) {
			t.Fatalf("header has %d names for %d cells", len(h.Names), len(row))
		}
		seen := map[Field]int{}
		named := 0
		for i, name := range h.Names {
			if want := strings.TrimSpace(Clean(row[i])); name != want {
				t.Fatalf("name %d = %q, want %q", i, name, want)
			}
			if name != "" {
				named++
			}
		}
		known := 0
		for i, field := range h.Columns {
			if i < 0 || i >= len(row) {
				t.Fatalf("column %d (%s) outside the header row of %d cells", i, field, len(row))
			}
			if j, dup := seen[field]; dup {
				t.Fatalf("field %s mapped to columns %d and %d", field, j, i)
			}
			seen[field] = i
			if h.Index(field) != i {
				t.Fatalf("Index(%s) = %d, Columns says %d", field, h.Index(field), i)
			}
			if h.Names[i] == "" {
				t.Fatalf("column %d (%s) has an empty name", i, field)
			}
			c, ok := columnOf(field)
			if !ok || !hasKind(c.kinds, k) {
				t.Fatalf("field %s is not a %s column", field, k)
			}
			if field != FieldSerial {
				known++
			}
		}
		if len(h.index) != len(h.Columns) {
			t.Fatalf("index has %d fields, Columns %d", len(h.index), len(h.Columns))
		}
		if known < 2 {
			t.Fatalf("header at row %d has only %d known columns", h.Row, known)
		}
		if len(h.Unknown) != named-len(h.Columns) {
			t.Fatalf("%d named columns, %d known, but %d unknown: %q", named, len(h.Columns), len(h.Unknown), h.Unknown)
		}
		for _, c := range columnTable {
			if hasKind(c.required, k) && !h.Has(c.field) {
				t.Fatalf("%s header lacks required column %s", k, c.label)
			}
		}
		if k == Registration && !(h.Has(FieldCreditCode) && h.Has(FieldName) && h.Has(FieldAddress)) {
			t.Fatal("registration header without credit code, name and address")
		}
		if k == Survey && !h.hasOwn(Survey) {
			t.Fatal("survey header without a survey column")
		}
		// The header is the first candidate: rows below it do not matter,
		// and the rows above it hold none.
		again, err := DetectHeader(rows[:h.Row], k)
		if err != nil || again.Row != h.Row || !reflect.DeepEqual(again.Columns, h.Columns) {
			t.Fatalf("DetectHeader of the first %d rows = %+v, %v; want row %d", h.Row, again, err, h.Row)
		}
		var he *HeaderError
		if _, err := DetectHeader(rows[:h.Row-1], k); !errors.As(err, &he) || he.Code != "header_not_found" {
			t.Fatalf("rows above the header at %d give %v, want header_not_found", h.Row, err)
		}
	})
}

// fuzzHeaders are the fixed headers FuzzParseRow parses rows with.
func fuzzHeaders(t testing.TB) []struct {
	h *Header
	k Kind
} {
	var out []struct {
		h *Header
		k Kind
	}
	for _, s := range []struct {
		text string
		k    Kind
	}{{registrationHeader, Registration}, {surveyHeader, Survey}, {fullSurveyHeader, Survey}} {
		h, err := DetectHeader([][]string{strings.Split(s.text, ",")}, s.k)
		if err != nil {
			t.Fatalf("sample %s header: %v", s.k, err)
		}
		out = append(out, struct {
			h *Header
			k Kind
		}{h, s.k})
	}
	return out
}

func FuzzParseRow(f *testing.F) {
	for _, s := range []string{
		registrationRow,
		surveyRow,
		// Every survey column, young employees above employees.
		"91431103721194Q66P,永州市昌楚农业开发有限公司,12,1,0,否,政协委员,正常经营,无,是,否,否,20,500万元,冷水滩区滨江路6号,人才、融资",
		// Full-width code with spaces, a bad check digit, lower case.
		"\u3000９１４３１１００７Ｒ０Ｑ０Ｃ３Ｔ２６\u3000,名称,３人",
		"914311007r0q0c3t27,名称",
		// Malformed and empty codes.
		"1,91431103MA4,名称,,,,,,,,,",
		",,,,,,,,,,,",
		"",
		// Unparseable values; several member sources (tab mode keeps commas).
		"91431103721194Q66P\t企业\t-3\t1.5\t很多\t也许\t\t\t上级党组织、流动党员,外地\t√\t×\t",
		"1,914311007R0Q0C3T26,\xd3\xc0\xd6\xdd,类型,人,NaN,2015-02-30,存续,住所\xff,机关,行业,范围",
		"1,914311007R0Q0C3T26,,类型,人,10万美元,42075,存续,,机关,行业,范围,多余的列",
		"914311007R0Q0C3T26,\u200b\ufeff,0,0,0,Y,个体,停业,本企业,1,0,0,5,-1,,需求",
	} {
		f.Add(s)
	}
	headers := fuzzHeaders(f)
	f.Fuzz(func(t *testing.T, text string) {
		cells := splitCells(text)
		row := 2 + len(text)%1000
		for _, hk := range headers {
			checkParse(t, hk.h, hk.k, row, cells)
		}
	})
}

func checkParse(t *testing.T, h *Header, k Kind, row int, cells []string) {
	t.Helper()
	r := h.Parse(row, cells, k)
	if r.Row != row {
		t.Fatalf("%s: record row %d, want %d", k, r.Row, row)
	}
	rejected := false
	for _, is := range r.Issues {
		if is.Row != row {
			t.Fatalf("%s: issue %+v has row %d, want %d", k, is, is.Row, row)
		}
		if is.Message == "" || !hasHan(is.Message) {
			t.Fatalf("%s: issue %+v has no Chinese message", k, is)
		}
		switch is.Severity {
		case Rejected:
			rejected = true
		case Warning:
		default:
			t.Fatalf("%s: issue %+v has severity %q", k, is, is.Severity)
		}
	}
	if r.Rejected != rejected {
		t.Fatalf("%s: Rejected = %v, but issues %+v", k, r.Rejected, r.Issues)
	}

	// The same cells parse to the same record; RowKey agrees with Parse.
	if again := h.Parse(row, append([]string(nil), cells...), k); !reflect.DeepEqual(again, r) {
		t.Fatalf("%s: parsing %q twice gives %+v and %+v", k, cells, r, again)
	}
	code, hash := h.RowKey(cells)
	if code2, hash2 := h.RowKey(append([]string(nil), cells...)); code2 != code || hash2 != hash {
		t.Fatalf("%s: RowKey of %q gives %q %x, then %q %x", k, cells, code, hash, code2, hash2)
	}
	// Parse may leave the hash to RowKey (the runner sets it), but a hash
	// it does compute must be RowKey's.
	if r.Hash != 0 && r.Hash != hash {
		t.Fatalf("%s: RowKey hash %x, Parse hash %x", k, hash, r.Hash)
	}
	if r.Code != "" && code != r.Code {
		t.Fatalf("%s: RowKey code %q, Parse code %q", k, code, r.Code)
	}
	// The hash covers the known columns only: not the serial number, not
	// cells beyond the header.
	more := append([]string(nil), cells...)
	if len(more) >= len(h.Names) {
		more = append(more, "多余")
	}
	if s := h.Index(FieldSerial); s >= 0 && s < len(more) {
		more[s] += "9"
	}
	if _, h2 := h.RowKey(more); h2 != hash {
		t.Fatalf("%s: the serial number or an extra cell changes the hash of %q", k, cells)
	}

	if r.Code != "" {
		cc, ok := enterprise.ParseCreditCode(r.Code)
		if len(r.Code) != 18 || !ok || cc.Code != r.Code || cc.CheckDigitOK != r.CheckDigitOK {
			t.Fatalf("%s: record code %q (check digit ok %v) is not a normalised GB 32100 code", k, r.Code, r.CheckDigitOK)
		}
	}
	if r.Rejected {
		return
	}
	if len(r.Code) != 18 || strings.Trim(r.Code, creditAlphabetForTest) != "" {
		t.Fatalf("%s: accepted row %q has code %q", k, cells, r.Code)
	}

	cellOf := func(f Field) (string, bool) {
		i := h.Index(f)
		if i < 0 {
			return "", false
		}
		if i < len(cells) {
			return cells[i], true
		}
		return "", true
	}
	set := map[Field]bool{}
	for _, f := range r.Set {
		if set[f] {
			t.Fatalf("%s: field %s set twice: %v", k, f, r.Set)
		}
		set[f] = true
		c, ok := columnOf(f)
		if !ok || !hasKind(c.kinds, k) || f == FieldSerial || f == FieldCreditCode || !h.Has(f) {
			t.Fatalf("%s: Set %v holds %s", k, r.Set, f)
		}
		raw, _ := cellOf(f)
		v := strings.TrimSpace(Clean(raw))
		if k == Survey && v == "" {
			t.Fatalf("%s: empty cell of %s is set", k, f)
		}
		if max, ok := textLimits[f]; ok && utf8.RuneCountInString(v) > max {
			t.Fatalf("%s: %s set from %d characters, limit %d", k, f, utf8.RuneCountInString(v), max)
		}
	}
	// Every column the kind reads is written or warned about; a survey
	// row leaves its empty cells alone, and may read the name only to
	// cross-check it.
	for i, field := range h.Columns {
		c, _ := columnOf(field)
		if field == FieldSerial || field == FieldCreditCode || !hasKind(c.kinds, k) || set[field] || k == Survey && field == FieldName {
			continue
		}
		raw, _ := cellOf(field)
		if k == Survey && strings.TrimSpace(Clean(raw)) == "" {
			continue
		}
		warned := false
		for _, is := range r.Issues {
			warned = warned || is.Column == h.Names[i] && is.Severity == Warning
		}
		if !warned {
			t.Fatalf("%s: column %s (%q) neither set nor warned about: %+v", k, field, raw, r)
		}
	}

	v := r.Values
	if k == Registration && (v.Name == "" || !set[FieldName]) {
		t.Fatalf("%s: accepted row without a name: %+v", k, r)
	}
	if raw, ok := cellOf(FieldName); ok && r.Name != strings.TrimSpace(Clean(raw)) {
		t.Fatalf("%s: Name %q from cell %q", k, r.Name, raw)
	}
	for _, p := range []struct {
		f Field
		n *int
	}{{FieldEmployees, v.Employees}, {FieldYoungEmployees, v.YoungEmployees}, {FieldFullMembers, v.FullMembers}, {FieldProbationary, v.ProbationaryMembers}} {
		if !set[p.f] {
			continue
		}
		if p.n == nil || *p.n < 0 {
			t.Fatalf("%s: %s set to %v", k, p.f, p.n)
		}
	}
	for _, p := range []*int{v.Employees, v.YoungEmployees, v.FullMembers, v.ProbationaryMembers} {
		if p != nil && *p < 0 {
			t.Fatalf("%s: negative count in %+v", k, v)
		}
	}
	if set[FieldYoungEmployees] && set[FieldEmployees] && *v.YoungEmployees > *v.Employees {
		t.Fatalf("%s: %d young employees of %d kept", k, *v.YoungEmployees, *v.Employees)
	}
	for _, p := range []*float64{v.RegisteredCapital, v.AnnualRevenue} {
		if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0) || *p < 0) {
			t.Fatalf("%s: amount %v in %+v", k, *p, v)
		}
	}
	if strings.ContainsAny(r.MemberSource, "、,，;；/") {
		t.Fatalf("%s: member source %q holds several sources", k, r.MemberSource)
	}
}

// creditAlphabetForTest is the GB 32100-2015 code alphabet, spelled out
// here so the test does not trust the package's own constant.
const creditAlphabetForTest = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// gb18030 encodes s as a Chinese Excel saves CSV.
func gb18030(tb testing.TB, s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// utf16LE encodes s as Excel's "Unicode text" does: UTF-16LE with a BOM.
func utf16LE(tb testing.TB, s string) []byte {
	b, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func FuzzReadCSV(f *testing.F) {
	short := registrationHeader + "\n" + registrationRow + "\n"
	for _, b := range [][]byte{
		[]byte(short),
		gb18030(f, short),
		gb18030(f, "统一社会信用代码,企业名称,职工人数\r\n91431103721194Q66P,永州市昌楚农业开发有限公司,12\r\n"),
		append([]byte("\xEF\xBB\xBF"), surveyHeader+"\n"+surveyRow...),
		utf16LE(f, "统一社会信用代码\t企业名称\r\n91431103721194Q66P\t永州\U00020000\r\n"),
		// Title rows, full-width spaces, semicolons, quotes spanning lines.
		[]byte("永州市市场主体登记信息\n\n" + "统一社会信用代码;企业名称;住所\n914311007R0Q0C3T26;\"永州市\n鑫宁\";\u3000滨江路6号\u3000\n"),
		[]byte("a,\"b\nc\"\"d\",e\n\"unterminated,\n"),
		[]byte("\"\n\n\n"),
		[]byte("a,b\r\nc\rd,e\r\n\x1a"),
		gb18030(f, "序号,名称\n1,中文\n")[:13],
		{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1},
		[]byte("%PDF-1.7\n"),
		{0xFE, 0xFF, 0x00, 'a', 0x00, ',', 0xD8},
		{},
	} {
		f.Add(b)
	}
	// UTF-8 for the 64 KiB the encoding is guessed from, GB18030 after. Only
	// as a regression input: when fuzzing, mutants of a 64 KiB input take
	// the minimiser minutes each.
	if fz := flag.Lookup("test.fuzz"); fz == nil || fz.Value.String() == "" {
		f.Add(append([]byte(strings.Repeat("a,b\n", 16<<10)), gb18030(f, "1,是\n")...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		utf8Rows, utf8Err, ok := readCSV(t, data)
		if !ok {
			return
		}
		// Valid UTF-8 without a BOM is read as UTF-8: a cell with no quote
		// and no line break is a piece of the file as it is.
		if utf8.Valid(data) && !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
			for _, row := range utf8Rows {
				for _, c := range row.cells {
					if !strings.ContainsAny(c, "\"\n") && !bytes.Contains(data, []byte(c)) {
						t.Fatalf("row %d: cell %q is not in the UTF-8 file", row.n, c)
					}
				}
			}
		}
		// The same text saved as GB18030 reads the same. Skipped when the
		// GB18030 bytes happen to be valid UTF-8 too (a short text can be
		// both) or do not sniff as text.
		if !utf8.Valid(data) || bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) || !bytes.ContainsFunc(data, func(r rune) bool { return r >= utf8.RuneSelf }) {
			return
		}
		gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(data)
		if err != nil || utf8.Valid(gb) {
			return
		}
		if back, err := simplifiedchinese.GB18030.NewDecoder().Bytes(gb); err != nil || !bytes.Equal(back, data) {
			return // not the importer's business
		}
		if format, err := Sniff(gb[:min(len(gb), 8192)]); err != nil || format != CSV {
			return
		}
		gbRows, gbErr, _ := readCSV(t, gb)
		if !reflect.DeepEqual(gbRows, utf8Rows) || (gbErr == nil) != (utf8Err == nil) || gbErr != nil && gbErr.Code != utf8Err.Code {
			t.Fatalf("UTF-8 reads as %+v, %v; GB18030 as %+v, %v", utf8Rows, utf8Err, gbRows, gbErr)
		}
	})
}

type csvRow struct {
	n     int
	cells []string
}

// readCSV reads data as an uploaded file, checking what every file read
// must satisfy. It returns the rows and the error that ended them, and
// false when the file is not read as CSV at all.
func readCSV(t *testing.T, data []byte) ([]csvRow, *FileError, bool) {
	t.Helper()
	head := data[:min(len(data), 8192)]
	sniffed, sniffErr := Sniff(head)
	if sniffed == XLSX {
		return nil, nil, false // excelize is not under test here
	}
	path := filepath.Join(t.TempDir(), "upload")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, format, err := Open(path)
	if sniffErr != nil {
		var want, got *FileError
		errors.As(sniffErr, &want)
		if s != nil || !errors.As(err, &got) || got.Code != want.Code {
			t.Fatalf("Sniff says %v, Open returns %v, %v", sniffErr, s, err)
		}
		return nil, nil, false
	}
	if err != nil || format != CSV {
		t.Fatalf("Open of a CSV: %v, %v", format, err)
	}
	defer s.Close()
	// A row starts on a line of its own: there are no more rows than
	// lines, whatever the encoding (every encoding read keeps '\n' a 0x0A
	// byte).
	lines := bytes.Count(data, []byte{'\n'}) + 1
	var rows []csvRow
	prev := 0
	for {
		cells, err := s.Next()
		if err == io.EOF {
			if _, err := s.Next(); err != io.EOF {
				t.Fatalf("Next after io.EOF: %v", err)
			}
			return rows, nil, true
		}
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("row after %d: error %T %v is not a *FileError", prev, err, err)
			}
			if fe.Code != "line_too_long" && fe.Code != "csv_unreadable" && fe.Code != "csv_unclosed_quote" || fe.Unsupported || !hasHan(fe.Message) {
				t.Fatalf("row after %d: error %+v", prev, fe)
			}
			return rows, fe, true
		}
		if len(rows) >= lines {
			t.Fatalf("more than %d rows from %d lines", len(rows), lines)
		}
		if len(cells) == 0 {
			t.Fatalf("row %d has no cells", s.Row())
		}
		row := s.Row()
		if row < 1 || row <= prev || row > lines {
			t.Fatalf("row number %d after %d, of %d lines", row, prev, lines)
		}
		prev = row
		for i, c := range cells {
			if !utf8.ValidString(c) {
				t.Fatalf("row %d cell %d is not UTF-8: %q", row, i, c)
			}
		}
		rows = append(rows, csvRow{row, cells})
	}
}

func FuzzSniff(f *testing.F) {
	for _, b := range [][]byte{
		[]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"),
		[]byte("PK\x05\x06"),
		{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1},
		[]byte("%PDF-1.4"),
		{0xFF, 0xFE, 'a', 0x00},
		{0xFE, 0xFF, 0x00, 'a'},
		[]byte("\xEF\xBB\xBF序号,统一社会信用代码\r\n"),
		gb18030(f, registrationHeader+"\n"),
		[]byte("a\x00b"),
		[]byte("\x01\x02\x03,a"),
		[]byte("a,b\t\x1a"),
		{},
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		format, err := Sniff(head)
		if (format == XLSX) != bytes.HasPrefix(head, []byte("PK\x03\x04")) {
			t.Fatalf("Sniff(%q) = %q", head, format)
		}
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Sniff(%q): error %T %v is not a *FileError", head, err, err)
			}
			if format != "" || !hasHan(fe.Message) || fe.Unsupported != (fe.Code == "unsupported_file") ||
				fe.Code != "empty_file" && fe.Code != "unsupported_file" {
				t.Fatalf("Sniff(%q) = %q, %+v", head, format, fe)
			}
			if (fe.Code == "empty_file") != (len(head) == 0) {
				t.Fatalf("Sniff(%q): %+v", head, fe)
			}
		} else if format != XLSX && format != CSV {
			t.Fatalf("Sniff(%q) = %q", head, format)
		}
		if format == CSV && bytes.IndexByte(head, 0) >= 0 && !bytes.HasPrefix(head, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
			t.Fatalf("Sniff(%q): binary data without a UTF-16 BOM read as CSV", head)
		}
		if bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}) && err == nil {
			t.Fatalf("Sniff accepts an Excel 97-2003 file")
		}

		// Check sniffs the same way, and refuses a zip that is no workbook.
		path := filepath.Join(t.TempDir(), "upload")
		if err := os.WriteFile(path, head, 0o600); err != nil {
			t.Fatal(err)
		}
		checked, cerr := Check(path)
		if cerr != nil {
			var fe *FileError
			if !errors.As(cerr, &fe) || checked != "" || !hasHan(fe.Message) {
				t.Fatalf("Check(%q) = %q, %v", head, checked, cerr)
			}
		}
		switch {
		case len(head) <= 8192 && err != nil:
			var want, got *FileError
			errors.As(err, &want)
			if !errors.As(cerr, &got) || got.Code != want.Code {
				t.Fatalf("Sniff(%q) = %v, but Check: %v", head, err, cerr)
			}
		case len(head) <= 8192 && format == CSV:
			if checked != CSV || cerr != nil {
				t.Fatalf("Sniff(%q) = CSV, but Check: %q, %v", head, checked, cerr)
			}
		case format == XLSX && cerr == nil && checked != XLSX:
			t.Fatalf("Check(%q) = %q", head, checked)
		}
	})
}
