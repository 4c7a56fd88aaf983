package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/enterprise"
)

// vocabularyVersion is the migration that maps free-text survey values to
// the closed vocabularies.
const vocabularyVersion = 14

// vocabularyActor is who the migration's history entries are recorded
// against.
const vocabularyActor = "系统（数据字典迁移）"

// vocabularyMigration is migration 14, on both dialects: operating_status,
// owner_identity and the keys of member_sources were free text and become
// the codes of enterprise.OperatingStatuses, OwnerIdentities and
// MemberSources. It is Go rather than SQL because the mapping is the
// vocabularies' own (normalisation, labels, aliases) and the scope a
// status gives is Ledger.Derive's.
//
// A value the vocabulary does not know is never dropped: an operating
// status naming 吊销, 注销, 停产, 停业 or 歇业 somewhere in its text (部分停产,
// 已于2023年注销) takes that code — so a ledger counted as suspended before
// stays out of the base — and any other text becomes "other", as does an
// unknown owner identity or member source (the counts of unknown sources
// are added under "other"). A blank value ("") becomes null. Every ledger
// changed gets version+1 and a history entry (source "system") listing
// each field's old text and new code, so what was written before stays
// readable in its history; in_scope and out_of_scope_reason are derived
// again (注销 and 吊销 are not operating). Migrate then refreshes the
// suggestions and recounts coverage.
func vocabularyMigration(d Dialect, now func() time.Time) *goose.Migration {
	return goose.NewGoMigration(vocabularyVersion, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return mapVocabularies(ctx, sqlRunner{tx: tx, dialect: d}, d, now().UTC())
	}}, nil)
}

func mapVocabularies(ctx context.Context, r runner, d Dialect, now time.Time) error {
	rows, done, err := r.query(ctx, "SELECT "+enterpriseColumnList+` FROM enterprises
		WHERE owner_identity IS NOT NULL OR operating_status IS NOT NULL OR member_sources IS NOT NULL ORDER BY id`)
	if err != nil {
		return apperr.Wrap(err, "read survey values")
	}
	var ledgers []enterprise.Ledger
	for rows.Next() {
		var row enterpriseRow
		if err := rows.Scan(enterpriseFields(&row)...); err != nil {
			done()
			return apperr.Wrap(err, "read survey values")
		}
		ledgers = append(ledgers, row.toLedger())
	}
	err = rows.Err()
	done()
	if err != nil {
		return apperr.Wrap(err, "read survey values")
	}
	jsonParam := d.param("JSONB")
	for _, before := range ledgers {
		l := before
		l.OwnerIdentity = mapTerm(before.OwnerIdentity, func(s string) string {
			return parseOr(enterprise.OwnerIdentities.Parse, s)
		})
		l.OperatingStatus = mapTerm(before.OperatingStatus, legacyOperatingStatus)
		l.MemberSources = legacyMemberSources(before.MemberSources)
		l.Derive()
		changes := enterprise.Diff(&before, &l)
		if len(changes) == 0 {
			continue
		}
		b, err := json.Marshal(changes)
		if err != nil {
			return apperr.Wrap(err, "encode history")
		}
		row := toEnterpriseRow(&l)
		if _, err := r.exec(ctx, `UPDATE enterprises SET owner_identity = ?, operating_status = ?, member_sources = `+jsonParam+`,
			nature = ?, in_scope = ?, out_of_scope_reason = ?, priority = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			row.OwnerIdentity, row.OperatingStatus, row.MemberSources, row.Nature, row.InScope, row.OutOfScopeReason, row.Priority,
			now, l.ID); err != nil {
			return apperr.Wrap(err, "map survey values")
		}
		if _, err := r.exec(ctx, `INSERT INTO enterprise_history (enterprise_id, version, actor_id, actor_name, source, at, changes)
			VALUES (?, ?, NULL, ?, ?, ?, `+jsonParam+`)`, l.ID, before.Version+1, vocabularyActor, enterprise.SourceSystem, now,
			string(b)); err != nil {
			return apperr.Wrap(err, "record survey values")
		}
	}
	return nil
}

// mapTerm maps a stored value with code: nil stays nil, blank becomes nil.
func mapTerm(v *string, code func(string) string) *string {
	if v == nil || strings.TrimSpace(*v) == "" {
		return nil
	}
	c := code(*v)
	return &c
}

// parseOr is the code s names, or "other".
func parseOr(parse func(string) (string, bool), s string) string {
	if c, ok := parse(s); ok {
		return c
	}
	return "other"
}

// legacyOperatingStatus maps a stored operating status: its code when the
// vocabulary knows it, else the first of 吊销, 注销, 停产, 停业 and 歇业 it
// contains (吊销 first: 吊销未注销 is revoked), else other.
func legacyOperatingStatus(s string) string {
	if c, ok := enterprise.OperatingStatuses.Parse(s); ok {
		return c
	}
	for _, w := range []struct{ word, code string }{
		{"吊销", enterprise.OperatingRevoked}, {"注销", enterprise.OperatingDeregistered},
		{"停产", enterprise.OperatingHalted}, {"停业", enterprise.OperatingSuspended}, {"歇业", enterprise.OperatingDormant},
	} {
		if strings.Contains(s, w.word) {
			return w.code
		}
	}
	return enterprise.OperatingOther
}

// legacyMemberSources maps the keys of stored member sources to codes,
// adding up the counts of keys that map to one code; unknown keys count
// under other.
func legacyMemberSources(m map[string]int) map[string]int {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, n := range m {
		out[parseOr(enterprise.MemberSources.Parse, k)] += n
	}
	if maps.Equal(out, m) {
		return m
	}
	return out
}
