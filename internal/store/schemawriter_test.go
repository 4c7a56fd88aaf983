package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// During a rolling upgrade an instance of the previous version may still
// run: once the database requires a newer writer (a migration raised
// fugai_schema.min_writer), that instance's writes are refused with 503
// instance_outdated and it reports not ready, while it still reads; a
// program older than the database's schema refuses to migrate or serve.
func TestOutdatedInstancesDoNotWrite(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.Postgres, nil)
	all := auth.Scope{All: true}
	write := func() error {
		_, err := db.CreateEnterprise(ctx, enterprise.Ledger{CreditCode: "91431103MA4L0001XC", Name: "永州市版本测试有限公司",
			RegisteredAddress: "湖南省永州市冷水滩区梅湾街道1号", Assignment: division.Unassigned}, nil, audit.Actor{Name: "t"})
		return err
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
	if err := db.SetMinWriter(db.Schema() + 1); err != nil {
		t.Fatal(err)
	}
	err := write()
	if apperr.KindOf(err) != apperr.Unavailable || !strings.Contains(err.Error(), "程序版本") {
		t.Fatalf("a write by an outdated instance: %v", err)
	}
	if _, _, _, err := db.EnterprisePage(ctx, all, store.EnterpriseFilter{Limit: 10}); err != nil {
		t.Fatalf("a read by an outdated instance: %v", err)
	}
	if err := db.Ready(ctx); apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("an outdated instance says ready: %v", err)
	}
	if err := db.SetMinWriter(db.Schema()); err != nil {
		t.Fatal(err)
	}
	if err := write(); err != nil {
		t.Fatalf("a write by a current instance: %v", err)
	}
	if err := db.PretendNewerSchema(db.Schema() + 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("migrating a newer database: %v", err)
	}
	if err := db.Ready(ctx); apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("an instance older than the schema says ready: %v", err)
	}
}
