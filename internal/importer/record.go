package importer

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/dates"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/textcheck"
	"github.com/fugai/fugai/internal/vocab"
)

// Severity says whether an issue stops a row.
type Severity string

// Severities of row issues.
const (
	Rejected Severity = "rejected"
	Warning  Severity = "warning"
)

// Issue is one problem of one row (or of the file, with Row 0), as the
// report lists it: row number, column, original value, Chinese message.
// An issue of the survey guard (Code kept_newer or overwritten_newer) also
// carries the ledger's value and when and by whom it was changed.
type Issue struct {
	Row      int
	Column   string
	Value    string
	Message  string
	Severity Severity
	// Code is a stable snake_case code, "" for most issues.
	Code string
	// Ledger is the ledger's value of the field.
	Ledger string
	// ChangedAt and ChangedBy say when the ledger's value counts from and
	// who changed it (see Edit).
	ChangedAt *time.Time
	ChangedBy string
}

// Record is one parsed data row.
type Record struct {
	// Row is the 1-based row number in the sheet.
	Row int
	// Code is the normalised credit code ("" when the row is rejected for it).
	Code string
	// CheckDigitOK is false when the code's check digit does not match.
	CheckDigitOK bool
	// Values holds the parsed value of every field in Set.
	Values enterprise.Ledger
	// Set lists the fields this row writes. A registration row writes every
	// column the file has (an empty cell clears the field); a survey row
	// writes only non-empty cells. A cell that cannot be parsed is left out
	// (the ledger keeps its value) and warned about.
	Set []Field
	// Name is the enterprise name in the row, for survey cross-checks.
	Name string
	// MemberSource is the surveyed 党员来源 ("" for none).
	MemberSource string
	// Date is the survey row's 填报日期 (a date at midnight UTC), nil when
	// the file has none for the row: ledger edits on a later day are newer
	// than the row (see Runner.OverwriteNewer).
	Date *time.Time
	// Issues are the row's problems.
	Issues []Issue
	// Rejected is set when the row cannot be applied at all.
	Rejected bool
	// Hash identifies the row's content (its known columns), to tell exact
	// duplicates from conflicting ones; RowKey computes it, Parse does not.
	Hash uint64
}

func (r *Record) has(f Field) bool {
	for _, x := range r.Set {
		if x == f {
			return true
		}
	}
	return false
}

func (r *Record) issue(col, value, msg string, sev Severity) {
	r.Issues = append(r.Issues, Issue{Row: r.Row, Column: col, Value: value, Message: msg, Severity: sev})
	if sev == Rejected {
		r.Rejected = true
	}
}

// Warned reports whether the row has at least one warning.
func (r *Record) Warned() bool {
	for _, is := range r.Issues {
		if is.Severity == Warning {
			return true
		}
	}
	return false
}

// maxCell bounds one cell: Excel's own limit.
const maxCell = 32767

// textLimits bounds free-text fields (characters).
var textLimits = map[Field]int{
	FieldName: 200, FieldEntityType: 100, FieldLegalRep: 100, FieldRegStatus: 50, FieldAddress: 300,
	FieldAuthority: 100, FieldIndustry: 100, FieldBusinessScope: 5000, FieldOperatingAddress: 300,
}

// RowKey returns the normalised credit code of a row without parsing the
// rest, and the hash of its known columns: what duplicate detection needs.
func (h *Header) RowKey(cells []string) (code string, hash uint64) {
	if i := h.Index(FieldCreditCode); i >= 0 && i < len(cells) {
		code = enterprise.NormalizeCreditCode(cells[i])
	}
	return code, h.hash(cells)
}

// rowSeed seeds row hashes: they are compared within one process only.
var rowSeed = maphash.MakeSeed()

func (h *Header) hash(cells []string) uint64 {
	var f maphash.Hash
	f.SetSeed(rowSeed)
	for i, c := range cells {
		field, ok := h.Columns[i]
		if !ok || field == FieldSerial {
			continue
		}
		// Raw text, trimmed: exact duplicates are copies of a row, and
		// this runs twice for every row of a million-row file.
		f.WriteString(string(field))
		f.WriteByte(0)
		f.WriteString(strings.TrimSpace(c))
		f.WriteByte(0)
	}
	return f.Sum64()
}

