package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/enterprise"
)

// Runner runs one import job over one file. The caller provides storage
// (inside the job's transaction) and a way to open the file, which is read
// twice: once to count rows and find duplicates, once to apply.
type Runner struct {
	Kind     Kind
	Township string // a township administrator's survey import: only its rows
	DryRun   bool
	District *division.District
	// Open opens the file from its start.
	Open func() (Sheet, error)
	// Store applies changes and records issues.
	Store Ledgers
	// Now stamps changed ledgers.
	Now func() time.Time
	// Progress, when set, is told how far the job is, about every thousand rows.
	Progress func(Progress)
	// Batch is how many rows are looked up and written together (default 1000).
	Batch int

	header *Header // found by Run
}

// Result is what a finished run found.
type Result struct {
	Counts         Counts
	Sheet          string
	HeaderRow      int
	UnknownColumns []string
}

// multiSheet is a workbook with several sheets.
type multiSheet interface {
	NextSheet() (bool, error)
	SheetName() string
}

// located is a file opened at its first data row.
type located struct {
	sheet  Sheet
	header *Header
	name   string
}

// locate opens the file and finds the header, trying each sheet of a
// workbook in turn. sheetIndex, when ≥ 0, goes straight to that sheet.
func (r *Runner) locate(sheetIndex int) (located, int, error) {
	s, err := r.Open()
	if err != nil {
		return located{}, 0, err
	}
	var firstErr error
	for idx := 0; ; idx++ {
		name := ""
		if m, ok := s.(multiSheet); ok {
			name = m.SheetName()
		}
		if sheetIndex < 0 || idx == sheetIndex {
			var head [][]string
			for len(head) < maxHeaderSearch {
				cells, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					s.Close()
					return located{}, 0, err
				}
				head = append(head, cells)
			}
			h, err := DetectHeader(head, r.Kind)
			if err == nil {
				// Rewind to just after the header: reopen this sheet.
				s.Close()
				s2, err := r.reopenAt(idx, h.Row)
				if err != nil {
					return located{}, 0, err
				}
				return located{sheet: s2, header: h, name: name}, idx, nil
			}
			if firstErr == nil {
				firstErr = err
			}
			var he *HeaderError
			if !errors.As(err, &he) || he.Code != "header_not_found" {
				s.Close()
				return located{}, 0, err
			}
		}
		m, ok := s.(multiSheet)
		if !ok {
			break
		}
		more, err := m.NextSheet()
		if err != nil {
			s.Close()
			return located{}, 0, err
		}
		if !more {
			break
		}
	}
	s.Close()
	if firstErr == nil {
		firstErr = &HeaderError{Code: "header_not_found", Message: "文件中没有数据"}
	}
	return located{}, 0, firstErr
}

// reopenAt opens the file at sheet idx, positioned after row headerRow.
func (r *Runner) reopenAt(idx, headerRow int) (Sheet, error) {
	s, err := r.Open()
	if err != nil {
		return nil, err
	}
	for i := 0; i < idx; i++ {
		m, ok := s.(multiSheet)
		if !ok {
			break
		}
		if _, err := m.NextSheet(); err != nil {
			s.Close()
			return nil, err
		}
	}
	for s.Row() < headerRow {
		if _, err := s.Next(); err != nil {
			s.Close()
			if err == io.EOF {
				return nil, fmt.Errorf("file changed while reading")
			}
			return nil, err
		}
	}
	return s, nil
}

// applicable tells, cheaply, whether a row could be applied at all: its
// code is well-formed and a registration row has a name. Of several rows
// with one code, the last applicable one wins, so a later broken row does
// not push out a good one.
func (r *Runner) applicable(code string, cells []string) bool {
	if _, ok := enterprise.ParseCreditCode(code); !ok {
		return false
	}
	if r.Kind != Registration {
		return true
	}
	h := r.header
	i := h.Index(FieldName)
	return i >= 0 && i < len(cells) && strings.TrimSpace(Clean(cells[i])) != ""
}

// occurrence remembers the last row of a credit code within the file.
type occurrence struct {
	ordinal int32  // data row ordinal of the last occurrence
	row     int32  // its sheet row number
	hash    uint64 // its content
}

type codeKey [18]byte

func keyOf(code string) (codeKey, bool) {
	var k codeKey
	if len(code) != 18 {
		return k, false
	}
	copy(k[:], code)
	return k, true
}

