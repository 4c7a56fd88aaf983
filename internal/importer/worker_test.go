package importer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
)

// conflictQueue fails RunImport with a conflict a given number of times.
type conflictQueue struct {
	conflicts, runs int
	failed          string
}

func (q *conflictQueue) ClaimImport(context.Context, int64, []int64) (Job, bool, error) {
	return Job{ID: 1, Kind: Registration}, true, nil
}
func (q *conflictQueue) ImportFile(_ context.Context, _ int64, w io.Writer) error {
	_, err := io.WriteString(w, "统一社会信用代码,企业名称,住所\n")
	return err
}
func (q *conflictQueue) RunImport(context.Context, Job, func(Ledgers) (Result, error)) error {
	q.runs++
	if q.runs <= q.conflicts {
		return fmt.Errorf("%w: deadlock detected", ErrConflict)
	}
	return nil
}
func (q *conflictQueue) FailImport(_ context.Context, _ int64, code, _ string) error {
	q.failed = code
	return nil
}
func (q *conflictQueue) SetImportProgress(context.Context, int64, Progress) error { return nil }

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
