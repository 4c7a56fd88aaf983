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
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/liaison"
)

type assignmentRow struct {
	ID           int64 `gorm:"primaryKey"`
	EnterpriseID int64
	LiaisonID    int64
	AssignedAt   time.Time
	AssignedBy   string
	EndedAt      *time.Time
	EndedBy      string
}

func (assignmentRow) TableName() string { return "liaison_assignments" }

type visitRow struct {
	ID           int64 `gorm:"primaryKey"`
	EnterpriseID int64
	VisitedOn    time.Time
	Services     string
	Notes        string
	NextSteps    string
	AuthorID     *int64
	AuthorName   string
	CreatedAt    time.Time
	// IdempotencyKey is the author's key for this visit (nil: none).
	IdempotencyKey *string
}

func (visitRow) TableName() string { return "visits" }

func (r *visitRow) toVisit() liaison.Visit {
	v := liaison.Visit{ID: r.ID, EnterpriseID: r.EnterpriseID, VisitedOn: dateOnly(r.VisitedOn), Notes: r.Notes, NextSteps: r.NextSteps,
		AuthorID: r.AuthorID, AuthorName: r.AuthorName, CreatedAt: r.CreatedAt.UTC()}
	_ = json.Unmarshal([]byte(r.Services), &v.Services)
	if v.Services == nil {
		v.Services = []string{}
	}
	return v
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Liaison returns the standing liaison of ledger id (nil when none), if the
// ledger is visible in scope.
func (db *DB) Liaison(ctx context.Context, s auth.Scope, id int64) (*liaison.Assignment, error) {
	g := db.gorm.WithContext(ctx)
	if _, err := db.enterprise(g, s, id); err != nil {
		return nil, err
	}
	return db.assignment(g, id)
}

func (db *DB) assignment(g *gorm.DB, enterpriseID int64) (*liaison.Assignment, error) {
	var row assignmentRow
	err := g.Where("enterprise_id = ? AND ended_at IS NULL", enterpriseID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "get liaison")
	}
	var u userRow
	if err := g.Where("id = ?", row.LiaisonID).Take(&u).Error; err != nil {
		return nil, apperr.Wrap(err, "get liaison user")
	}
	return &liaison.Assignment{EnterpriseID: enterpriseID, Liaison: u.toUser(), AssignedAt: row.AssignedAt.UTC(), AssignedBy: row.AssignedBy}, nil
}

