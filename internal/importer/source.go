package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/fugai/fugai/internal/enterprise"
)

// Format is a file format, sniffed from the content (never the name).
type Format string

// Formats the importer reads.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// Limits bound what reading a file may cost.
const (
	// UnzipLimit caps the unpacked size of an xlsx: beyond it the file is
	// refused before any sheet is parsed (a zip bomb).
	UnzipLimit = 1 << 30
	// UnzipXMLLimit is the size above which excelize spills a worksheet or
	// the shared strings to a temporary file instead of memory.
	UnzipXMLLimit = 16 << 20
	// maxLine caps one physical CSV line; a longer one means a broken file
	// (an unterminated quote swallowing the rest, or a binary blob).
	maxLine = 1 << 20
)

// FileError is a problem with the file as a whole. Unsupported says the
// content is not a spreadsheet at all (415); otherwise the file is a
// spreadsheet that cannot be read (422).
type FileError struct {
	Code        string
	Message     string
	Unsupported bool
}

func (e *FileError) Error() string { return e.Message }

func unsupported(msg string) error {
	return &FileError{Code: "unsupported_file", Message: msg, Unsupported: true}
}

func unreadable(code, msg string) error { return &FileError{Code: code, Message: msg} }

// Sniff tells the format of a file from its first bytes.
func Sniff(head []byte) (Format, error) {
	switch {
	case len(head) == 0:
		return "", unreadable("empty_file", "文件为空")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return XLSX, nil
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", unsupported("不支持 Excel 97-2003（.xls）或 WPS 旧格式，请在 Excel/WPS 中另存为 .xlsx 或 CSV 后再导入")
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "", unsupported("文件是 PDF，不是表格；请导入 .xlsx 或 CSV 文件")
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return CSV, nil // UTF-16 text, as Excel's "Unicode text" saves it
	}
	control := 0
	for _, b := range head {
		if b == 0 {
			return "", unsupported("文件内容不是表格（含有二进制数据）；请导入 .xlsx 或 CSV 文件")
		}
		if b < 0x20 && b != '\t' && b != '\r' && b != '\n' && b != 0x1A {
			control++
		}
	}
	if control*100 > len(head) {
		return "", unsupported("文件内容不是表格（含有大量控制字符）；请导入 .xlsx 或 CSV 文件")
	}
	return CSV, nil
}

// Sheet reads the rows of one file.
type Sheet interface {
	// Next returns the next row's cells, or io.EOF after the last row.
	Next() ([]string, error)
	// Row returns the 1-based row number of the row Next last returned.
	Row() int
	Close() error
}

// Open opens path, sniffing its format. For xlsx it reads the first sheet
// (the caller may ask for others with OpenSheet).
func Open(path string) (Sheet, Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	head := make([]byte, 8192)
	n, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, "", err
	}
	format, err := Sniff(head[:n])
	if err != nil {
		return nil, "", err
	}
	if format == XLSX {
		s, err := openXLSX(path)
		return s, XLSX, err
	}
	s, err := openCSV(path)
	return s, CSV, err
}

// xlsxSheet streams the rows of a workbook's sheets.
type xlsxSheet struct {
	f      *excelize.File
	sheets []string
	cur    int
	rows   *excelize.Rows
	row    int
	wide   int // rows read wider than maxColumns (blank past it)
}

// Bounds on a sheet's width: a row is read as wide as its last cell, and a
// cell at column XFD (16,384) — even a blank one — makes it 16,384 cells
// wide. Cells past maxColumns are dropped when blank; data there fails the
// file, and so do more than maxWideRows such rows (a sheet built to make
// every row that wide costs about 13 ms a row to read).
const (
	maxColumns  = 1024
	maxWideRows = 100
)

