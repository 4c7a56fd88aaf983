package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/importer"
)

type importJobRow struct {
	ID             int64 `gorm:"primaryKey"`
	Kind           string
	Status         string
	DryRun         bool
	OverwriteNewer bool
	Filename       string
	Size           int64
	SHA256         string `gorm:"column:sha256"`
	IdempotencyKey *string
	CreatedBy      *int64
	CreatedByName  string
	TownshipCode   *string
	Format         string
	Sheet          string
	HeaderRow      int
	UnknownColumns *string
	Processed      int
	Total          int
	Counts         *string
	ErrorCode      string
	ErrorMessage   string
	Attempts       int
	CreatedAt      time.Time
	StartedAt      *time.Time
	FinishedAt     *time.Time
}

func (importJobRow) TableName() string { return "import_jobs" }

type importFileRow struct {
	JobID int64 `gorm:"primaryKey"`
	Seq   int   `gorm:"primaryKey"`
	Data  []byte
}

func (importFileRow) TableName() string { return "import_files" }

type importIssueRow struct {
	ID          int64 `gorm:"primaryKey"`
	JobID       int64
	RowNumber   int
	ColumnName  string
	Value       string
	Message     string
	Severity    string
	Code        string
	LedgerValue string
	ChangedAt   *time.Time
	ChangedBy   string
}

func (importIssueRow) TableName() string { return "import_issues" }

type importProgressRow struct {
	JobID     int64 `gorm:"primaryKey"`
	Processed int
	Total     int
	UpdatedAt time.Time
}

func (importProgressRow) TableName() string { return "import_progress" }

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r *importJobRow) toJob() importer.Job {
	j := importer.Job{ID: r.ID, Kind: importer.Kind(r.Kind), Status: importer.Status(r.Status), DryRun: r.DryRun, OverwriteNewer: r.OverwriteNewer,
		Filename: r.Filename, Size: r.Size, SHA256: r.SHA256, IdempotencyKey: deref(r.IdempotencyKey),
		CreatedByName: r.CreatedByName, Township: deref(r.TownshipCode), Format: importer.Format(r.Format),
		Sheet: r.Sheet, HeaderRow: r.HeaderRow, Progress: importer.Progress{Processed: r.Processed, Total: r.Total},
		ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage, Attempts: r.Attempts, CreatedAt: r.CreatedAt.UTC(),
		StartedAt: utc(r.StartedAt), FinishedAt: utc(r.FinishedAt)}
	if r.CreatedBy != nil {
		j.CreatedBy = *r.CreatedBy
	}
	if r.UnknownColumns != nil {
		_ = json.Unmarshal([]byte(*r.UnknownColumns), &j.UnknownColumns)
	}
	if r.Counts != nil {
		_ = json.Unmarshal([]byte(*r.Counts), &j.Counts)
	}
	return j
}

// fileChunk is the size of one stored piece of an upload.
const fileChunk = 4 << 20

var _ importer.Queue = (*DB)(nil)

// ErrImportNotFound answers for an import job that does not exist or is out of sight.
var ErrImportNotFound = apperr.New(apperr.NotFound, "import_not_found", "导入任务不存在")

