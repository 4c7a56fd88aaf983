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
	"github.com/fugai/fugai/internal/strategy"
)

type jointGroupRow struct {
	ID            int64 `gorm:"primaryKey"`
	TownshipCode  string
	EnterpriseIDs string
	FullMembers   int
	CreatedAt     time.Time
	CreatedBy     string
	DissolvedAt   *time.Time
	DissolvedBy   string
}

func (jointGroupRow) TableName() string { return "joint_groups" }

type jointMemberRow struct {
	EnterpriseID int64 `gorm:"primaryKey;autoIncrement:false"`
	GroupID      int64
}

func (jointMemberRow) TableName() string { return "joint_group_members" }

func (r *jointGroupRow) toGroup() strategy.JointGroup {
	g := strategy.JointGroup{ID: r.ID, Group: strategy.Group{Township: r.TownshipCode, FullMembers: r.FullMembers},
		CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy, DissolvedAt: r.DissolvedAt, DissolvedBy: r.DissolvedBy}
	_ = json.Unmarshal([]byte(r.EnterpriseIDs), &g.Enterprises)
	if g.Enterprises == nil {
		g.Enterprises = []int64{}
	}
	return g
}

// ErrJointGroupNotFound answers for a joint group that does not exist or is out of sight.
var ErrJointGroupNotFound = apperr.New(apperr.NotFound, "joint_group_not_found", "联合组建小组不存在")

// candidateQuery selects joint candidates with what decides whether they
// may be grouped: their standing group and their plan's method.
func candidateQuery(g *gorm.DB) *gorm.DB {
	return g.Table("enterprises e").
		Select("e.id, e.township_code, e.full_members, m.group_id, COALESCE(p.override_method, e.suggested_method) AS method, p.party_org_id").
		Joins("LEFT JOIN joint_group_members m ON m.enterprise_id = e.id").
		Joins("LEFT JOIN plans p ON p.enterprise_id = e.id").
		Where("e.in_scope AND e.township_code IS NOT NULL AND e.full_members >= 1 AND e.full_members < ?", strategy.StandaloneMin)
}

type candidateRow struct {
	ID           int64
	TownshipCode string
	FullMembers  int
	GroupID      *int64
	Method       *string
	PartyOrgID   *int64
}

func scanCandidates(q *gorm.DB) ([]strategy.Candidate, error) {
	var rows []candidateRow
	if err := q.Order("e.id").Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "joint candidates")
	}
	out := make([]strategy.Candidate, len(rows))
	for i, r := range rows {
		out[i] = strategy.Candidate{ID: r.ID, Township: r.TownshipCode, FullMembers: r.FullMembers, Grouped: r.GroupID != nil,
			Method: strategy.Method(deref(r.Method)), Organised: r.PartyOrgID != nil}
	}
	return out, nil
}

// JointCandidates lists the joint candidates of a township (of every
// township visible in scope when township is "").
func (db *DB) JointCandidates(ctx context.Context, s auth.Scope, township string) ([]strategy.Candidate, error) {
	q := candidateQuery(db.gorm.WithContext(ctx))
	if township != "" {
		q = q.Where("e.township_code = ?", township)
	}
	q = scopeTownship(q, s, "e.township_code")
	return scanCandidates(q)
}

// CreateJointGroup confirms a joint group: the enterprises must pass
// strategy.CheckGroup; their plans get the group.
func (db *DB) CreateJointGroup(ctx context.Context, s auth.Scope, township string, ids []int64, by audit.Actor) (strategy.JointGroup, error) {
	var out strategy.JointGroup
	err := db.InTx(ctx, func(tx *Tx) error {
		found := map[int64]strategy.Candidate{}
		if len(ids) > 0 && len(ids) <= 1000 {
			q := candidateQuery(db.forUpdateOf(tx.g, "e")).Where("e.id IN ?", ids)
			if !s.All {
				q = q.Where("e.township_code = ?", s.Township)
			}
			cands, err := scanCandidates(q)
			if err != nil {
				return err
			}
			for _, c := range cands {
				found[c.ID] = c
			}
			// Ledgers that exist but are no candidates are named as such.
			var others []struct {
				ID           int64
				TownshipCode *string
				FullMembers  *int
				InScope      bool
			}
			oq := tx.g.Table("enterprises").Select("id, township_code, full_members, in_scope").Where("id IN ?", ids)
			if !s.All {
				oq = oq.Where("township_code = ?", s.Township)
			}
			if err := oq.Scan(&others).Error; err != nil {
				return apperr.Wrap(err, "joint group members")
			}
			for _, o := range others {
				if _, ok := found[o.ID]; !ok && o.InScope {
					full := 0
					if o.FullMembers != nil {
						full = *o.FullMembers
					}
					found[o.ID] = strategy.Candidate{ID: o.ID, Township: deref(o.TownshipCode), FullMembers: full}
				}
			}
		}
		if !s.Allows(township) {
			return apperr.Field("township_forbidden", "township_code", "只能在本街道/乡镇确认联合组建小组")
		}
		g, err := strategy.CheckGroup(township, ids, found)
		if err != nil {
			return err
		}
		now := db.Now()
		members, _ := json.Marshal(g.Enterprises)
		row := jointGroupRow{TownshipCode: g.Township, EnterpriseIDs: string(members), FullMembers: g.FullMembers, CreatedAt: now, CreatedBy: by.Name}
		if err := tx.g.Create(&row).Error; err != nil {
			return apperr.Wrap(err, "create joint group")
		}
		for _, id := range g.Enterprises {
			if err := tx.g.Create(&jointMemberRow{EnterpriseID: id, GroupID: row.ID}).Error; err != nil {
				if isUniqueViolation(err) {
					return apperr.New(apperr.Conflict, "already_grouped", "其中有企业刚被编入另一个联合组建小组，请刷新后重试")
				}
				return apperr.Wrap(err, "add joint group member")
			}
			gid := row.ID
			if err := tx.setPlanGroup(id, &gid, by.Name, now); err != nil {
				return err
			}
		}
		if err := tx.addEvent(audit.JointGroupCreate, "joint_group", strconv.FormatInt(row.ID, 10),
			map[string]any{"township_code": g.Township, "enterprise_ids": g.Enterprises, "full_members": g.FullMembers}, by); err != nil {
			return err
		}
		out = row.toGroup()
		return nil
	})
	return out, err
}

