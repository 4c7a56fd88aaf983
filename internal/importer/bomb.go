package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// A workbook's shared strings are read whole before its first row: a
// sub-megabyte file can hold millions of them (one short string repeated
// compresses to almost nothing) and cost gigabytes and minutes to parse.
// Legitimate strings are mostly distinct, so each costs some bytes of the
// file: a workbook may hold minSharedStrings strings plus one per
// bytesPerString bytes of its size.
const (
	minSharedStrings = 200_000
	bytesPerString   = 4
)

// checkSharedStrings counts the entries of the shared strings of zr (a
// workbook of size bytes) by scanning the XML for the ends of its <si>
// elements, and refuses more than the file's size can hold.
func checkSharedStrings(zr *zip.Reader, size int64) error {
	limit := minSharedStrings + size/bytesPerString
	for _, zf := range zr.File {
		if !strings.EqualFold(zf.Name, "xl/sharedStrings.xml") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return unreadable("xlsx_unreadable", "xlsx 文件不完整或已损坏（无法解压），请在 Excel/WPS 中打开后重新保存再导入")
		}
		n, err := countEnds(rc, limit)
		rc.Close()
		if err != nil {
			return unreadable("xlsx_unreadable", "xlsx 文件不完整或已损坏（无法解压），请在 Excel/WPS 中打开后重新保存再导入")
		}
		if n > limit {
			return unreadable("xlsx_too_many_strings", fmt.Sprintf(
				"xlsx 文件只有 %.1f MB，却含有超过 %d 个共享文本，可能是恶意构造的文件，已拒绝；请在 Excel/WPS 中打开后另存为新文件再导入",
				float64(size)/(1<<20), limit))
		}
	}
	return nil
}

// countEnds counts the si elements of the XML in r by their ends —
// "</si>", "<si/>", and with a namespace prefix "</x:si>" (whose opening
// "<x:si>" also ends in ":si>") — stopping once past limit.
func countEnds(r io.Reader, limit int64) (int64, error) {
	var plain, prefixed int64
	count := func(b []byte) (int64, int64) {
		return int64(bytes.Count(b, []byte("/si>")) + bytes.Count(b, []byte("<si/>"))), int64(bytes.Count(b, []byte(":si>")))
	}
	buf := make([]byte, 256<<10)
	joined := make([]byte, 0, len(buf)+4)
	var prev []byte // the last 4 bytes read, already counted
	for {
		m, err := r.Read(buf)
		if m > 0 {
			// What ends in the new bytes: a pattern split by the read
			// is whole in joined; one inside prev was counted before.
			joined = append(append(joined[:0], prev...), buf[:m]...)
			a, b := count(joined)
			c, d := count(prev)
			plain, prefixed = plain+a-c, prefixed+b-d
			prev = append(prev[:0], joined[max(0, len(joined)-4):]...)
			if plain+prefixed/2 > limit {
				return plain + prefixed/2, nil
			}
		}
		if err == io.EOF {
			return plain + prefixed/2, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