// AssignLiaison makes user liaisonID the liaison of ledger id: an active
// liaison of the ledger's township. A standing assignment to someone else
// is ended.
func (db *DB) AssignLiaison(ctx context.Context, s auth.Scope, id, liaisonID int64, by audit.Actor) (*liaison.Assignment, error) {
	var out *liaison.Assignment
	err := db.InTx(ctx, func(tx *Tx) error {
		// The liaison is locked, so that it cannot be disabled meanwhile
		// (DisableUser ends its assignments), and before the ledger, as
		// DisableUser and HandoverLiaison lock users before ledgers.
		var u userRow
		uerr := db.forUpdate(tx.g).Where("id = ?", liaisonID).Take(&u).Error
		l, err := db.enterprise(db.forUpdate(tx.g), s, id)
		if err != nil {
			return err
		}
		// A township's admin learns nothing of other townships' accounts:
		// one of them answers as an id no liaison has.
		if errors.Is(uerr, gorm.ErrRecordNotFound) || (uerr == nil && auth.Role(u.Role) != auth.Liaison) ||
			(uerr == nil && s.Township != "" && deref(u.TownshipCode) != s.Township) {
			return apperr.Field("liaison_not_found", "liaison_id", "联络员不存在（须为联络员账号）")
		}
		if uerr != nil {
			return apperr.Wrap(uerr, "get liaison user")
		}
		if u.DisabledAt != nil {
			return apperr.Field("liaison_disabled", "liaison_id", "该联络员账号已停用，不能指定")
		}
		if l.TownshipCode == "" {
			return apperr.Field("enterprise_unassigned", "liaison_id", "企业尚未划分街道/乡镇，请先确定所属街道/乡镇再指定联络员")
		}
		if deref(u.TownshipCode) != l.TownshipCode {
			return apperr.Field("liaison_other_township", "liaison_id", "联络员须来自企业所属的街道/乡镇")
		}
		cur, err := db.assignment(tx.g, id)
		if err != nil {
			return err
		}
		now := db.Now()
		if cur != nil {
			if cur.Liaison.ID == liaisonID {
				out = cur
				return nil
			}
			if err := tx.g.Model(&assignmentRow{}).Where("enterprise_id = ? AND ended_at IS NULL", id).
				Updates(map[string]any{"ended_at": now, "ended_by": by.Name}).Error; err != nil {
				return apperr.Wrap(err, "end liaison assignment")
			}
		}
		tx.noteLedgers(id)
		row := assignmentRow{EnterpriseID: id, LiaisonID: liaisonID, AssignedAt: now, AssignedBy: by.Name}
		if err := tx.g.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "liaison_changed", "联络员刚被他人调整，请刷新后重试")
			}
			return apperr.Wrap(err, "assign liaison")
		}
		detail := map[string]any{"liaison_id": liaisonID, "liaison": u.Username}
		if cur != nil {
			detail["previous_liaison_id"] = cur.Liaison.ID
		}
		if err := tx.addEvent(audit.LiaisonAssign, "enterprise", strconv.FormatInt(id, 10), detail, by); err != nil {
			return err
		}
		out = &liaison.Assignment{EnterpriseID: id, Liaison: u.toUser(), AssignedAt: now, AssignedBy: by.Name}
		return nil
	})
	return out, err
}

// LiaisonHistory lists every assignment of ledger id, oldest first.
func (db *DB) LiaisonHistory(ctx context.Context, id int64) ([]liaison.Period, error) {
	var rows []struct {
		LiaisonID  int64
		AssignedAt time.Time
		AssignedBy string
		EndedAt    *time.Time
		EndedBy    string
		Username   string
		Name       string
	}
	err := db.gorm.WithContext(ctx).Table("liaison_assignments a").
		Select("a.liaison_id, a.assigned_at, a.assigned_by, a.ended_at, a.ended_by, u.username, u.name").
		Joins("JOIN users u ON u.id = a.liaison_id").Where("a.enterprise_id = ?", id).Order("a.id").Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(err, "liaison history")
	}
	out := make([]liaison.Period, len(rows))
	for i, r := range rows {
		out[i] = liaison.Period{LiaisonID: r.LiaisonID, Username: r.Username, Name: r.Name, AssignedAt: r.AssignedAt.UTC(),
			AssignedBy: r.AssignedBy, EndedAt: utcPtr(r.EndedAt), EndedBy: r.EndedBy}
	}
	return out, nil
}

