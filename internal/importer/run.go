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
	// OverwriteNewer applies survey values even to fields the ledger
	// changed after the row's date; without it those fields are kept and
	// reported (see EditStore).
	OverwriteNewer bool
	// Uploaded is when the file was uploaded: a 填报日期 after its day is
	// not believed (zero: Now).
	Uploaded time.Time
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

	header   *Header   // found by Run
	pools    Pools     // read by Run
	edits    EditStore // a survey's, set by Run
	surveyed Surveyed  // read by Run for a survey
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
	p, err := r.Prepare(ctx)
	if err != nil {
		return p.Result(), err
	}
	defer p.Close()
	return r.Apply(ctx, p)
}

// Prepared is a file read once by Prepare (pass 1), for Apply.
type Prepared struct {
	res   Result
	loc   located
	idx   int
	sp    *spool
	last  map[codeKey]occurrence
	total int
	used  bool
}

// Result is what Prepare found of the file: the sheet, header and unknown
// columns (set when it failed after finding them).
func (p *Prepared) Result() Result {
	if p == nil {
		return Result{}
	}
	return p.res
}

// Close releases what Apply did not take: the spool, the open sheet.
func (p *Prepared) Close() {
	if p == nil || p.used {
		return
	}
	p.used = true
	if p.sp != nil {
		p.sp.discard()
	}
	if p.loc.sheet != nil && p.total == 0 {
		p.loc.sheet.Close()
	}
}

