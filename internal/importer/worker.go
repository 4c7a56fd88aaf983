package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fugai/fugai/internal/division"
)

// ErrJobTaken is returned by Queue.RunImport when another worker holds the
// job.
var ErrJobTaken = errors.New("import job is held by another worker")

// ErrConflict marks a RunImport error as a transient conflict with
// concurrent writes (a deadlock the database broke by rolling the job's
// transaction back): nothing was applied, and running the job again may
// pass.
var ErrConflict = errors.New("import transaction lost a conflict with concurrent writes")

// ErrInterrupted marks a job stopped because the database went away (a
// restart, a failover, a cut network): nothing was applied, the attempt
// does not count, and the job runs again once the database is back.
var ErrInterrupted = errors.New("import interrupted: the database went away")

// conflictRuns is how many times a job is run when its transaction keeps
// losing conflicts.
const conflictRuns = 3

// Queue is what the workers need from storage.
type Queue interface {
	// ClaimImport marks the next runnable job running; only, when non-zero,
	// claims that job alone; skip lists jobs this process runs already.
	ClaimImport(ctx context.Context, only int64, skip []int64) (Job, bool, error)
	// ImportFile writes the job's upload to w.
	ImportFile(ctx context.Context, jobID int64, w io.Writer) error
	// RunImport runs fn in the job's one transaction and marks it succeeded.
	RunImport(ctx context.Context, job Job, fn func(Ledgers) (Result, error)) error
	// FailImport marks the job failed if this claim still holds it (else
	// ErrJobTaken).
	FailImport(ctx context.Context, job Job, code, message string) error
	// SetImportProgress records progress where other instances can read it.
	SetImportProgress(ctx context.Context, jobID int64, p Progress) error
	// ImportLease is how long a claim holds a job without renewal; zero
	// when claims need no renewal (one process runs every job).
	ImportLease() time.Duration
	// RenewImportLease extends the claim; held is false when another
	// instance has taken the job (the lease ran out).
	RenewImportLease(ctx context.Context, job Job) (held bool, err error)
	// ReleaseImport gives the job back without counting the attempt.
	ReleaseImport(ctx context.Context, job Job) error
}

// Workers run queued import jobs in the background.
type Workers struct {
	q        Queue
	district *division.District
	log      *slog.Logger
	n        int
	now      func() time.Time
	wake     chan struct{}

	// claim makes claiming a job and registering it as running one step,
	// so that a twin worker never claims a job between the two.
	claim   sync.Mutex
	mu      sync.Mutex
	running map[int64]Progress
	observe func(jobID int64, p Progress)
	done    func(job Job, outcome string, rows int, d time.Duration)
	// keep: a job stopped by ctx is not given back (KeepOnShutdown).
	keep bool
	// local: copies of uploads this process has on disk (Local).
	local map[int64]localCopy
}

// localCopy is an upload's file on this machine.
type localCopy struct {
	path  string
	owned bool // removed once used or forgotten
	at    time.Time
}

// localFor is how long a local copy waits for its job: one run by another
// instance leaves it behind.
const localFor = time.Hour

// Local tells the workers that path holds the upload of job id, so that a
// worker of this process that claims the job reads it there instead of
// reading it back from the database (for a large upload, seconds). The
// copy is used only if it still has the upload's SHA-256; owned copies
// are removed once used, or after an hour unused (another instance ran
// the job).
func (w *Workers) Local(id int64, path string, owned bool) {
	w.forgetLocal()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.local[id] = localCopy{path: path, owned: owned, at: w.now()}
}

// forgetLocal forgets the local copies that waited for their jobs longer
// than localFor (another instance ran them), removing the owned ones; the
// workers call it as they look for jobs.
func (w *Workers) forgetLocal() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	for k, c := range w.local {
		if now.Sub(c.at) > localFor {
			delete(w.local, k)
			if c.owned {
				os.Remove(c.path)
			}
		}
	}
}

