// Package export writes the district office's spreadsheets — the
// 全覆盖计划表, the coverage summary and gap lists — as xlsx through
// excelize's stream writer, so a million rows never sit in memory. It
// imports neither gin nor gorm.
package export

import (
	"archive/zip"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Safe neutralises a cell against formula injection: text beginning with
// =, +, -, @, a tab or a carriage return gets a leading apostrophe, so a
// spreadsheet shows it as text even after the file is saved as CSV and
// opened again.
func Safe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Column is one column of a sheet: its Chinese header and width.
type Column struct {
	Header string
	Width  float64
}

// Sheet writes one titled sheet to w: a title row, a header row frozen
// in place, then the rows next gives until it returns false. Text cells
// are neutralised with Safe.
func Sheet(w io.Writer, name, title string, cols []Column, next func() ([]any, bool, error)) (err error) {
	f := excelize.NewFile()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: bold, Value: Safe(title)}}); err != nil {
		return err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: bold, Value: c.Header}
	}
	if err := sw.SetRow("A2", header); err != nil {
		return err
	}
	for line := 3; ; line++ {
		row, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		for i, v := range row {
			if s, isText := v.(string); isText {
				row[i] = Safe(s)
			}
		}
		if err := sw.SetRow("A"+strconv.Itoa(line), row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// Col is a column with its header and width.
func Col(header string, width float64) Column { return Column{Header: header, Width: width} }
