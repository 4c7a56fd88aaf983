// Package config reads Fugai's configuration from the environment, once,
// into one struct that is passed down.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration.
type Config struct {
	// Addr is the listen address (FUGAI_ADDR, default ":8080").
	Addr string
	// DatabaseURL selects the database (FUGAI_DATABASE_URL): "postgres://…"
	// for PostgreSQL; empty for the embedded SQLite at ./data/fugai.db.
	DatabaseURL string
	// District is the 6-digit county-level code of the jurisdiction
	// (FUGAI_DISTRICT, default 431103, 冷水滩区).
	District string
	// AdminPassword is the first administrator's password, used only when
	// the database has no users (FUGAI_ADMIN_PASSWORD).
	AdminPassword string
	// TrustedProxies lists proxy addresses or CIDRs whose X-Forwarded-For is
	// believed (FUGAI_TRUSTED_PROXIES, comma separated; default none).
	TrustedProxies []string
	// Swagger serves the Swagger UI at /swagger/: FUGAI_SWAGGER=on or off;
	// by default on, off in production (FUGAI_ENV=production).
	Swagger bool
	// Production is FUGAI_ENV=production (the default is development):
	// the Swagger UI is off unless FUGAI_SWAGGER=on asks for it.
	Production bool
	// MaxUploadMB caps uploads (FUGAI_MAX_UPLOAD_MB, default 200).
	MaxUploadMB int
	// JointMax is how many enterprises a suggested joint group holds at most
	// (FUGAI_JOINT_MAX, default 8).
	JointMax int
	// LogLevel is FUGAI_LOG_LEVEL: debug, info (default), warn, error.
	LogLevel slog.Level
	// ShutdownTimeout bounds graceful shutdown (FUGAI_SHUTDOWN_TIMEOUT, default 15s).
	ShutdownTimeout time.Duration
	// ImportLease is how long an instance holds an import job it claimed
	// without renewing the claim (FUGAI_IMPORT_LEASE, default 30s, from 1s
	// to 10m; PostgreSQL): a job whose instance died runs again elsewhere
	// after it.
	ImportLease time.Duration
	// UploadRetention is how long the upload of a succeeded import is kept
	// (FUGAI_UPLOAD_RETENTION_DAYS, default 30 days, 1 to 3650); dry runs
	// and failed jobs keep theirs ShortUploadRetention (7 days, or less
	// when UploadRetention is shorter). The jobs and reports stay.
	UploadRetention      time.Duration
	ShortUploadRetention time.Duration
	// MetricsAddr is where /metrics is served for Prometheus
	// (FUGAI_METRICS_ADDR, host:port; "" — the default — serves none). Keep
	// it off the public network.
	MetricsAddr string
	// DBMaxConns caps the database connection pool (FUGAI_DB_MAX_CONNS,
	// 1 to 1000; default 20 on PostgreSQL, 8 on SQLite).
	DBMaxConns int
	// DBSchema is the PostgreSQL schema holding this district's tables
	// (FUGAI_DB_SCHEMA; "" — the default — uses the connection's own
	// search_path, normally public). Several districts share one database
	// with a schema each; it is created on the first start.
	DBSchema string
	// Rollup lists the districts whose coverage this instance sums for a
	// city or province (FUGAI_ROLLUP, "CODE=SCHEMA,…", PostgreSQL): each
	// district's 6-digit code and the schema its instances use. Empty — the
	// default — serves no roll-up.
	Rollup []RollupDistrict
}

// RollupDistrict is one district of a roll-up: its code and its schema.
type RollupDistrict struct {
	Code   string
	Schema string
}