// takeLocal returns the local copy of job's upload when there is one that
// still has its SHA-256, and a function to call when done with it.
func (w *Workers) takeLocal(job Job) (string, func()) {
	w.mu.Lock()
	c, ok := w.local[job.ID]
	delete(w.local, job.ID)
	w.mu.Unlock()
	if !ok {
		return "", func() {}
	}
	done := func() {
		if c.owned {
			os.Remove(c.path)
		}
	}
	f, err := os.Open(c.path)
	if err != nil {
		done()
		return "", func() {}
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil || hex.EncodeToString(h.Sum(nil)) != job.SHA256 {
		w.log.Warn("local copy of the upload differs from the stored one; reading the stored one", slog.Int64("import", job.ID))
		done()
		return "", func() {}
	}
	return c.path, done
}

// KeepOnShutdown has a job interrupted by the end of ctx kept by its
// claim rather than given back, for a caller that ends the job itself (the
// command line marks it failed).
func (w *Workers) KeepOnShutdown() { w.keep = true }

// OnDone registers fn to be told how each run of a job ended — outcome
// succeeded, failed, given_back (shutdown, database gone) or taken (another
// instance has it) — with the rows it read and how long it took (the
// metrics). Call it before the workers start.
func (w *Workers) OnDone(fn func(job Job, outcome string, rows int, d time.Duration)) { w.done = fn }

// Observe registers fn to be told each job's progress (the command line
// draws its progress bar with it). Call it before the workers start.
func (w *Workers) Observe(fn func(jobID int64, p Progress)) { w.observe = fn }

// NewWorkers returns n workers (at least one) over q.
func NewWorkers(q Queue, d *division.District, log *slog.Logger, n int, now func() time.Time) *Workers {
	if n < 1 {
		n = 1
	}
	if now == nil {
		now = time.Now
	}
	return &Workers{q: q, district: d, log: log, n: n, now: now, wake: make(chan struct{}, 1), running: map[int64]Progress{},
		local: map[int64]localCopy{}}
}

// Start runs the workers until ctx ends; the returned function waits for
// them to stop.
func (w *Workers) Start(ctx context.Context) (wait func()) {
	removeStaleTemp(os.TempDir(), w.now(), w.log)
	var wg sync.WaitGroup
	for i := 0; i < w.n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx)
		}()
	}
	return wg.Wait
}

// staleTempAge is how old a temporary file of an import without its
// process's id in its name must be before a starting server removes it.
const staleTempAge = 24 * time.Hour

// CreateTemp creates a temporary file of an import (an upload being
// received, a copy of a job's upload, a spool), named with this process's
// id: a process killed during an import cannot remove its files, and the
// next start removes the files of processes no longer alive.
func CreateTemp(suffix string) (*os.File, error) {
	return os.CreateTemp("", fmt.Sprintf("fugai-import-%d-*%s", os.Getpid(), suffix))
}

// removeStaleTemp removes what killed imports left in dir: the files of a
// process that is no longer alive, and files older than staleTempAge whose
// name gives no process (made by an older version).
func removeStaleTemp(dir string, now time.Time, log *slog.Logger) {
	matches, _ := filepath.Glob(filepath.Join(dir, "fugai-import-*"))
	old, _ := filepath.Glob(filepath.Join(dir, "fugai-upload-*"))
	for _, m := range append(matches, old...) {
		fi, err := os.Lstat(m)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		// At start this process has made none yet: a file with its id is a
		// previous process's that had the same id (a container's PID 1).
		// Another live process's file is kept unless older than any import.
		pid, named := tempOwner(filepath.Base(m))
		young := now.Sub(fi.ModTime()) < staleTempAge
		if named && pid != os.Getpid() && alive(pid) && young || !named && young {
			continue
		}
		if err := os.Remove(m); err == nil {
			log.Info("removed a stale import file", slog.String("path", m))
		}
	}
}

// tempOwner reads the process id from a name made by CreateTemp.
func tempOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "fugai-import-")
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	return pid, err == nil && pid > 0
}