// CreateImport stores a new queued job with its file (read from file, the
// upload already on disk). With an idempotency key, a job of the same user
// and key is returned instead when it has the same file (created=false);
// a different file under the same key is a 422, and the same request while
// that job is still queued or running a 409.
func (db *DB) CreateImport(ctx context.Context, j importer.Job, file *os.File, by audit.Actor) (importer.Job, bool, error) {
	if j.IdempotencyKey != "" {
		prev, err := db.importByKey(ctx, j.CreatedBy, j.IdempotencyKey)
		if err == nil {
			return db.replay(prev, j)
		}
		if apperr.KindOf(err) != apperr.NotFound {
			return importer.Job{}, false, err
		}
	}
	var createdBy *int64
	if j.CreatedBy != 0 {
		createdBy = &j.CreatedBy
	}
	row := importJobRow{Kind: string(j.Kind), Status: string(importer.Queued), DryRun: j.DryRun, OverwriteNewer: j.OverwriteNewer, Filename: j.Filename,
		Size: j.Size, SHA256: j.SHA256, IdempotencyKey: strPtr(j.IdempotencyKey), CreatedBy: createdBy,
		CreatedByName: j.CreatedByName, TownshipCode: strPtr(j.Township), Format: string(j.Format), CreatedAt: db.Now()}
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.g.Create(&row).Error; err != nil {
			return err
		}
		if _, err := file.Seek(0, io.SeekStart); err != nil {
			return err
		}
		buf := make([]byte, fileChunk)
		for seq := 0; ; seq++ {
			n, err := io.ReadFull(file, buf)
			if n > 0 {
				if err := tx.g.Create(&importFileRow{JobID: row.ID, Seq: seq, Data: buf[:n]}).Error; err != nil {
					return apperr.Wrap(err, "store upload")
				}
			}
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return apperr.Wrap(err, "read upload")
			}
		}
		return tx.addEvent(audit.ImportCreated, "import", strconv.FormatInt(row.ID, 10),
			map[string]any{"kind": j.Kind, "filename": j.Filename, "size": j.Size, "dry_run": j.DryRun, "overwrite_newer": j.OverwriteNewer}, by)
	})
	if err != nil {
		if isUniqueViolation(err) && j.IdempotencyKey != "" {
			// A concurrent request with the same key won the race.
			prev, perr := db.importByKey(ctx, j.CreatedBy, j.IdempotencyKey)
			if perr != nil {
				return importer.Job{}, false, perr
			}
			return db.replay(prev, j)
		}
		return importer.Job{}, false, apperr.Wrap(err, "create import")
	}
	return row.toJob(), true, nil
}

// replay answers a request that repeats an idempotency key.
func (db *DB) replay(prev, j importer.Job) (importer.Job, bool, error) {
	if prev.SHA256 != j.SHA256 || prev.Kind != j.Kind || prev.DryRun != j.DryRun || prev.OverwriteNewer != j.OverwriteNewer {
		return importer.Job{}, false, &apperr.Error{Kind: apperr.Invalid, Code: "idempotency_key_reused",
			Message: "该 Idempotency-Key 已用于另一个文件或另一种导入，请换一个新的 Key",
			Fields:  map[string]string{"Idempotency-Key": "已用于其他导入"}}
	}
	if prev.Status == importer.Queued || prev.Status == importer.Running {
		return importer.Job{}, false, &apperr.Error{Kind: apperr.Conflict, Code: "import_in_progress",
			Message: "使用同一 Idempotency-Key 的导入任务（编号 " + strconv.FormatInt(prev.ID, 10) + "）仍在进行，请稍后查询该任务",
			Data:    map[string]any{"import_id": prev.ID}}
	}
	return prev, false, nil
}

func (db *DB) importByKey(ctx context.Context, userID int64, key string) (importer.Job, error) {
	var row importJobRow
	err := db.gorm.WithContext(ctx).Where("created_by = ? AND idempotency_key = ?", userID, key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return importer.Job{}, ErrImportNotFound
	}
	if err != nil {
		return importer.Job{}, apperr.Wrap(err, "get import")
	}
	return row.toJob(), nil
}

// Import returns one job visible in scope, with live progress when it runs.
func (db *DB) Import(ctx context.Context, s auth.Scope, id int64) (importer.Job, error) {
	var row importJobRow
	err := scoped(db.gorm.WithContext(ctx).Where("id = ?", id), s).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return importer.Job{}, ErrImportNotFound
	}
	if err != nil {
		return importer.Job{}, apperr.Wrap(err, "get import")
	}
	j := row.toJob()
	if j.Status == importer.Running {
		var p importProgressRow
		if err := db.gorm.WithContext(ctx).Where("job_id = ?", id).Take(&p).Error; err == nil {
			j.Progress = importer.Progress{Processed: p.Processed, Total: p.Total}
		}
	}
	return j, nil
}

// Imports lists the jobs visible in scope, newest first, before the id
// cursor (0 for the first page).
func (db *DB) Imports(ctx context.Context, s auth.Scope, beforeID int64, limit int) ([]importer.Job, error) {
	q := scoped(db.gorm.WithContext(ctx).Model(&importJobRow{}), s)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var rows []importJobRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "list imports")
	}
	out := make([]importer.Job, len(rows))
	for i := range rows {
		out[i] = rows[i].toJob()
	}
	return out, nil
}

