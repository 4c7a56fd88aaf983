package importer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// A workbook is slow to read: its sheet is XML to decode, which costs more
// than everything else an import does with a row. A run reads the file
// twice (to find each code's last row, then to apply), so on the first
// read it copies the data rows of a costly sheet into a spool — a temporary
// file of length-prefixed cells — and reads that the second time.

// costly is implemented by sheets worth spooling rather than reading twice.
type costly interface{ costlyToReread() bool }

func (s *xlsxSheet) costlyToReread() bool { return true }

// spool writes rows to a temporary file.
type spool struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
}

func newSpool() (*spool, error) {
	f, err := CreateTemp(".spool")
	if err != nil {
		return nil, fmt.Errorf("import spool: %w", err)
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// add appends one row: its sheet row number and its cells.
func (s *spool) add(row int, cells []string) error {
	b := binary.AppendUvarint(s.buf[:0], uint64(row))
	b = binary.AppendUvarint(b, uint64(len(cells)))
	for _, c := range cells {
		b = binary.AppendUvarint(b, uint64(len(c)))
		b = append(b, c...)
	}
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

// sheet finishes writing and returns the spooled rows as a Sheet, which
// removes the file when closed.
func (s *spool) sheet() (Sheet, error) {
	if err := s.w.Flush(); err != nil {
		return nil, fmt.Errorf("import spool: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("import spool: %w", err)
	}
	return &spoolSheet{f: s.f, r: bufio.NewReaderSize(s.f, 1<<20)}, nil
}

// discard removes the spool without reading it.
func (s *spool) discard() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// spoolSheet reads a spool back.
type spoolSheet struct {
	f   *os.File
	r   *bufio.Reader
	row int
}

func (s *spoolSheet) Next() ([]string, error) {
	row, err := binary.ReadUvarint(s.r)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, s.broken(err)
	}
	n, err := binary.ReadUvarint(s.r)
	if err != nil {
		return nil, s.broken(err)
	}
	cells := make([]string, n)
	var b []byte
	for i := range cells {
		l, err := binary.ReadUvarint(s.r)
		if err != nil {
			return nil, s.broken(err)
		}
		if uint64(cap(b)) < l {
			b = make([]byte, l)
		}
		b = b[:l]
		if _, err := io.ReadFull(s.r, b); err != nil {
			return nil, s.broken(err)
		}
		cells[i] = string(b)
	}
	s.row = int(row)
	return cells, nil
}

func (s *spoolSheet) broken(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("import spool after row %d: %w", s.row, err)
}

func (s *spoolSheet) Row() int { return s.row }

func (s *spoolSheet) Close() error {
	err := s.f.Close()
	os.Remove(s.f.Name())
	return err
}