// Blank reports whether a row has no content at all.
func Blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(Clean(c)) != "" {
			return false
		}
	}
	return true
}

// Parse reads one data row of kind k.
func (h *Header) Parse(row int, cells []string, k Kind) Record {
	r := Record{Row: row}
	cell := func(f Field) (string, string, bool) {
		i := h.Index(f)
		if i < 0 {
			return "", "", false
		}
		raw := ""
		if i < len(cells) {
			raw = cells[i]
		}
		return raw, h.Names[i], true
	}
	for i, raw := range cells {
		if _, known := h.Columns[i]; !known {
			continue
		}
		if bad := textcheck.Problem(raw, true); bad != "" {
			r.issue(h.Names[i], strconv.QuoteToGraphic(truncate(raw)), "含有"+bad+"，本行未导入；请在表格中删除后重新导入", Rejected)
			return r
		}
		if strings.ContainsRune(raw, utf8.RuneError) {
			r.issue(h.Names[i], raw, "含有无法识别的字符（可能是文件编码问题），请核对原始数据", Warning)
		}
		if utf8.RuneCountInString(raw) > maxCell {
			r.issue(h.Names[i], truncate(raw), fmt.Sprintf("单元格超过%d个字符，文件可能已损坏", maxCell), Rejected)
			return r
		}
	}

	raw, col, _ := cell(FieldCreditCode)
	cc, ok := enterprise.ParseCreditCode(raw)
	switch {
	case strings.TrimSpace(Clean(raw)) == "":
		r.issue(col, raw, "统一社会信用代码为空", Rejected)
		return r
	case !ok:
		r.issue(col, raw, "统一社会信用代码格式不正确：须为18位，由数字和大写字母（不含I、O、S、V、Z）组成", Rejected)
		return r
	}
	r.Code, r.CheckDigitOK = cc.Code, cc.CheckDigitOK
	if !cc.CheckDigitOK {
		r.issue(col, raw, "统一社会信用代码校验位不符，已保留并标记，请核实", Warning)
	}
	if raw, _, ok := cell(FieldName); ok {
		r.Name = strings.TrimSpace(Clean(raw))
	}

	for _, c := range columnTable {
		if c.field == FieldSerial || c.field == FieldCreditCode || !hasKind(c.kinds, k) {
			continue
		}
		if c.field == FieldName && k == Survey {
			continue // a survey names the enterprise only to cross-check it
		}
		raw, col, ok := cell(c.field)
		if !ok {
			continue
		}
		v := h.memo.clean(c.field, raw)
		if v == "" && k == Survey {
			continue // an empty survey cell says nothing
		}
		if c.field == FieldSurveyDate {
			if d, err := h.memo.date(v); err != nil {
				r.issue(col, raw, "填报日期："+err.Error()+"，本行按没有填报日期处理", Warning)
			} else {
				r.Date = &d
			}
			continue
		}
		if err := r.set(c.field, v, &h.memo); err != nil {
			var w *warnOnly
			if errors.As(err, &w) {
				r.issue(col, raw, w.msg, Warning)
				continue
			}
			r.issue(col, raw, c.label+"："+err.Error(), Warning)
			continue
		}
		r.Set = append(r.Set, c.field)
	}
	if k == Registration && !r.has(FieldName) {
		raw, col, _ := cell(FieldName)
		if strings.TrimSpace(Clean(raw)) == "" {
			r.issue(col, raw, "企业名称为空", Rejected)
		} else {
			r.issue(col, truncate(raw), "企业名称无法读取（见本行其他说明），本行未导入", Rejected)
		}
	} else if k == Registration && r.Values.Name == "" {
		_, col, _ := cell(FieldName)
		r.issue(col, "", "企业名称为空", Rejected)
	}
	if y, e := r.Values.YoungEmployees, r.Values.Employees; r.has(FieldYoungEmployees) && r.has(FieldEmployees) && y != nil && e != nil && *y > *e {
		_, col, _ := cell(FieldYoungEmployees)
		r.issue(col, fmt.Sprint(*y), "35岁以下职工人数大于职工人数，未更新该项", Warning)
		r.drop(FieldYoungEmployees)
	}
	return r
}