// alive reports whether a process of that id exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Wake tells an idle worker to look for work now.
func (w *Workers) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Progress returns the live progress of a job this process runs.
func (w *Workers) Progress(id int64) (Progress, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.running[id]
	return p, ok
}

func (w *Workers) skip() []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make([]int64, 0, len(w.running))
	for id := range w.running {
		ids = append(ids, id)
	}
	return ids
}

func (w *Workers) loop(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			job, ok, err := w.claimJob(ctx, 0)
			if err != nil {
				if ctx.Err() == nil {
					w.log.Warn("claim import", slog.Any("error", err))
				}
				break
			}
			if !ok {
				break
			}
			if w.Run(ctx, job) == "given_back" {
				break // the database went away: wait before claiming again
			}
		}
		w.forgetLocal()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// RunNext claims job id and runs it to the end, for the command line. It
// reports whether the job was there to run.
func (w *Workers) RunNext(ctx context.Context, id int64) (bool, error) {
	job, ok, err := w.claimJob(ctx, id)
	if err != nil || !ok {
		return ok, err
	}
	w.Run(ctx, job)
	return true, nil
}

// claimJob claims a job (only: that one) and registers it as running in
// one step, so that no twin worker of this process claims it meanwhile.
func (w *Workers) claimJob(ctx context.Context, only int64) (Job, bool, error) {
	w.claim.Lock()
	defer w.claim.Unlock()
	job, ok, err := w.q.ClaimImport(ctx, only, w.skip())
	if err == nil && ok {
		w.mu.Lock()
		w.running[job.ID] = Progress{}
		w.mu.Unlock()
	}
	return job, ok, err
}

// keepLease renews the claim of job every third of the lease until stop is
// closed; when another instance has taken the job, it cancels the run.
func (w *Workers) keepLease(ctx context.Context, job Job, lost context.CancelCauseFunc, stop <-chan struct{}, log *slog.Logger) {
	lease := w.q.ImportLease()
	if lease <= 0 {
		return
	}
	t := time.NewTicker(lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			held, err := w.q.RenewImportLease(ctx, job)
			switch {
			case err != nil:
				log.Warn("renew import lease", slog.Any("error", err))
			case !held:
				lost(ErrJobTaken)
				return
			}
		}
	}
}