// ImportIssues calls fn with the job's issues in order, a page at a time,
// so a report of a million rows never sits in memory.
func (db *DB) ImportIssues(ctx context.Context, jobID int64, fn func([]importer.Issue) error) error {
	after := int64(0)
	for {
		var rows []importIssueRow
		if err := db.gorm.WithContext(ctx).Where("job_id = ? AND id > ?", jobID, after).Order("id").Limit(5000).Find(&rows).Error; err != nil {
			return apperr.Wrap(err, "list issues")
		}
		if len(rows) == 0 {
			return nil
		}
		out := make([]importer.Issue, len(rows))
		for i, r := range rows {
			out[i] = importer.Issue{Row: r.RowNumber, Column: r.ColumnName, Value: r.Value, Message: r.Message, Severity: importer.Severity(r.Severity),
				Code: r.Code, Ledger: r.LedgerValue, ChangedAt: utc(r.ChangedAt), ChangedBy: r.ChangedBy}
		}
		if err := fn(out); err != nil {
			return err
		}
		after = rows[len(rows)-1].ID
	}
}

// ImportFile writes the job's stored upload to w and returns its SHA-256,
// which must match the one recorded at upload.
func (db *DB) ImportFile(ctx context.Context, jobID int64, w io.Writer) error {
	err := db.importFile(ctx, jobID, w)
	if cutOff(err) && ctx.Err() == nil {
		return fmt.Errorf("%w: %w", importer.ErrInterrupted, err)
	}
	return err
}

func (db *DB) importFile(ctx context.Context, jobID int64, w io.Writer) error {
	h := sha256.New()
	mw := io.MultiWriter(w, h)
	for seq := 0; ; seq++ {
		var row importFileRow
		err := db.gorm.WithContext(ctx).Where("job_id = ? AND seq = ?", jobID, seq).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			break
		}
		if err != nil {
			return apperr.Wrap(err, "read upload")
		}
		if _, err := mw.Write(row.Data); err != nil {
			return err
		}
	}
	var job importJobRow
	if err := db.gorm.WithContext(ctx).Select("sha256").Where("id = ?", jobID).Take(&job).Error; err != nil {
		return apperr.Wrap(err, "read job")
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != job.SHA256 {
		return fmt.Errorf("stored upload of job %d is damaged: sha256 %s, want %s", jobID, got, job.SHA256)
	}
	return nil
}