func openXLSX(path string) (*xlsxSheet, error) {
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: UnzipLimit, UnzipXMLSizeLimit: UnzipXMLLimit})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, unreadable("xlsx_too_large", fmt.Sprintf("xlsx 文件解压后超过 %d MB，可能是压缩炸弹或异常文件，已拒绝", UnzipLimit>>20))
		}
		return nil, unreadable("xlsx_unreadable", "无法读取 xlsx 文件（文件可能已损坏或不完整），请在 Excel/WPS 中打开后重新保存再导入")
	}
	s := &xlsxSheet{f: f}
	for _, name := range f.GetSheetList() {
		if v, err := f.GetSheetVisible(name); err == nil && v {
			s.sheets = append(s.sheets, name)
		}
	}
	if len(s.sheets) == 0 {
		f.Close()
		return nil, unreadable("xlsx_no_sheet", "xlsx 文件中没有可读的工作表")
	}
	if err := s.open(0); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *xlsxSheet) open(i int) error {
	if s.rows != nil {
		s.rows.Close()
	}
	rows, err := s.f.Rows(s.sheets[i])
	if err != nil {
		return unreadable("xlsx_unreadable", fmt.Sprintf("无法读取工作表“%s”：文件可能已损坏", s.sheets[i]))
	}
	s.cur, s.rows, s.row = i, rows, 0
	return nil
}

// Sheets lists the visible sheets; NextSheet moves to the following one.
func (s *xlsxSheet) Sheets() []string { return s.sheets }

// NextSheet starts reading the next visible sheet; false at the last.
func (s *xlsxSheet) NextSheet() (bool, error) {
	if s.cur+1 >= len(s.sheets) {
		return false, nil
	}
	return true, s.open(s.cur + 1)
}

// SheetName is the sheet being read.
func (s *xlsxSheet) SheetName() string { return s.sheets[s.cur] }

func (s *xlsxSheet) Next() ([]string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, unreadable("xlsx_unreadable", fmt.Sprintf("读取第%d行之后出错：文件可能已损坏或不完整", s.row))
		}
		return nil, io.EOF
	}
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, unreadable("xlsx_unreadable", fmt.Sprintf("第%d行无法读取：文件可能已损坏", s.row+1))
	}
	// Next yields every row number in order, empty ones included, so
	// counting calls gives the sheet's row number.
	s.row++
	if len(cells) > maxColumns {
		for _, c := range cells[maxColumns:] {
			if strings.TrimSpace(c) != "" {
				return nil, unreadable("xlsx_too_wide", fmt.Sprintf("第%d行在第%d列之后还有数据；登记、调查和联络员表格不会有这么多列，请检查文件", s.row, maxColumns))
			}
		}
		if s.wide++; s.wide > maxWideRows {
			return nil, unreadable("xlsx_too_wide", fmt.Sprintf("工作表有超过%d行延伸到第%d列之后（空白单元格），读取代价过高，可能是恶意构造的文件；请在 Excel/WPS 中删除多余的列后另存再导入", maxWideRows, maxColumns))
		}
		cells = cells[:maxColumns]
	}
	return cells, nil
}

func (s *xlsxSheet) Row() int { return s.row }

func (s *xlsxSheet) Close() error {
	if s.rows != nil {
		s.rows.Close()
	}
	return s.f.Close()
}

// csvSheet reads a CSV file in UTF-8 (with or without BOM), UTF-16 (with
// BOM) or GB18030.
type csvSheet struct {
	file  *os.File
	r     *csv.Reader
	lines *lineGuard
	row   int
}

func openCSV(path string) (*csvSheet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(64 << 10)
	var text io.Reader
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		text = br
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		text = transform.NewReader(br, unicode.BOMOverride(unicode.UTF8.NewDecoder()))
	case validUTF8File(path):
		text = br
	default:
		text = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	guard := &lineGuard{r: bufio.NewReaderSize(text, 64<<10)}
	sample, _ := guard.r.Peek(8 << 10)
	r := csv.NewReader(guard)
	r.Comma = delimiter(sample)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	return &csvSheet{file: f, r: r, lines: guard}, nil
}

// validUTF8File reports whether the whole file is UTF-8. Judging by the
// first bytes alone is not enough: a GB18030 export may be plain ASCII for
// its first thousand rows. Reading the file once more costs a fraction of
// a second even at a million rows.
func validUTF8File(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	carry := 0
	for {
		n, err := f.Read(buf[carry:])
		end := carry + n
		if err == io.EOF || (err == nil && n == 0) {
			return utf8.Valid(buf[:end])
		}
		if err != nil {
			return false
		}
		// Keep an incomplete sequence at the end for the next read.
		cut := end
		for i := 1; i <= utf8.UTFMax && i <= end; i++ {
			if utf8.RuneStart(buf[end-i]) {
				if !utf8.FullRune(buf[end-i : end]) {
					cut = end - i
				}
				break
			}
		}
		if !utf8.Valid(buf[:cut]) {
			return false
		}
		carry = copy(buf, buf[cut:end])
	}
}

