package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// conflictQueue fails RunImport with a conflict a given number of times.
type conflictQueue struct {
	conflicts, runs int
	failed          string
	// interrupt makes RunImport fail as if the database went away.
	interrupt bool
	// lease, with lost, has the lease lost at the first renewal, and
	// RunImport wait until its context ends.
	lease    time.Duration
	lost     bool
	released int
	// releaseFails makes the first releases fail (the database still away).
	releaseFails int
}

func (q *conflictQueue) ClaimImport(context.Context, int64, []int64) (Job, bool, error) {
	return Job{ID: 1, Kind: Registration}, true, nil
}
func (q *conflictQueue) ImportFile(_ context.Context, _ int64, w io.Writer) error {
	_, err := io.WriteString(w, "统一社会信用代码,企业名称,住所\n")
	return err
}
func (q *conflictQueue) RunImport(ctx context.Context, _ Job, _ func(Ledgers) (Result, error)) error {
	q.runs++
	if q.interrupt {
		return fmt.Errorf("%w: conn closed", ErrInterrupted)
	}
	if q.lost {
		<-ctx.Done()
		return ctx.Err()
	}
	if q.runs <= q.conflicts {
		return fmt.Errorf("%w: deadlock detected", ErrConflict)
	}
	return nil
}
func (q *conflictQueue) FailImport(_ context.Context, _ Job, code, _ string) error {
	q.failed = code
	return nil
}
func (q *conflictQueue) SetImportProgress(context.Context, int64, Progress) error { return nil }
func (q *conflictQueue) ImportLease() time.Duration                               { return q.lease }
func (q *conflictQueue) RenewImportLease(context.Context, Job) (bool, error)      { return !q.lost, nil }
func (q *conflictQueue) ReleaseImport(context.Context, Job) error {
	q.released++
	if q.released <= q.releaseFails {
		return fmt.Errorf("failed to connect: the database system is shutting down")
	}
	return nil
}

// A job stopped through no fault of its own is given back, not failed: the
// database went away mid-run, or the server shuts down. A job whose lease
// another instance took stops at once, neither failed nor given back.
func TestInterruptedJobIsGivenBack(t *testing.T) {
	q := &conflictQueue{interrupt: true}
	w := NewWorkers(q, nil, slog.New(slog.DiscardHandler), 1, nil)
	if ok, err := w.RunNext(context.Background(), 1); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if q.failed != "" || q.released != 1 || q.runs != 1 {
		t.Errorf("database gone: failed %q, released %d, runs %d; want not failed, released once", q.failed, q.released, q.runs)
	}

	// The database back within the lease: the give-back is tried again
	// until it is taken.
	q = &conflictQueue{interrupt: true, lease: 5 * time.Second, releaseFails: 2}
	w = NewWorkers(q, nil, slog.New(slog.DiscardHandler), 1, nil)
	if ok, err := w.RunNext(context.Background(), 1); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if q.failed != "" || q.released != 3 {
		t.Errorf("database back: failed %q, %d releases tried; want not failed, 3", q.failed, q.released)
	}

	q = &conflictQueue{lost: true}
	w = NewWorkers(q, nil, slog.New(slog.DiscardHandler), 1, nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	w.RunNext(ctx, 1)
	if q.failed != "" || q.released != 1 {
		t.Errorf("shutdown: failed %q, released %d; want not failed, released once", q.failed, q.released)
	}

	q = &conflictQueue{lost: true, lease: 30 * time.Millisecond}
	w = NewWorkers(q, nil, slog.New(slog.DiscardHandler), 1, nil)
	done := make(chan struct{})
	go func() { w.RunNext(context.Background(), 1); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a job whose lease was taken kept running")
	}
	if q.failed != "" || q.released != 0 {
		t.Errorf("lease lost: failed %q, released %d; want neither", q.failed, q.released)
	}
}

// A job whose transaction loses a conflict with concurrent writes runs
// again, a few times, before it is marked failed.
func TestConflictingJobRunsAgain(t *testing.T) {
	for _, c := range []struct {
		conflicts, runs int
		failed          string
	}{{0, 1, ""}, {2, 3, ""}, {5, conflictRuns, "internal"}} {
		q := &conflictQueue{conflicts: c.conflicts}
		w := NewWorkers(q, nil, slog.New(slog.DiscardHandler), 1, nil)
		if ok, err := w.RunNext(context.Background(), 1); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if q.runs != c.runs || q.failed != c.failed {
			t.Errorf("%d conflicts: %d runs, failed %q; want %d, %q", c.conflicts, q.runs, q.failed, c.runs, c.failed)
		}
	}
}

// parseFirstQueue serves a workbook and, when the import's transaction
// would begin (RunImport), notes whether the workbook has already been
// read through: its spool, made by pass 1, exists.
type parseFirstQueue struct {
	conflictQueue
	file    []byte
	spooled bool
}

func (q *parseFirstQueue) ImportFile(_ context.Context, _ int64, w io.Writer) error {
	_, err := w.Write(q.file)
	return err
}

func (q *parseFirstQueue) RunImport(ctx context.Context, _ Job, fn func(Ledgers) (Result, error)) error {
	spools, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("fugai-import-%d-*.spool", os.Getpid())))
	q.spooled = len(spools) == 1
	return nil
}