// ClaimImport takes the oldest job that is queued, or running but
// abandoned, marks it running and counts the attempt. only, when non-zero,
// claims that job alone. ok is false when there is nothing to do. A job
// started MaxAttempts times is failed instead of claimed.
//
// On PostgreSQL, where several instances share the queue, a claim is a
// lease (import_leases) held by this process from the claim on and renewed
// while the job runs (RenewImportLease); a running job is abandoned when
// its lease ran out (its instance was killed or cut off from the database)
// or was given back (ReleaseImport). The claim uses FOR UPDATE SKIP LOCKED,
// and a running job's row stays locked by its transaction besides.
// On SQLite, one process runs every job: a running job not in skip (the
// jobs this process runs) was abandoned by a previous run of the program.
func (db *DB) ClaimImport(ctx context.Context, only int64, skip []int64) (job importer.Job, ok bool, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		var q *gorm.DB
		if db.dialect == Postgres {
			q = tx.g.Where("status = ? OR (status = ? AND NOT EXISTS (SELECT 1 FROM import_leases l WHERE l.job_id = import_jobs.id AND l.expires_at > now()))",
				string(importer.Queued), string(importer.Running))
		} else {
			q = tx.g.Where("status IN ?", []string{string(importer.Queued), string(importer.Running)})
			if len(skip) > 0 {
				q = q.Where("id NOT IN ?", skip)
			}
		}
		q = db.dialect.forUpdateSkipLocked(q)
		if only > 0 {
			q = q.Where("id = ?", only)
		}
		var row importJobRow
		err := q.Order("id").Limit(1).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return apperr.Wrap(err, "claim import")
		}
		// The lease as committed now (a new statement: the row lock above may
		// have waited for another instance's claim, which its snapshot missed).
		var lease struct {
			Attempt       int
			GivenBack     bool
			Live          bool
			Interruptions int
		}
		var leased bool
		if db.dialect == Postgres {
			res := tx.g.Raw("SELECT attempt, given_back, expires_at > now() AS live, interruptions FROM import_leases WHERE job_id = ?", row.ID).Scan(&lease)
			if res.Error != nil {
				return apperr.Wrap(res.Error, "read import lease")
			}
			leased = res.RowsAffected == 1
			if leased && lease.Live {
				return nil // claimed by another instance meanwhile, or in its back-off
			}
		}
		// A job given back (not its fault) runs again as the same attempt, up
		// to maxInterruptions times in a row.
		again := leased && lease.GivenBack && lease.Attempt == row.Attempts && lease.Interruptions < maxInterruptions
		interruptions := 0
		if again {
			interruptions = lease.Interruptions
		}
		now := db.Now()
		if !again && row.Attempts >= importer.MaxAttempts {
			if err := tx.g.Exec("DELETE FROM import_leases WHERE job_id = ?", row.ID).Error; err != nil {
				return apperr.Wrap(err, "end lease")
			}
			return tx.g.Model(&importJobRow{}).Where("id = ?", row.ID).Updates(map[string]any{
				"status": string(importer.Failed), "error_code": "too_many_attempts", "finished_at": now,
				"error_message": fmt.Sprintf("导入任务已尝试 %d 次均未完成（服务器中断），已停止；台账未被修改，请重新导入", row.Attempts)}).Error
		}
		if !again {
			row.Attempts++
		}
		row.Status = string(importer.Running)
		row.StartedAt = &now
		if err := tx.g.Model(&importJobRow{}).Where("id = ?", row.ID).Updates(map[string]any{
			"status": row.Status, "attempts": row.Attempts, "started_at": now}).Error; err != nil {
			return apperr.Wrap(err, "claim import")
		}
		if db.dialect == Postgres {
			if err := tx.g.Exec(`INSERT INTO import_leases (job_id, owner, attempt, expires_at, given_back, interruptions)
				VALUES (?, ?, ?, now() + make_interval(secs => ?), FALSE, ?)
				ON CONFLICT (job_id) DO UPDATE SET owner = EXCLUDED.owner, attempt = EXCLUDED.attempt, expires_at = EXCLUDED.expires_at,
				given_back = FALSE, interruptions = EXCLUDED.interruptions`,
				row.ID, db.owner, row.Attempts, db.importLease.Seconds(), interruptions).Error; err != nil {
				return apperr.Wrap(err, "lease import")
			}
		}
		job, ok = row.toJob(), true
		return nil
	})
	return job, ok, err
}

// PurgeUploads deletes the stored uploads of finished jobs: succeeded ones
// finished more than keep ago, dry runs and failed jobs more than short
// ago. The jobs, their counts and their reports stay; only the file goes
// (a finished job never reads it again). It returns how many jobs lost
// their file.
func (db *DB) PurgeUploads(ctx context.Context, keep, short time.Duration) (int64, error) {
	now := db.Now()
	var ids []int64
	err := db.gorm.WithContext(ctx).Model(&importJobRow{}).
		Where("(status = ? AND NOT dry_run AND finished_at < ?) OR ((status = ? OR (status = ? AND dry_run)) AND finished_at < ?)",
			string(importer.Succeeded), now.Add(-keep), string(importer.Failed), string(importer.Succeeded), now.Add(-short)).
		Where("EXISTS (SELECT 1 FROM import_files f WHERE f.job_id = import_jobs.id)").
		Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, apperr.Wrap(err, "find uploads to purge")
	}
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		if err := db.gorm.WithContext(ctx).Where("job_id IN ?", batch).Delete(&importFileRow{}).Error; err != nil {
			return int64(start), apperr.Wrap(err, "purge uploads")
		}
	}
	return int64(len(ids)), nil
}

// ImportLease is how long a claim holds a job without renewal; zero on
// SQLite, where leases are not needed (one process).
func (db *DB) ImportLease() time.Duration {
	if db.dialect != Postgres {
		return 0
	}
	return db.importLease
}

