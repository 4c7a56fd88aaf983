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

// countEnds counts the si elements of the XML in r by their start tags —
// "<si" with or without a namespace prefix ("<x:si"), followed by white
// space, "/" or ">" (XML allows "<si >", "</si\n>") — stopping once past
// limit.
func countEnds(r io.Reader, limit int64) (int64, error) {
	const keep = 64 // bytes carried between reads: a tag split by a read is whole in joined
	var n int64
	buf := make([]byte, 256<<10)
	joined := make([]byte, 0, len(buf)+keep)
	var prev []byte
	for {
		m, err := r.Read(buf)
		if m > 0 {
			joined = append(append(joined[:0], prev...), buf[:m]...)
			n += countStarts(joined, len(prev))
			prev = append(prev[:0], joined[max(0, len(joined)-keep):]...)
			if n > limit {
				return n, nil
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// countStarts counts the si start tags in b that end at or after from
// (those before were counted with the previous read).
func countStarts(b []byte, from int) int64 {
	var n int64
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("si"))
		if j < 0 {
			return n
		}
		at := i + j
		i = at + 2
		if at+2 >= len(b) || at+2 < from {
			continue // the next byte is not here yet, or counted before
		}
		switch b[at+2] {
		case ' ', '\t', '\r', '\n', '/', '>':
		default:
			continue
		}
		k := at - 1
		if k >= 0 && b[k] == ':' { // a prefix: back over its name to "<"
			k--
			for k >= 0 && at-k < 64 && isNameByte(b[k]) {
				k--
			}
		}
		if k >= 0 && b[k] == '<' {
			n++
		}
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}
