package pgtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// dirPrefix starts the name of every directory holding a self-started
// cluster, so later runs can find the ones a crashed run left behind.
const dirPrefix = "fugai-pgtest-"

// The cluster started by this test process, if any. This package state is
// deliberate: the cluster is shared by every test in the process and only
// Main, at process end, may stop it. sync.Once makes concurrent tests wait
// for a single start, and a failed start fails every later URL call alike.
var (
	startOnce sync.Once
	self      *cluster
	selfErr   error
)

// selfStarted returns the admin URL of this process's cluster, starting it
// on first use.
func selfStarted() (string, error) {
	startOnce.Do(func() { self, selfErr = startCluster() })
	if selfErr != nil {
		return "", selfErr
	}
	return self.url, nil
}

// stopSelfStarted stops this process's cluster, if it started one. Main
// calls it after all tests have finished.
func stopSelfStarted() error {
	if self == nil {
		return nil
	}
	return self.stop()
}

// cluster is a running throwaway PostgreSQL server and the directory that
// holds its data, socket and log.
type cluster struct {
	dir  string
	url  string
	cmd  *exec.Cmd
	done chan struct{} // closed once the postgres process has exited
}

// account is the user that runs PostgreSQL when the tests run as root.
type account struct {
	uid, gid uint32
}

// errPortTaken reports that another process bound the chosen port first.
var errPortTaken = errors.New("port already in use")

// startCluster initialises a cluster in a new temporary directory and
// starts postgres on a free 127.0.0.1 port.
func startCluster() (_ *cluster, err error) {
	bindir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	owner, err := postgresAccount()
	if err != nil {
		return nil, err
	}
	sweepStale()

	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	if owner != nil {
		if err := os.Chown(dir, int(owner.uid), int(owner.gid)); err != nil {
			return nil, err
		}
		if err := reachParents(dir); err != nil {
			return nil, err
		}
	}

	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bindir, "initdb"), "-D", data,
		"-A", "trust", "-U", "postgres", "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.Dir = dir
	if err := runAs(initdb, owner); err != nil {
		return nil, err
	}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}

	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		c, err := launch(bindir, dir, data, port, owner)
		if errors.Is(err, errPortTaken) {
			continue
		}
		return c, err
	}
	return nil, errors.New("postgres: found no free port in 3 attempts")
}

// launch starts postgres and waits until it accepts connections.
func launch(bindir, dir, data string, port int, owner *account) (*cluster, error) {
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // postgres holds its own copy of the descriptor

	cmd := exec.Command(filepath.Join(bindir, "postgres"), "-D", data,
		"-p", strconv.Itoa(port), "-k", data,
		"-c", "listen_addresses=127.0.0.1",
		// Durability is pointless for a cluster deleted after the tests.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := runAs(cmd, owner); err != nil {
		return nil, err
	}
	dieWithParent(cmd)

	c := &cluster{
		dir:  dir,
		url:  fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		cmd:  cmd,
		done: make(chan struct{}),
	}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that started the
		// child exits, so keep this goroutine on its thread until postgres
		// is gone.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-c.done:
			log, _ := os.ReadFile(logPath)
			if bytes.Contains(log, []byte("could not bind")) || bytes.Contains(log, []byte("could not create any TCP/IP sockets")) {
				return nil, errPortTaken
			}
			return nil, fmt.Errorf("postgres exited during start-up: %v\n%s", cmd.ProcessState, log)
		default:
		}
		if ready(c.url) {
			return c, nil
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("postgres did not accept connections within 60s; log: %s", logPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ready reports whether the server at url answers a query.
func ready(url string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx) == nil
}

// stop shuts postgres down (fast shutdown, then kill) and removes the
// cluster's directory.
func (c *cluster) stop() error {
	if c.cmd.Process != nil {
		if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
			c.cmd.Process.Kill()
		}
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("remove cluster directory: %w", err)
	}
	return nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// postgresAccount returns the account to run PostgreSQL as: nil for the
// current user, or the postgres user when we are root, which PostgreSQL
// refuses to run as.
func postgresAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as the user postgres: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &account{uid: uint32(uid), gid: uint32(gid)}, nil
}

// reachParents lets other users pass through every directory above dir,
// so the postgres user can reach its cluster.
func reachParents(dir string) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(p, fi.Mode()|0o001); err != nil {
				return err
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// sweepStale removes cluster directories left by test processes that died
// before Main could clean up (a panic, a timeout, an interrupt). Their
// postgres got the parent-death signal; directories whose owner or
// postgres still runs are kept.
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		owner, ok := readPID(filepath.Join(dir, "owner.pid"))
		if !ok || alive(owner) {
			continue
		}
		if pid, ok := readPID(filepath.Join(dir, "data", "postmaster.pid")); ok && alive(pid) {
			continue
		}
		os.RemoveAll(dir)
	}
}

// readPID reads the process id on the first line of path.
func readPID(path string) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	if !s.Scan() {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s.Text()))
	return pid, err == nil && pid > 0
}