// AddVisit records a visit to ledger id (visible in scope) and marks the
// ledger verified as of the visit, unless it was verified later already.
// With an idempotency key (key != ""), the author's earlier visit under the
// same key is returned instead (created false) when it is the same visit,
// and refused (422 idempotency_key_reused) when it is another: a visit
// re-sent after its answer was lost is logged once.
func (db *DB) AddVisit(ctx context.Context, s auth.Scope, id int64, v liaison.Visit, key string, by audit.Actor) (out liaison.Visit, created bool, err error) {
	services, _ := json.Marshal(v.Services)
	err = db.InTx(ctx, func(tx *Tx) error {
		if _, err := db.enterprise(db.forUpdate(tx.g), s, id); err != nil {
			return err
		}
		if key != "" {
			prev, found, err := visitByKey(tx.g, actorID(by), key)
			if err != nil {
				return err
			}
			if found {
				if prev.EnterpriseID != id || !dateOnly(prev.VisitedOn).Equal(dateOnly(v.VisitedOn)) || prev.Services != string(services) ||
					prev.Notes != v.Notes || prev.NextSteps != v.NextSteps {
					return errVisitKeyReused
				}
				out = prev.toVisit()
				return nil
			}
		}
		now := db.Now()
		row := visitRow{EnterpriseID: id, VisitedOn: v.VisitedOn, Services: string(services), Notes: v.Notes, NextSteps: v.NextSteps,
			AuthorID: actorID(by), AuthorName: by.Name, CreatedAt: now}
		if key != "" {
			row.IdempotencyKey = &key
		}
		if err := tx.g.Create(&row).Error; err != nil {
			if key != "" && isUniqueViolation(err) { // the same key on another ledger, at the same moment
				return errVisitKeyReused
			}
			return apperr.Wrap(err, "add visit")
		}
		res := tx.g.Model(&enterpriseRow{}).Where("id = ? AND (verified_at IS NULL OR verified_at < ?)", id, v.VisitedOn).
			Update("verified_at", v.VisitedOn)
		if res.Error != nil {
			return apperr.Wrap(res.Error, "verify ledger")
		}
		if res.RowsAffected > 0 {
			tx.noteLedgers(id)
		}
		if err := tx.addEvent(audit.VisitAdd, "enterprise", strconv.FormatInt(id, 10),
			map[string]any{"visit_id": row.ID, "visited_on": v.VisitedOn.Format(time.DateOnly)}, by); err != nil {
			return err
		}
		out, created = row.toVisit(), true
		return nil
	})
	return out, created, err
}

var errVisitKeyReused = &apperr.Error{Kind: apperr.Invalid, Code: "idempotency_key_reused",
	Message: "该 Idempotency-Key 已用于另一条走访记录，请换一个新的 Key",
	Fields:  map[string]string{"Idempotency-Key": "已用于另一条走访记录"}}

// visitByKey finds the visit an author logged under an idempotency key.
func visitByKey(g *gorm.DB, author *int64, key string) (visitRow, bool, error) {
	var rows []visitRow
	q := g.Where("idempotency_key = ?", key)
	if author == nil {
		q = q.Where("author_id IS NULL")
	} else {
		q = q.Where("author_id = ?", *author)
	}
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return visitRow{}, false, apperr.Wrap(err, "find visit by key")
	}
	if len(rows) == 0 {
		return visitRow{}, false, nil
	}
	return rows[0], true, nil
}

// Visits lists the visits to ledger id (visible in scope), latest first.
func (db *DB) Visits(ctx context.Context, s auth.Scope, id int64) ([]liaison.Visit, error) {
	g := db.gorm.WithContext(ctx)
	if _, err := db.enterprise(g, s, id); err != nil {
		return nil, err
	}
	var rows []visitRow
	if err := g.Where("enterprise_id = ?", id).Order("visited_on DESC, id DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "list visits")
	}
	out := make([]liaison.Visit, len(rows))
	for i := range rows {
		out[i] = rows[i].toVisit()
	}
	return out, nil
}

