package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/division/divisiontest"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/strategy"
)

// memLedgers keeps ledgers in a map: enough to test the rules of a run
// without a database (the store suites run the same files on SQLite and
// PostgreSQL).
type memLedgers struct {
	mu     sync.Mutex // a run looks up one batch while it writes another
	byCode map[string]enterprise.Ledger
	nextID int64
	issues []Issue
	writes int

	surveyed Surveyed
	edits    map[int64]map[string]Edit
}

func (m *memLedgers) Lookup(_ context.Context, codes []string) (map[string]enterprise.Ledger, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]enterprise.Ledger{}
	for _, c := range codes {
		if l, ok := m.byCode[c]; ok {
			out[c] = l
		}
	}
	return out, nil
}

func (m *memLedgers) Write(_ context.Context, ls []enterprise.Ledger, _ [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range ls {
		if l.ID == 0 {
			m.nextID++
			l.ID = m.nextID
		}
		m.byCode[l.CreditCode] = l
		m.writes++
	}
	return nil
}

func (m *memLedgers) Pools(context.Context) (map[string]strategy.Pool, error) {
	return nil, nil
}

// Surveyed and Edits: no survey was imported and nothing edited, unless a
// test says otherwise in surveyed and edits.
func (m *memLedgers) Surveyed(context.Context) (Surveyed, error) { return m.surveyed, nil }

func (m *memLedgers) Edits(_ context.Context, ids []int64, _ time.Time) (map[int64]map[string]Edit, error) {
	out := map[int64]map[string]Edit{}
	for _, id := range ids {
		if e, ok := m.edits[id]; ok {
			out[id] = e
		}
	}
	return out, nil
}

func (m *memLedgers) Report(_ context.Context, is []Issue) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.issues = append(m.issues, is...)
	return nil
}

func testDistrict(t testing.TB) *division.District { return divisiontest.Lengshuitan(t) }

