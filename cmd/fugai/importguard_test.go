package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division/divisiontest"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/store"
)

// fugai import keeps a field edited since the last survey import and says
// so; -overwrite-newer overwrites it, and is refused for other kinds.
func TestImportCommandKeepsNewerEdits(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"FUGAI_DATABASE_URL": dir + "/f.db"}
	ctx := context.Background()
	write := func(name, content string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	reg := write("reg.csv", "统一社会信用代码,企业名称,住所\n91431100MA4L1AAA1X,甲公司,永州市冷水滩区梅湾街道1号\n")
	sur := write("sur.csv", "统一社会信用代码,职工人数\n91431100MA4L1AAA1X,10\n")
	importing := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"import"}, args...), getenvFrom(vars), nil, &out, io.Discard)
		return out.String(), err
	}
	if _, err := importing("-kind", "registration", "-overwrite-newer", reg); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("-overwrite-newer with a registration: %v", err)
	}
	for _, args := range [][]string{{"-kind", "registration", reg}, {"-kind", "survey", sur}} {
		if _, err := importing(args...); err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(ctx, vars["FUGAI_DATABASE_URL"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := divisiontest.Lengshuitan(t)
	ls, _, err := db.Enterprises(ctx, auth.Scope{All: true}, store.EnterpriseFilter{Limit: 10})
	if err != nil || len(ls) != 1 {
		t.Fatalf("ledgers %v: %v", ls, err)
	}
	_, err = db.UpdateEnterprise(ctx, auth.Scope{All: true}, ls[0].ID, ls[0].Version, audit.Actor{Name: "editor"},
		func(l *enterprise.Ledger) ([]enterprise.Change, error) {
			return l.Apply(map[string]json.RawMessage{"employees": json.RawMessage("30")}, auth.DistrictAdmin, d)
		})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-kind", "survey", sur}, "kept 1, overwritten 0"},
		{[]string{"-kind", "survey", "-overwrite-newer", sur}, "kept 0, overwritten 1"},
	} {
		if out, err := importing(c.args...); err != nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: %v\n%s", c.args, err, out)
		}
	}
}