// Liaisons lists the liaisons visible in scope (of a township, when
// township is set) with their workload: enterprises assigned, visits they
// logged inside the window [from, to], and assigned in-scope enterprises
// whose ledger is stale on today, the district's date.
func (db *DB) Liaisons(ctx context.Context, s auth.Scope, township string, from, to, today time.Time) ([]liaison.Workload, error) {
	_, staleBefore := staleCutoff(today)
	q := db.gorm.WithContext(ctx).Model(&userRow{}).Where("role = ?", string(auth.Liaison))
	if township != "" {
		q = q.Where("township_code = ?", township)
	}
	q = scopeTownship(q, s, "township_code")
	var users []userRow
	if err := q.Order("id").Limit(5000).Find(&users).Error; err != nil {
		return nil, apperr.Wrap(err, "list liaisons")
	}
	// Three grouped counts for the whole list, not three per liaison.
	g := db.gorm.WithContext(ctx)
	count := func(q *gorm.DB, key string) (map[int64]int, error) {
		var rows []struct {
			ID int64
			N  int
		}
		if err := q.Select(key + " AS id, COUNT(*) AS n").Group(key).Scan(&rows).Error; err != nil {
			return nil, apperr.Wrap(err, "liaison workload")
		}
		m := make(map[int64]int, len(rows))
		for _, r := range rows {
			m[r.ID] = r.N
		}
		return m, nil
	}
	assigned, err := count(g.Table("liaison_assignments").Where("ended_at IS NULL"), "liaison_id")
	if err != nil {
		return nil, err
	}
	visits, err := count(g.Table("visits").Where("author_id IS NOT NULL AND visited_on >= ? AND visited_on <= ?", from, to), "author_id")
	if err != nil {
		return nil, err
	}
	overdue, err := count(g.Table("liaison_assignments a").Joins("JOIN enterprises e ON e.id = a.enterprise_id").
		Where("a.ended_at IS NULL AND e.in_scope AND (e.verified_at IS NULL OR e.verified_at < ?)", staleBefore), "a.liaison_id")
	if err != nil {
		return nil, err
	}
	out := make([]liaison.Workload, len(users))
	for i, u := range users {
		out[i] = liaison.Workload{User: u.toUser(), Enterprises: assigned[u.ID], VisitsThisRound: visits[u.ID], Overdue: overdue[u.ID]}
	}
	return out, nil
}

// assignLiaisons applies the rows of a liaison sheet in order inside an
// import's transaction: each row's enterprise (of township, when set) gets
// the row's liaison, a liaison user of the enterprise's township found by
// username, or by name and mobile number.
// forShare keeps the rows a PostgreSQL query reads from changing until
// the transaction ends (a liaison disabled meanwhile waits, then ends the
// assignments made); SQLite's writer holds the whole database already.
func forShare(r runner) string {
	switch r := r.(type) {
	case pgxRunner:
		return " FOR SHARE"
	case sqlRunner:
		return r.dialect.forShare()
	}
	return ""
}

