package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Parse(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "" || c.District != "431103" || !c.Swagger || c.MaxUploadMB != 200 || c.JointMax != 8 ||
		len(c.TrustedProxies) != 0 || c.LogLevel != slog.LevelInfo || c.ShutdownTimeout != 15*time.Second {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestParseValues(t *testing.T) {
	c, err := Parse(env(map[string]string{"FUGAI_ADDR": "127.0.0.1:9000", "FUGAI_DATABASE_URL": " postgres://x/y ",
		"FUGAI_DISTRICT": "431102", "FUGAI_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16", "FUGAI_SWAGGER": "off",
		"FUGAI_MAX_UPLOAD_MB": "50", "FUGAI_LOG_LEVEL": "debug", "FUGAI_SHUTDOWN_TIMEOUT": "3s", "FUGAI_JOINT_MAX": "5",
		"FUGAI_IMPORT_LEASE": "2s", "FUGAI_UPLOAD_RETENTION_DAYS": "3",
		"FUGAI_METRICS_ADDR": "127.0.0.1:9100", "FUGAI_DB_MAX_CONNS": "40"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.DatabaseURL != "postgres://x/y" || c.District != "431102" || c.Swagger ||
		c.MaxUploadMB != 50 || c.JointMax != 5 || len(c.TrustedProxies) != 2 || c.LogLevel != slog.LevelDebug || c.ShutdownTimeout != 3*time.Second ||
		c.ImportLease != 2*time.Second || c.UploadRetention != 3*24*time.Hour || c.ShortUploadRetention != 3*24*time.Hour ||
		c.MetricsAddr != "127.0.0.1:9100" || c.DBMaxConns != 40 {
		t.Fatalf("parsed: %+v", c)
	}
}

func TestParseErrorsNameTheVariable(t *testing.T) {
	for k, v := range map[string]string{"FUGAI_ADDR": "8080", "FUGAI_DISTRICT": "4311", "FUGAI_TRUSTED_PROXIES": "proxy.local",
		"FUGAI_SWAGGER": "maybe", "FUGAI_MAX_UPLOAD_MB": "0", "FUGAI_LOG_LEVEL": "loud", "FUGAI_SHUTDOWN_TIMEOUT": "soon", "FUGAI_JOINT_MAX": "1",
		"FUGAI_IMPORT_LEASE": "500ms", "FUGAI_UPLOAD_RETENTION_DAYS": "0",
		"FUGAI_METRICS_ADDR": "9100", "FUGAI_DB_MAX_CONNS": "2", "FUGAI_ENV": "prod"} {
		_, err := Parse(env(map[string]string{k: v}))
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}

func TestSchemaAndRollup(t *testing.T) {
	pg := "postgres://x/y"
	c, err := Parse(env(map[string]string{"FUGAI_DATABASE_URL": pg, "FUGAI_DB_SCHEMA": "d431103",
		"FUGAI_ROLLUP": " 431103=d431103, 431102 = d431102 ,"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []RollupDistrict{{"431103", "d431103"}, {"431102", "d431102"}}
	if c.DBSchema != "d431103" || len(c.Rollup) != 2 || c.Rollup[0] != want[0] || c.Rollup[1] != want[1] {
		t.Fatalf("parsed: %+v", c)
	}
	for name, e := range map[string]map[string]string{
		"schema on SQLite":      {"FUGAI_DB_SCHEMA": "d431103"},
		"upper-case schema":     {"FUGAI_DATABASE_URL": pg, "FUGAI_DB_SCHEMA": "D431103"},
		"quoted schema":         {"FUGAI_DATABASE_URL": pg, "FUGAI_DB_SCHEMA": `d"x`},
		"digit first":           {"FUGAI_DATABASE_URL": pg, "FUGAI_DB_SCHEMA": "431103"},
		"pg_ schema":            {"FUGAI_DATABASE_URL": pg, "FUGAI_DB_SCHEMA": "pg_temp"},
		"long schema":           {"FUGAI_DATABASE_URL": pg, "FUGAI_DB_SCHEMA": strings.Repeat("a", 64)},
		"rollup on SQLite":      {"FUGAI_ROLLUP": "431103=d431103"},
		"rollup without =":      {"FUGAI_DATABASE_URL": pg, "FUGAI_ROLLUP": "431103"},
		"rollup bad code":       {"FUGAI_DATABASE_URL": pg, "FUGAI_ROLLUP": "43110=d1"},
		"rollup bad schema":     {"FUGAI_DATABASE_URL": pg, "FUGAI_ROLLUP": "431103=d 1"},
		"rollup code twice":     {"FUGAI_DATABASE_URL": pg, "FUGAI_ROLLUP": "431103=a,431103=b"},
		"rollup schema twice":   {"FUGAI_DATABASE_URL": pg, "FUGAI_ROLLUP": "431103=a,431102=a"},
		"rollup of no district": {"FUGAI_DATABASE_URL": pg, "FUGAI_ROLLUP": " , "},
	} {
		_, err := Parse(env(e))
		var key string
		for k := range e {
			if k != "FUGAI_DATABASE_URL" {
				key = k
			}
		}
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestProductionTurnsSwaggerOff(t *testing.T) {
	for _, c := range []struct {
		env, swagger string
		want         bool
	}{{"", "", true}, {"production", "", false}, {"production", "on", true}, {"development", "off", false}, {"PRODUCTION", "", false}} {
		got, err := Parse(env(map[string]string{"FUGAI_ENV": c.env, "FUGAI_SWAGGER": c.swagger}))
		if err != nil || got.Swagger != c.want || got.Production != (strings.ToLower(c.env) == "production") {
			t.Errorf("FUGAI_ENV=%q FUGAI_SWAGGER=%q: swagger %v production %v (%v)", c.env, c.swagger, got.Swagger, got.Production, err)
		}
	}
}
