package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
	"github.com/fugai/fugai/internal/strategy"
)

// importFile queues path as a job of the given kind and runs it to the end
// through the workers, as the server does.
func importFile(t *testing.T, db *store.DB, kind importer.Kind, path string, dryRun bool) importer.Job {
	t.Helper()
	return importJob(t, db, importer.Job{Kind: kind, DryRun: dryRun}, path, nil)
}

// importJob is importFile for a job with more options, run by workers
// with the clock now (nil for time.Now).
func importJob(t *testing.T, db *store.DB, job importer.Job, path string, now func() time.Time) importer.Job {
	t.Helper()
	ctx := context.Background()
	job = queueImport(t, db, job, path)
	w := importer.NewWorkers(db, district(t), slog.New(slog.DiscardHandler), 1, now)
	if ok, err := w.RunNext(ctx, job.ID); err != nil || !ok {
		t.Fatalf("run job %d: %v %v", job.ID, ok, err)
	}
	job, err := db.Import(ctx, auth.Scope{All: true}, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// queueImport stores path as a queued job, as an upload does.
func queueImport(t *testing.T, db *store.DB, job importer.Job, path string) importer.Job {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	size, _ := io.Copy(h, f)
	job.Filename, job.Size, job.SHA256, job.CreatedByName = path, size, hex.EncodeToString(h.Sum(nil)), "tester"
	job, _, err = db.CreateImport(context.Background(), job, f, audit.Actor{Name: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// TestImportSamples imports the sample registration export and survey
// sheet and compares the ledger with expected.json, then re-imports the
// same registrations in GB18030 CSV: nothing changes.
func TestImportSamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		reg := importFile(t, db, importer.Registration, "../importer/testdata/registration.xlsx", false)
		if reg.Status != importer.Succeeded || reg.Counts.Rows != 344 || reg.Counts.Created != 340 || reg.Counts.Rejected != 1 ||
			reg.Counts.Duplicates != 3 || reg.Counts.Warnings != 3 || reg.HeaderRow != 2 {
			t.Fatalf("registration job: %+v", reg)
		}
		var rejected []importer.Issue
		db.ImportIssues(ctx, reg.ID, func(is []importer.Issue) error {
			for _, i := range is {
				if i.Severity == importer.Rejected {
					rejected = append(rejected, i)
				}
			}
			return nil
		})
		if len(rejected) != 1 || rejected[0].Value != "91431103MA4" || rejected[0].Row != 268 {
			t.Fatalf("rejected rows: %+v", rejected)
		}
		sur := importFile(t, db, importer.Survey, "../importer/testdata/survey.xlsx", false)
		if sur.Status != importer.Succeeded || sur.Counts.Updated != 315 {
			t.Fatalf("survey job: %+v", sur)
		}
		var exp struct {
			Entities map[string]struct {
				Township            *string `json:"township"`
				InScope             bool    `json:"in_scope"`
				OutOfScopeReason    *string `json:"out_of_scope_reason"`
				CheckDigitWarning   bool    `json:"check_digit_warning"`
				FullMembers         int     `json:"full_members"`
				ProbationaryMembers int     `json:"probationary_members"`
				AboveScale          bool    `json:"above_scale"`
				Employees           int     `json:"employees"`
				OperatingStatus     *string `json:"operating_status"`
				SuggestedMethod     *string `json:"suggested_method"`
			} `json:"entities"`
			PerTownship    map[string]map[string]int `json:"per_township"`
			TotalsByMethod map[string]int            `json:"totals_by_method"`
		}
		b, _ := os.ReadFile("../importer/testdata/expected.json")
		if err := json.Unmarshal(b, &exp); err != nil {
			t.Fatal(err)
		}
		all, _, err := db.Enterprises(ctx, auth.Scope{All: true}, store.EnterpriseFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(exp.Entities) {
			t.Fatalf("%d ledgers, want %d", len(all), len(exp.Entities))
		}
		perTownship := map[string]int{}
		perTownshipMethod, byMethod := map[string]int{}, map[string]int{}
		s := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		for _, l := range all {
			e, ok := exp.Entities[l.CreditCode]
			if !ok {
				t.Errorf("unexpected ledger %s", l.CreditCode)
				continue
			}
			if l.InScope {
				key := l.TownshipCode
				if key == "" {
					key = "unassigned"
				}
				perTownship[key]++
				perTownshipMethod[key+"/"+l.SuggestedMethod]++
				byMethod[l.SuggestedMethod]++
			}
			if l.TownshipCode != s(e.Township) || l.InScope != e.InScope || l.OutOfScopeReason != s(e.OutOfScopeReason) ||
				l.CheckDigitWarning != e.CheckDigitWarning || *l.FullMembers != e.FullMembers ||
				*l.ProbationaryMembers != e.ProbationaryMembers || *l.AboveScale != e.AboveScale ||
				*l.Employees != e.Employees || s(l.OperatingStatus) != operatingCode(t, e.OperatingStatus) ||
				l.SuggestedMethod != s(e.SuggestedMethod) {
				t.Errorf("%s differs from expected.json: %+v", l.CreditCode, l)
			}
		}
		for code, want := range exp.PerTownship {
			if perTownship[code] != want["enterprises"] {
				t.Errorf("township %s: %d in-scope ledgers, want %d", code, perTownship[code], want["enterprises"])
			}
			for _, m := range strategy.Methods() {
				if got := perTownshipMethod[code+"/"+string(m)]; got != want[string(m)] {
					t.Errorf("township %s: %d %s, want %d", code, got, m, want[string(m)])
				}
			}
		}
		for _, m := range strategy.Methods() {
			if got, want := byMethod[string(m)], exp.TotalsByMethod[string(m)]; got != want {
				t.Errorf("%s: %d ledgers, want %d", m, got, want)
			}
		}
		again := importFile(t, db, importer.Registration, "../importer/testdata/registration-gbk.csv", false)
		if again.Status != importer.Succeeded || again.Counts.Created != 0 || again.Counts.Updated != 0 || again.Counts.Unchanged != 340 {
			t.Fatalf("GB18030 re-import: %+v", again)
		}
		h, _ := db.History(ctx, auth.Scope{All: true}, all[0].ID)
		if len(h) < 1 || h[0].Source != "import" {
			t.Fatalf("history of an imported ledger: %+v", h)
		}
		// The creation is stored compactly and reads back as every field
		// set, from its zero value.
		created := map[string]enterprise.Change{}
		for _, c := range h[0].Changes {
			created[c.Field] = c
		}
		code, _ := json.Marshal(all[0].CreditCode)
		if c, ok := created["credit_code"]; !ok || string(c.New.(json.RawMessage)) != string(code) || string(c.Old.(json.RawMessage)) != `""` {
			t.Fatalf("creation history lacks the credit code: %+v", h[0].Changes)
		}
		if _, ok := created["name"]; !ok || len(h[0].Changes) < 8 {
			t.Fatalf("creation history: %+v", h[0].Changes)
		}
	})
}

// operatingCode is the operating status code of the Chinese value
// expected.json records, as the survey sheet has it ("" for none).
func operatingCode(t *testing.T, label *string) string {
	t.Helper()
	if label == nil {
		return ""
	}
	code, ok := enterprise.OperatingStatuses.Parse(*label)
	if !ok {
		t.Fatalf("expected.json operating status %q is not in the vocabulary", *label)
	}
	return code
}

// The uploads of finished imports are purged after their retention: a
// succeeded job's after the long one, a dry run's and a failed job's after
// the short one; a job still queued keeps its file whatever its age, and
// the purged jobs keep their counts.
func TestPurgeUploads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		clock := storetest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
		db := storetest.Open(t, d, clock.Now)
		ctx := context.Background()
		const file = "../importer/testdata/registration.xlsx"
		done := importJob(t, db, importer.Job{Kind: importer.Registration}, file, clock.Now)
		dry := importJob(t, db, importer.Job{Kind: importer.Registration, DryRun: true}, file, clock.Now)
		f, _ := os.Open(file)
		defer f.Close()
		h := sha256.New()
		size, _ := io.Copy(h, f)
		queued, _, err := db.CreateImport(ctx, importer.Job{Kind: importer.Survey, Filename: "s.xlsx", Size: size, SHA256: hex.EncodeToString(h.Sum(nil)),
			CreatedByName: "t"}, f, audit.Actor{Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		kept := func(id int64) bool { return db.ImportFile(ctx, id, io.Discard) == nil }
		const day = 24 * time.Hour
		clock.Advance(6 * day)
		if n, err := db.PurgeUploads(ctx, 30*day, 7*day); err != nil || n != 0 {
			t.Fatalf("after 6 days: purged %d, %v", n, err)
		}
		clock.Advance(2 * day)
		if n, err := db.PurgeUploads(ctx, 30*day, 7*day); err != nil || n != 1 || kept(dry.ID) || !kept(done.ID) || !kept(queued.ID) {
			t.Fatalf("after 8 days: purged %d (%v); dry run kept %v, succeeded kept %v", n, err, kept(dry.ID), kept(done.ID))
		}
		clock.Advance(30 * day)
		if n, err := db.PurgeUploads(ctx, 30*day, 7*day); err != nil || n != 1 || kept(done.ID) || !kept(queued.ID) {
			t.Fatalf("after 38 days: purged %d (%v); succeeded kept %v, queued kept %v", n, err, kept(done.ID), kept(queued.ID))
		}
		if j, _ := db.Import(ctx, auth.Scope{All: true}, done.ID); j.Status != importer.Succeeded || j.Counts.Created != done.Counts.Created {
			t.Fatalf("the purged job lost its record: %+v", j)
		}
	})
}

// On PostgreSQL a job given back (shutdown, the database gone) waits a
// short back-off, then runs again as the same attempt, not counted — but
// only so many times in a row: then claims count again, so a job that keeps
// breaking its connection ends as too_many_attempts. A live lease is never
// claimed by another instance.
func TestGivenBackJobsAndLeases(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.Postgres, nil)
	f, err := os.Open("../importer/testdata/registration.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	size, _ := io.Copy(h, f)
	job, _, err := db.CreateImport(ctx, importer.Job{Kind: importer.Registration, Filename: "r.xlsx", Size: size, SHA256: hex.EncodeToString(h.Sum(nil)),
		CreatedByName: "t"}, f, audit.Actor{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	claim := func() (importer.Job, bool) {
		j, ok, err := db.ClaimImport(ctx, job.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		return j, ok
	}
	first, ok := claim()
	if !ok || first.Attempts != 1 {
		t.Fatalf("first claim: %v %+v", ok, first)
	}
	if _, ok := claim(); ok {
		t.Fatal("a job with a live lease was claimed again")
	}
	if err := db.ReleaseImport(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, ok := claim(); ok {
		t.Fatal("a given-back job was claimed within its back-off")
	}
	time.Sleep(2100 * time.Millisecond)
	again, ok := claim()
	if !ok || again.Attempts != 1 {
		t.Fatalf("after the back-off: %v, attempts %d, want the same attempt 1", ok, again.Attempts)
	}
	// Given back too many times in a row: the next claim counts.
	if err := db.ReleaseImport(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := db.SetLeaseInterruptions(job.ID, 5); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	counted, ok := claim()
	if !ok || counted.Attempts != 2 {
		t.Fatalf("after 5 give-backs: %v, attempts %d, want 2", ok, counted.Attempts)
	}
	// The stale claim cannot fail the job; this one can.
	if err := db.FailImport(ctx, again, "internal", "x"); !errors.Is(err, importer.ErrJobTaken) {
		t.Fatalf("an old claim failed the job: %v", err)
	}
	if err := db.FailImport(ctx, counted, "internal", "x"); err != nil {
		t.Fatal(err)
	}
	if j, _ := db.Import(ctx, auth.Scope{All: true}, job.ID); j.Status != importer.Failed {
		t.Fatalf("status %s", j.Status)
	}
}

// The first import into an empty ledger on PostgreSQL takes the ledger's
// SHARE ROW EXCLUSIVE lock and skips its lookups; when the lock is held
// (an index being built), it looks up as usual rather than wait. Both
// give the same ledger.
func TestFirstImportIntoAnEmptyLedger(t *testing.T) {
	ctx := context.Background()
	const file = "../importer/testdata/registration.xlsx"
	first := storetest.Open(t, store.Postgres, nil)
	a := importFile(t, first, importer.Registration, file, false)

	held := storetest.Open(t, store.Postgres, nil)
	lock, err := held.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec("LOCK TABLE enterprises IN SHARE UPDATE EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	b := importFile(t, held, importer.Registration, file, false)
	lock.Rollback()

	if a.Status != importer.Succeeded || b.Status != importer.Succeeded || a.Counts != b.Counts {
		t.Fatalf("first import %s %+v, with the lock held %s %+v", a.Status, a.Counts, b.Status, b.Counts)
	}
	key := func(db *store.DB) map[string]string {
		out := map[string]string{}
		for _, l := range allLedgers(t, db) {
			out[l.CreditCode] = fmt.Sprintf("%s|%s|%v|%s|%d", l.Name, l.TownshipCode, l.InScope, l.SuggestedMethod, l.Version)
		}
		return out
	}
	ka, kb := key(first), key(held)
	if len(ka) == 0 || fmt.Sprint(ka) != fmt.Sprint(kb) {
		t.Fatalf("the two imports differ:\n%v\n%v", ka, kb)
	}
	// The lock ended with the job: a ledger can be created.
	create(t, first, district(t), 900, "冷水滩区梅湾街道")
}

// TestConcurrentImportsOfOneLedger: imports of the same ledgers at once —
// as two instances take two uploads of one export — both succeed: the
// first creates, the second finds them unchanged; updates listing the
// ledgers in opposite orders do not deadlock (one writing import at a
// time per schema).
func TestConcurrentImportsOfOneLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		dir := t.TempDir()
		code := func(n int) string {
			first := fmt.Sprintf("91431103MA4%06d", n)
			return first + string(enterprise.CheckDigit(first))
		}
		write := func(name, rep string, reverse bool) string {
			rows := make([]string, 0, 200)
			for i := 1; i <= 200; i++ {
				n := i
				if reverse {
					n = 201 - i
				}
				rows = append(rows, fmt.Sprintf("%s,测试企业%d,%s,冷水滩区梅湾街道%d号", code(n), n, rep, n))
			}
			path := dir + "/" + name
			body := "统一社会信用代码,企业名称,法定代表人,住所\n" + strings.Join(rows, "\n") + "\n"
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}
		queue := func(path string) importer.Job {
			return queueImport(t, db, importer.Job{Kind: importer.Registration}, path)
		}
		both := func(a, b string) [2]importer.Job {
			jobs := [2]importer.Job{queue(a), queue(b)}
			var wg sync.WaitGroup
			for _, j := range jobs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := importer.NewWorkers(db, district(t), slog.New(slog.DiscardHandler), 1, nil)
					if ok, err := w.RunNext(ctx, j.ID); err != nil || !ok {
						t.Errorf("run job %d: %v %v", j.ID, ok, err)
					}
				}()
			}
			wg.Wait()
			for i, j := range jobs {
				var err error
				if jobs[i], err = db.Import(ctx, auth.Scope{All: true}, j.ID); err != nil {
					t.Fatal(err)
				}
			}
			return jobs
		}
		first := both(write("a.csv", "张三", false), write("b.csv", "张三", false))
		created := first[0].Counts.Created + first[1].Counts.Created
		unchanged := first[0].Counts.Unchanged + first[1].Counts.Unchanged
		if first[0].Status != importer.Succeeded || first[1].Status != importer.Succeeded || created != 200 || unchanged != 200 {
			t.Fatalf("two first imports: %+v / %+v", first[0], first[1])
		}
		again := both(write("c.csv", "李四", false), write("d.csv", "王五", true))
		for _, j := range again {
			if j.Status != importer.Succeeded || j.Counts.Updated != 200 {
				t.Errorf("updates in opposite orders: %+v", j)
			}
		}
		all, _, err := db.Enterprises(ctx, auth.Scope{All: true}, store.EnterpriseFilter{Limit: 1000})
		if err != nil || len(all) != 200 {
			t.Fatalf("%d ledgers, %v", len(all), err)
		}
	})
}