// Prepare reads the file once — finds the header, counts the rows,
// remembers the last row of each credit code and copies a costly sheet to
// a spool — without the database: the worker runs it before the import's
// transaction, so that on SQLite no writer waits while a file is parsed
// (a hostile workbook can take long). A liaisons sheet is only located.
func (r *Runner) Prepare(ctx context.Context) (*Prepared, error) {
	if r.Batch <= 0 {
		r.Batch = 1000
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	loc, idx, err := r.locate(-1)
	if err != nil {
		return nil, err
	}
	res := Result{Sheet: loc.name, HeaderRow: loc.header.Row, UnknownColumns: loc.header.Unknown}
	h := loc.header
	r.header = h
	p := &Prepared{res: res, loc: loc, idx: idx}
	if r.Kind == Liaisons {
		return p, nil
	}

	// Pass 1: count the rows and remember the last row of each code; a
	// costly sheet is copied to a spool on the way, for pass 2 to read.
	var sp *spool
	if c, ok := loc.sheet.(costly); ok && c.costlyToReread() {
		if sp, err = newSpool(); err != nil {
			loc.sheet.Close()
			return p, err
		}
	}
	fail := func(err error) (*Prepared, error) {
		loc.sheet.Close()
		if sp != nil {
			sp.discard()
		}
		p.used = true
		return p, err
	}
	last := map[codeKey]occurrence{}
	total := 0
	for {
		cells, err := loc.sheet.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		if Blank(cells) {
			continue
		}
		code, hash := h.RowKey(cells)
		if k, ok := keyOf(code); ok && r.applicable(code, cells) {
			last[k] = occurrence{ordinal: int32(total), row: int32(loc.sheet.Row()), hash: hash}
		}
		if sp != nil {
			if err := sp.add(loc.sheet.Row(), cells); err != nil {
				return fail(fmt.Errorf("import spool: %w", err))
			}
		}
		total++
		if total%50000 == 0 {
			if err := ctx.Err(); err != nil {
				return fail(err)
			}
		}
	}
	if total == 0 {
		return fail(&HeaderError{Code: "no_rows", Message: fmt.Sprintf("第%d行是表头，但其下没有数据行", h.Row)})
	}
	loc.sheet.Close()
	p.sp, p.last, p.total = sp, last, total
	return p, nil
}

// Apply runs pass 2 of a prepared file through Store (in the import's
// transaction), once.
func (r *Runner) Apply(ctx context.Context, p *Prepared) (Result, error) {
	if p.used {
		return p.res, errors.New("import: a prepared file applied twice")
	}
	p.used = true
	res, h := p.res, p.loc.header
	r.header = h
	if r.Kind == Liaisons {
		return r.runLiaisons(ctx, p.loc, p.idx, res)
	}
	sp, last, total, idx := p.sp, p.last, p.total, p.idx
	var err error
	if r.Progress != nil {
		r.Progress(Progress{Processed: 0, Total: total})
	}

	// Pass 2: a producer reads, deduplicates and parses rows on its own
	// goroutine while this one looks up, merges and hands batches to the
	// writer: reading, parsing and the database each keep a core busy.
	var s Sheet
	if sp != nil {
		s, err = sp.sheet()
		if err != nil {
			sp.discard()
		}
	} else {
		s, err = r.reopenAt(idx, h.Row)
	}
	if err != nil {
		return res, err
	}
	if r.pools, err = r.Store.Pools(ctx); err != nil {
		s.Close()
		return res, err
	}
	if r.Kind == Survey {
		if err := r.startGuard(ctx); err != nil {
			s.Close()
			return res, err
		}
	}
	pctx, cancel := context.WithCancel(ctx)
	parsedc := make(chan parsed, 1)
	var produceErr error
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		defer close(parsedc)
		defer s.Close()
		produceErr = r.produce(pctx, s, last, parsedc)
	}()
	defer func() {
		cancel()
		for range parsedc {
		}
		<-produced
	}()
	wr := newWriter(ctx, r.Store)
	defer wr.close()
	b := batch{r: r, counts: &res.Counts, codeColumn: h.Names[h.Index(FieldCreditCode)], nameColumn: FieldName.Label()}
	if i := h.Index(FieldName); i >= 0 {
		b.nameColumn = h.Names[i]
	}
	// Each batch is looked up BEFORE the previous one is handed to the
	// writer, and merged while the writer writes that one: the job's
	// connection goes from one batch's write straight to the next
	// lookup and write, and merging never keeps it idle.
	var ready *write // merged, not yet handed to the writer
	processed := 0
	for p := range parsedc {
		res.Counts.add(p.counts)
		existing, edits, err := b.lookup(ctx, p.records)
		if err != nil {
			return res, err
		}
		if ready != nil {
			if err := wr.send(*ready); err != nil {
				return res, err
			}
			if r.Progress != nil {
				r.Progress(Progress{Processed: processed, Total: total})
			}
		}
		w, err := b.merge(p, existing, edits)
		if err != nil {
			return res, err
		}
		ready, processed = &w, res.Counts.Rows
	}
	if ready != nil {
		if err := wr.send(*ready); err != nil {
			return res, err
		}
	}
	if r.Progress != nil {
		r.Progress(Progress{Processed: res.Counts.Rows, Total: total})
	}
	<-produced
	if produceErr != nil {
		return res, produceErr
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := wr.close(); err != nil {
		return res, err
	}
	return res, nil
}

// parsed is a batch of rows read and parsed by the producer, with what it
// counted on the way.
type parsed struct {
	records []Record
	issues  []Issue
	counts  Counts
}

// produce reads the data rows of s, skips the rows a later row of the same
// code replaces, parses the others and sends them in batches.
func (r *Runner) produce(ctx context.Context, s Sheet, last map[codeKey]occurrence, out chan<- parsed) error {
	h := r.header
	codeColumn := h.Names[h.Index(FieldCreditCode)]
	var p parsed
	send := func() bool {
		select {
		case out <- p:
			p = parsed{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	ordinal := 0
	for {
		cells, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if Blank(cells) {
			continue
		}
		row := s.Row()
		p.counts.Rows++
		code, hash := h.RowKey(cells)
		if k, ok := keyOf(code); ok {
			// Only rows before the winning one are duplicates; a row after
			// it could not be applied and is parsed, to be rejected.
			if o, seen := last[k]; seen && ordinal < int(o.ordinal) {
				p.counts.Duplicates++
				if o.hash != hash {
					p.counts.Warnings++
					p.issues = append(p.issues, Issue{Row: row, Column: codeColumn, Value: code,
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
		r.checkDate(&rec)
		if rec.Rejected {
			p.counts.Rejected++
			p.issues = append(p.issues, rec.Issues...)
		} else {
			p.records = append(p.records, rec)
		}
		if len(p.records) >= r.Batch || len(p.issues) >= r.Batch {
			if !send() {
				return ctx.Err()
			}
		}
	}
	if p.counts.Rows > 0 || len(p.issues) > 0 {
		if !send() {
			return ctx.Err()
		}
	}
	return nil
}

func (c *Counts) add(d Counts) {
	c.Rows += d.Rows
	c.Created += d.Created
	c.Updated += d.Updated
	c.Unchanged += d.Unchanged
	c.Rejected += d.Rejected
	c.Warnings += d.Warnings
	c.Duplicates += d.Duplicates
	c.Unassigned += d.Unassigned
	c.OutOfScope += d.OutOfScope
	c.KeptNewer += d.KeptNewer
	c.OverwrittenNewer += d.OverwrittenNewer
}

// batch merges parsed rows with their ledgers, batch by batch.
type batch struct {
	r      *Runner
	counts *Counts
	issues []Issue // of the batch being merged
	// codeColumn and nameColumn are those columns' headers in the file.
	codeColumn, nameColumn string
}

// lookup reads the ledgers of the records' credit codes and, for a
// survey, the recent edits of those ledgers: two queries per batch.
func (b *batch) lookup(ctx context.Context, records []Record) (map[string]enterprise.Ledger, map[int64]map[string]Edit, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if len(records) == 0 {
		return nil, nil, nil
	}
	codes := make([]string, len(records))
	for i := range records {
		codes[i] = records[i].Code
	}
	existing, err := b.r.Store.Lookup(ctx, codes)
	if err != nil || b.r.edits == nil {
		return existing, nil, err
	}
	since, ids := b.r.earliest(records, existing)
	if len(ids) == 0 {
		return existing, nil, nil
	}
	edits, err := b.r.edits.Edits(ctx, ids, since)
	return existing, edits, err
}

// merge applies a parsed batch to the ledgers it found, counts the
// outcomes and returns what is to be written.
func (b *batch) merge(p parsed, existing map[string]enterprise.Ledger, edits map[int64]map[string]Edit) (write, error) {
	r := b.r
	b.issues = p.issues
	var w write
	now := r.Now().UTC()
	for i := range p.records {
		rec := &p.records[i]
		l, ch, ok := b.mergeRecord(rec, existing, edits)
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
		if (!created && len(ch) == 0) || r.DryRun {
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
				return write{}, err
			}
		}
		l.UpdatedAt = now
		if r.Kind == Survey {
			l.VerifiedAt = &now // a survey update confirms the ledger
		}
		w.ledgers = append(w.ledgers, l)
		w.history = append(w.history, h)
	}
	// Rows reach a batch in file order, but a rejected row's issues arrive
	// before the warnings of the rows merged here: sort, so the report
	// reads top to bottom.
	sort.SliceStable(b.issues, func(i, j int) bool { return b.issues[i].Row < b.issues[j].Row })
	w.issues, b.issues = b.issues, nil
	return w, nil
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

// mergeRecord applies one record; ok is false when the row is rejected here
// (survey rows whose ledger is missing or belongs to another township).
func (b *batch) mergeRecord(rec *Record, existing map[string]enterprise.Ledger, edits map[int64]map[string]Edit) (enterprise.Ledger, []enterprise.Change, bool) {
	r := b.r
	old, found := existing[rec.Code]
	codeCol := b.codeColumn
	if r.Kind == Registration {
		var prev *enterprise.Ledger
		if found {
			prev = &old
		}
		l, ch := MergeRegistration(prev, rec, r.District, r.pools)
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
	l, ch := MergeSurvey(old, rec, r.pools)
	l, ch = b.keepNewer(rec, old, l, ch, edits[old.ID])
	return l, ch, true
}