// delimiter picks comma, tab or semicolon.
// The header may sit below title lines that hold no delimiter at all, so
// the line with the most delimiters among the first few decides.
func delimiter(sample []byte) rune {
	best, most := ',', 0
	for i, line := range bytes.SplitN(sample, []byte("\n"), 31) {
		if i == 30 {
			break
		}
		for _, d := range []rune{',', '\t', ';'} {
			if c := bytes.Count(line, []byte(string(d))); c > most {
				best, most = d, c
			}
		}
	}
	return best
}

func (s *csvSheet) Next() ([]string, error) {
	rec, err := s.r.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		var tooLong *lineTooLong
		if errors.As(err, &tooLong) {
			return nil, unreadable("line_too_long", fmt.Sprintf("第%d行超过 %d KB，文件可能已损坏（例如引号不配对），未导入任何数据", tooLong.line, maxLine>>10))
		}
		return nil, unreadable("csv_unreadable", fmt.Sprintf("CSV 第%d行无法解析：%v", s.row+1, err))
	}
	line, _ := s.r.FieldPos(0)
	s.row = line
	if k := swallowedRow(rec, s.r.Comma); k > 0 {
		return nil, unreadable("csv_unclosed_quote", fmt.Sprintf("第%d行的引号没有闭合，其后的行（如第%d行）被并入了同一格，未导入任何数据；请检查该行的引号后重新导入", line, line+k))
	}
	// What decoding could not make sense of becomes U+FFFD, which the row
	// parser warns about; nothing invalid travels further.
	for i, c := range rec {
		if !utf8.ValidString(c) {
			rec[i] = strings.ToValidUTF8(c, "\uFFFD")
		}
	}
	return rec, nil
}

// swallowedRow looks for rows a quote left open has taken into one cell:
// a line within a cell that starts like a registration row — a credit
// code whose check digit holds (an identity card number seldom does),
// quoted or not, then the delimiter, and at least one more cell. It
// returns that line's offset from the record's first line, 0 when there
// is none. A cell may hold line breaks of its own (an address over two
// lines, a note listing shareholders); it does not hold rows.
func swallowedRow(rec []string, comma rune) int {
	for _, c := range rec {
		if !strings.Contains(c, "\n") {
			continue
		}
		lines := strings.Split(c, "\n")[1:]
		for k, ln := range lines {
			quoted := strings.HasPrefix(strings.TrimLeft(ln, "\r \t"), `"`)
			ln = strings.TrimLeft(ln, "\r\" \t")
			if len(ln) < 18 || enterprise.CheckDigit(ln[:17]) != ln[17] {
				continue
			}
			rest := strings.TrimPrefix(ln[18:], `"`)
			switch {
			case strings.HasPrefix(rest, string(comma)) && strings.Count(rest, string(comma)) >= 2:
				return k + 1
			case rest == "" && quoted && k == len(lines)-1:
				// Every field quoted: the swallowed row's quoted code
				// closed the open cell, its other cells follow it.
				return k + 1
			}
		}
	}
	return 0
}

func (s *csvSheet) Row() int { return s.row }

func (s *csvSheet) Close() error { return s.file.Close() }

// lineGuard passes text through and fails once a physical line exceeds
// maxLine bytes, so a broken file cannot make one record unbounded.
type lineGuard struct {
	r    *bufio.Reader
	cur  int // bytes in the current line so far
	line int // 1-based number of the current line
}

type lineTooLong struct{ line int }

func (e *lineTooLong) Error() string { return fmt.Sprintf("line %d too long", e.line) }

func (g *lineGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			g.line++
			g.cur = 0
			continue
		}
		g.cur++
		if g.cur > maxLine {
			return 0, &lineTooLong{line: g.line + 1}
		}
	}
	return n, err
}