// Run imports the file: it validates every row, applies the valid ones
// through Store (nothing when DryRun), reports every rejected and warned
// row, and returns the counts. A file-level problem is a *FileError or
// *HeaderError; the caller fails the job with its message.
func (r *Runner) Run(ctx context.Context) (Result, error) {
	if r.Batch <= 0 {
		r.Batch = 1000
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	loc, idx, err := r.locate(-1)
	if err != nil {
		return Result{}, err
	}
	res := Result{Sheet: loc.name, HeaderRow: loc.header.Row, UnknownColumns: loc.header.Unknown}
	h := loc.header
	r.header = h

	// Pass 1: count the rows and remember the last row of each code.
	last := map[codeKey]occurrence{}
	total := 0
	for {
		cells, err := loc.sheet.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			loc.sheet.Close()
			return res, err
		}
		if Blank(cells) {
			continue
		}
		code, hash := h.RowKey(cells)
		if k, ok := keyOf(code); ok && r.applicable(code, cells) {
			last[k] = occurrence{ordinal: int32(total), row: int32(loc.sheet.Row()), hash: hash}
		}
		total++
		if total%50000 == 0 {
			if err := ctx.Err(); err != nil {
				loc.sheet.Close()
				return res, err
			}
		}
	}
	loc.sheet.Close()
	if total == 0 {
		return res, &HeaderError{Code: "no_rows", Message: fmt.Sprintf("第%d行是表头，但其下没有数据行", h.Row)}
	}
	if r.Progress != nil {
		r.Progress(Progress{Processed: 0, Total: total})
	}

	// Pass 2: parse, deduplicate, apply in batches.
	s, err := r.reopenAt(idx, h.Row)
	if err != nil {
		return res, err
	}
	defer s.Close()
	wr := newWriter(ctx, r.Store)
	defer wr.close()
	b := batch{r: r, w: wr, counts: &res.Counts, codeColumn: h.Names[h.Index(FieldCreditCode)], nameColumn: FieldName.Label()}
	if i := h.Index(FieldName); i >= 0 {
		b.nameColumn = h.Names[i]
	}
	ordinal := 0
	for {
		cells, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		if Blank(cells) {
			continue
		}
		row := s.Row()
		res.Counts.Rows++
		code, hash := h.RowKey(cells)
		if k, ok := keyOf(code); ok {
			// Only rows before the winning one are duplicates; a row after
			// it could not be applied and is parsed, to be rejected.
			if o, seen := last[k]; seen && ordinal < int(o.ordinal) {
				res.Counts.Duplicates++
				if o.hash != hash {
					res.Counts.Warnings++
					b.issues = append(b.issues, Issue{Row: row, Column: h.Names[h.Index(FieldCreditCode)], Value: code,
						Message:  fmt.Sprintf("第%d行与第%d行统一社会信用代码相同但内容不同，以后出现的第%d行为准", row, o.row, o.row),
						Severity: Warning})
				}
				ordinal++
				continue
			}
		}
		ordinal++
		rec := h.Parse(row, cells, r.Kind)
		rec.Hash = hash
		if rec.Rejected {
			res.Counts.Rejected++
			b.issues = append(b.issues, rec.Issues...)
		} else {
			b.records = append(b.records, rec)
		}
		if len(b.records) >= r.Batch || len(b.issues) >= r.Batch {
			if err := b.flush(ctx); err != nil {
				return res, err
			}
			if r.Progress != nil {
				r.Progress(Progress{Processed: res.Counts.Rows, Total: total})
			}
		}
	}
	if err := b.flush(ctx); err != nil {
		return res, err
	}
	if err := wr.close(); err != nil {
		return res, err
	}
	if r.Progress != nil {
		r.Progress(Progress{Processed: res.Counts.Rows, Total: total})
	}
	return res, nil
}

// batch collects parsed rows and issues until they are written together.
type batch struct {
	r       *Runner
	w       *writer
	counts  *Counts
	records []Record
	issues  []Issue
	// codeColumn and nameColumn are those columns' headers in the file.
	codeColumn, nameColumn string
}

