package importer

import (
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

	"github.com/fugai/fugai/internal/importer/importertest"
)

func TestCountEnds(t *testing.T) {
	xml := `<sst><si><t>a</t></si><si/><x:si><x:t>b</x:t></x:si><si ><t>d</t></si >` + strings.Repeat("<si\n><t>c</t></si\n>", 1000) +
		`<sis>not one</sis><x:sii/></sst>`
	for _, r := range []func() *strings.Reader{func() *strings.Reader { return strings.NewReader(xml) }} {
		if n, err := countEnds(r(), 1e9); err != nil || n != 1004 {
			t.Errorf("count %d %v, want 1004", n, err)
		}
		// Read a byte at a time: no closing split between reads is lost or doubled.
		if n, err := countEnds(iotest.OneByteReader(r()), 1e9); err != nil || n != 1004 {
			t.Errorf("one byte at a time: %d %v", n, err)
		}
	}
}

// TestSharedStringsBomb: a workbook of well under a megabyte whose shared
// strings hold millions of entries is refused by Check — before any sheet
// is parsed — while an ordinary workbook passes.
func TestSharedStringsBomb(t *testing.T) {
	dir := t.TempDir()
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
	out, err := importertest.StringsBomb(3000)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > 1<<20 {
		t.Fatalf("the bomb is %d bytes, not under a megabyte", len(out))
	}
	bomb := filepath.Join(dir, "bomb.xlsx")
	os.WriteFile(bomb, out, 0o600)
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
