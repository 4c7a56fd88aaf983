package importer

import (
	"fmt"
	"strings"
)

// maxHeaderSearch is how many rows from the top may hold title rows before
// the header.
const maxHeaderSearch = 30

// Header maps a file's columns to fields.
type Header struct {
	// Row is the 1-based row number of the header in the sheet.
	Row int
	// Columns maps a column index to its field; unknown columns are absent.
	Columns map[int]Field
	// Names holds each column's header text as written in the file.
	Names []string
	// Unknown lists header texts that name no known column (or repeat one),
	// for the report; they are otherwise ignored.
	Unknown []string
	index   map[Field]int
	memo    memo
}

// Index returns the column of field f, or -1.
func (h *Header) Index(f Field) int {
	if i, ok := h.index[f]; ok {
		return i
	}
	return -1
}

// Has reports whether the file has a column for f.
func (h *Header) Has(f Field) bool { return h.Index(f) >= 0 }

// HeaderError is a file-level problem: no header, or required columns
// missing. The job fails with its message.
type HeaderError struct {
	Code    string
	Message string
}

func (e *HeaderError) Error() string { return e.Message }

// matchHeader reads one candidate row as a header for kind k.
func matchHeader(cells []string, k Kind) *Header {
	h := &Header{Columns: map[int]Field{}, Names: make([]string, len(cells)), index: map[Field]int{}}
	for i, cell := range cells {
		h.Names[i] = strings.TrimSpace(Clean(cell))
		if h.Names[i] == "" {
			continue
		}
		c, ok := lookup(cell, k)
		if !ok {
			h.Unknown = append(h.Unknown, h.Names[i])
			continue
		}
		if _, dup := h.index[c.field]; dup {
			h.Unknown = append(h.Unknown, h.Names[i]+"（与前面的列重复）")
			continue
		}
		h.index[c.field] = i
		h.Columns[i] = c.field
	}
	return h
}

// DetectHeader looks at the first rows of a sheet (title rows may sit above
// the header) and returns the header for kind k: the first row that names
// the credit code column and at least one other known column. It returns a
// *HeaderError when there is none or a required column is missing.
func DetectHeader(rows [][]string, k Kind) (*Header, error) {
	for i, cells := range rows {
		if i >= maxHeaderSearch {
			break
		}
		h := matchHeader(cells, k)
		known := len(h.index)
		if _, ok := h.index[FieldSerial]; ok {
			known--
		}
		if !h.Has(FieldCreditCode) || known < 2 {
			continue
		}
		h.Row = i + 1
		var missing []string
		for _, c := range columnTable {
			if hasKind(c.required, k) && !h.Has(c.field) {
				missing = append(missing, "“"+c.label+"”")
			}
		}
		if k == Survey && !h.hasOwn(Survey) {
			missing = append(missing, "任何调查项（如“职工人数”“正式党员人数”“经营状况”）")
		}
		if k == Liaisons && !h.Has(FieldLiaisonUsername) && !(h.Has(FieldLiaisonName) && h.Has(FieldLiaisonPhone)) {
			missing = append(missing, "“联络员账号”（或“联络员姓名”和“联络员手机号”）")
		}
		if len(missing) > 0 {
			msg := fmt.Sprintf("第%d行表头缺少必需的列：%s", h.Row, strings.Join(missing, "、"))
			if other := otherKind(k); looksLike(cells, other) {
				msg += fmt.Sprintf("。该文件看起来是%s，请确认导入类型（kind=%s）", other.Label(), other)
			}
			return nil, &HeaderError{Code: "missing_columns", Message: msg}
		}
		return h, nil
	}
	msg := fmt.Sprintf("在前%d行中没有找到表头：表头须包含“统一社会信用代码”（或“社会信用代码”“信用代码”）及其他列名", maxHeaderSearch)
	return nil, &HeaderError{Code: "header_not_found", Message: msg}
}

// hasOwn reports whether the header has a column only kind k reads
// (填报日期 does not count: it dates rows, it is no survey item).
func (h *Header) hasOwn(k Kind) bool {
	for _, c := range columnTable {
		if c.field == FieldSurveyDate {
			continue // dates the rows, is no survey item
		}
		if h.Has(c.field) && hasKind(c.kinds, k) && !hasKind(c.kinds, otherKind(k)) {
			return true
		}
	}
	return false
}

func otherKind(k Kind) Kind {
	if k == Survey {
		return Registration
	}
	return Survey
}

// looksLike reports whether a header row carries at least three columns
// only kind k reads.
func looksLike(cells []string, k Kind) bool {
	n := 0
	other := otherKind(k)
	for _, cell := range cells {
		c, ok := lookup(cell, k)
		if ok && !hasKind(c.kinds, other) {
			n++
		}
	}
	return n >= 3
}
