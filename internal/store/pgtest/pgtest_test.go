package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// connect opens a connection closed at the end of the test.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// hasTable reports whether the connected database has public.name.
func hasTable(t *testing.T, conn *pgx.Conn, name string) bool {
	t.Helper()
	var found bool
	err := conn.QueryRow(context.Background(),
		"SELECT to_regclass($1) IS NOT NULL", "public."+name).Scan(&found)
	if err != nil {
		t.Fatalf("look for table %s: %v", name, err)
	}
	return found
}

func TestURLGivesIsolatedDatabases(t *testing.T) {
	t.Parallel()
	first, second := URL(t), URL(t)
	if first == second {
		t.Fatalf("URL returned %q twice", first)
	}
	a, b := connect(t, first), connect(t, second)
	ctx := context.Background()

	if _, err := a.Exec(ctx, "CREATE TABLE widget (id int PRIMARY KEY)"); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if !hasTable(t, a, "widget") {
		t.Fatal("first database lacks the table just created in it")
	}
	if hasTable(t, b, "widget") {
		t.Fatal("second database has the table created in the first")
	}
}

func TestURLServerIsPostgreSQL(t *testing.T) {
	t.Parallel()
	conn := connect(t, URL(t))
	var version string
	if err := conn.QueryRow(context.Background(), "SELECT version()").Scan(&version); err != nil {
		t.Fatalf("select version(): %v", err)
	}
	if !strings.Contains(version, "PostgreSQL") {
		t.Fatalf("version() = %q, want it to mention PostgreSQL", version)
	}
}

func TestURLDropsDatabaseAfterTest(t *testing.T) {
	t.Parallel()
	var url string
	t.Run("user", func(t *testing.T) { url = URL(t) })

	name := url[strings.LastIndex(url, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	admin, err := withDatabase(url, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	var exists bool
	err = connect(t, admin).QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		t.Fatalf("look for database %s: %v", name, err)
	}
	if exists {
		t.Fatalf("database %s still exists after its test ended", name)
	}
}

// TestURLAppendsMarker replaces the marker file for its own call to URL;
// the other tests still write to the one the CI script reads.
func TestURLAppendsMarker(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "marker")
	t.Setenv(envMarker, marker)
	url := URL(t)
	URL(t)

	data, err := os.ReadFile(marker)
	if err != nil {
		t.Fatalf("read marker: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("marker has %d lines, want 2: %q", len(lines), data)
	}
	if !strings.Contains(url, "/"+lines[0]+"?") && !strings.HasSuffix(url, "/"+lines[0]) {
		t.Fatalf("marker line %q does not name the database in %q", lines[0], url)
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		name, admin, want string
		wantErr           bool
	}{
		{
			name:  "tcp with query",
			admin: "postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable",
			want:  "postgres://postgres@127.0.0.1:5433/fugai_t_ab?sslmode=disable",
		},
		{
			name:  "password and postgresql scheme",
			admin: "postgresql://u:secret@db:5432/admin",
			want:  "postgresql://u:secret@db:5432/fugai_t_ab",
		},
		{
			name:  "unix socket in query",
			admin: "postgres://postgres@/postgres?host=/tmp/pg",
			want:  "postgres://postgres@/fugai_t_ab?host=/tmp/pg",
		},
		{name: "keyword form", admin: "host=localhost dbname=postgres", wantErr: true},
		{name: "other scheme", admin: "mysql://root@localhost/db", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withDatabase(tt.admin, "fugai_t_ab")
			if tt.wantErr {
				if err == nil {
					t.Fatalf("withDatabase(%q) = %q, want an error", tt.admin, got)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("withDatabase(%q): %v", tt.admin, err)
			}
			if got != tt.want {
				t.Fatalf("withDatabase(%q) = %q, want %q", tt.admin, got, tt.want)
			}
		})
	}
}

func TestNewestFirst(t *testing.T) {
	tests := []struct {
		name      string
		dirs      []string
		wantFirst string
	}{
		{
			name:      "two digit major beats one digit",
			dirs:      []string{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/13/bin"},
			wantFirst: "/usr/lib/postgresql/15/bin",
		},
		{
			name:      "minor versions",
			dirs:      []string{"/usr/lib/postgresql/9.4/bin", "/usr/lib/postgresql/9.6/bin"},
			wantFirst: "/usr/lib/postgresql/9.6/bin",
		},
		{name: "one", dirs: []string{"/usr/lib/postgresql/16/bin"}, wantFirst: "/usr/lib/postgresql/16/bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.dirs)
			got := newestFirst(in)
			if got[0] != tt.wantFirst {
				t.Fatalf("newestFirst(%q)[0] = %q, want %q", tt.dirs, got[0], tt.wantFirst)
			}
			if !slices.Equal(in, tt.dirs) {
				t.Fatalf("newestFirst changed its argument to %q", in)
			}
		})
	}
}