func (r *Record) drop(f Field) {
	out := r.Set[:0]
	for _, x := range r.Set {
		if x != f {
			out = append(out, x)
		}
	}
	r.Set = out
}

func truncate(s string) string {
	if utf8.RuneCountInString(s) <= 100 {
		return s
	}
	return string([]rune(s)[:100]) + "…"
}

// warnOnly is a value that was stored but deserves a warning.
type warnOnly struct{ msg string }

func (w *warnOnly) Error() string { return w.msg }

// set parses v (already cleaned, possibly empty) into the field.
func (r *Record) set(f Field, v string, m *memo) error {
	l := &r.Values
	if max, ok := textLimits[f]; ok && utf8.RuneCountInString(v) > max {
		return fmt.Errorf("超过%d个字符，未更新该项", max)
	}
	text := func(p *string) error { *p = v; return nil }
	closed := func(p **string, voc *vocab.Vocabulary) error {
		code, ok := voc.Parse(v)
		if !ok {
			return unknownTerm(v, voc)
		}
		*p = &code
		return nil
	}
	switch f {
	case FieldName:
		return text(&l.Name)
	case FieldEntityType:
		return text(&l.EntityType)
	case FieldLegalRep:
		return text(&l.LegalRepresentative)
	case FieldRegStatus:
		return text(&l.RegistrationStatus)
	case FieldAddress:
		return text(&l.RegisteredAddress)
	case FieldAuthority:
		return text(&l.RegistrationAuthority)
	case FieldIndustry:
		return text(&l.Industry)
	case FieldBusinessScope:
		return text(&l.BusinessScope)
	case FieldOperatingAddress:
		return text(&l.OperatingAddress)
	case FieldOwnerIdentity:
		return closed(&l.OwnerIdentity, enterprise.OwnerIdentities)
	case FieldOperatingStatus:
		return closed(&l.OperatingStatus, enterprise.OperatingStatuses)
	case FieldCapital:
		if v == "" {
			l.RegisteredCapital = nil
			return nil
		}
		wan, warn, err := m.capital(v)
		if err != nil {
			return fmt.Errorf("%v，未更新该项", err)
		}
		l.RegisteredCapital = &wan
		if warn != "" {
			r.issue(FieldCapital.Label(), v, warn, Warning)
		}
		return nil
	case FieldRevenue:
		n, err := ParseMoney(v)
		if err != nil {
			return fmt.Errorf("%v，未更新该项", err)
		}
		l.AnnualRevenue = &n
		return nil
	case FieldFoundedOn:
		if v == "" {
			l.FoundedOn = nil
			return nil
		}
		d, err := m.date(v)
		if err != nil {
			return fmt.Errorf("%v，未更新该项", err)
		}
		// As a ledger entered by hand: from 1949 to today (a day of slack
		// for the district's time zone).
		if bad := dates.Problem(d, time.Now().Add(24*time.Hour).Format(time.DateOnly), false); bad != "" {
			return fmt.Errorf("成立日期%s，未更新该项", bad)
		}
		l.FoundedOn = &d
		return nil
	case FieldEmployees, FieldYoungEmployees, FieldFullMembers, FieldProbationary:
		n, err := ParseCount(v)
		if err != nil {
			return fmt.Errorf("%v，未更新该项", err)
		}
		switch f {
		case FieldEmployees:
			l.Employees = &n
		case FieldYoungEmployees:
			l.YoungEmployees = &n
		case FieldFullMembers:
			l.FullMembers = &n
		default:
			l.ProbationaryMembers = &n
		}
		return nil
	case FieldAboveScale, FieldUnion, FieldYouthLeague, FieldWomensFederation:
		b, err := ParseBool(v)
		if err != nil {
			return fmt.Errorf("%v，未更新该项", err)
		}
		switch f {
		case FieldAboveScale:
			l.AboveScale = &b
		case FieldUnion:
			l.Union = &b
		case FieldYouthLeague:
			l.YouthLeague = &b
		default:
			l.WomensFederation = &b
		}
		return nil
	case FieldMemberSource:
		if strings.ContainsAny(v, "、,，;；/") {
			return &warnOnly{"党员来源列写了多个来源，无法分配人数，未更新党员来源"}
		}
		if none(v) {
			r.MemberSource = ""
			return nil
		}
		code, ok := enterprise.MemberSources.Parse(v)
		if !ok {
			return unknownTerm(v, enterprise.MemberSources)
		}
		r.MemberSource = code
		return nil
	case FieldNeeds:
		needs, err := parseNeeds(v)
		if err != nil {
			return err
		}
		l.Needs = needs
		return nil
	}
	return fmt.Errorf("不支持的列")
}

