package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/strategy"
	"github.com/fugai/fugai/internal/survey"
)

type roundRow struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	StartsOn  time.Time
	EndsOn    time.Time
	EndedOn   *time.Time
	CreatedAt time.Time
	CreatedBy string
	ClosedAt  *time.Time
	ClosedBy  string
	Coverage  *string
	Progress  *string
}

func (roundRow) TableName() string { return "survey_rounds" }

func (r *roundRow) toRound() survey.Round {
	out := survey.Round{ID: r.ID, Name: r.Name, StartsOn: dateOnly(r.StartsOn), EndsOn: dateOnly(r.EndsOn),
		CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy, ClosedAt: utcPtr(r.ClosedAt), ClosedBy: r.ClosedBy}
	if r.EndedOn != nil {
		d := dateOnly(*r.EndedOn)
		out.EndedOn = &d
	}
	if r.Progress != nil {
		_ = json.Unmarshal([]byte(*r.Progress), &out.Progress)
	}
	if r.Coverage != nil {
		var t coverage.Table
		if json.Unmarshal([]byte(*r.Coverage), &t) == nil {
			out.Coverage = &t
		}
	}
	return out
}

// ErrRoundNotFound answers for a survey round that does not exist or is out of sight.
var ErrRoundNotFound = apperr.New(apperr.NotFound, "round_not_found", "调查轮次不存在")

// CreateRound declares a survey round; rounds do not overlap (409).
func (db *DB) CreateRound(ctx context.Context, r survey.Round, by audit.Actor) (survey.Round, error) {
	var out survey.Round
	err := db.InTx(ctx, func(tx *Tx) error {
		// Two rounds created at once would each find the other absent.
		if err := db.dialect.lockWriters(tx.g, "survey_rounds"); err != nil {
			return err
		}
		var rows []roundRow
		if err := tx.g.Order("starts_on").Find(&rows).Error; err != nil {
			return apperr.Wrap(err, "list rounds")
		}
		for _, o := range rows {
			other := o.toRound()
			if survey.Overlaps(r.StartsOn, r.EndsOn, other.StartsOn, other.LastDay()) {
				return &apperr.Error{Kind: apperr.Conflict, Code: "round_overlaps",
					Message: "与调查轮次“" + other.Name + "”（" + other.StartsOn.Format(time.DateOnly) + " 至 " +
						other.LastDay().Format(time.DateOnly) + "）时间重叠",
					Fields: map[string]string{"starts_on": "与“" + other.Name + "”时间重叠", "ends_on": "与“" + other.Name + "”时间重叠"}}
			}
		}
		row := roundRow{Name: r.Name, StartsOn: r.StartsOn, EndsOn: r.EndsOn, CreatedAt: db.Now(), CreatedBy: by.Name}
		if err := tx.g.Create(&row).Error; err != nil {
			return apperr.Wrap(err, "create round")
		}
		if err := tx.addEvent(audit.RoundCreate, "survey_round", strconv.FormatInt(row.ID, 10),
			map[string]any{"name": r.Name, "starts_on": r.StartsOn.Format(time.DateOnly), "ends_on": r.EndsOn.Format(time.DateOnly)}, by); err != nil {
			return err
		}
		out = row.toRound()
		return nil
	})
	return out, err
}

// Rounds lists the survey rounds, latest first.
func (db *DB) Rounds(ctx context.Context) ([]survey.Round, error) {
	var rows []roundRow
	if err := db.gorm.WithContext(ctx).Order("starts_on DESC, id DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "list rounds")
	}
	out := make([]survey.Round, len(rows))
	for i := range rows {
		out[i] = rows[i].toRound()
	}
	return out, nil
}

// Round returns one survey round.
func (db *DB) Round(ctx context.Context, id int64) (survey.Round, error) {
	var row roundRow
	err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return survey.Round{}, ErrRoundNotFound
	}
	if err != nil {
		return survey.Round{}, apperr.Wrap(err, "get round")
	}
	return row.toRound(), nil
}

// RoundProgress counts, per township ("" for the unassigned) of the
// in-scope enterprises visible in scope, the base and those verified in
// [from, to] (dates).
func (db *DB) RoundProgress(ctx context.Context, s auth.Scope, from, to time.Time) (map[string][2]int, error) {
	q := `SELECT COALESCE(township_code, ''), COUNT(*), SUM(CASE WHEN verified_at >= ? AND verified_at < ? THEN 1 ELSE 0 END)
		FROM enterprises WHERE in_scope`
	args := []any{from, to.AddDate(0, 0, 1)}
	cond, condArgs := townshipCondition(s, "township_code")
	q += cond
	args = append(args, condArgs...)
	rows, done, err := sqlRunner{tx: db.sql, dialect: db.dialect}.query(ctx, q+" GROUP BY COALESCE(township_code, '')", args...)
	if err != nil {
		return nil, apperr.Wrap(err, "round progress")
	}
	defer done()
	out := map[string][2]int{}
	for rows.Next() {
		var code string
		var base, verified int
		if err := rows.Scan(&code, &base, &verified); err != nil {
			return nil, apperr.Wrap(err, "round progress")
		}
		out[code] = [2]int{base, verified}
	}
	return out, apperr.Wrap(rows.Err(), "round progress")
}

