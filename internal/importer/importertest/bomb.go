// Package importertest builds hostile files for the import tests of
// several packages.
package importertest

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// StringsBomb is a workbook — a header row, no data — whose shared strings
// hold thousands×1000 entries of one short string: three million compress
// to well under a megabyte.
func StringsBomb(thousands int) ([]byte, error) {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"统一社会信用代码", "企业名称"})
	var plain bytes.Buffer
	if err := f.Write(&plain); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(plain.Bytes()), int64(plain.Len()))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		if zf.Name == "xl/sharedStrings.xml" {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		w, _ := zw.Create(zf.Name)
		w.Write(data)
	}
	w, _ := zw.Create("xl/sharedStrings.xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`))
	for range thousands {
		w.Write([]byte(strings.Repeat("<si><t>a</t></si>", 1000)))
	}
	w.Write([]byte(`</sst>`))
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// WideRows writes to path a registration workbook whose n data rows each
// hold a code, a name, an address and a blank cell at XFD, the last
// column: every row is read 16,384 cells wide.
func WideRows(path string, n int) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"统一社会信用代码", "企业名称", "住所（经营场所）"}); err != nil {
		return err
	}
	for r := 2; r <= n+1; r++ {
		row := make([]any, 16384)
		row[0], row[1], row[2], row[16383] = "91431103MA4L0G1X2B", "某公司", "冷水滩区梅湾街道", " "
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}