// setPlanGroup puts a plan in a joint group (gid) or takes it out (nil),
// creating the plan row if nobody had saved the plan yet. Taken out of its
// group, a plan in progress is not started again: a joint branch is formed
// by a group.
func (tx *Tx) setPlanGroup(enterpriseID int64, gid *int64, by string, now time.Time) error {
	tx.noteLedgers(enterpriseID) // its plan and membership change
	var row planRow
	err := tx.g.Where("enterprise_id = ?", enterpriseID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		row = planRow{EnterpriseID: enterpriseID, Status: string(strategy.NotStarted), JointGroupID: gid,
			Version: unsavedPlanVersion + 1, UpdatedAt: now, UpdatedBy: by}
		return apperr.Wrap(tx.g.Create(&row).Error, "create plan")
	}
	if err != nil {
		return apperr.Wrap(err, "read plan")
	}
	updates := map[string]any{"joint_group_id": gid, "version": gorm.Expr("version + 1"), "updated_at": now, "updated_by": by}
	if gid == nil && row.Status == string(strategy.InProgress) {
		updates["status"] = string(strategy.NotStarted)
	}
	return apperr.Wrap(tx.g.Model(&planRow{}).Where("enterprise_id = ?", enterpriseID).Updates(updates).Error, "update plan")
}

// JointGroups lists confirmed groups visible in scope, newest first; the
// dissolved ones too when dissolved is set.
func (db *DB) JointGroups(ctx context.Context, s auth.Scope, township string, dissolved bool) ([]strategy.JointGroup, error) {
	q := db.gorm.WithContext(ctx).Model(&jointGroupRow{})
	if township != "" {
		q = q.Where("township_code = ?", township)
	}
	if !dissolved {
		q = q.Where("dissolved_at IS NULL")
	}
	q = scopeTownship(q, s, "township_code")
	var rows []jointGroupRow
	if err := q.Order("id DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "list joint groups")
	}
	out := make([]strategy.JointGroup, len(rows))
	for i := range rows {
		out[i] = rows[i].toGroup()
	}
	return out, nil
}

func (db *DB) jointGroup(g *gorm.DB, s auth.Scope, id int64) (jointGroupRow, error) {
	var row jointGroupRow
	q := g.Where("id = ?", id)
	q = scopeTownship(q, s, "township_code")
	err := q.Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, ErrJointGroupNotFound
	}
	return row, apperr.Wrap(err, "get joint group")
}

// JointGroup returns one group visible in scope.
func (db *DB) JointGroup(ctx context.Context, s auth.Scope, id int64) (strategy.JointGroup, error) {
	row, err := db.jointGroup(db.gorm.WithContext(ctx), s, id)
	if err != nil {
		return strategy.JointGroup{}, err
	}
	return row.toGroup(), nil
}

// DissolveJointGroup dissolves a group: its enterprises are free to be
// grouped again and their plans leave the group. A group whose branch is
// formed cannot be dissolved here (409).
func (db *DB) DissolveJointGroup(ctx context.Context, s auth.Scope, id int64, by audit.Actor) error {
	return db.InTx(ctx, func(tx *Tx) error {
		row, err := db.jointGroup(db.forUpdate(tx.g), s, id)
		if err != nil {
			return err
		}
		if row.DissolvedAt != nil {
			return apperr.New(apperr.Conflict, "joint_group_dissolved", "该联合组建小组已解散")
		}
		// Formed: an active organisation stands on the group, whatever
		// its members' plans say.
		var formed int64
		if err := tx.g.Model(&partyOrgRow{}).Where("joint_group_id = ? AND status = ?", id, string(strategy.OrgActive)).Count(&formed).Error; err != nil {
			return apperr.Wrap(err, "check party orgs")
		}
		if formed > 0 {
			return apperr.New(apperr.Conflict, "joint_group_formed", "该小组的联合党支部已组建，不能解散；请先调整党组织登记")
		}
		var members []jointMemberRow
		if err := tx.g.Where("group_id = ?", id).Find(&members).Error; err != nil {
			return apperr.Wrap(err, "joint group members")
		}
		now := db.Now()
		for _, m := range members {
			if err := tx.setPlanGroup(m.EnterpriseID, nil, by.Name, now); err != nil {
				return err
			}
		}
		if err := tx.g.Where("group_id = ?", id).Delete(&jointMemberRow{}).Error; err != nil {
			return apperr.Wrap(err, "remove joint group members")
		}
		if err := tx.g.Model(&jointGroupRow{}).Where("id = ?", id).Updates(map[string]any{"dissolved_at": now, "dissolved_by": by.Name}).Error; err != nil {
			return apperr.Wrap(err, "dissolve joint group")
		}
		return tx.addEvent(audit.JointGroupDelete, "joint_group", strconv.FormatInt(id, 10), map[string]any{"enterprise_ids": row.toGroup().Enterprises}, by)
	})
}

// forUpdateOf locks the rows of table alias that g reads, on PostgreSQL.
func (db *DB) forUpdateOf(g *gorm.DB, alias string) *gorm.DB { return db.dialect.forUpdate(g, alias) }
