package importer

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"strings"
)

// Check looks at an uploaded file before it is queued: the content must be
// a spreadsheet (415 otherwise), and an xlsx must be a readable zip whose
// unpacked size stays under UnzipLimit (a zip bomb is refused here, from
// the zip directory alone, before any sheet is parsed), whose shared
// strings are not more than its size can hold (checkSharedStrings).
func Check(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 8192)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", err
	}
	format, err := Sniff(head[:n])
	if err != nil || format != XLSX {
		return format, err
	}
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return "", unreadable("xlsx_unreadable", "xlsx 文件不完整或已损坏（无法解压），请在 Excel/WPS 中打开后重新保存再导入")
	}
	var total uint64
	workbook := false
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if strings.EqualFold(zf.Name, "xl/workbook.xml") {
			workbook = true
		}
	}
	if !workbook {
		return "", unsupported("文件是压缩包但不是 Excel 工作簿（.xlsx）；请导入 .xlsx 或 CSV 文件")
	}
	if total > UnzipLimit {
		return "", unreadable("xlsx_too_large", fmt.Sprintf("xlsx 文件解压后约 %d MB，超过 %d MB 的上限，可能是压缩炸弹或异常文件，已拒绝", total>>20, UnzipLimit>>20))
	}
	if err := checkSharedStrings(zr, st.Size()); err != nil {
		return "", err
	}
	return XLSX, nil
}
