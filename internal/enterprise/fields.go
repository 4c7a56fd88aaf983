package enterprise

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/vocab"
	"golang.org/x/text/unicode/norm"
)

// editLevel says who may write a field.
type editLevel int

const (
	// levelNever: derived or system-managed; nobody writes it.
	levelNever editLevel = iota
	// levelCreate: set when the ledger is created, never changed after.
	levelCreate
	// levelDistrict: district administrators only (township assignment).
	levelDistrict
	// levelRegistration: registration data; district and township admins.
	levelRegistration
	// levelSurvey: survey data; admins and liaisons.
	levelSurvey
)

// field describes one writable or read-only ledger field.
type field struct {
	name  string
	label string // Chinese name used in messages
	level editLevel
	get   func(*Ledger) any
	set   func(*Ledger, json.RawMessage) error // error text is Chinese, without the label
}

var fields = buildFields()

func buildFields() map[string]field {
	fs := []field{
		readOnly("id", "编号"), readOnly("nature", "性质"), readOnly("township_name", "街道/乡镇名称"),
		readOnly("assignment", "划分方式"), readOnly("assignment_reason", "未划分原因"), readOnly("in_scope", "是否纳入统计"),
		readOnly("out_of_scope_reason", "不纳入原因"), readOnly("check_digit_warning", "校验位警告"),
		readOnly("priority", "重点培育"), readOnly("suggested_method", "建议组建方式"), readOnly("plan", "全覆盖计划"),
		readOnly("liaison", "联络员"), readOnly("version", "版本"), readOnly("created_at", "创建时间"),
		readOnly("updated_at", "更新时间"),

		{name: "credit_code", label: "统一社会信用代码", level: levelCreate,
			get: func(l *Ledger) any { return l.CreditCode },
			set: func(l *Ledger, raw json.RawMessage) error {
				var s string
				if err := decodeNonNull(raw, &s, "须为字符串"); err != nil {
					return err
				}
				cc, ok := ParseCreditCode(s)
				if !ok {
					return fmt.Errorf("格式不正确：须为18位，由数字和大写字母（不含I、O、S、V、Z）组成")
				}
				l.CreditCode = cc.Code
				l.CheckDigitWarning = !cc.CheckDigitOK
				return nil
			}},
		text("name", "企业名称", levelRegistration, 200, true, func(l *Ledger) *string { return &l.Name }),
		text("entity_type", "市场主体类型", levelRegistration, 100, false, func(l *Ledger) *string { return &l.EntityType }),
		text("legal_representative", "法定代表人", levelRegistration, 100, false, func(l *Ledger) *string { return &l.LegalRepresentative }),
		number("registered_capital", "注册资本（万元）", levelRegistration, func(l *Ledger) **float64 { return &l.RegisteredCapital }),
		{name: "founded_on", label: "成立日期", level: levelRegistration,
			get: func(l *Ledger) any { return FormatDate(l.FoundedOn) },
			set: func(l *Ledger, raw json.RawMessage) error {
				var s *string
				if err := json.Unmarshal(raw, &s); err != nil {
					return fmt.Errorf("须为 YYYY-MM-DD 格式的日期")
				}
				if s == nil || *s == "" {
					l.FoundedOn = nil
					return nil
				}
				d, err := time.Parse(time.DateOnly, *s)
				if err != nil {
					return fmt.Errorf("须为 YYYY-MM-DD 格式的日期")
				}
				if d.Year() < 1949 || d.After(time.Now().AddDate(0, 0, 1)) {
					return fmt.Errorf("须在1949年至今天之间")
				}
				l.FoundedOn = &d
				return nil
			}},
		text("registration_status", "登记状态", levelRegistration, 50, false, func(l *Ledger) *string { return &l.RegistrationStatus }),
		text("registered_address", "住所（注册地址）", levelRegistration, 300, false, func(l *Ledger) *string { return &l.RegisteredAddress }),
		text("registration_authority", "登记机关", levelRegistration, 100, false, func(l *Ledger) *string { return &l.RegistrationAuthority }),
		text("industry", "所属行业", levelRegistration, 100, false, func(l *Ledger) *string { return &l.Industry }),
		text("business_scope", "经营范围", levelRegistration, 5000, false, func(l *Ledger) *string { return &l.BusinessScope }),
		text("operating_address", "实际经营地址", levelSurvey, 300, false, func(l *Ledger) *string { return &l.OperatingAddress }),
		{name: "township_code", label: "所属街道/乡镇", level: levelDistrict,
			get: func(l *Ledger) any { return nullString(l.TownshipCode) },
			set: nil, // needs the district; handled in apply
		},
		count("employees", "职工人数", func(l *Ledger) **int { return &l.Employees }),
		count("young_employees", "35岁以下职工人数", func(l *Ledger) **int { return &l.YoungEmployees }),
		count("full_members", "正式党员人数", func(l *Ledger) **int { return &l.FullMembers }),
		count("probationary_members", "预备党员人数", func(l *Ledger) **int { return &l.ProbationaryMembers }),
		{name: "member_sources", label: "党员来源", level: levelSurvey,
			get: func(l *Ledger) any { return l.MemberSources },
			set: func(l *Ledger, raw json.RawMessage) error {
				var m map[string]*int
				if err := json.Unmarshal(raw, &m); err != nil {
					return fmt.Errorf("须为“来源: 人数”的对象，例如 {\"mobile\": 2} 或 {\"流动党员\": 2}")
				}
				keys := make([]string, 0, len(m))
				for k := range m {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				out := make(map[string]int, len(m))
				for _, k := range keys {
					v := m[k]
					code, ok := MemberSources.Parse(k)
					if !ok {
						return fmt.Errorf("“%s”不是有效取值，可选 %s", k, MemberSources.Choices())
					}
					if v == nil || *v < 0 || *v > maxCount {
						return fmt.Errorf("“%s”的人数须为0至%d的整数", k, maxCount)
					}
					out[code] += *v
				}
				if len(out) == 0 {
					out = nil
				}
				l.MemberSources = out
				return nil
			}},
		closed("owner_identity", "业主身份", OwnerIdentities, func(l *Ledger) **string { return &l.OwnerIdentity }),
		closed("operating_status", "经营状况", OperatingStatuses, func(l *Ledger) **string { return &l.OperatingStatus }),
		flag("above_scale", "是否规模以上企业", func(l *Ledger) **bool { return &l.AboveScale }),
		number("annual_revenue", "年营业收入（万元）", levelSurvey, func(l *Ledger) **float64 { return &l.AnnualRevenue }),
		{name: "needs", label: "企业所需", level: levelSurvey,
			get: func(l *Ledger) any { return l.Needs },
			set: func(l *Ledger, raw json.RawMessage) error {
				var in []string
				if err := json.Unmarshal(raw, &in); err != nil {
					return fmt.Errorf("须为数组，可选 %s", Needs.Choices())
				}
				codes := make([]string, 0, len(in))
				for _, n := range in {
					code, ok := Needs.Parse(n)
					if !ok {
						return fmt.Errorf("“%s”不是有效取值，可选 %s", n, Needs.Choices())
					}
					codes = append(codes, code)
				}
				l.Needs = Needs.Sort(codes)
				return nil
			}},
		flag("union", "是否建立工会", func(l *Ledger) **bool { return &l.Union }),
		flag("youth_league", "是否建立共青团", func(l *Ledger) **bool { return &l.YouthLeague }),
		flag("womens_federation", "是否建立妇联", func(l *Ledger) **bool { return &l.WomensFederation }),
	}
	m := make(map[string]field, len(fs))
	for _, f := range fs {
		m[f.name] = f
	}
	return m
}

const maxCount = 10_000_000

// WritableFields are the names of the fields a request may write (on
// creation, or after it), sorted: what the API's input type documents.
func WritableFields() []string {
	var out []string
	for name, f := range fields {
		if f.level != levelNever {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func readOnly(name, label string) field {
	return field{name: name, label: label, level: levelNever}
}

func text(name, label string, level editLevel, max int, required bool, ptr func(*Ledger) *string) field {
	return field{name: name, label: label, level: level,
		get: func(l *Ledger) any { return *ptr(l) },
		set: func(l *Ledger, raw json.RawMessage) error {
			var s *string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("须为字符串")
			}
			v := ""
			if s != nil {
				v = CleanText(*s)
			}
			if required && v == "" {
				return fmt.Errorf("不能为空")
			}
			if utf8.RuneCountInString(v) > max {
				return fmt.Errorf("不能超过%d个字符", max)
			}
			*ptr(l) = v
			return nil
		}}
}

// closed is a survey field of a closed vocabulary: a code, label or alias
// is stored as its code; null or "" clears it (not surveyed).
func closed(name, label string, v *vocab.Vocabulary, ptr func(*Ledger) **string) field {
	return field{name: name, label: label, level: levelSurvey,
		get: func(l *Ledger) any { return *ptr(l) },
		set: func(l *Ledger, raw json.RawMessage) error {
			var s *string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("须为字符串，可选 %s", v.Choices())
			}
			if s == nil || strings.TrimSpace(*s) == "" {
				*ptr(l) = nil
				return nil
			}
			code, ok := v.Parse(*s)
			if !ok {
				return fmt.Errorf("“%s”不是有效取值，可选 %s", *s, v.Choices())
			}
			*ptr(l) = &code
			return nil
		}}
}

func count(name, label string, ptr func(*Ledger) **int) field {
	return field{name: name, label: label, level: levelSurvey,
		get: func(l *Ledger) any { return *ptr(l) },
		set: func(l *Ledger, raw json.RawMessage) error {
			var f *float64
			if err := json.Unmarshal(raw, &f); err != nil {
				return fmt.Errorf("须为整数")
			}
			if f == nil {
				*ptr(l) = nil
				return nil
			}
			if *f != math.Trunc(*f) || *f < 0 || *f > maxCount {
				return fmt.Errorf("须为0至%d的整数", maxCount)
			}
			v := int(*f)
			*ptr(l) = &v
			return nil
		}}
}

func number(name, label string, level editLevel, ptr func(*Ledger) **float64) field {
	return field{name: name, label: label, level: level,
		get: func(l *Ledger) any { return *ptr(l) },
		set: func(l *Ledger, raw json.RawMessage) error {
			var f *float64
			if err := json.Unmarshal(raw, &f); err != nil {
				return fmt.Errorf("须为数字")
			}
			if f != nil && (*f < 0 || *f > 1e12 || math.IsNaN(*f)) {
				return fmt.Errorf("须为不小于0的数字")
			}
			*ptr(l) = f
			return nil
		}}
}

func flag(name, label string, ptr func(*Ledger) **bool) field {
	return field{name: name, label: label, level: levelSurvey,
		get: func(l *Ledger) any { return *ptr(l) },
		set: func(l *Ledger, raw json.RawMessage) error {
			var b *bool
			if err := json.Unmarshal(raw, &b); err != nil {
				return fmt.Errorf("须为 true 或 false")
			}
			*ptr(l) = b
			return nil
		}}
}

func decodeNonNull(raw json.RawMessage, v any, msg string) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return fmt.Errorf("不能为空")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s", msg)
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CleanText normalises free text from users and spreadsheets: NFKC, and
// leading and trailing spaces (including U+3000) removed.
func CleanText(s string) string {
	return strings.TrimSpace(norm.NFKC.String(s))
}

// FormatDate formats a date as YYYY-MM-DD, or returns nil.
func FormatDate(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}

// mayWrite reports whether role may write a field of the given level.
func mayWrite(role auth.Role, level editLevel, creating bool) bool {
	switch level {
	case levelCreate:
		return creating && (role == auth.DistrictAdmin || role == auth.TownshipAdmin)
	case levelDistrict:
		return role == auth.DistrictAdmin
	case levelRegistration:
		return role == auth.DistrictAdmin || role == auth.TownshipAdmin
	case levelSurvey:
		return role == auth.DistrictAdmin || role == auth.TownshipAdmin || role == auth.Liaison
	}
	return false
}

// Apply writes the fields of patch into l on behalf of role, validates them,
// re-resolves the township when the registered address changes (unless it
// was assigned by hand) and re-derives every derived field. It returns the
// changes in field order. Unknown fields, derived fields and fields the role
// may not write are rejected with 422, never ignored.
func (l *Ledger) Apply(patch map[string]json.RawMessage, role auth.Role, d *division.District) ([]Change, error) {
	return l.apply(patch, role, d, false)
}

func (l *Ledger) apply(patch map[string]json.RawMessage, role auth.Role, d *division.District, creating bool) ([]Change, error) {
	before := *l
	names := make([]string, 0, len(patch))
	for name := range patch {
		names = append(names, name)
	}
	sort.Strings(names)
	p := apperr.Problems{}
	for _, name := range names {
		f, ok := fields[name]
		switch {
		case !ok:
			p.Add(name, "未知字段")
			continue
		case f.level == levelNever:
			p.Add(name, f.label+"由系统生成，不能修改")
			continue
		case f.level == levelCreate && !creating:
			p.Add(name, f.label+"创建后不能修改")
			continue
		case !mayWrite(role, f.level, creating):
			p.Add(name, "当前角色无权修改"+f.label)
			continue
		}
		if name == "township_code" {
			if err := l.setTownship(patch[name], d); err != nil {
				p.Add(name, f.label+err.Error())
			}
			continue
		}
		if err := f.set(l, patch[name]); err != nil {
			p.Add(name, f.label+err.Error())
		}
	}
	if l.YoungEmployees != nil && l.Employees != nil && *l.YoungEmployees > *l.Employees {
		p.Add("young_employees", "35岁以下职工人数不能大于职工人数")
	}
	if err := p.Err(); err != nil {
		*l = before
		return nil, err
	}
	if l.RegisteredAddress != before.RegisteredAddress || creating {
		l.Assign(d.Resolve(l.RegisteredAddress))
	}
	l.Derive()
	return Diff(&before, l), nil
}

func (l *Ledger) setTownship(raw json.RawMessage, d *division.District) error {
	var code string
	if err := decodeNonNull(raw, &code, "须为9位街道/乡镇代码"); err != nil {
		return err
	}
	if _, ok := d.Township(code); !ok {
		return fmt.Errorf("“%s”不是本区的街道/乡镇代码", code)
	}
	l.TownshipCode = code
	l.Assignment = division.AssignedManually
	l.AssignmentReason = division.ReasonNone
	return nil
}

// SurveyChange reports whether changes touch survey data (职工、党员、经营状况
// …): such an edit confirms the ledger, as a visit does.
func SurveyChange(changes []Change) bool {
	for _, c := range changes {
		if f, ok := fields[c.Field]; ok && f.level == levelSurvey {
			return true
		}
	}
	return false
}
