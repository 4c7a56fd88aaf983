package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/xuri/excelize/v2"
)

func TestCountEnds(t *testing.T) {
	xml := `<sst><si><t>a</t></si><si/><x:si><x:t>b</x:t></x:si>` + strings.Repeat(`<si><t>c</t></si>`, 1000) + `</sst>`
	for _, r := range []func() *strings.Reader{func() *strings.Reader { return strings.NewReader(xml) }} {
		if n, err := countEnds(r(), 1e9); err != nil || n != 1003 {
			t.Errorf("count %d %v, want 1003", n, err)
		}
		// Read a byte at a time: no closing split between reads is lost or doubled.
		if n, err := countEnds(iotest.OneByteReader(r()), 1e9); err != nil || n != 1003 {
			t.Errorf("one byte at a time: %d %v", n, err)
		}
	}
}

// TestSharedStringsBomb: a workbook of well under a megabyte whose shared
// strings hold millions of entries is refused by Check — before any sheet
// is parsed — while an ordinary workbook passes.
func TestSharedStringsBomb(t *testing.T) {
	dir := t.TempDir()
	// Build a small real workbook, then swap in a shared strings part of
	// three million entries.
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"统一社会信用代码", "企业名称"})
	var ok bytes.Buffer
	if err := f.Write(&ok); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.xlsx")
	os.WriteFile(good, ok.Bytes(), 0o600)
	if _, err := Check(good); err != nil {
		t.Fatalf("an ordinary workbook: %v", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(ok.Bytes()), int64(ok.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		if zf.Name == "xl/sharedStrings.xml" {
			continue
		}
		w, _ := zw.Create(zf.Name)
		rc, _ := zf.Open()
		b := new(bytes.Buffer)
		b.ReadFrom(rc)
		rc.Close()
		w.Write(b.Bytes())
	}
	w, _ := zw.Create("xl/sharedStrings.xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`))
	for range 3_000_000 / 1000 {
		w.Write([]byte(strings.Repeat("<si><t>a</t></si>", 1000)))
	}
	w.Write([]byte(`</sst>`))
	zw.Close()
	if out.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes, not under a megabyte", out.Len())
	}
	bomb := filepath.Join(dir, "bomb.xlsx")
	os.WriteFile(bomb, out.Bytes(), 0o600)
	_, err = Check(bomb)
	var ue *FileError
	if !errors.As(err, &ue) || ue.Code != "xlsx_too_many_strings" || !strings.Contains(ue.Message, "共享文本") {
		t.Fatalf("the bomb: %v", err)
	}
}

// TestWideRows: cells past column 1024 are dropped when empty (a styled
// column, as spreadsheets leave), data there fails the file, and so do
// more than a hundred rows made that wide with blank cells.
func TestWideRows(t *testing.T) {
	dir := t.TempDir()
	read := func(name string, fill func(f *excelize.File)) (rows int, err error) {
		f := excelize.NewFile()
		f.SetSheetRow("Sheet1", "A1", &[]any{"统一社会信用代码", "企业名称"})
		fill(f)
		path := filepath.Join(dir, name)
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		s, _, err := Open(path)
		if err != nil {
			return 0, err
		}
		defer s.Close()
		for {
			cells, err := s.Next()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return rows, nil
				}
				return rows, err
			}
			if len(cells) > maxColumns {
				t.Fatalf("a row of %d cells", len(cells))
			}
			rows++
		}
	}
	style := func(f *excelize.File) int {
		id, _ := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Color: []string{"FFFF00"}, Pattern: 1}})
		return id
	}
	if n, err := read("styled.xlsx", func(f *excelize.File) {
		f.SetSheetRow("Sheet1", "A2", &[]any{"91431103MA4L0G1X2B", "某公司"})
		f.SetCellStyle("Sheet1", "XFD2", "XFD2", style(f))
	}); err != nil || n != 2 {
		t.Errorf("a styled empty cell at XFD: %d rows, %v", n, err)
	}
	var fe *FileError
	if _, err := read("data.xlsx", func(f *excelize.File) {
		f.SetSheetRow("Sheet1", "A2", &[]any{"91431103MA4L0G1X2B", "某公司"})
		f.SetCellValue("Sheet1", "AQK2", "藏在远处")
	}); !errors.As(err, &fe) || fe.Code != "xlsx_too_wide" || !strings.Contains(fe.Message, "第2行") {
		t.Errorf("data past column 1024: %v", err)
	}
	if _, err := read("wide.xlsx", func(f *excelize.File) {
		for r := 2; r <= maxWideRows+2; r++ {
			f.SetCellValue("Sheet1", fmt.Sprintf("XFD%d", r), " ") // blank, yet a cell
		}
	}); !errors.As(err, &fe) || fe.Code != "xlsx_too_wide" {
		t.Errorf("%d rows 16,384 wide: %v", maxWideRows+1, err)
	}
}