func runFile(t *testing.T, m *memLedgers, d *division.District, kind Kind, path string) Result {
	t.Helper()
	r := &Runner{Kind: kind, District: d, Store: m, Open: func() (Sheet, error) { s, _, err := Open(path); return s, err }}
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

func TestSampleRunRules(t *testing.T) {
	d := testDistrict(t)
	m := &memLedgers{byCode: map[string]enterprise.Ledger{}}
	reg := runFile(t, m, d, Registration, "testdata/registration.xlsx")
	t.Logf("registration: %+v header row %d unknown %v", reg.Counts, reg.HeaderRow, reg.UnknownColumns)
	if reg.Counts.Rows != 344 || reg.Counts.Created != 340 || reg.Counts.Rejected != 1 || reg.Counts.Duplicates != 3 {
		t.Fatalf("registration counts %+v", reg.Counts)
	}
	sur := runFile(t, m, d, Survey, "testdata/survey.xlsx")
	t.Logf("survey: %+v", sur.Counts)
	var exp struct {
		Entities map[string]struct {
			Township            *string `json:"township"`
			InScope             bool    `json:"in_scope"`
			OutOfScopeReason    *string `json:"out_of_scope_reason"`
			CheckDigitWarning   bool    `json:"check_digit_warning"`
			FullMembers         int     `json:"full_members"`
			ProbationaryMembers int     `json:"probationary_members"`
			AboveScale          bool    `json:"above_scale"`
			Employees           int     `json:"employees"`
			OperatingStatus     *string `json:"operating_status"`
		} `json:"entities"`
	}
	b, _ := os.ReadFile("testdata/expected.json")
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	if len(m.byCode) != len(exp.Entities) {
		t.Fatalf("%d ledgers, want %d", len(m.byCode), len(exp.Entities))
	}
	var bad []string
	for code, e := range exp.Entities {
		l, ok := m.byCode[code]
		if !ok {
			bad = append(bad, code+" missing")
			continue
		}
		s := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		if l.TownshipCode != s(e.Township) || l.InScope != e.InScope || l.OutOfScopeReason != s(e.OutOfScopeReason) ||
			l.CheckDigitWarning != e.CheckDigitWarning || *l.FullMembers != e.FullMembers ||
			*l.ProbationaryMembers != e.ProbationaryMembers || *l.AboveScale != e.AboveScale ||
			*l.Employees != e.Employees || s(l.OperatingStatus) != surveyedCode(t, e.OperatingStatus) {
			bad = append(bad, code)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Fatalf("%d ledgers differ from expected.json: %v", len(bad), bad)
	}
	// The same rows again, in GB18030 CSV: nothing changes.
	writes := m.writes
	again := runFile(t, m, d, Registration, "testdata/registration-gbk.csv")
	if again.Counts.Created != 0 || again.Counts.Updated != 0 || again.Counts.Unchanged != 340 || m.writes != writes {
		t.Fatalf("re-import in GB18030: %+v (%d writes)", again.Counts, m.writes-writes)
	}
}

func TestSampleSurveyIssues(t *testing.T) {
	d := testDistrict(t)
	m := &memLedgers{byCode: map[string]enterprise.Ledger{}}
	runFile(t, m, d, Registration, "testdata/registration.xlsx")
	m.issues = nil
	runFile(t, m, d, Survey, "testdata/survey.xlsx")
	// A survey row's only issue in the sample: the three early codes whose
	// check digit does not match, warned again.
	if len(m.issues) != 3 {
		t.Fatalf("survey issues: %+v", m.issues)
	}
	for _, is := range m.issues {
		if is.Severity != Warning || is.Column != "统一社会信用代码" || is.Row < 2 {
			t.Fatalf("unexpected issue %+v", is)
		}
	}
}

// TestDuplicateRowsLaterValidRowWins: of rows sharing a code, the last one
// that can be applied wins; exact copies count as duplicates; a later row
// that cannot be applied is rejected and does not push out the good one.
func TestDuplicateRowsLaterValidRowWins(t *testing.T) {
	d := testDistrict(t)
	code := func(n int) string {
		first := fmt.Sprintf("91431103MA4%06d", n)
		return first + string(enterprise.CheckDigit(first))
	}
	csv := "统一社会信用代码,企业名称,住所\n" +
		code(1) + ",甲公司,冷水滩区梅湾街道\n" + // 2: superseded by row 4
		code(2) + ",乙公司,冷水滩区梅湾街道\n" + // 3: exact copy of row 5
		code(1) + ",甲公司（新）,冷水滩区凤凰街道\n" + // 4: wins for code 1
		code(2) + ",乙公司,冷水滩区梅湾街道\n" + // 5: wins for code 2
		code(1) + ",,冷水滩区菱角山街道\n" // 6: no name: rejected, row 4 still wins
	path := filepath.Join(t.TempDir(), "dup.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &memLedgers{byCode: map[string]enterprise.Ledger{}}
	res := runFile(t, m, d, Registration, path)
	c := res.Counts
	if c.Rows != 5 || c.Created != 2 || c.Duplicates != 2 || c.Rejected != 1 || c.Warnings != 1 {
		t.Fatalf("counts %+v", c)
	}
	if l := m.byCode[code(1)]; l.Name != "甲公司(新)" || l.TownshipCode != "431103006" {
		t.Fatalf("code 1: %+v", l)
	}
	var warned, rejected bool
	for _, is := range m.issues {
		warned = warned || is.Row == 2 && strings.Contains(is.Message, "以后出现的第4行为准")
		rejected = rejected || is.Row == 6 && is.Severity == Rejected
	}
	if !warned || !rejected {
		t.Fatalf("issues %+v", m.issues)
	}
}

// failingLedgers fails its n-th call of Lookup or Write.
type failingLedgers struct {
	memLedgers
	lookups, writes, failLookup, failWrite int
}

var errStore = fmt.Errorf("store failed")

func (f *failingLedgers) Lookup(ctx context.Context, codes []string) (map[string]enterprise.Ledger, error) {
	f.mu.Lock()
	f.lookups++
	n := f.lookups
	f.mu.Unlock()
	if n == f.failLookup {
		return nil, errStore
	}
	return f.memLedgers.Lookup(ctx, codes)
}

func (f *failingLedgers) Write(ctx context.Context, ls []enterprise.Ledger, h [][]byte) error {
	f.mu.Lock()
	f.writes++
	n := f.writes
	f.mu.Unlock()
	if n == f.failWrite {
		return errStore
	}
	return f.memLedgers.Write(ctx, ls, h)
}

// Small batches: many batches pass through the pipeline, the results are
// those of one big batch, issues arrive in row order, and a store failure
// at any point ends the run with that error.
func TestRunPipelineBatches(t *testing.T) {
	d := testDistrict(t)
	open := func() (Sheet, error) { s, _, err := Open("testdata/registration.xlsx"); return s, err }
	big := &memLedgers{byCode: map[string]enterprise.Ledger{}}
	want, err := (&Runner{Kind: Registration, District: d, Store: big, Open: open}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	small := &memLedgers{byCode: map[string]enterprise.Ledger{}}
	var progress []Progress
	got, err := (&Runner{Kind: Registration, District: d, Store: small, Open: open, Batch: 7,
		Progress: func(p Progress) { progress = append(progress, p) }}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.Counts != want.Counts || len(small.byCode) != len(big.byCode) {
		t.Fatalf("batches of 7: %+v, %d ledgers; one batch: %+v, %d ledgers", got.Counts, len(small.byCode), want.Counts, len(big.byCode))
	}
	for code, l := range big.byCode {
		if s := small.byCode[code]; s.TownshipCode != l.TownshipCode || s.InScope != l.InScope || s.Name != l.Name {
			t.Fatalf("%s differs between batch sizes", code)
		}
	}
	if !sort.SliceIsSorted(small.issues, func(i, j int) bool { return small.issues[i].Row < small.issues[j].Row }) {
		t.Fatal("issues are not in row order")
	}
	if len(progress) < 10 || progress[len(progress)-1].Processed != got.Counts.Rows {
		t.Fatalf("progress: %d reports, last %+v", len(progress), progress[len(progress)-1])
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Processed < progress[i-1].Processed {
			t.Fatalf("progress went back: %+v", progress)
		}
	}
	for _, f := range []*failingLedgers{{failLookup: 1}, {failLookup: 5}, {failWrite: 1}, {failWrite: 5}, {failLookup: 40}} {
		f.byCode = map[string]enterprise.Ledger{}
		_, err := (&Runner{Kind: Registration, District: d, Store: f, Open: open, Batch: 7}).Run(context.Background())
		if !errors.Is(err, errStore) {
			t.Fatalf("lookup %d / write %d failing: run returned %v", f.failLookup, f.failWrite, err)
		}
	}
}

// surveyedCode is the operating status code of the Chinese value
// expected.json records, as the survey sheet has it ("" for none).
func surveyedCode(t *testing.T, label *string) string {
	t.Helper()
	if label == nil {
		return ""
	}
	code, ok := enterprise.OperatingStatuses.Parse(*label)
	if !ok {
		t.Fatalf("expected.json operating status %q is not in the vocabulary", *label)
	}
	return code
}

// TestFoundingDatesWithinSense: a founding date the API would refuse — in
// the future, before 1949 — is not stored by an import either: the row is
// kept, the date left out, and the report names the row and the column.
func TestFoundingDatesWithinSense(t *testing.T) {
	d := testDistrict(t)
	code := func(n int) string {
		first := fmt.Sprintf("91431103MA4%06d", n)
		return first + string(enterprise.CheckDigit(first))
	}
	csv := "统一社会信用代码,企业名称,住所,成立日期\n" +
		code(1) + ",甲公司,冷水滩区梅湾街道,2099-01-01\n" +
		code(2) + ",乙公司,冷水滩区梅湾街道,1901-01-01\n" +
		code(3) + ",丙公司,冷水滩区梅湾街道,2015-03-12\n"
	path := filepath.Join(t.TempDir(), "dates.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &memLedgers{byCode: map[string]enterprise.Ledger{}}
	res := runFile(t, m, d, Registration, path)
	if res.Counts.Created != 3 || res.Counts.Warnings != 2 {
		t.Fatalf("counts %+v, issues %+v", res.Counts, m.issues)
	}
	for _, n := range []int{1, 2} {
		if l := m.byCode[code(n)]; l.FoundedOn != nil {
			t.Errorf("row %d: founding date %v stored", n+1, l.FoundedOn)
		}
	}
	if l := m.byCode[code(3)]; l.FoundedOn == nil || l.FoundedOn.Format(time.DateOnly) != "2015-03-12" {
		t.Errorf("a sensible date: %v", l.FoundedOn)
	}
	named := map[int]bool{}
	for _, is := range m.issues {
		if is.Column == "成立日期" && strings.Contains(is.Message, "成立日期") {
			named[is.Row] = true
		}
	}
	if !named[2] || !named[3] {
		t.Errorf("rows 2 and 3 not reported at 成立日期: %+v", m.issues)
	}
}

// TestUnclosedQuote: a quote left open would take every later row into one
// cell; the file is refused, naming the row, and nothing is written. A cell
// with a line break of its own still imports.
func TestUnclosedQuote(t *testing.T) {
	d := testDistrict(t)
	code := func(n int) string {
		first := fmt.Sprintf("91431103MA4%06d", n)
		return first + string(enterprise.CheckDigit(first))
	}
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.csv")
	os.WriteFile(broken, []byte("统一社会信用代码,企业名称,住所\n"+
		code(1)+",\"未结束,冷水滩区梅湾街道\n"+
		code(2)+",乙公司,冷水滩区梅湾街道\n"), 0o644)
	m := &memLedgers{byCode: map[string]enterprise.Ledger{}}
	r := &Runner{Kind: Registration, District: d, Store: m, Open: func() (Sheet, error) { s, _, err := Open(broken); return s, err }}
	_, err := r.Run(context.Background())
	var fe *FileError
	if !errors.As(err, &fe) || fe.Code != "csv_unclosed_quote" || !strings.Contains(fe.Message, "第2行") || !strings.Contains(fe.Message, "第3行") {
		t.Fatalf("an unclosed quote: %v", err)
	}
	if len(m.byCode) != 0 {
		t.Fatalf("written: %v", m.byCode)
	}
	// Every field quoted: the same.
	quoted := filepath.Join(dir, "quoted.csv")
	os.WriteFile(quoted, []byte("\"统一社会信用代码\",\"企业名称\",\"住所\"\n"+
		"\""+code(1)+"\",\"未结束,冷水滩区梅湾街道\n"+
		"\""+code(2)+"\",\"乙公司\",\"冷水滩区梅湾街道\"\n"), 0o644)
	r.Open = func() (Sheet, error) { s, _, err := Open(quoted); return s, err }
	if _, err := r.Run(context.Background()); !errors.As(err, &fe) || fe.Code != "csv_unclosed_quote" {
		t.Fatalf("an unclosed quote, every field quoted: %v", err)
	}
	// Line breaks of a cell's own — an address over two lines, an identity
	// card number opening a line of notes — import.
	fine := filepath.Join(dir, "fine.csv")
	os.WriteFile(fine, []byte("统一社会信用代码,企业名称,住所,备注\n"+
		code(1)+",甲公司,\"冷水滩区梅湾街道\n某某路1号\",\"股东：\n43110319900101123X,持股30%,监事\"\n"+
		code(2)+",乙公司,冷水滩区梅湾街道,\n"), 0o644)
	if res := runFile(t, m, d, Registration, fine); res.Counts.Created != 2 {
		t.Fatalf("a cell with a line break: %+v", res.Counts)
	}
}
