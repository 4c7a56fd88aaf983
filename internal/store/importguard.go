package store

import (
	"context"
	"strings"
	"time"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/importer"
)

// What a survey import reads to keep newer work (importer.EditStore): the
// last applied survey imports before the job, and the ledgers' recent
// history, a batch of ledgers per query.

var (
	_ importer.EditStore = (*sqliteLedgers)(nil)
	_ importer.EditStore = (*pgLedgers)(nil)
)

// surveyedSQL reads the last applied survey import, per township (the
// empty code standing for district-wide), before the job's file was first
// uploaded: the newest by id, which is the order of upload. A file
// uploaded again (its dry run first, or again after a run that kept newer
// edits) keeps the date of its first upload, so importing it twice never
// undoes an edit the first run kept.
const surveyedSQL = `SELECT COALESCE(township_code, ''), created_at FROM import_jobs WHERE id IN (
	SELECT MAX(id) FROM import_jobs WHERE kind = 'survey' AND status = 'succeeded' AND NOT dry_run
	AND id < (SELECT MIN(id) FROM import_jobs WHERE kind = 'survey' AND (sha256 = ? OR id = ?))
	GROUP BY township_code)`

// loadSurveyed runs surveyedSQL for job.
func loadSurveyed(ctx context.Context, r runner, job importer.Job) (importer.Surveyed, error) {
	rows, done, err := r.query(ctx, surveyedSQL, job.SHA256, job.ID)
	if err != nil {
		return importer.Surveyed{}, apperr.Wrap(err, "last survey imports")
	}
	defer done()
	s := importer.Surveyed{Townships: map[string]time.Time{}}
	for rows.Next() {
		var township string
		var at time.Time
		if err := rows.Scan(&township, &at); err != nil {
			return importer.Surveyed{}, apperr.Wrap(err, "last survey imports")
		}
		at = at.UTC()
		if township == "" {
			s.District = &at
		} else {
			s.Townships[township] = at
		}
	}
	return s, apperr.Wrap(rows.Err(), "last survey imports")
}

// editsSQL reads the history of a batch of ledgers that may be newer than
// a survey file (the IN list is filled in per dialect): changes through
// the API made at or after a time, and changes by survey imports uploaded
// after it — not those of the last survey import itself, whose upload is
// the date of an undated file: the common case reads little. Registration
// imports (they never change survey fields) and the system's suggestion
// updates are left out. The filter only narrows what is read: loadEdits
// decides.
const editsSQL = `SELECT h.enterprise_id, h.version, h.changes, h.at, h.actor_name, h.job_id, j.created_at
FROM enterprise_history h LEFT JOIN import_jobs j ON j.id = h.job_id
WHERE h.enterprise_id %s AND h.source <> 'system'
AND ((h.job_id IS NULL AND h.at >= ?) OR (j.kind = 'survey' AND j.created_at > ?))`

// loadEdits runs editsSQL and keeps the latest change of each field of
// each ledger that counts from since or later. The values a ledger made by
// hand starts with unless given (enterprise.Defaulted) are not edits.
func loadEdits(ctx context.Context, r runner, d Dialect, ids []int64, since time.Time) (map[int64]map[string]importer.Edit, error) {
	in, args := d.inIDs(ids)
	rows, done, err := r.query(ctx, strings.Replace(editsSQL, "%s", in, 1), append(args, since.UTC(), since.UTC())...)
	if err != nil {
		return nil, apperr.Wrap(err, "ledger edits")
	}
	defer done()
	out := map[int64]map[string]importer.Edit{}
	for rows.Next() {
		var id, version int64
		var changes []byte
		var at time.Time
		var by string
		var job *int64
		var uploaded *time.Time
		if err := rows.Scan(&id, &version, &changes, &at, &by, &job, &uploaded); err != nil {
			return nil, apperr.Wrap(err, "ledger edits")
		}
		e := importer.Edit{At: at.UTC(), By: by}
		if job != nil && uploaded != nil {
			e.At, e.Job = uploaded.UTC(), *job
		}
		if e.At.Before(since) {
			continue
		}
		cs, err := enterprise.DecodeChanges(changes)
		if err != nil {
			return nil, apperr.Wrap(err, "decode history")
		}
		fields := out[id]
		for _, c := range cs {
			if version == 1 && enterprise.Defaulted(c) {
				continue // a hand-made ledger's starting zeros: no one's work
			}
			if prev, ok := fields[c.Field]; ok && !e.At.After(prev.At) {
				continue
			}
			if fields == nil {
				fields = map[string]importer.Edit{}
				out[id] = fields
			}
			fields[c.Field] = e
		}
	}
	return out, apperr.Wrap(rows.Err(), "ledger edits")
}

// Surveyed reads, like Lookup, through the connection that sees the
// ledger as it was before the job.
func (s *sqliteLedgers) Surveyed(ctx context.Context) (importer.Surveyed, error) {
	return loadSurveyed(ctx, sqlRunner{tx: s.read, dialect: SQLite}, s.job)
}

// Edits reads, like Lookup, through the connection that sees the ledger
// as it was before the job: batches never share a ledger, so the job's own
// writes are never what a batch needs.
func (s *sqliteLedgers) Edits(ctx context.Context, ids []int64, since time.Time) (map[int64]map[string]importer.Edit, error) {
	return loadEdits(ctx, sqlRunner{tx: s.read, dialect: SQLite}, SQLite, ids, since)
}

// Surveyed reads in the job's transaction.
func (p *pgLedgers) Surveyed(ctx context.Context) (importer.Surveyed, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return loadSurveyed(ctx, pgxRunner{tx: p.tx}, p.job)
}

// Edits reads in the job's transaction, whose Lookup locked the ledgers:
// no edit can slip in between.
func (p *pgLedgers) Edits(ctx context.Context, ids []int64, since time.Time) (map[int64]map[string]importer.Edit, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return loadEdits(ctx, pgxRunner{tx: p.tx}, Postgres, ids, since)
}
