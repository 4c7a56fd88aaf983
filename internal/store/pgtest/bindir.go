package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// findBinDir finds the directory holding initdb and postgres the way
// deployments/scripts/ensure-postgres.sh does. When they are missing and we
// are root, it runs that script, which installs them.
func findBinDir() (string, error) {
	if dir := lookupBinDir(); dir != "" {
		return dir, nil
	}
	const missing = "PostgreSQL server binaries (initdb, postgres) not found in pg_config --bindir, /usr/lib/postgresql/*/bin or PATH"
	if os.Geteuid() != 0 {
		return "", errors.New(missing + "; install PostgreSQL (Debian: sudo apt-get install postgresql)")
	}
	script, err := ensureScript()
	if err != nil {
		return "", fmt.Errorf("%s, and cannot install them: %w", missing, err)
	}
	cmd := exec.Command("bash", script)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s, and %s failed: %w", missing, script, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	dir := strings.TrimSpace(lines[len(lines)-1])
	if !hasServer(dir) {
		return "", fmt.Errorf("%s printed %q, which lacks initdb or postgres", script, dir)
	}
	return dir, nil
}

// lookupBinDir tries pg_config --bindir, the newest /usr/lib/postgresql/*/bin
// and PATH, in that order, and returns "" when none has the server.
func lookupBinDir() string {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); hasServer(dir) {
			return dir
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for _, dir := range newestFirst(dirs) {
		if hasServer(dir) {
			return dir
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && hasServer(filepath.Dir(real)) {
			return filepath.Dir(real)
		}
	}
	return ""
}

// newestFirst sorts /usr/lib/postgresql/VERSION/bin paths by VERSION,
// newest first, comparing dotted numbers numerically (so 10 beats 9.6).
func newestFirst(dirs []string) []string {
	version := func(dir string) []int {
		var v []int
		for _, part := range strings.Split(filepath.Base(filepath.Dir(dir)), ".") {
			n, _ := strconv.Atoi(part)
			v = append(v, n)
		}
		return v
	}
	sorted := slices.Clone(dirs)
	slices.SortStableFunc(sorted, func(a, b string) int {
		return slices.Compare(version(b), version(a))
	})
	return sorted
}

// hasServer reports whether dir holds the programs a cluster needs.
func hasServer(dir string) bool {
	if dir == "" {
		return false
	}
	for _, prog := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, prog))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// ensureScript locates deployments/scripts/ensure-postgres.sh from the
// module root, the nearest directory above the working directory (the
// package under test) that holds go.mod.
func ensureScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			script := filepath.Join(dir, "deployments", "scripts", "ensure-postgres.sh")
			if _, err := os.Stat(script); err != nil {
				return "", err
			}
			return script, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