func (b *batch) flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := b.r
	var w write
	if len(b.records) > 0 {
		codes := make([]string, len(b.records))
		for i, rec := range b.records {
			codes[i] = rec.Code
		}
		existing, err := r.Store.Lookup(ctx, codes)
		if err != nil {
			return err
		}
		now := r.Now().UTC()
		var out []enterprise.Ledger
		var history [][]byte
		for i := range b.records {
			rec := &b.records[i]
			l, ch, ok := b.merge(rec, existing)
			if !ok {
				continue
			}
			if rec.Warned() {
				b.counts.Warnings++
			}
			b.issues = append(b.issues, rec.Issues...)
			created := l.ID == 0
			switch {
			case created:
				b.counts.Created++
			case len(ch) > 0:
				b.counts.Updated++
			default:
				b.counts.Unchanged++
			}
			if l.TownshipCode == "" {
				b.counts.Unassigned++
			}
			if !l.InScope {
				b.counts.OutOfScope++
			}
			if !created && len(ch) == 0 {
				continue
			}
			if r.DryRun {
				continue
			}
			var h []byte
			if created {
				l.Version, l.CreatedAt = 1, now
				h = enterprise.EncodeCreated(nil, &l)
			} else {
				l.Version++
				var err error
				if h, err = enterprise.EncodeChanges(ch); err != nil {
					return err
				}
			}
			l.UpdatedAt = now
			out = append(out, l)
			history = append(history, h)
		}
		w.ledgers, w.history = out, history
	}
	// Rows reach a batch in file order, but a rejected row's issues arrive
	// before the warnings of the rows merged at the flush: sort, so the
	// report reads top to bottom.
	sort.SliceStable(b.issues, func(i, j int) bool { return b.issues[i].Row < b.issues[j].Row })
	w.issues = b.issues
	b.records, b.issues = b.records[:0], nil
	return b.w.send(w)
}

// write is one batch's worth of storage work.
type write struct {
	ledgers []enterprise.Ledger
	history [][]byte // each ledger's history entry, as enterprise_history stores it
	issues  []Issue
}

// writer does the storage work of a run on its own goroutine, so that
// parsing and merging the next batch overlaps with writing this one (the
// two cores of a small server both work). Batches never share a credit
// code, so a lookup never needs a write still in flight.
type writer struct {
	ctx   context.Context
	store Ledgers
	in    chan write
	done  chan struct{}
	err   error
	once  sync.Once
}

func newWriter(ctx context.Context, store Ledgers) *writer {
	w := &writer{ctx: ctx, store: store, in: make(chan write, 1), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for job := range w.in {
			if w.err != nil {
				continue // drain after a failure
			}
			if len(job.ledgers) > 0 {
				if err := store.Write(ctx, job.ledgers, job.history); err != nil {
					w.err = err
					continue
				}
			}
			if len(job.issues) > 0 {
				if err := store.Report(ctx, job.issues); err != nil {
					w.err = err
				}
			}
		}
	}()
	return w
}

// send queues a batch; it returns the error of an earlier batch, if any.
func (w *writer) send(job write) error {
	select {
	case <-w.done:
		return w.err
	default:
	}
	if len(job.ledgers) == 0 && len(job.issues) == 0 {
		return nil
	}
	select {
	case w.in <- job:
		return nil
	case <-w.done:
		return w.err
	}
}

// close waits for every queued batch and returns the first error.
func (w *writer) close() error {
	w.once.Do(func() { close(w.in) })
	<-w.done
	return w.err
}

// merge applies one record; ok is false when the row is rejected here
// (survey rows whose ledger is missing or belongs to another township).
func (b *batch) merge(rec *Record, existing map[string]enterprise.Ledger) (enterprise.Ledger, []enterprise.Change, bool) {
	r := b.r
	old, found := existing[rec.Code]
	codeCol := b.codeColumn
	if r.Kind == Registration {
		var prev *enterprise.Ledger
		if found {
			prev = &old
		}
		l, ch := MergeRegistration(prev, rec, r.District)
		return l, ch, true
	}
	reject := func(msg string) {
		b.counts.Rejected++
		b.issues = append(b.issues, Issue{Row: rec.Row, Column: codeCol, Value: rec.Code, Message: msg, Severity: Rejected})
		b.issues = append(b.issues, rec.Issues...)
	}
	if !found || (r.Township != "" && old.TownshipCode != r.Township) {
		// A township administrator is told the same for a ledger of another
		// township as for a missing one: other townships are not disclosed.
		if r.Township != "" {
			reject("本街道/乡镇的台账中没有该统一社会信用代码（调查表只能更新本街道/乡镇的企业）")
		} else {
			reject("台账中没有该统一社会信用代码：请先导入登记数据或手工录入该企业")
		}
		return enterprise.Ledger{}, nil, false
	}
	if rec.Name != "" && old.Name != "" && enterprise.CleanText(rec.Name) != old.Name {
		rec.Issues = append(rec.Issues, Issue{Row: rec.Row, Column: b.nameColumn, Value: rec.Name,
			Message: "企业名称与台账中的“" + old.Name + "”不一致，已按统一社会信用代码更新，请核实", Severity: Warning})
	}
	l, ch := MergeSurvey(old, rec)
	return l, ch, true
}
