package importer

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/fugai/fugai/internal/enterprise"
)

// LiaisonRow is one row of a liaison assignment sheet (联络员分配表): the
// enterprise by credit code and the liaison by username, or by name and
// mobile number.
type LiaisonRow struct {
	Row      int
	Code     string
	Username string
	Name     string
	Phone    string
}

// Outcomes of a liaison row.
const (
	LiaisonAssigned   = "created"   // the enterprise had no liaison
	LiaisonReassigned = "updated"   // another liaison was replaced
	LiaisonSame       = "unchanged" // the liaison was already assigned
	LiaisonRejected   = "rejected"
)

// LiaisonResult is what became of one row; a rejected row says why and
// which column.
type LiaisonResult struct {
	Outcome string
	Field   Field
	Message string
}

// LiaisonStore is what a liaison import needs from storage, inside the
// job's transaction. Rows are applied in order; township, when set, is
// the only township whose enterprises may be assigned.
type LiaisonStore interface {
	AssignLiaisons(ctx context.Context, township string, dryRun bool, rows []LiaisonRow) ([]LiaisonResult, error)
}

// runLiaisons imports a liaison assignment sheet. As with the other kinds,
// of several rows of one credit code the last one counts and the earlier
// ones are duplicates, so importing a sheet twice changes nothing.
func (r *Runner) runLiaisons(ctx context.Context, loc located, idx int, res Result) (Result, error) {
	h := loc.header
	get := func(cells []string, f Field) (string, string) {
		i := h.Index(f)
		if i < 0 || i >= len(cells) {
			return "", ""
		}
		return cells[i], strings.TrimSpace(Clean(cells[i]))
	}
	named := func(cells []string) bool {
		_, username := get(cells, FieldLiaisonUsername)
		_, name := get(cells, FieldLiaisonName)
		_, phone := get(cells, FieldLiaisonPhone)
		return username != "" || (name != "" && phone != "")
	}
	// Pass 1: the last applicable row of each code (a later row naming no
	// liaison does not push out one that does).
	last := map[string]int{}
	for {
		cells, err := loc.sheet.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			loc.sheet.Close()
			return res, err
		}
		raw, _ := get(cells, FieldCreditCode)
		if code, ok := enterprise.ParseCreditCode(raw); ok && named(cells) {
			last[code.Code] = loc.sheet.Row()
		}
	}
	loc.sheet.Close()
	s, err := r.reopenAt(idx, loc.header.Row)
	if err != nil {
		return res, err
	}
	loc.sheet = s
	defer loc.sheet.Close()
	store, ok := r.Store.(LiaisonStore)
	if !ok {
		return res, fmt.Errorf("import: storage cannot assign liaisons")
	}
	col := func(f Field) string {
		if i := h.Index(f); i >= 0 {
			return h.Names[i]
		}
		return f.Label()
	}
	var batch []LiaisonRow
	var issues []Issue
	flush := func() error {
		if len(batch) > 0 {
			results, err := store.AssignLiaisons(ctx, r.Township, r.DryRun, batch)
			if err != nil {
				return err
			}
			for i, out := range results {
				switch out.Outcome {
				case LiaisonAssigned:
					res.Counts.Created++
				case LiaisonReassigned:
					res.Counts.Updated++
				case LiaisonSame:
					res.Counts.Unchanged++
				default:
					res.Counts.Rejected++
					raw := batch[i].Code
					switch out.Field {
					case FieldLiaisonUsername:
						raw = batch[i].Username
					case FieldLiaisonName:
						raw = batch[i].Name
					}
					issues = append(issues, Issue{Row: batch[i].Row, Column: col(out.Field), Value: raw, Message: out.Message, Severity: Rejected})
				}
			}
		}
		if len(issues) > 0 {
			sort.SliceStable(issues, func(i, j int) bool { return issues[i].Row < issues[j].Row })
			if err := r.Store.Report(ctx, issues); err != nil {
				return err
			}
		}
		batch, issues = batch[:0], nil
		if r.Progress != nil {
			r.Progress(Progress{Processed: res.Counts.Rows})
		}
		return ctx.Err()
	}
	for {
		cells, err := loc.sheet.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		if Blank(cells) {
			continue
		}
		row := loc.sheet.Row()
		res.Counts.Rows++
		rawCode, _ := get(cells, FieldCreditCode)
		code, ok := enterprise.ParseCreditCode(rawCode)
		_, username := get(cells, FieldLiaisonUsername)
		_, name := get(cells, FieldLiaisonName)
		_, phone := get(cells, FieldLiaisonPhone)
		switch {
		case !ok:
			res.Counts.Rejected++
			issues = append(issues, Issue{Row: row, Column: col(FieldCreditCode), Value: rawCode,
				Message: "统一社会信用代码为空或格式不正确（应为18位）", Severity: Rejected})
			continue
		case username == "" && (name == "" || phone == ""):
			res.Counts.Rejected++
			issues = append(issues, Issue{Row: row, Column: col(FieldLiaisonUsername), Value: username,
				Message: "须填写联络员账号，或联络员姓名和手机号", Severity: Rejected})
			continue
		}
		c := code.Code
		if later := last[c]; later > row {
			res.Counts.Duplicates++
			res.Counts.Warnings++
			issues = append(issues, Issue{Row: row, Column: col(FieldCreditCode), Value: c,
				Message: fmt.Sprintf("与第%d行统一社会信用代码相同，以后出现的第%d行为准", later, later), Severity: Warning})
			continue
		}
		batch = append(batch, LiaisonRow{Row: row, Code: c, Username: username, Name: name, Phone: phone})
		if len(batch) >= 500 || len(issues) >= 1000 {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if res.Counts.Rows == 0 {
		return res, &HeaderError{Code: "no_rows", Message: fmt.Sprintf("第%d行是表头，但其下没有数据行", h.Row)}
	}
	return res, nil
}
