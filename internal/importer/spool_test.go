package importer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/enterprise"
)

func TestSpoolRoundTrip(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	rows := [][]string{
		{"1", "91431103MA4L0G1X2B", "永州市某某有限公司"},
		{},
		{"", "", ""},
		{strings.Repeat("长", 100000), "a\x00b", "\xff\xfe"},
	}
	sp, err := newSpool()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if err := sp.add(i*7+2, r); err != nil {
			t.Fatal(err)
		}
	}
	s, err := sp.sheet()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range rows {
		got, err := s.Next()
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if len(want) == 0 {
			want = []string{}
		}
		if !reflect.DeepEqual(got, want) || s.Row() != i*7+2 {
			t.Fatalf("row %d: got %q at %d, want %q at %d", i, got, s.Row(), want, i*7+2)
		}
	}
	if _, err := s.Next(); err != io.EOF {
		t.Fatalf("after the last row: %v", err)
	}
	s.Close()
	if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) != 0 {
		t.Fatalf("spool left behind: %v", left)
	}
}

// A workbook is read once and spooled; the run gives the same result as
// the same rows in CSV, and removes its spool.
func TestWorkbookSpoolMatchesCSV(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	d := testDistrict(t)
	xm := &memLedgers{byCode: map[string]enterprise.Ledger{}}
	x := runFile(t, xm, d, Registration, "testdata/registration.xlsx")
	cm := &memLedgers{byCode: map[string]enterprise.Ledger{}}
	c := runFile(t, cm, d, Registration, "testdata/registration-gbk.csv")
	if x.Counts != c.Counts || x.Counts.Created == 0 {
		t.Fatalf("xlsx counts %+v, CSV counts %+v", x.Counts, c.Counts)
	}
	if len(xm.byCode) != len(cm.byCode) {
		t.Fatalf("xlsx %d ledgers, CSV %d", len(xm.byCode), len(cm.byCode))
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("spool left behind: %v", left)
	}
	// A cancelled run removes its spool too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &Runner{Kind: Registration, District: d, Store: &memLedgers{byCode: map[string]enterprise.Ledger{}},
		Open: func() (Sheet, error) { s, _, err := Open("testdata/registration.xlsx"); return s, err }}
	r.Run(ctx)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("spool left behind after cancel: %v", left)
	}
}

func TestRemoveStaleTemp(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	// A process that has ended: a child that exited.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead, me := gone.Process.Pid, os.Getpid()
	for name, age := range map[string]time.Duration{
		"fugai-import-1": 25 * time.Hour, "fugai-import-2.spool": 48 * time.Hour, "fugai-upload-9": 30 * time.Hour, // no process named: by age
		"fugai-import-3": time.Hour, "other": 72 * time.Hour,
		fmt.Sprintf("fugai-import-%d-77.upload", dead): time.Minute,    // its process is gone: now
		fmt.Sprintf("fugai-import-%d-78.spool", me):    time.Minute,    // this process's id at start: a previous process's (a container's PID 1)
		"fugai-import-1-79":                            time.Hour,      // pid 1 is alive: another process's, kept
		"fugai-import-1-80":                            30 * time.Hour, // …unless older than any import
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, now.Add(-age), now.Add(-age))
	}
	removeStaleTemp(dir, now, slog.New(slog.DiscardHandler))
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{"fugai-import-1-79", "fugai-import-3", "other"}
	sort.Strings(want)
	if !reflect.DeepEqual(left, want) {
		t.Fatalf("left %v, want %v", left, want)
	}
}
