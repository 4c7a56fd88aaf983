//go:build long

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/fugai/fugai/internal/importer/importertest"
	"github.com/fugai/fugai/internal/store/pgtest"
)

// The long tests (make test-long, also run by .ci/run): what takes minutes
// rather than seconds. Each runs `fugai` as a child process of the test
// binary, so that its peak memory is its own.

// longRows is the size of the synthetic export the long tests import.
const longRows = 300_000

// child runs `fugai args…` with env and returns its output and peak RSS
// in MB (getrusage of the child).
func child(t *testing.T, env []string, args ...string) (string, int, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgs+"="+strings.Join(args, "\x1f"), "TMPDIR="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	rss := 0
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int(ru.Maxrss / 1024) // KB on Linux
	}
	return string(out), rss, err
}

// generate writes an export of longRows rows with cmd/fugai-gen (seed 2:
// wrong check digits, malformed codes, exact and conflicting duplicates)
// as format and returns its path and what the generator says it holds.
func generate(t *testing.T, dir, format string) (string, map[string]int) {
	t.Helper()
	gen := filepath.Join(dir, "fugai-gen")
	if _, err := os.Stat(gen); err != nil {
		goTool, err := exec.LookPath("go") // the go that runs these tests
		if err != nil {
			t.Fatalf("build fugai-gen: %v", err)
		}
		if out, err := exec.Command(goTool, "build", "-o", gen, "../fugai-gen").CombinedOutput(); err != nil {
			t.Fatalf("build fugai-gen: %v\n%s", err, out)
		}
	}
	path := filepath.Join(dir, "reg."+format)
	out, err := exec.Command(gen, "-rows", strconv.Itoa(longRows), "-seed", "2", "-format", format, "-o", path).CombinedOutput()
	if err != nil {
		t.Fatalf("fugai-gen: %v\n%s", err, out)
	}
	said := map[string]int{}
	for _, m := range regexp.MustCompile(`(\d+) (wrong check digit|malformed|exact duplicates|conflicting duplicates)`).FindAllStringSubmatch(string(out), -1) {
		said[m[2]], _ = strconv.Atoi(m[1])
	}
	if len(said) != 4 {
		t.Fatalf("fugai-gen said: %s", out)
	}
	return path, said
}

// counts reads the counts line of `fugai import`.
func counts(t *testing.T, out string) map[string]int {
	t.Helper()
	m := regexp.MustCompile(`rows (\d+), created (\d+), updated (\d+), unchanged (\d+), rejected (\d+), warnings \d+, duplicates (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no counts in:\n%s", out)
	}
	out2 := map[string]int{}
	for i, k := range []string{"rows", "created", "updated", "unchanged", "rejected", "duplicates"} {
		out2[k], _ = strconv.Atoi(m[i+1])
	}
	return out2
}

// A 300,000-row export, as CSV and then the same rows as xlsx, into
// PostgreSQL and SQLite: every row is accounted for (created, rejected
// for its malformed code, or a duplicate), the xlsx re-import changes
// nothing, each import's peak memory stays under 300 MB, and the coverage
// counts agree with a recount afterwards.
func TestLongImports(t *testing.T) {
	dir := t.TempDir()
	csvPath, said := generate(t, dir, "csv")
	xlsxPath, _ := generate(t, dir, "xlsx")
	for _, db := range []struct{ name, url string }{
		{"PostgreSQL", pgtest.URL(t)},
		{"SQLite", filepath.Join(t.TempDir(), "long.db")},
	} {
		t.Run(db.name, func(t *testing.T) {
			env := []string{"FUGAI_DATABASE_URL=" + db.url, "FUGAI_LOG_LEVEL=warn"}
			out, rss, err := child(t, env, "import", "-kind", "registration", "-stats", csvPath)
			if err != nil {
				t.Fatalf("CSV import: %v\n%s", err, out)
			}
			c := counts(t, out)
			if c["rows"] != longRows || c["rejected"] != said["malformed"] ||
				c["duplicates"] != said["exact duplicates"]+said["conflicting duplicates"] ||
				c["created"]+c["rejected"]+c["duplicates"] != longRows {
				t.Fatalf("CSV import counts %v; the generator said %v\n%s", c, said, out)
			}
			if rss > 300 {
				t.Fatalf("CSV import peaked at %d MB", rss)
			}
			t.Logf("CSV: %s (child's peak RSS %d MB)", strings.TrimSpace(out[strings.LastIndex(out, "elapsed"):]), rss)

			out, rss, err = child(t, env, "import", "-kind", "registration", "-stats", xlsxPath)
			if err != nil {
				t.Fatalf("xlsx import: %v\n%s", err, out)
			}
			x := counts(t, out)
			if x["created"] != 0 || x["updated"] != 0 || x["unchanged"] != c["created"] {
				t.Fatalf("the same rows as xlsx: %v, want all %d unchanged\n%s", x, c["created"], out)
			}
			if rss > 300 {
				t.Fatalf("xlsx import peaked at %d MB", rss)
			}
			t.Logf("xlsx: %s (child's peak RSS %d MB)", strings.TrimSpace(out[strings.LastIndex(out, "elapsed"):]), rss)

			out, _, err = child(t, env, "coverage", "check")
			if err != nil || !strings.Contains(out, "agree") {
				t.Fatalf("coverage check: %v\n%s", err, out)
			}
		})
	}
}

// Spreadsheet bombs given to `fugai import` fail with their own message,
// and the process stays small: a workbook of 3,000,000 shared strings in
// under a megabyte is refused before it is parsed; one whose rows reach
// column XFD fails at the first row with data past column 1,024.
func TestLongBombsStaySmall(t *testing.T) {
	dir := t.TempDir()
	bomb, err := importertest.StringsBomb(3000)
	if err != nil {
		t.Fatal(err)
	}
	strings3M := filepath.Join(dir, "strings.xlsx")
	if err := os.WriteFile(strings3M, bomb, 0o600); err != nil {
		t.Fatal(err)
	}
	wide := filepath.Join(dir, "wide.xlsx")
	if err := importertest.WideRows(wide, 5000); err != nil {
		t.Fatal(err)
	}
	env := []string{"FUGAI_DATABASE_URL=" + filepath.Join(dir, "bombs.db"), "FUGAI_LOG_LEVEL=warn"}
	for _, tc := range []struct{ file, says string }{
		{strings3M, "共享文本"},
		{wide, "1024"},
	} {
		out, rss, err := child(t, env, "import", "-kind", "registration", tc.file)
		if err == nil || !strings.Contains(out, tc.says) {
			t.Fatalf("%s: %v, want a failure saying %q:\n%s", filepath.Base(tc.file), err, tc.says, out)
		}
		if rss > 150 {
			t.Fatalf("%s: the import peaked at %d MB", filepath.Base(tc.file), rss)
		}
		t.Logf("%s: failed as it should, peak RSS %d MB", filepath.Base(tc.file), rss)
	}
}