// RenewImportLease extends this process's lease of a claimed job. held is
// false when the lease is no longer this claim's (it ran out and another
// instance took the job): the job must stop.
func (db *DB) RenewImportLease(ctx context.Context, job importer.Job) (held bool, err error) {
	if db.dialect != Postgres {
		return true, nil
	}
	res := db.gorm.WithContext(ctx).Exec(`UPDATE import_leases SET expires_at = now() + make_interval(secs => ?)
		WHERE job_id = ? AND owner = ? AND attempt = ?`, db.importLease.Seconds(), job.ID, db.owner, job.Attempts)
	if res.Error != nil {
		return false, apperr.Wrap(res.Error, "renew import lease")
	}
	return res.RowsAffected == 1, nil
}

// ReleaseImport gives a claimed job back without counting the attempt:
// the job stopped through no fault of its own (the server shutting down,
// the database gone for a moment) and an instance may run it again after a
// short back-off, as the same attempt — up to maxInterruptions times in a
// row, after which a claim counts again (a job that keeps breaking its
// connection ends as too_many_attempts). Nothing of it was applied. It does
// nothing when the claim is no longer this one. On PostgreSQL only the
// lease is written: the job's row may still be locked by its dying
// transaction.
func (db *DB) ReleaseImport(ctx context.Context, job importer.Job) error {
	if db.dialect == Postgres {
		return apperr.Wrap(db.gorm.WithContext(ctx).Exec(`UPDATE import_leases SET given_back = TRUE, interruptions = interruptions + 1,
			expires_at = now() + make_interval(secs => ?) WHERE job_id = ? AND owner = ? AND attempt = ?`,
			releaseBackoff.Seconds(), job.ID, db.owner, job.Attempts).Error, "release import")
	}
	return apperr.Wrap(db.gorm.WithContext(ctx).Model(&importJobRow{}).Where("id = ? AND attempts = ? AND status = ?", job.ID, job.Attempts, string(importer.Running)).
		Update("attempts", gorm.Expr("attempts - 1")).Error, "release import")
}

// maxInterruptions is how many times in a row a job may be given back
// without counting an attempt; releaseBackoff is how long a given-back job
// waits before any instance claims it.
const (
	maxInterruptions = 5
	releaseBackoff   = 2 * time.Second
)

// SetImportProgress records how far a running job is. On PostgreSQL it is
// written at once (outside the job's transaction); on SQLite the job's
// transaction holds the write lock, so it is kept for the end.
func (db *DB) SetImportProgress(ctx context.Context, jobID int64, p importer.Progress) error {
	if db.dialect != Postgres {
		return nil
	}
	row := importProgressRow{JobID: jobID, Processed: p.Processed, Total: p.Total, UpdatedAt: db.Now()}
	return apperr.Wrap(db.gorm.WithContext(ctx).Save(&row).Error, "set progress")
}

// FailImport marks a claimed job failed with a Chinese message, if the
// claim is still this one (the same attempt, still running, and on
// PostgreSQL no other instance's lease): else it returns
// importer.ErrJobTaken and changes nothing. Nothing of the job was applied:
// its transaction was rolled back.
func (db *DB) FailImport(ctx context.Context, job importer.Job, code, message string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		q := tx.g.Model(&importJobRow{}).Where("id = ? AND attempts = ? AND status = ?", job.ID, job.Attempts, string(importer.Running))
		if db.dialect == Postgres {
			q = q.Where("NOT EXISTS (SELECT 1 FROM import_leases l WHERE l.job_id = import_jobs.id AND l.owner <> ?)", db.owner)
		}
		res := q.Updates(map[string]any{"status": string(importer.Failed), "error_code": code, "error_message": message, "finished_at": db.Now()})
		if res.Error != nil {
			return apperr.Wrap(res.Error, "fail import")
		}
		if res.RowsAffected == 0 {
			return importer.ErrJobTaken
		}
		if err := tx.g.Where("job_id = ?", job.ID).Delete(&importIssueRow{}).Error; err != nil {
			return apperr.Wrap(err, "clear issues")
		}
		return apperr.Wrap(tx.g.Exec("DELETE FROM import_leases WHERE job_id = ?", job.ID).Error, "end lease")
	})
}

// ImportJobCounts counts the import jobs by status (queued, running,
// succeeded, failed), for the metrics.
func (db *DB) ImportJobCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := db.gorm.WithContext(ctx).Model(&importJobRow{}).Select("status, count(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "count import jobs")
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