// none reports whether a cell says "none": 无, 没有 or -.
func none(v string) bool { return v == "" || v == "无" || v == "没有" || v == "-" }

// unknownTerm is the message for a cell outside a closed vocabulary.
func unknownTerm(v string, voc *vocab.Vocabulary) error {
	return fmt.Errorf("“%s”无法识别（可填：%s），未更新该项", truncate(v), voc.Choices())
}

// parseNeeds reads a needs cell: labels, aliases or codes separated by
// 、 , ， ; ； / or spaces.
func parseNeeds(v string) ([]string, error) {
	if none(v) {
		return nil, nil
	}
	var codes []string
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune("、,，;；/ ", r) }) {
		code, ok := enterprise.Needs.Parse(part)
		if !ok {
			return nil, unknownTerm(part, enterprise.Needs)
		}
		codes = append(codes, code)
	}
	return enterprise.Needs.Sort(codes), nil
}

// memo remembers cleaned and parsed cells of the columns whose values
// repeat from row to row (types, statuses, authorities, industries,
// capital, dates …): a million-row export has a few thousand distinct
// values there, and cleaning and parsing each once saves much of an
// import's work. Names, addresses and codes are unique and not memoised.
// A memo belongs to one Header, used by one goroutine.
type memo struct {
	cleaned  map[string]string
	capitals map[string]capitalResult
	dates    map[string]dateResult
}

type capitalResult struct {
	wan  float64
	warn string
	err  error
}

type dateResult struct {
	t   time.Time
	err error
}

// memoLimit bounds each memo; past it, values are computed every time.
const memoLimit = 20000

// repeating lists the columns whose cleaned text is memoised.
var repeating = map[Field]bool{
	FieldEntityType: true, FieldRegStatus: true, FieldAuthority: true, FieldIndustry: true, FieldBusinessScope: true,
	FieldCapital: true, FieldFoundedOn: true, FieldEmployees: true, FieldYoungEmployees: true, FieldFullMembers: true,
	FieldProbationary: true, FieldAboveScale: true, FieldOwnerIdentity: true, FieldOperatingStatus: true,
	FieldMemberSource: true, FieldUnion: true, FieldYouthLeague: true, FieldWomensFederation: true, FieldNeeds: true,
	FieldSurveyDate: true,
}

func (m *memo) clean(f Field, raw string) string {
	if !repeating[f] {
		return strings.TrimSpace(Clean(raw))
	}
	return remember(&m.cleaned, raw, func() string { return strings.TrimSpace(Clean(raw)) })
}

func (m *memo) capital(v string) (float64, string, error) {
	c := remember(&m.capitals, v, func() capitalResult {
		wan, warn, err := ParseCapital(v)
		return capitalResult{wan, warn, err}
	})
	return c.wan, c.warn, c.err
}

func (m *memo) date(v string) (time.Time, error) {
	d := remember(&m.dates, v, func() dateResult {
		t, err := ParseDate(v)
		return dateResult{t, err}
	})
	return d.t, d.err
}

// remember returns the value kept in *cache for key, computing and keeping
// it (up to memoLimit entries) when it is not there yet.
func remember[V any](cache *map[string]V, key string, compute func() V) V {
	if v, ok := (*cache)[key]; ok {
		return v
	}
	v := compute()
	if *cache == nil {
		*cache = map[string]V{}
	}
	if len(*cache) < memoLimit {
		(*cache)[key] = v
	}
	return v
}
