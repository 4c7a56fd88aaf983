package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// instance is a `fugai serve` child process of the test binary.
type instance struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	base string
}

func startInstance(t *testing.T, url string, extra ...string) *instance {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	out := &syncBuffer{}
	cmd.Env = append(os.Environ(), childArgs+"=serve", "FUGAI_ADDR=127.0.0.1:0", "FUGAI_DATABASE_URL="+url,
		"FUGAI_ADMIN_PASSWORD=Admin-Pass-2026", "FUGAI_IMPORT_LEASE=2s", "FUGAI_LOG_LEVEL=warn", "TMPDIR="+t.TempDir())
	cmd.Env = append(cmd.Env, extra...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{cmd: cmd, out: out}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for in.base == "" {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			in.base = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance did not start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return in
}

// writeExportFrom writes n registration rows whose credit codes start at from.
func writeExportFrom(t *testing.T, from, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("reg-%d.csv", from))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "统一社会信用代码,企业名称,市场主体类型,登记状态,住所（经营场所）")
	for i := from; i < from+n; i++ {
		first := fmt.Sprintf("91431103M%08d", i)
		fmt.Fprintf(w, "%s%c,永州市多实例%d有限公司,有限责任公司（自然人投资或控股）,存续,湖南省永州市冷水滩区梅湾街道%d号\n",
			first, enterprise.CheckDigit(first), i, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// upload sends a registration file to an instance as an admin would.
func upload(t *testing.T, base, token, path string) int64 {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "registration")
	fw, _ := mw.CreateFormFile("file", filepath.Base(path))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var job struct{ ID int64 }
	if err := json.NewDecoder(resp.Body).Decode(&job); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload %s: %d %v", path, resp.StatusCode, err)
	}
	return job.ID
}

// TestImportsAcrossInstances: two instances on one PostgreSQL, large
// imports submitted to both; the instance running a job is killed with
// SIGKILL in the middle of it. Every job completes exactly once — each
// ledger and its history entry written once — none fails, and only the
// killed job counts a second attempt: a job being copied out or applied by
// a live instance is never taken from it (its claim is a lease, renewed
// while it runs), and the killed instance's lease runs out (2 s here) for
// the survivor to take the job.
func TestImportsAcrossInstances(t *testing.T) {
	const jobs, rows = 4, 30_000
	url := storetest.URL(t, store.Postgres)
	a := startInstance(t, url)
	b := startInstance(t, url)

	resp, err := http.Post(a.base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"Admin-Pass-2026"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if login.Token == "" {
		t.Fatalf("login: %d\n%s", resp.StatusCode, a.out.String())
	}
	var ids []int64
	for i := 0; i < jobs; i++ {
		to := a
		if i%2 == 1 {
			to = b
		}
		ids = append(ids, upload(t, to.base, login.Token, writeExportFrom(t, i*rows, rows)))
	}

	sqlDB, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	// Kill whichever instance holds the first job it applies, at a random
	// moment of it.
	var victim *instance
	var victimJob int64
	deadline := time.Now().Add(60 * time.Second)
	for victim == nil {
		var job int64
		var owner string
		err := sqlDB.QueryRow(`SELECT l.job_id, l.owner FROM import_leases l JOIN import_progress p ON p.job_id = l.job_id
			WHERE p.processed > 0 ORDER BY l.job_id LIMIT 1`).Scan(&job, &owner)
		if err == nil {
			parts := strings.Split(owner, "/")
			pid, _ := strconv.Atoi(parts[len(parts)-2])
			for _, in := range []*instance{a, b} {
				if in.cmd.Process.Pid == pid {
					victim, victimJob = in, job
				}
			}
			if victim == nil {
				t.Fatalf("lease owner %q is neither instance (%d, %d)", owner, a.cmd.Process.Pid, b.cmd.Process.Pid)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no job ran: %v\n%s\n%s", err, a.out.String(), b.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
	// Each instance runs two workers: every job it holds when killed may run again.
	held := map[int64]bool{}
	rowsHeld, err := sqlDB.Query(`SELECT job_id FROM import_leases WHERE owner LIKE '%/' || $1 || '/%'`, strconv.Itoa(victim.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for rowsHeld.Next() {
		var id int64
		rowsHeld.Scan(&id)
		held[id] = true
	}
	rowsHeld.Close()
	victim.cmd.Process.Signal(syscall.SIGKILL)
	victim.cmd.Wait()
	survivor := a
	if victim == a {
		survivor = b
	}
	t.Logf("killed instance %d during job %d, holding %v", victim.cmd.Process.Pid, victimJob, held)

	deadline = time.Now().Add(180 * time.Second)
	for {
		var left int
		if err := sqlDB.QueryRow(`SELECT count(*) FROM import_jobs WHERE status IN ('queued', 'running')`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still open after the kill\nsurvivor:\n%s", left, survivor.out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, id := range ids {
		var status, code string
		var attempts, created int
		if err := sqlDB.QueryRow(`SELECT status, error_code, attempts, COALESCE((counts::json->>'created')::int, 0) FROM import_jobs WHERE id = $1`, id).
			Scan(&status, &code, &attempts, &created); err != nil {
			t.Fatal(err)
		}
		if status != "succeeded" || created != rows {
			t.Errorf("job %d: %s %s, created %d of %d", id, status, code, created, rows)
		}
		if !held[id] && attempts != 1 {
			t.Errorf("job %d ran %d times; only a job of the killed instance may run twice", id, attempts)
		}
		if held[id] && attempts > 2 {
			t.Errorf("job %d of the killed instance ran %d times", id, attempts)
		}
	}
	var ledgers, history, leases int
	sqlDB.QueryRow(`SELECT count(*) FROM enterprises`).Scan(&ledgers)
	sqlDB.QueryRow(`SELECT count(*) FROM enterprise_history`).Scan(&history)
	sqlDB.QueryRow(`SELECT count(*) FROM import_leases`).Scan(&leases)
	if ledgers != jobs*rows || history != jobs*rows || leases != 0 {
		t.Fatalf("%d ledgers, %d history entries, %d leases left; want %d, %d, 0", ledgers, history, leases, jobs*rows, jobs*rows)
	}
}
