package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// A survey import keeps the ledger fields edited after the file's date (a
// 填报日期 column, else the upload of the last survey import) and reports
// each; overwrite_newer overwrites them; a dry run reports the same and
// writes nothing; the rest of each row applies; registration imports are
// not guarded.
func TestSurveyKeepsNewerEdits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		// 2026-03-02 10:00 in the district.
		clock := storetest.NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
		db := storetest.Open(t, d, clock.Now)
		ctx := context.Background()
		all := auth.Scope{All: true}
		dist := district(t)
		dir := t.TempDir()
		files := 0
		run := func(job importer.Job, header string, rows ...string) importer.Job {
			t.Helper()
			files++
			p := filepath.Join(dir, fmt.Sprintf("f%d.csv", files))
			if err := os.WriteFile(p, []byte(header+"\n"+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			j := importJob(t, db, job, p, clock.Now)
			if j.Status != importer.Succeeded {
				t.Fatalf("import: %+v", j)
			}
			clock.Advance(time.Hour)
			return j
		}
		survey := importer.Job{Kind: importer.Survey}
		ledger := func(n int) enterprise.Ledger {
			t.Helper()
			ls, _, err := db.Enterprises(ctx, all, store.EnterpriseFilter{CreditCode: code(n), Limit: 1})
			if err != nil || len(ls) != 1 {
				t.Fatalf("ledger %d: %v %v", n, ls, err)
			}
			return ls[0]
		}
		edit := func(n int, fields map[string]any) time.Time {
			t.Helper()
			l := ledger(n)
			at := clock.Now()
			if _, err := db.UpdateEnterprise(ctx, all, l.ID, l.Version, audit.Actor{Name: "editor"}, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
				return x.Apply(body(t, fields), auth.DistrictAdmin, dist)
			}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			return at
		}
		issues := func(j importer.Job) []importer.Issue {
			t.Helper()
			var out []importer.Issue
			if err := db.ImportIssues(ctx, j.ID, func(is []importer.Issue) error {
				for _, i := range is {
					if i.Code != "" {
						out = append(out, i)
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		type want struct{ employees, full int }
		check := func(step string, wants map[int]want) {
			t.Helper()
			for n, w := range wants {
				l := ledger(n)
				if *l.Employees != w.employees || *l.FullMembers != w.full {
					t.Errorf("%s: ledger %d has employees %d, full members %d; want %d, %d", step, n, *l.Employees, *l.FullMembers, w.employees, w.full)
				}
			}
		}

		run(importer.Job{Kind: importer.Registration}, "统一社会信用代码,企业名称,住所",
			code(1)+",企业1,冷水滩区梅湾街道建设路1号", code(2)+",企业2,冷水滩区梅湾街道建设路2号", code(3)+",企业3,冷水滩区梅湾街道建设路3号")
		// Ledgers made by hand: one with the starting zeros, one with the
		// employees someone counted.
		create(t, db, dist, 4, "冷水滩区梅湾街道建设路4号")
		l, changes, err := enterprise.New(body(t, map[string]any{"credit_code": code(5), "name": "企业5",
			"registered_address": "冷水滩区梅湾街道建设路5号", "employees": 25}), admin, dist)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateEnterprise(ctx, l, changes, audit.Actor{Name: "clerk"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		// The first survey: with no survey imported before and no 填报日期,
		// every value entered by hand is newer; the starting zeros are not.
		a := run(survey, "统一社会信用代码,职工人数,正式党员人数,是否建立工会",
			code(1)+",10,1,否", code(2)+",10,1,否", code(3)+",10,1,否", code(4)+",10,1,否", code(5)+",10,1,否")
		if a.Counts.Updated != 5 || a.Counts.KeptNewer != 1 {
			t.Fatalf("first survey: %+v", a.Counts)
		}
		if is := issues(a); len(is) != 1 || is[0].Row != 6 || is[0].Ledger != "25" || is[0].ChangedBy != "clerk" ||
			!strings.Contains(is[0].Message, "首次上传前也没有导入过调查表") {
			t.Errorf("first survey: issues %+v", is)
		}
		check("first survey", map[int]want{4: {10, 1}, 5: {25, 1}})
		clock.Advance(24 * time.Hour) // 2026-03-03
		edited := edit(1, map[string]any{"employees": 50, "name": "企业一"})
		edit(2, map[string]any{"union": true})

		// An undated file is as old as the last survey import's upload:
		// the two edits since are kept and reported, the rest applies.
		header := "统一社会信用代码,企业名称,职工人数,正式党员人数,是否建立工会"
		rows := []string{code(1) + ",企业1,20,2,否", code(2) + ",企业2,11,1,否", code(3) + ",企业3,12,1,否"}
		for _, dry := range []bool{true, false} {
			j := run(importer.Job{Kind: importer.Survey, DryRun: dry}, header, rows...)
			if c := j.Counts; c.Updated != 3 || c.KeptNewer != 2 || c.OverwrittenNewer != 0 || c.Warnings != 2 {
				t.Fatalf("undated survey (dry run %v): %+v", dry, c)
			}
			is := issues(j)
			if len(is) != 2 {
				t.Fatalf("undated survey (dry run %v): issues %+v", dry, is)
			}
			e := is[0]
			if e.Code != importer.CodeKeptNewer || e.Row != 2 || e.Column != "职工人数" || e.Value != "20" || e.Ledger != "50" ||
				e.ChangedBy != "editor" || e.ChangedAt == nil || !e.ChangedAt.Equal(edited) || e.Severity != importer.Warning ||
				!strings.Contains(e.Message, "overwrite_newer") {
				t.Errorf("undated survey (dry run %v): kept employees reported as %+v", dry, e)
			}
			if u := is[1]; u.Row != 3 || u.Column != "是否建立工会" || u.Value != "否" || u.Ledger != "是" {
				t.Errorf("undated survey (dry run %v): kept union reported as %+v", dry, u)
			}
			if dry {
				check("dry run", map[int]want{1: {50, 1}, 2: {10, 1}, 3: {10, 1}})
			}
		}
		check("undated survey", map[int]want{1: {50, 2}, 2: {11, 1}, 3: {12, 1}})
		// The same file again keeps the date of its first upload: what the
		// first run kept, the second keeps too.
		if j := run(survey, header, rows...); j.Counts.KeptNewer != 2 || j.Counts.Unchanged != 3 {
			t.Fatalf("the undated survey again: %+v", j.Counts)
		}
		check("the undated survey again", map[int]want{1: {50, 2}})
		if l := ledger(2); !*l.Union {
			t.Errorf("the union edit was overwritten: %+v", l)
		}
		if l := ledger(1); l.Name != "企业一" {
			t.Errorf("a survey changed the name: %q", l.Name)
		}

		// Dated rows: an edit on a later day than the row's is newer, one
		// on the same day is not; a date after the upload is not believed.
		clock.Advance(48 * time.Hour) // 2026-03-05
		c := run(survey, "统一社会信用代码,职工人数,是否建立工会,填报日期",
			code(1)+",30,,2026-03-02", code(2)+",,否,2026年3月3日", code(3)+",13,,2099-01-01")
		if c.Counts.KeptNewer != 1 || c.Counts.Updated != 2 || c.Counts.Unchanged != 1 {
			t.Fatalf("dated survey: %+v", c.Counts)
		}
		if is := issues(c); len(is) != 1 || is[0].Row != 2 || is[0].Ledger != "50" || !strings.Contains(is[0].Message, "2026-03-02") {
			t.Errorf("dated survey: issues %+v", is)
		}
		if l := ledger(2); *l.Union {
			t.Errorf("a row dated the day of the edit did not apply: %+v", l)
		}
		check("dated survey", map[int]want{1: {50, 2}, 3: {13, 1}})
		future := false
		db.ImportIssues(ctx, c.ID, func(is []importer.Issue) error {
			for _, i := range is {
				future = future || (i.Row == 4 && i.Column == "填报日期" && strings.Contains(i.Message, "晚于文件上传的日期"))
			}
			return nil
		})
		if !future {
			t.Errorf("a 填报日期 after the upload is not warned about")
		}
		// A row dated after the edit applies.
		if j := run(survey, "统一社会信用代码,职工人数,填报日期", code(1)+",30,2026-03-04"); j.Counts.Updated != 1 || j.Counts.KeptNewer != 0 {
			t.Fatalf("survey dated after the edit: %+v", j.Counts)
		}
		check("survey dated after the edit", map[int]want{1: {30, 2}})

		// overwrite_newer overwrites an edit and reports it.
		edit(1, map[string]any{"employees": 55})
		o := run(importer.Job{Kind: importer.Survey, OverwriteNewer: true}, "统一社会信用代码,职工人数", code(1)+",40")
		if !o.OverwriteNewer || o.Counts.OverwrittenNewer != 1 || o.Counts.KeptNewer != 0 || o.Counts.Updated != 1 {
			t.Fatalf("overwrite_newer: %+v", o)
		}
		if is := issues(o); len(is) != 1 || is[0].Code != importer.CodeOverwrittenNewer || is[0].Ledger != "55" || is[0].Value != "40" {
			t.Errorf("overwrite_newer: issues %+v", is)
		}
		check("overwrite_newer", map[int]want{1: {40, 2}})

		// A township's own survey import dates the undated files of its
		// ledgers too: an edit before it is older than the next file.
		edit(3, map[string]any{"employees": 70})
		tw := run(importer.Job{Kind: importer.Survey, Township: "431103001"}, "统一社会信用代码,职工人数", code(3)+",71")
		if tw.Counts.KeptNewer != 1 {
			t.Fatalf("township survey after an edit: %+v", tw.Counts)
		}
		if y := run(survey, "统一社会信用代码,职工人数", code(3)+",72"); y.Counts.KeptNewer != 0 || y.Counts.Updated != 1 {
			t.Fatalf("district survey after the township's: %+v", y.Counts)
		}
		check("district survey after the township's", map[int]want{3: {72, 1}})

		// Registration imports are not guarded: they write registration
		// fields, edited or not.
		r := run(importer.Job{Kind: importer.Registration}, "统一社会信用代码,企业名称,住所", code(1)+",企业1,冷水滩区梅湾街道建设路1号")
		if r.Counts.Updated != 1 || r.Counts.KeptNewer != 0 || ledger(1).Name != "企业1" {
			t.Fatalf("registration after an edit: %+v, name %q", r.Counts, ledger(1).Name)
		}
	})
}