// CloseRound closes an open round as of today (a date): the round ends
// today if it had not ended yet, and keeps the coverage table and the
// progress given, and each in-scope enterprise's method, plan status and
// whether it was verified in the round. Closing twice is a 409.
func (db *DB) CloseRound(ctx context.Context, id int64, today time.Time, snapshot func(r survey.Round) (coverage.Table, []survey.Progress, error), by audit.Actor) (survey.Round, error) {
	var out survey.Round
	err := db.InTx(ctx, func(tx *Tx) error {
		row, err := db.lockRound(tx, id)
		if err != nil {
			return err
		}
		if row.ClosedAt != nil {
			return apperr.New(apperr.Conflict, "round_closed", "该调查轮次已结束")
		}
		if starts := dateOnly(row.StartsOn); today.Before(starts) {
			return apperr.New(apperr.Conflict, "round_not_started", "该调查轮次"+starts.Format(time.DateOnly)+"才开始，尚未开始的轮次不能结束；如日期有误，可删除后重新创建")
		}
		ended := dateOnly(row.EndsOn)
		if today.Before(ended) {
			ended = today
		}
		r := row.toRound()
		r.EndedOn = &ended
		table, progress, err := snapshot(r)
		if err != nil {
			return err
		}
		covJSON, _ := json.Marshal(table)
		progJSON, _ := json.Marshal(progress)
		r2, err := tx.runner()
		if err != nil {
			return err
		}
		roundParam := db.dialect.param("BIGINT")
		if _, err := r2.exec(ctx, `INSERT INTO survey_round_enterprises (round_id, enterprise_id, township_code, method, plan_status, verified)
			SELECT `+roundParam+`, e.id, e.township_code, `+planMethodSQL+`, COALESCE(p.status, '`+string(strategy.NotStarted)+`'),
				CASE WHEN e.verified_at >= ? AND e.verified_at < ? THEN true ELSE false END
			FROM enterprises e LEFT JOIN plans p ON p.enterprise_id = e.id WHERE e.in_scope`,
			id, r.StartsOn, ended.AddDate(0, 0, 1)); err != nil {
			return apperr.Wrap(err, "snapshot enterprises")
		}
		now := db.Now()
		cov, prog := string(covJSON), string(progJSON)
		if err := tx.g.Model(&roundRow{}).Where("id = ?", id).Updates(map[string]any{"ended_on": ended, "closed_at": now,
			"closed_by": by.Name, "coverage": cov, "progress": prog}).Error; err != nil {
			return apperr.Wrap(err, "close round")
		}
		if err := tx.addEvent(audit.RoundClose, "survey_round", strconv.FormatInt(id, 10),
			map[string]any{"ended_on": ended.Format(time.DateOnly)}, by); err != nil {
			return err
		}
		row.EndedOn, row.ClosedAt, row.ClosedBy, row.Coverage, row.Progress = &ended, &now, by.Name, &cov, &prog
		out = row.toRound()
		return nil
	})
	return out, err
}

// CurrentRound is the window of the survey round under way at now (a date
// in the district): the open round containing now, else the half-year of
// now.
func (db *DB) CurrentRound(ctx context.Context, now time.Time) (from, to time.Time, err error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	var row roundRow
	err = db.gorm.WithContext(ctx).Where("closed_at IS NULL AND starts_on <= ? AND ends_on >= ?", today, today).
		Order("starts_on DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		from, to = liaison.HalfYear(now)
		return from, to, nil
	}
	if err != nil {
		return from, to, apperr.Wrap(err, "current round")
	}
	return dateOnly(row.StartsOn), dateOnly(row.EndsOn), nil
}

// DeleteRound deletes round id while it has not started (today is before
// its first day): a round created with wrong dates is taken back and made
// again. A round that has started has a period, progress and, once
// closed, a snapshot: it stays (409 round_started).
func (db *DB) DeleteRound(ctx context.Context, id int64, today time.Time, by audit.Actor) error {
	return db.InTx(ctx, func(tx *Tx) error {
		row, err := db.lockRound(tx, id)
		if err != nil {
			return err
		}
		if starts := dateOnly(row.StartsOn); row.ClosedAt != nil || !today.Before(starts) {
			return apperr.New(apperr.Conflict, "round_started", "该调查轮次已开始（"+starts.Format(time.DateOnly)+"），不能删除；可以结束它")
		}
		if err := tx.g.Where("id = ?", id).Delete(&roundRow{}).Error; err != nil {
			return apperr.Wrap(err, "delete round")
		}
		return tx.addEvent(audit.RoundDelete, "survey_round", strconv.FormatInt(id, 10),
			map[string]any{"name": row.Name, "starts_on": row.StartsOn.Format(time.DateOnly), "ends_on": row.EndsOn.Format(time.DateOnly)}, by)
	})
}

// lockRound reads round id, locking it to the end of tx.
func (db *DB) lockRound(tx *Tx, id int64) (roundRow, error) {
	var row roundRow
	err := db.forUpdate(tx.g).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, ErrRoundNotFound
	}
	return row, apperr.Wrap(err, "get round")
}
