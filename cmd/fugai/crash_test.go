package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division/divisiontest"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// childArgs, when set in the environment, makes the test binary run the
// program with these arguments (separated by U+001F) instead of the tests:
// the crash test kills such a child with SIGKILL.
const childArgs = "FUGAI_TEST_CHILD_ARGS"

func runChild() int {
	args := strings.Split(os.Getenv(childArgs), "\x1f")
	if err := run(context.Background(), args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fugai:", err)
		return 1
	}
	return 0
}

// writeExport writes n registration rows with valid, distinct credit codes.
func writeExport(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "reg.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "统一社会信用代码,企业名称,市场主体类型,登记状态,住所（经营场所）")
	towns := []string{"梅湾街道", "菱角山街道", "肖家园街道", "凤凰街道", "珊瑚街道", "上岭桥镇"}
	for i := 0; i < n; i++ {
		first := fmt.Sprintf("91431103M%08d", i)
		fmt.Fprintf(w, "%s%c,永州市测试%d有限公司,有限责任公司（自然人投资或控股）,存续,湖南省永州市冷水滩区%s%d号\n",
			first, enterprise.CheckDigit(first), i, towns[i%len(towns)], i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// TestImportSurvivesKill9: a 100k-row import killed with SIGKILL at a
// random point leaves the ledger as it was or fully imported, never half;
// after a restart the job runs again and completes.
func TestImportSurvivesKill9(t *testing.T) {
	const rows = 100_000
	file := writeExport(t, rows)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		url := storetest.URL(t, d)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childArgs+"="+strings.Join([]string{"import", "-kind", "registration", file}, "\x1f"),
			"FUGAI_DATABASE_URL="+url,
			// Its claim of the job runs out 2 s after the kill.
			"FUGAI_IMPORT_LEASE=2s",
			// The killed child cannot remove its temporary files: keep
			// them where the test cleans up.
			"TMPDIR="+t.TempDir())
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		db, err := waitForDB(ctx, url)
		if err != nil {
			cmd.Process.Kill()
			t.Fatal(err)
		}
		defer db.Close()
		// Wait until the job runs, then kill at a random moment of it.
		job := waitForJob(t, db, cmd)
		delay := time.Duration(rand.IntN(1500)) * time.Millisecond
		time.Sleep(delay)
		done := cmd.ProcessState != nil
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err = cmd.Wait()
		killed := err != nil && strings.Contains(err.Error(), "killed")
		t.Logf("killed=%v after %v in the job (finished before=%v)", killed, delay, done)

		n := countLedgers(t, db)
		if n != 0 && n != rows {
			t.Fatalf("after kill -9 the ledger holds %d of %d rows: half-applied", n, rows)
		}
		got, _ := db.Import(ctx, auth.Scope{All: true}, job)
		if n == 0 && got.Status == importer.Succeeded {
			t.Fatalf("job says succeeded but the ledger is empty")
		}
		if n == rows && got.Status != importer.Succeeded {
			t.Fatalf("the ledger is full but the job is %s", got.Status)
		}
		// Restart: a worker takes the abandoned job again.
		dist := divisiontest.Lengshuitan(t)
		w := importer.NewWorkers(db, dist, slog.New(slog.DiscardHandler), 1, nil)
		deadline := time.Now().Add(60 * time.Second)
		for got.Status != importer.Succeeded && time.Now().Before(deadline) {
			// PostgreSQL may take a moment to notice the dead client and
			// release its locks.
			if ok, err := w.RunNext(ctx, job); err != nil {
				t.Fatal(err)
			} else if !ok {
				time.Sleep(200 * time.Millisecond)
			}
			got, _ = db.Import(ctx, auth.Scope{All: true}, job)
		}
		if got.Status != importer.Succeeded || countLedgers(t, db) != rows || got.Counts.Rows != rows {
			t.Fatalf("after restart: job %+v, %d ledgers\n%s", got, countLedgers(t, db), out.String())
		}
		if killed && n == 0 && got.Counts.Created != rows {
			t.Fatalf("the rerun created %d, want %d", got.Counts.Created, rows)
		}
		var hist int64
		db.InTx(ctx, func(tx *store.Tx) error { return tx.Count("enterprise_history", &hist) })
		if hist != rows {
			t.Fatalf("%d history entries for %d ledgers: a killed attempt left some behind", hist, rows)
		}
	})
}

func waitForDB(ctx context.Context, url string) (*store.DB, error) {
	var lastErr error
	for i := 0; i < 100; i++ {
		db, err := store.Open(ctx, url, store.Options{})
		if err == nil {
			if err = db.Ready(ctx); err == nil {
				return db, nil
			}
			db.Close()
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	return nil, lastErr
}

// waitForJob returns the id of the job once it is running.
func waitForJob(t *testing.T, db *store.DB, cmd *exec.Cmd) int64 {
	t.Helper()
	for i := 0; i < 600; i++ {
		jobs, err := db.Imports(context.Background(), auth.Scope{All: true}, 0, 1)
		if err == nil && len(jobs) == 1 && jobs[0].Status != importer.Queued {
			return jobs[0].ID
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("the import never started")
	return 0
}

func countLedgers(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int64
	if err := db.InTx(context.Background(), func(tx *store.Tx) error { return tx.Count("enterprises", &n) }); err != nil {
		t.Fatal(err)
	}
	return int(n)
}
