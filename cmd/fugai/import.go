package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/config"
	"github.com/fugai/fugai/internal/importer"
)

const importUsage = "usage: fugai import -kind registration|survey|liaisons [-dry-run] [-overwrite-newer] [-report REPORT.xlsx] [-stats] [-cpuprofile FILE] FILE"

// importCommand runs an import from the command line through the same
// code path as the server: the file becomes a queued job, which this
// process claims and runs in one transaction.
func importCommand(ctx context.Context, cfg config.Config, args []string, e env) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	kind := fs.String("kind", "", "registration (登记数据), survey (调查表) or liaisons (联络员分配表)")
	dryRun := fs.Bool("dry-run", false, "check the file and count outcomes without changing the ledger")
	overwrite := fs.Bool("overwrite-newer", false, "survey only: overwrite ledger fields changed after the file's date (else kept and reported)")
	report := fs.String("report", "", "write the report of rejected and warned rows to this xlsx file")
	stats := fs.Bool("stats", false, "print elapsed time, rows per second and peak memory")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the import to this file (for diagnosing slow imports)")
	// Flags may come before or after the file name.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 || !importer.Kind(*kind).Valid() || (*overwrite && importer.Kind(*kind) != importer.Survey) {
		return errors.New(importUsage)
	}
	path := files[0]
	start := time.Now()
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	format, err := importer.Check(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	d, db, err := open(ctx, cfg, slog.New(slog.DiscardHandler), e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	if d.Region {
		return fmt.Errorf("FUGAI_DISTRICT %s is %s, a city or province: its instance keeps no ledgers; import into a district's instance", d.Code, d.Name)
	}
	// On SQLite, a running server runs the queue: upload through it instead.
	release, err := db.HoldAlone()
	if err != nil {
		return err
	}
	defer release()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := db.BindDistrict(ctx, d.Code); err != nil {
		return err
	}
	by := audit.Actor{Name: "cli:" + osUser(e.getenv)}
	job, _, err := db.CreateImport(ctx, importer.Job{Kind: importer.Kind(*kind), DryRun: *dryRun, OverwriteNewer: *overwrite, Filename: filepath.Base(path),
		Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), CreatedByName: by.Name, Format: format}, f, by)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "import %d: %s %s (%s, %d bytes)\n", job.ID, job.Kind.Label(), job.Filename, format, size)

	w := importer.NewWorkers(db, d, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), 1, e.now)
	w.Local(job.ID, path, false) // read here, not back from the database
	if out, ok := e.stdout.(*os.File); ok && term.IsTerminal(int(out.Fd())) {
		var bar *progressbar.ProgressBar
		w.Observe(func(_ int64, p importer.Progress) {
			if bar == nil && p.Total > 0 {
				bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(out), progressbar.OptionSetDescription("导入"),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("行"),
					progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
			}
			if bar != nil {
				bar.Set(p.Processed)
			}
		})
	}
	w.KeepOnShutdown()
	if _, err := w.RunNext(ctx, job.ID); err != nil {
		return err
	}
	if ctx.Err() != nil {
		// Interrupted: the job's transaction was rolled back. This command
		// owns the job, so it ends it rather than leave it for a server.
		msg := "导入在命令行被中断，台账未被修改；请重新导入"
		claimed, err := db.Import(context.WithoutCancel(ctx), auth.Scope{All: true}, job.ID)
		if err != nil {
			return err
		}
		if err := db.FailImport(context.WithoutCancel(ctx), claimed, "interrupted", msg); err != nil {
			return fmt.Errorf("import %d interrupted: %w", job.ID, err)
		}
		return fmt.Errorf("import %d interrupted: the ledger was not changed", job.ID)
	}
	job, err = db.Import(context.WithoutCancel(ctx), auth.Scope{All: true}, job.ID)
	if err != nil {
		return err
	}
	c := job.Counts
	fmt.Fprintf(e.stdout, "status: %s\nrows %d, created %d, updated %d, unchanged %d, rejected %d, warnings %d, duplicates %d, unassigned %d, out of scope %d\n",
		job.Status, c.Rows, c.Created, c.Updated, c.Unchanged, c.Rejected, c.Warnings, c.Duplicates, c.Unassigned, c.OutOfScope)
	if c.KeptNewer > 0 || c.OverwrittenNewer > 0 {
		fmt.Fprintf(e.stdout, "fields changed in the ledger after the file's date: kept %d, overwritten %d (see the report)\n", c.KeptNewer, c.OverwrittenNewer)
	}
	if len(job.UnknownColumns) > 0 {
		fmt.Fprintf(e.stdout, "columns not recognised (ignored): %s\n", strings.Join(job.UnknownColumns, ", "))
	}
	if job.DryRun {
		fmt.Fprintln(e.stdout, "dry run: the ledger was not changed")
	}
	if *stats {
		elapsed := time.Since(start)
		fmt.Fprintf(e.stdout, "elapsed %.2fs, %.0f rows/s, peak RSS %d MB\n", elapsed.Seconds(), float64(c.Rows)/elapsed.Seconds(), peakRSSMB())
	}
	if *report != "" {
		if err := writeReportFile(ctx, db, job, *report); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "report: %s\n", *report)
	}
	if job.Status != importer.Succeeded {
		return fmt.Errorf("import %d failed: %s", job.ID, job.ErrorMessage)
	}
	return nil
}

func writeReportFile(ctx context.Context, db interface {
	ImportIssues(context.Context, int64, func([]importer.Issue) error) error
}, job importer.Job, path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := importer.WriteReport(out, job, func(fn func([]importer.Issue) error) error {
		return db.ImportIssues(ctx, job.ID, fn)
	}); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func osUser(getenv func(string) string) string {
	if u := getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// peakRSSMB reads the process's peak resident set size (Linux).
func peakRSSMB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb int
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%d", &kb)
			return kb / 1024
		}
	}
	return 0
}
