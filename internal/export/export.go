// Package export writes the district office's spreadsheets — the
// 全覆盖计划表, the coverage summary and gap lists — as xlsx through
// excelize's stream writer, so a million rows never sit in memory. The
// sheets are laid out to be sent upward unchanged: a title row, a header
// row that is frozen, filtered and repeated on every printed page,
// landscape pages fitted to the width, real dates and percentages, and
// subtotal and total rows in bold. It imports neither gin nor gorm.
package export

import (
	"archive/zip"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// MaxRows is how many rows a sheet holds below its title and header row:
// Excel's 1,048,576 rows less those two. Rows beyond it continue on a
// further sheet.
const MaxRows = excelize.TotalRows - 2

// Safe neutralises a cell against formula injection: text beginning with
// =, +, -, @ (or their full-width forms), a tab, a carriage return or a
// line feed gets a leading apostrophe, so a
// spreadsheet shows it as text even after the file is saved as CSV and
// opened again.
func Safe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return "'" + s
	}
	// Full-width signs, which spreadsheets with a Chinese or Japanese input
	// method turn into the ASCII ones when the cell is edited.
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

// Kind says how a column's numbers are shown.
type Kind int

// Kinds of column. Text is neutralised with Safe whatever the kind.
const (
	General Kind = iota // text and counts as they are
	Date                // time.Time values: an Excel date shown as yyyy-mm-dd
	Percent             // float64 fractions: a number shown as a percentage (0.00%)
)

// Column is one column of a sheet: its Chinese header, width and kind.
type Column struct {
	Header string
	Width  float64
	Kind   Kind
}

// Col is a general column with its header and width.
func Col(header string, width float64) Column { return Column{Header: header, Width: width} }

// DateCol is a column of dates.
func DateCol(header string, width float64) Column {
	return Column{Header: header, Width: width, Kind: Date}
}

// PercentCol is a column of rates, fractions from 0 to 1.
func PercentCol(header string, width float64) Column {
	return Column{Header: header, Width: width, Kind: Percent}
}

// Row is one line of a sheet. Cells hold strings, ints, float64s,
// time.Time or *time.Time (a date), Count, or nil (an empty cell). Total
// marks a subtotal or total line, printed in bold.
type Row struct {
	Cells []any
	Total bool
}

// Count is a number of things shown with its unit (12户); a spreadsheet
// still reads, sums and sorts it as a number.
type Count struct {
	N    int
	Unit string
}

// Table describes a sheet: its name, the title row above the header and
// the columns. A table longer than RowsPerSheet continues on further
// sheets named Name(2), Name(3) …, each with its title, header, frozen
// panes, filter and print titles.
type Table struct {
	Name    string
	Title   string
	Columns []Column
	// RowsPerSheet is how many rows go on a sheet below its title and
	// header; 0 means MaxRows, the most Excel opens.
	RowsPerSheet int
}

// Write writes the table to w as an xlsx workbook; rows is called once
// and gives the rows in order to emit.
func (t Table) Write(w io.Writer, rows func(emit func(Row) error) error) (err error) {
	if len(t.Columns) == 0 {
		return fmt.Errorf("export %s: no columns", t.Name)
	}
	perSheet := t.RowsPerSheet
	if perSheet <= 0 || perSheet > MaxRows {
		perSheet = MaxRows
	}
	f := excelize.NewFile()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	b := &book{f: f, t: t, styles: map[style]int{}, lastCol: columnName(len(t.Columns))}
	if err := b.startSheet(); err != nil {
		return err
	}
	err = rows(func(r Row) error {
		if b.line-2 == perSheet {
			if err := b.endSheet(); err != nil {
				return err
			}
			if err := b.startSheet(); err != nil {
				return err
			}
		}
		return b.row(r)
	})
	if err != nil {
		return err
	}
	if err := b.endSheet(); err != nil {
		return err
	}
	return f.Write(w)
}

// book is a workbook being written, one sheet at a time.
type book struct {
	f       *excelize.File
	t       Table
	styles  map[style]int
	lastCol string
	sheets  int
	name    string
	sw      *excelize.StreamWriter
	line    int // the last row written on the current sheet
}

// style is a cell style the writer uses: bold or not, a built-in number
// format or a custom one, and the role of the cell.
type style struct {
	bold   bool
	numFmt int
	custom string
	role   int // 0 a table cell, 1 the title, 2 a header
}

const (
	roleCell = iota
	roleTitle
	roleHeader
)

