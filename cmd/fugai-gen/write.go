package main

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// header is the sample export's header row.
var header = []string{
	"序号", "统一社会信用代码", "企业名称", "市场主体类型", "法定代表人（负责人）", "注册资本（万元）",
	"成立日期", "登记状态", "住所（经营场所）", "登记机关", "所属行业", "经营范围",
}

const (
	// title is the row the sample xlsx carries above the header.
	title = "冷水滩区市场主体登记信息导出（截至2026年10月31日）"
	// sheetName is the sample xlsx's sheet name.
	sheetName = "市场主体登记信息"
	// maxSheetRows is Excel's row limit per sheet.
	maxSheetRows = 1 << 20
	// dateFormat is the number format of real date cells in xlsx.
	dateFormat = "yyyy-mm-dd"
)

// tally counts what was written, so a benchmark or crash test knows what an
// importer should report.
type tally struct {
	rows       int // data rows, duplicates included
	wrongCheck int // well-formed codes with a wrong check character
	malformed  int // codes that are not 18 characters of the alphabet
	duplicates int // exact copies of an earlier row
	conflicts  int // earlier codes with another name and address
	dateCells  int // xlsx only: real date cells
}

func (t *tally) add(r *record, k rowKind) {
	t.rows++
	switch {
	case !wellFormed(r.code):
		t.malformed++
	case !checkOK(r.code):
		t.wrongCheck++
	}
	switch k {
	case kindDuplicate:
		t.duplicates++
	case kindConflict:
		t.conflicts++
	}
}

// fields is the record as the 12 text columns, 序号 first.
func (r *record) fields(dst []string, serial int) []string {
	return append(dst[:0], strconv.Itoa(serial), r.code, r.name, r.entityType, r.legalRep, r.capital,
		r.foundedText(), r.status, r.address, r.authority, r.industry, r.scope)
}

// writeCSV streams the export as CSV: UTF-8 without BOM, or GB18030 like the
// sample, LF line ends. The title, when asked for, is padded to the header's
// width the way Excel saves it.
func writeCSV(w io.Writer, o options) (tally, error) {
	var t tally
	bw := bufio.NewWriterSize(w, 1<<16)
	out := io.Writer(bw)
	var enc io.WriteCloser
	if o.encoding == encodingGB18030 {
		// transform.NewWriter is what Encoder.Writer returns, typed so that
		// Close can flush the encoder's tail.
		enc = transform.NewWriter(bw, simplifiedchinese.GB18030.NewEncoder())
		out = enc
	}
	cw := csv.NewWriter(out)
	if o.title {
		row := make([]string, len(header))
		row[0] = title
		if err := cw.Write(row); err != nil {
			return t, err
		}
	}
	if err := cw.Write(header); err != nil {
		return t, err
	}
	g := newGenerator(o.seed)
	row := make([]string, 0, len(header))
	for i := 0; i < o.rows; i++ {
		rec, k := g.row(i)
		t.add(&rec, k)
		row = rec.fields(row, i+1)
		if err := cw.Write(row); err != nil {
			return t, err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return t, err
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return t, err
		}
	}
	return t, bw.Flush()
}

// writeXLSX streams the export as one sheet through excelize's StreamWriter,
// which spills rows to a temporary file, then zips that file into w, so
// memory stays flat. 序号 is a
// number; a fifth of the founding dates are real date cells.
func writeXLSX(w io.Writer, o options) (t tally, err error) {
	f := excelize.NewFile()
	// File.WriteTo would assemble the whole archive in a bytes.Buffer first
	// (the file's size, and twice that while the buffer grows). Through the
	// zip-writer hook the archive goes straight to w and excelize's buffer
	// stays empty. The one thing that needs the buffer, excelize's zip64
	// header fix-up, applies only to parts over 4 GiB; a sheet of at most
	// 2^20 rows stays far below that.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return t, err
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return t, err
	}
	format := dateFormat
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		return t, err
	}
	for i, width := range []float64{6, 22, 40, 36, 12, 14, 14, 24, 44, 28, 28, 36} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return t, err
		}
	}
	line := 1
	if o.title {
		if err := sw.SetRow("A1", []any{title}); err != nil {
			return t, err
		}
		line++
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = h
	}
	if err := sw.SetRow("A"+strconv.Itoa(line), cells); err != nil {
		return t, err
	}
	g := newGenerator(o.seed)
	for i := 0; i < o.rows; i++ {
		line++
		rec, k := g.row(i)
		t.add(&rec, k)
		var founded any = rec.foundedText()
		if rec.dateCell {
			founded = excelize.Cell{StyleID: dateStyle, Value: rec.founded}
			t.dateCells++
		}
		cells = append(cells[:0], i+1, rec.code, rec.name, rec.entityType, rec.legalRep, rec.capital,
			founded, rec.status, rec.address, rec.authority, rec.industry, rec.scope)
		if err := sw.SetRow("A"+strconv.Itoa(line), cells); err != nil {
			return t, fmt.Errorf("row %d: %w", line, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return t, err
	}
	if _, err := f.WriteTo(w); err != nil {
		return t, err
	}
	return t, nil
}