// TestFileIsReadBeforeTheTransaction: the worker reads an upload through
// (pass 1: header, rows, spool) before it begins the import's transaction,
// so that on SQLite — one writer — no login or edit waits while a file is
// parsed, however long a hostile workbook takes.
func TestFileIsReadBeforeTheTransaction(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"统一社会信用代码", "企业名称", "住所（经营场所）"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"91431103MA4L0G1X2B", "永州市某某有限公司", "冷水滩区梅湾街道"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	q := &parseFirstQueue{file: buf.Bytes()}
	w := NewWorkers(q, nil, slog.New(slog.DiscardHandler), 1, nil)
	if ok, err := w.RunNext(context.Background(), 1); !ok || err != nil {
		t.Fatalf("run: %v %v", ok, err)
	}
	if !q.spooled {
		t.Fatal("the transaction began before the workbook was read through")
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "fugai-import-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// readsQueue counts how often the stored upload is read back.
type readsQueue struct {
	conflictQueue
	reads int
}

func (q *readsQueue) ImportFile(ctx context.Context, id int64, w io.Writer) error {
	q.reads++
	return q.conflictQueue.ImportFile(ctx, id, w)
}

// A worker reads an upload this process has on disk (Workers.Local) when
// it still has the stored upload's SHA-256, and reads the stored one back
// otherwise; an owned copy is removed once used either way, another's
// file is left alone.
func TestLocalCopyOfTheUpload(t *testing.T) {
	stored := "统一社会信用代码,企业名称,住所\n"
	sum := sha256.Sum256([]byte(stored))
	job := Job{ID: 7, Kind: Registration, SHA256: hex.EncodeToString(sum[:])}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		owned         bool
		reads         int
	}{
		{"same upload, owned", stored, true, 0},
		{"same upload, not owned", stored, false, 0},
		{"changed since", stored + "91430000000000000X,某公司,某地\n", true, 1},
		{"changed since, not owned", "x", false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".csv")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			q := &readsQueue{}
			w := NewWorkers(q, nil, slog.New(slog.DiscardHandler), 1, nil)
			w.Local(job.ID, path, tc.owned)
			if err := w.process(context.Background(), job); err != nil {
				t.Fatal(err)
			}
			if q.reads != tc.reads {
				t.Fatalf("the stored upload was read %d times, want %d", q.reads, tc.reads)
			}
			_, err := os.Stat(path)
			if tc.owned != os.IsNotExist(err) {
				t.Fatalf("owned %v: the local copy exists afterwards: %v", tc.owned, err == nil)
			}
			// A copy is used once: the job run again reads the stored one.
			if err := w.process(context.Background(), job); err != nil || q.reads != tc.reads+1 {
				t.Fatalf("second run: %v, %d reads", err, q.reads)
			}
		})
	}
}

// A local copy whose job another instance ran is forgotten after an hour,
// and removed when it was owned.
func TestLocalCopiesAreForgotten(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	w := NewWorkers(&readsQueue{}, nil, slog.New(slog.DiscardHandler), 1, func() time.Time { return now })
	owned, other := filepath.Join(dir, "owned.csv"), filepath.Join(dir, "other.csv")
	for _, p := range []string{owned, other} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w.Local(1, owned, true)
	w.Local(2, other, false)
	now = now.Add(59 * time.Minute)
	w.forgetLocal()
	if len(w.local) != 2 {
		t.Fatalf("forgotten within the hour: %v", w.local)
	}
	now = now.Add(2 * time.Minute)
	w.forgetLocal()
	if len(w.local) != 0 {
		t.Fatalf("kept past the hour: %v", w.local)
	}
	if _, err := os.Stat(owned); !os.IsNotExist(err) {
		t.Errorf("the owned copy is still there")
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another's file was removed: %v", err)
	}
}