func (b *book) style(s style) (int, error) {
	if id, ok := b.styles[s]; ok {
		return id, nil
	}
	thin := []excelize.Border{{Type: "left", Style: 1, Color: "000000"}, {Type: "right", Style: 1, Color: "000000"},
		{Type: "top", Style: 1, Color: "000000"}, {Type: "bottom", Style: 1, Color: "000000"}}
	st := &excelize.Style{Font: &excelize.Font{Bold: s.bold}, NumFmt: s.numFmt, Border: thin,
		Alignment: &excelize.Alignment{Vertical: "center"}}
	if s.custom != "" {
		st.CustomNumFmt = &s.custom
	}
	switch s.role {
	case roleTitle:
		st.Font.Size, st.Border = 16, nil
		st.Alignment.Horizontal = "center"
	case roleHeader:
		st.Alignment.Horizontal, st.Alignment.WrapText = "center", true
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}}
	}
	id, err := b.f.NewStyle(st)
	if err != nil {
		return 0, err
	}
	b.styles[s] = id
	return id, nil
}

// startSheet adds the next sheet and writes its title and header.
func (b *book) startSheet() error {
	b.sheets++
	b.name, b.line = b.t.Name, 0
	title := b.t.Title
	if b.sheets == 1 {
		if err := b.f.SetSheetName("Sheet1", b.name); err != nil {
			return err
		}
	} else {
		b.name = fmt.Sprintf("%s(%d)", b.t.Name, b.sheets)
		title += "（续表）"
		if _, err := b.f.NewSheet(b.name); err != nil {
			return err
		}
	}
	// The sheet properties go out when the stream starts, the page set-up
	// when it is flushed; both are set on the sheet before streaming.
	fit, landscape, a4, wide, tall := true, "landscape", 9, 1, 0
	if err := b.f.SetSheetProps(b.name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := b.f.SetPageLayout(b.name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape,
		FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	if err := b.f.SetHeaderFooter(b.name, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	if err := b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: b.name,
		RefersTo: fmt.Sprintf("'%s'!$1:$2", b.name)}); err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(b.name)
	if err != nil {
		return err
	}
	b.sw = sw
	for i, c := range b.t.Columns {
		if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	titleStyle, err := b.style(style{bold: true, role: roleTitle})
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: titleStyle, Value: Safe(title)}}, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	headerStyle, err := b.style(style{bold: true, role: roleHeader})
	if err != nil {
		return err
	}
	header := make([]any, len(b.t.Columns))
	for i, c := range b.t.Columns {
		header[i] = excelize.Cell{StyleID: headerStyle, Value: c.Header}
	}
	if err := sw.SetRow("A2", header, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	b.line = 2
	return nil
}

// row writes one row on the current sheet.
func (b *book) row(r Row) error {
	cells := make([]any, len(b.t.Columns))
	for i := range cells {
		var v any
		if i < len(r.Cells) {
			v = r.Cells[i]
		}
		cell, err := b.cell(v, b.t.Columns[i].Kind, r.Total)
		if err != nil {
			return err
		}
		cells[i] = cell
	}
	b.line++
	return b.sw.SetRow("A"+strconv.Itoa(b.line), cells)
}

// cell turns a value into a styled cell of a column of kind k.
func (b *book) cell(v any, k Kind, bold bool) (excelize.Cell, error) {
	s := style{bold: bold}
	switch x := v.(type) {
	case string:
		v = Safe(x)
	case *time.Time:
		if x == nil {
			v = nil
			break
		}
		v, s.custom = day(*x), "yyyy-mm-dd"
	case time.Time:
		v, s.custom = day(x), "yyyy-mm-dd"
	case float64:
		if k == Percent {
			s.numFmt = 10 // 0.00%
		}
	case Count:
		v, s.custom = x.N, `0"`+x.Unit+`"`
	case int, int64, nil:
	default:
		return excelize.Cell{}, fmt.Errorf("export %s: a cell of type %T", b.t.Name, v)
	}
	id, err := b.style(s)
	return excelize.Cell{StyleID: id, Value: v}, err
}

// day is t's calendar day at midnight UTC: excelize writes a time's wall
// clock, and a date read from the database may come in any zone.
func day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// endSheet merges the title across the columns, puts the filter on the
// header and the rows below it, and flushes the sheet.
func (b *book) endSheet() error {
	if err := b.sw.MergeCell("A1", b.lastCol+"1"); err != nil {
		return err
	}
	if err := b.f.AutoFilter(b.name, "A2:"+b.lastCol+strconv.Itoa(b.line), nil); err != nil {
		return err
	}
	return b.sw.Flush()
}

func columnName(n int) string {
	name, _ := excelize.ColumnNumberToName(n)
	return name
}