// ValidSchema reports whether s is a schema name Fugai accepts: lower-case
// ASCII letters, digits and underscores, starting with a letter or an
// underscore, at most 63 bytes, not pg_… (reserved by PostgreSQL).
func ValidSchema(s string) bool {
	if s == "" || len(s) > 63 || strings.HasPrefix(s, "pg_") || s == "information_schema" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r == '_':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Parse reads the configuration through getenv and validates it.
func Parse(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:            or(getenv("FUGAI_ADDR"), ":8080"),
		DatabaseURL:     strings.TrimSpace(getenv("FUGAI_DATABASE_URL")),
		District:        or(strings.TrimSpace(getenv("FUGAI_DISTRICT")), "431103"),
		AdminPassword:   getenv("FUGAI_ADMIN_PASSWORD"),
		Swagger:         true,
		MaxUploadMB:     200,
		JointMax:        8,
		ShutdownTimeout: 15 * time.Second,
		ImportLease:     30 * time.Second,
		UploadRetention: 30 * 24 * time.Hour,
	}
	var problems []string
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		problems = append(problems, fmt.Sprintf("FUGAI_ADDR %q is not host:port", c.Addr))
	}
	if v := strings.TrimSpace(getenv("FUGAI_TRUSTED_PROXIES")); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					problems = append(problems, fmt.Sprintf("FUGAI_TRUSTED_PROXIES: %q is neither an IP nor a CIDR", p))
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	switch strings.ToLower(strings.TrimSpace(getenv("FUGAI_ENV"))) {
	case "", "development":
	case "production":
		c.Production, c.Swagger = true, false
	default:
		problems = append(problems, "FUGAI_ENV must be development or production")
	}
	switch strings.ToLower(strings.TrimSpace(getenv("FUGAI_SWAGGER"))) {
	case "":
	case "on", "true", "1":
		c.Swagger = true
	case "off", "false", "0":
		c.Swagger = false
	default:
		problems = append(problems, "FUGAI_SWAGGER must be on or off")
	}
	if v := strings.TrimSpace(getenv("FUGAI_MAX_UPLOAD_MB")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10240 {
			problems = append(problems, fmt.Sprintf("FUGAI_MAX_UPLOAD_MB %q must be an integer from 1 to 10240", v))
		}
		c.MaxUploadMB = n
	}
	if v := strings.TrimSpace(getenv("FUGAI_JOINT_MAX")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 100 {
			problems = append(problems, fmt.Sprintf("FUGAI_JOINT_MAX %q must be a whole number from 2 to 100", v))
		}
		c.JointMax = n
	}
	if v := strings.TrimSpace(getenv("FUGAI_LOG_LEVEL")); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			problems = append(problems, fmt.Sprintf("FUGAI_LOG_LEVEL %q must be debug, info, warn or error", v))
		}
	}
	if v := strings.TrimSpace(getenv("FUGAI_SHUTDOWN_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			problems = append(problems, fmt.Sprintf("FUGAI_SHUTDOWN_TIMEOUT %q must be a positive duration such as 15s", v))
		}
		c.ShutdownTimeout = d
	}
	if v := strings.TrimSpace(getenv("FUGAI_IMPORT_LEASE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 10*time.Minute {
			problems = append(problems, fmt.Sprintf("FUGAI_IMPORT_LEASE %q must be a duration from 1s to 10m, such as 30s", v))
		}
		c.ImportLease = d
	}
	if v := strings.TrimSpace(getenv("FUGAI_UPLOAD_RETENTION_DAYS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			problems = append(problems, fmt.Sprintf("FUGAI_UPLOAD_RETENTION_DAYS %q must be a whole number of days from 1 to 3650", v))
		}
		c.UploadRetention = time.Duration(n) * 24 * time.Hour
	}
	c.ShortUploadRetention = min(7*24*time.Hour, c.UploadRetention)
	if v := strings.TrimSpace(getenv("FUGAI_METRICS_ADDR")); v != "" {
		if _, _, err := net.SplitHostPort(v); err != nil {
			problems = append(problems, fmt.Sprintf("FUGAI_METRICS_ADDR %q is not host:port", v))
		}
		c.MetricsAddr = v
	}
	if v := strings.TrimSpace(getenv("FUGAI_DB_MAX_CONNS")); v != "" {
		n, err := strconv.Atoi(v)
		// An import holds one connection for its transaction and takes
		// another for its lease and reads; with two workers, fewer than
		// four connections can leave both waiting for a third.
		if err != nil || n < 4 || n > 1000 {
			problems = append(problems, fmt.Sprintf("FUGAI_DB_MAX_CONNS %q must be a whole number from 4 to 1000", v))
		}
		c.DBMaxConns = n
	}
	postgres := strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
	if v := strings.TrimSpace(getenv("FUGAI_DB_SCHEMA")); v != "" {
		switch {
		case !ValidSchema(v):
			problems = append(problems, fmt.Sprintf("FUGAI_DB_SCHEMA %q must be lower-case letters, digits and underscores (at most 63, not starting with a digit or pg_)", v))
		case !postgres:
			problems = append(problems, "FUGAI_DB_SCHEMA needs PostgreSQL (FUGAI_DATABASE_URL=postgres://…)")
		}
		c.DBSchema = v
	}
	if v := strings.TrimSpace(getenv("FUGAI_ROLLUP")); v != "" {
		rollup, bad := parseRollup(v)
		problems = append(problems, bad...)
		if !postgres {
			problems = append(problems, "FUGAI_ROLLUP needs PostgreSQL (FUGAI_DATABASE_URL=postgres://…): the districts' schemas are read from the same database")
		}
		c.Rollup = rollup
	}
	if len(c.District) != 6 {
		problems = append(problems, fmt.Sprintf("FUGAI_DISTRICT %q must be a 6-digit county-level code", c.District))
	}
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// parseRollup reads FUGAI_ROLLUP: "CODE=SCHEMA" pairs separated by commas.
func parseRollup(v string) ([]RollupDistrict, []string) {
	var out []RollupDistrict
	var problems []string
	codes, schemas := map[string]bool{}, map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		code, schema, ok := strings.Cut(part, "=")
		code, schema = strings.TrimSpace(code), strings.TrimSpace(schema)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("FUGAI_ROLLUP: %q must be CODE=SCHEMA, such as 431103=d431103", part))
			continue
		case len(code) != 6 || strings.Trim(code, "0123456789") != "":
			problems = append(problems, fmt.Sprintf("FUGAI_ROLLUP: %q is not a 6-digit district code", code))
		case !ValidSchema(schema):
			problems = append(problems, fmt.Sprintf("FUGAI_ROLLUP: schema %q must be lower-case letters, digits and underscores", schema))
		case codes[code]:
			problems = append(problems, fmt.Sprintf("FUGAI_ROLLUP: district %s is listed twice", code))
		case schemas[schema]:
			problems = append(problems, fmt.Sprintf("FUGAI_ROLLUP: schema %s is listed twice", schema))
		}
		codes[code], schemas[schema] = true, true
		out = append(out, RollupDistrict{Code: code, Schema: schema})
	}
	if len(out) == 0 && len(problems) == 0 {
		problems = append(problems, "FUGAI_ROLLUP lists no district")
	}
	return out, problems
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