func assignLiaisons(ctx context.Context, r runner, township string, dryRun bool, rows []importer.LiaisonRow, job importer.Job, now time.Time) ([]importer.LiaisonResult, error) {
	by := job.CreatedByName
	out := make([]importer.LiaisonResult, len(rows))
	reject := func(i int, f importer.Field, msg string) {
		out[i] = importer.LiaisonResult{Outcome: importer.LiaisonRejected, Field: f, Message: msg}
	}
	one := func(q string, args []any, dest ...any) (bool, error) {
		rs, done, err := r.query(ctx, q, args...)
		if err != nil {
			return false, err
		}
		defer done()
		if !rs.Next() {
			return false, rs.Err()
		}
		return true, rs.Scan(dest...)
	}
	for i, row := range rows {
		var id int64
		var tw *string
		q, args := "SELECT id, township_code FROM enterprises WHERE credit_code = ?", []any{row.Code}
		if township != "" {
			q += " AND township_code = ?"
			args = append(args, township)
		}
		found, err := one(q, args, &id, &tw)
		if err != nil {
			return nil, apperr.Wrap(err, "find ledger")
		}
		if !found {
			msg := "台账中没有该统一社会信用代码"
			if township != "" {
				msg = "本街道/乡镇的台账中没有该统一社会信用代码"
			}
			reject(i, importer.FieldCreditCode, msg)
			continue
		}
		if tw == nil {
			reject(i, importer.FieldCreditCode, "企业尚未划分街道/乡镇，请先确定所属街道/乡镇再指定联络员")
			continue
		}
		var uid int64
		var role string
		var utw *string
		var disabled bool
		field := importer.FieldLiaisonUsername
		if row.Username != "" {
			found, err = one("SELECT id, role, township_code, disabled_at IS NOT NULL FROM users WHERE username = ?"+forShare(r), []any{row.Username},
				&uid, &role, &utw, &disabled)
			if err != nil {
				return nil, apperr.Wrap(err, "find liaison")
			}
			// A township's import learns nothing of other townships'
			// accounts: one of them is "no such account".
			if !found || auth.Role(role) != auth.Liaison || (township != "" && (utw == nil || *utw != township)) {
				reject(i, field, "没有这个联络员账号")
				continue
			}
			if disabled {
				reject(i, field, "该联络员账号已停用，不能指定")
				continue
			}
		} else {
			field = importer.FieldLiaisonName
			// Disabled accounts are no liaisons: a namesake's active
			// account is the one meant.
			rs, done, err := r.query(ctx, "SELECT id, township_code FROM users WHERE role = ? AND name = ? AND phone = ? AND township_code = ? AND disabled_at IS NULL"+forShare(r),
				string(auth.Liaison), row.Name, row.Phone, *tw)
			if err != nil {
				return nil, apperr.Wrap(err, "find liaison")
			}
			n := 0
			for rs.Next() {
				n++
				if err := rs.Scan(&uid, &utw); err != nil {
					done()
					return nil, apperr.Wrap(err, "find liaison")
				}
			}
			done()
			switch {
			case n == 0:
				reject(i, field, "企业所在街道/乡镇没有这个姓名和手机号的在用联络员")
				continue
			case n > 1:
				reject(i, field, "有多个同名同手机号的联络员，请改用联络员账号")
				continue
			}
		}
		if utw == nil || *utw != *tw {
			reject(i, field, "联络员须来自企业所属的街道/乡镇")
			continue
		}
		var current int64
		found, err = one("SELECT liaison_id FROM liaison_assignments WHERE enterprise_id = ? AND ended_at IS NULL", []any{id}, &current)
		if err != nil {
			return nil, apperr.Wrap(err, "current liaison")
		}
		switch {
		case found && current == uid:
			out[i].Outcome = importer.LiaisonSame
			continue
		case found:
			out[i].Outcome = importer.LiaisonReassigned
		default:
			out[i].Outcome = importer.LiaisonAssigned
		}
		if dryRun {
			continue
		}
		if err := note(r, id); err != nil {
			return nil, err
		}
		if found {
			if _, err := r.exec(ctx, "UPDATE liaison_assignments SET ended_at = ?, ended_by = ? WHERE enterprise_id = ? AND ended_at IS NULL",
				now, by, id); err != nil {
				return nil, apperr.Wrap(err, "end liaison assignment")
			}
		}
		if _, err := r.exec(ctx, "INSERT INTO liaison_assignments (enterprise_id, liaison_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?)",
			id, uid, now, by); err != nil {
			return nil, apperr.Wrap(err, "assign liaison")
		}
		// Audited as an assignment through the API is, naming the import.
		detail := map[string]any{"liaison_id": uid, "import": job.ID}
		if found {
			detail["previous_liaison_id"] = current
		}
		b, err := json.Marshal(detail)
		if err != nil {
			return nil, apperr.Wrap(err, "audit liaison assignment")
		}
		var actorID any
		if job.CreatedBy != 0 {
			actorID = job.CreatedBy
		}
		if _, err := r.exec(ctx, "INSERT INTO audit_events (at, actor_id, actor_name, action, entity_type, entity_id, detail, request_id, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			now, actorID, by, audit.LiaisonAssign, "enterprise", strconv.FormatInt(id, 10), string(b), "import-"+strconv.FormatInt(job.ID, 10), ""); err != nil {
			return nil, apperr.Wrap(err, "audit liaison assignment")
		}
	}
	return out, nil
}

func (s *sqliteLedgers) AssignLiaisons(ctx context.Context, township string, dryRun bool, rows []importer.LiaisonRow) ([]importer.LiaisonResult, error) {
	r, err := s.tx.runner()
	if err != nil {
		return nil, err
	}
	return assignLiaisons(ctx, r, township, dryRun, rows, s.job, s.tx.db.Now())
}

func (p *pgLedgers) AssignLiaisons(ctx context.Context, township string, dryRun bool, rows []importer.LiaisonRow) ([]importer.LiaisonResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return assignLiaisons(ctx, pgxRunner{p.tx, p.notes}, township, dryRun, rows, p.job, p.now())
}