// Run processes one claimed job and records its outcome: succeeded, failed
// with its reason, or — when it stopped through no fault of its own (the
// server shutting down, the database gone) — given back to run again
// without counting the attempt. While it runs, its lease is renewed.
func (w *Workers) Run(ctx context.Context, job Job) (outcome string) {
	w.mu.Lock()
	w.running[job.ID] = Progress{}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.running, job.ID)
		w.mu.Unlock()
	}()
	start := time.Now()
	log := w.log.With(slog.Int64("import", job.ID), slog.String("kind", string(job.Kind)))
	log.Info("import started", slog.Int("attempt", job.Attempts))
	jobCtx, lost := context.WithCancelCause(ctx)
	defer lost(nil)
	stop := make(chan struct{})
	leaseDone := make(chan struct{})
	go func() { defer close(leaseDone); w.keepLease(jobCtx, job, lost, stop, log) }()
	err := w.process(jobCtx, job)
	for run := 2; run <= conflictRuns && errors.Is(err, ErrConflict) && jobCtx.Err() == nil; run++ {
		log.Warn("import rolled back by a conflict with concurrent writes; running it again", slog.Int("run", run), slog.Any("error", err))
		err = w.process(jobCtx, job)
	}
	close(stop)
	<-leaseDone
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(jobCtx), ErrJobTaken) {
		err = ErrJobTaken
	}
	report := func(o string) {
		outcome = o
		if w.done != nil {
			p, _ := w.Progress(job.ID)
			w.done(job, o, p.Processed, time.Since(start))
		}
	}
	giveBack := func(why string) {
		report("given_back")
		// The database that went away is where the job is given back: try
		// again while the lease lasts (two thirds of it), so that a short
		// outage does not count as an attempt once the lease runs out (not
		// while the server shuts down: it would only delay the exit).
		until := time.Now().Add(w.q.ImportLease() * 2 / 3)
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
			rerr := w.q.ReleaseImport(context.WithoutCancel(ctx), job)
			if rerr == nil {
				break
			}
			if ctx.Err() != nil || time.Now().Add(wait).After(until) {
				// Shutting down, or the lease is nearly out: the next
				// claim will count this attempt.
				log.Warn("give the import back", slog.Any("error", rerr))
				break
			}
			time.Sleep(wait)
		}
		log.Warn(why, slog.Any("error", err))
	}
	var fe *FileError
	var he *HeaderError
	switch {
	case err == nil:
		log.Info("import finished", slog.Duration("elapsed", time.Since(start)))
		report("succeeded")
		return outcome
	case errors.Is(err, ErrJobTaken):
		log.Info("import held by another worker")
		report("taken")
		return outcome
	case ctx.Err() != nil && w.keep:
		log.Warn("import interrupted; its transaction was rolled back", slog.Any("error", err))
		report("interrupted")
		return outcome
	case ctx.Err() != nil:
		// Shutting down: the transaction was rolled back; the job is given
		// back and runs again here after the restart, or on another instance.
		giveBack("import interrupted by shutdown; its transaction was rolled back and the job will run again")
		return outcome
	case errors.Is(err, ErrInterrupted):
		giveBack("import interrupted: the database went away; nothing was applied and the job will run again")
		return outcome
	case errors.As(err, &fe):
		err = w.q.FailImport(context.WithoutCancel(ctx), job, fe.Code, fe.Message)
	case errors.As(err, &he):
		err = w.q.FailImport(context.WithoutCancel(ctx), job, he.Code, he.Message)
	default:
		log.Error("import failed", slog.Any("error", err))
		err = w.q.FailImport(context.WithoutCancel(ctx), job, "internal",
			fmt.Sprintf("导入时发生内部错误（任务编号 %d），台账未被修改；请稍后重试，或联系系统管理员查看日志", job.ID))
	}
	report("failed")
	if errors.Is(err, ErrJobTaken) {
		log.Info("import failed but another worker has taken it meanwhile; left to it")
	} else if err != nil {
		log.Error("record import failure", slog.Any("error", err))
	}
	return outcome
}

func (w *Workers) process(ctx context.Context, job Job) error {
	path, done := w.takeLocal(job)
	defer done()
	if path == "" {
		tmp, err := CreateTemp("")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		if err := w.q.ImportFile(ctx, job.ID, tmp); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		path = tmp.Name()
	}
	var lastWrite time.Time
	r := &Runner{Kind: job.Kind, Township: job.Township, DryRun: job.DryRun, OverwriteNewer: job.OverwriteNewer,
		Uploaded: job.CreatedAt, District: w.district, Now: w.now,
		Open: func() (Sheet, error) { s, _, err := Open(path); return s, err },
		Progress: func(p Progress) {
			w.mu.Lock()
			w.running[job.ID] = p
			w.mu.Unlock()
			if w.observe != nil {
				w.observe(job.ID, p)
			}
			if time.Since(lastWrite) >= time.Second || p.Processed == p.Total {
				lastWrite = time.Now()
				if err := w.q.SetImportProgress(ctx, job.ID, p); err != nil {
					w.log.Warn("record progress", slog.Int64("import", job.ID), slog.Any("error", err))
				}
			}
		}}
	// A registration or survey file is read through once before the
	// transaction (on SQLite the import's transaction holds the only write
	// lock), then applied in it; a liaisons sheet is only located before
	// (its rows are read in the transaction: such sheets are small, and a
	// bomb is refused at upload).
	prepared, err := r.Prepare(ctx)
	if err != nil {
		return w.q.RunImport(ctx, job, func(Ledgers) (Result, error) { return prepared.Result(), err })
	}
	defer prepared.Close()
	return w.q.RunImport(ctx, job, func(l Ledgers) (Result, error) {
		r.Store = l
		return r.Apply(ctx, prepared)
	})
}
