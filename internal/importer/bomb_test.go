package importer

import (
	"archive/zip"
	"bytes"
	"errors"
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
