package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/strategy"
)

type partyOrgRow struct {
	ID            int64 `gorm:"primaryKey"`
	Name          string
	Kind          string
	FormationType string
	FoundedOn     time.Time
	Secretary     string
	MemberCount   int
	TownshipCode  string
	JointGroupID  *int64
	EnterpriseIDs string
	Version       int64
	CreatedAt     time.Time
	CreatedBy     string
	UpdatedAt     time.Time
}

func (partyOrgRow) TableName() string { return "party_orgs" }

type partyOrgEnterpriseRow struct {
	EnterpriseID int64 `gorm:"primaryKey;autoIncrement:false"`
	PartyOrgID   int64
}

func (partyOrgEnterpriseRow) TableName() string { return "party_org_enterprises" }

func (r *partyOrgRow) toOrg() strategy.PartyOrg {
	o := strategy.PartyOrg{ID: r.ID, Name: r.Name, Kind: strategy.OrgKind(r.Kind), FormationType: strategy.Method(r.FormationType),
		FoundedOn: time.Date(r.FoundedOn.Year(), r.FoundedOn.Month(), r.FoundedOn.Day(), 0, 0, 0, 0, time.UTC),
		Secretary: r.Secretary, MemberCount: r.MemberCount, Township: r.TownshipCode, JointGroupID: r.JointGroupID,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy, UpdatedAt: r.UpdatedAt.UTC()}
	_ = json.Unmarshal([]byte(r.EnterpriseIDs), &o.Enterprises)
	return o
}

var errPartyOrgNotFound = apperr.New(apperr.NotFound, "party_org_not_found", "党组织不存在")

func enterprisesProblem(msg string) error {
	return apperr.Field("invalid_enterprises", "enterprise_ids", msg)
}

// CreatePartyOrg registers a party organisation covering enterprises: one
// whose plan is standalone, or all the enterprises of one confirmed joint
// group. The covered enterprises' plans become formed on the founding
// date.
func (db *DB) CreatePartyOrg(ctx context.Context, s auth.Scope, o strategy.PartyOrg, ids []int64, by audit.Actor) (strategy.PartyOrg, error) {
	var out strategy.PartyOrg
	err := db.InTx(ctx, func(tx *Tx) error {
		if len(ids) == 0 {
			return enterprisesProblem("须指定党组织覆盖的企业")
		}
		seen := map[int64]bool{}
		township := ""
		for _, id := range ids {
			if seen[id] {
				return enterprisesProblem(fmt.Sprintf("企业 %d 重复出现", id))
			}
			seen[id] = true
			l, err := db.enterprise(db.forUpdate(tx.g), s, id)
			if err != nil {
				if apperr.KindOf(err) == apperr.NotFound {
					return enterprisesProblem(fmt.Sprintf("企业 %d 不存在或不在本辖区", id))
				}
				return err
			}
			p, err := plan(tx.g, l)
			if err != nil {
				return enterprisesProblem(fmt.Sprintf("企业 %d（%s）不在覆盖范围内", id, l.Name))
			}
			if p.Method() != o.FormationType {
				return enterprisesProblem(fmt.Sprintf("企业 %d（%s）的对策是%s，与组建方式%s不符", id, l.Name, p.Method().Label(), o.FormationType.Label()))
			}
			var n int64
			if err := tx.g.Model(&partyOrgEnterpriseRow{}).Where("enterprise_id = ?", id).Count(&n).Error; err != nil {
				return apperr.Wrap(err, "check party org")
			}
			if n > 0 {
				return enterprisesProblem(fmt.Sprintf("企业 %d（%s）已登记党组织", id, l.Name))
			}
			if township != "" && l.TownshipCode != township {
				return enterprisesProblem("党组织覆盖的企业须属于同一街道/乡镇")
			}
			township = l.TownshipCode
		}
		if township == "" {
			return enterprisesProblem("企业未划分街道/乡镇，请先确定所属街道/乡镇")
		}
		switch o.FormationType {
		case strategy.Standalone:
			if len(ids) != 1 {
				return enterprisesProblem("单独组建的党组织覆盖一家企业")
			}
		case strategy.Joint:
			var members []jointMemberRow
			if err := tx.g.Where("enterprise_id IN ?", ids).Find(&members).Error; err != nil {
				return apperr.Wrap(err, "joint group")
			}
			var gid int64
			for _, m := range members {
				if gid != 0 && m.GroupID != gid {
					gid = -1
					break
				}
				gid = m.GroupID
			}
			var size int64
			if gid > 0 {
				if err := tx.g.Model(&jointMemberRow{}).Where("group_id = ?", gid).Count(&size).Error; err != nil {
					return apperr.Wrap(err, "joint group")
				}
			}
			if gid <= 0 || len(members) != len(ids) || int(size) != len(ids) {
				return enterprisesProblem("联合组建的党组织须覆盖一个已确认的联合组建小组的全部企业")
			}
			o.JointGroupID = &gid
		}
		now := db.Now()
		sorted := append([]int64(nil), ids...)
		slices.Sort(sorted)
		members, _ := json.Marshal(sorted)
		row := partyOrgRow{Name: o.Name, Kind: string(o.Kind), FormationType: string(o.FormationType), FoundedOn: o.FoundedOn,
			Secretary: o.Secretary, MemberCount: o.MemberCount, TownshipCode: township, JointGroupID: o.JointGroupID,
			EnterpriseIDs: string(members), Version: 1, CreatedAt: now, CreatedBy: by.Name, UpdatedAt: now}
		if err := tx.g.Create(&row).Error; err != nil {
			return apperr.Wrap(err, "create party org")
		}
		for _, id := range sorted {
			if err := tx.g.Create(&partyOrgEnterpriseRow{EnterpriseID: id, PartyOrgID: row.ID}).Error; err != nil {
				if isUniqueViolation(err) {
					return apperr.New(apperr.Conflict, "already_covered", "其中有企业刚登记了党组织，请刷新后重试")
				}
				return apperr.Wrap(err, "cover enterprise")
			}
			if err := tx.setPlanFormed(id, row.ID, o.FoundedOn, by.Name, now); err != nil {
				return err
			}
		}
		if err := tx.addEvent(audit.PartyOrgCreate, "party_org", strconv.FormatInt(row.ID, 10),
			map[string]any{"name": o.Name, "kind": o.Kind, "formation_type": o.FormationType, "enterprise_ids": sorted}, by); err != nil {
			return err
		}
		out = row.toOrg()
		return nil
	})
	return out, err
}

// setPlanFormed marks a plan formed by party organisation org.
func (tx *Tx) setPlanFormed(enterpriseID, org int64, on time.Time, by string, now time.Time) error {
	var row planRow
	err := tx.g.Where("enterprise_id = ?", enterpriseID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		row = planRow{EnterpriseID: enterpriseID, Status: string(strategy.Formed), FormedOn: &on, PartyOrgID: &org,
			Version: unsavedPlanVersion + 1, UpdatedAt: now, UpdatedBy: by}
		return apperr.Wrap(tx.g.Create(&row).Error, "create plan")
	}
	if err != nil {
		return apperr.Wrap(err, "read plan")
	}
	return apperr.Wrap(tx.g.Model(&planRow{}).Where("enterprise_id = ?", enterpriseID).Updates(map[string]any{
		"status": string(strategy.Formed), "formed_on": on, "party_org_id": org, "version": row.Version + 1,
		"updated_at": now, "updated_by": by}).Error, "update plan")
}

// scopeTownship limits q to the township of a township-bound scope (to
// nothing for the zero scope).
func scopeTownship(q *gorm.DB, s auth.Scope, column string) *gorm.DB {
	switch {
	case s.All:
		return q
	case s.Township == "":
		return q.Where("1 = 0")
	}
	return q.Where(column+" = ?", s.Township)
}

// PartyOrgs lists the organisations visible in scope, newest first.
func (db *DB) PartyOrgs(ctx context.Context, s auth.Scope, township string) ([]strategy.PartyOrg, error) {
	q := scopeTownship(db.gorm.WithContext(ctx).Model(&partyOrgRow{}), s, "township_code")
	if township != "" {
		q = q.Where("township_code = ?", township)
	}
	var rows []partyOrgRow
	if err := q.Order("id DESC").Limit(5000).Find(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "list party orgs")
	}
	out := make([]strategy.PartyOrg, len(rows))
	for i := range rows {
		out[i] = rows[i].toOrg()
	}
	return out, nil
}

func (db *DB) partyOrg(g *gorm.DB, s auth.Scope, id int64) (partyOrgRow, error) {
	var row partyOrgRow
	err := scopeTownship(g.Where("id = ?", id), s, "township_code").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, errPartyOrgNotFound
	}
	return row, apperr.Wrap(err, "get party org")
}

// PartyOrg returns one organisation visible in scope.
func (db *DB) PartyOrg(ctx context.Context, s auth.Scope, id int64) (strategy.PartyOrg, error) {
	row, err := db.partyOrg(db.gorm.WithContext(ctx), s, id)
	if err != nil {
		return strategy.PartyOrg{}, err
	}
	return row.toOrg(), nil
}

// UpdatePartyOrg rewrites an organisation's details (not what it covers,
// nor how it was formed) when its version is still ifMatch; a new founding
// date moves the covered plans' formed_on with it.
func (db *DB) UpdatePartyOrg(ctx context.Context, s auth.Scope, id, ifMatch int64, o strategy.PartyOrg, by audit.Actor) (strategy.PartyOrg, error) {
	var out strategy.PartyOrg
	err := db.InTx(ctx, func(tx *Tx) error {
		row, err := db.partyOrg(db.forUpdate(tx.g), s, id)
		if err != nil {
			return err
		}
		if row.Version != ifMatch {
			return &apperr.Error{Kind: apperr.PreconditionFailed, Code: "version_conflict",
				Message: "党组织信息已被他人修改，请刷新后重试", Data: map[string]any{"current_version": row.Version}}
		}
		if string(o.FormationType) != row.FormationType {
			return apperr.Field("formation_type_fixed", "formation_type", "组建方式登记后不能修改；如有误，请联系区级管理员")
		}
		now := db.Now()
		res := tx.g.Model(&partyOrgRow{}).Where("id = ? AND version = ?", id, ifMatch).Updates(map[string]any{
			"name": o.Name, "kind": string(o.Kind), "founded_on": o.FoundedOn, "secretary": o.Secretary,
			"member_count": o.MemberCount, "version": ifMatch + 1, "updated_at": now})
		if res.Error != nil {
			return apperr.Wrap(res.Error, "update party org")
		}
		if !o.FoundedOn.Equal(row.toOrg().FoundedOn) {
			if err := tx.g.Model(&planRow{}).Where("party_org_id = ?", id).Updates(map[string]any{"formed_on": o.FoundedOn,
				"updated_at": now, "updated_by": by.Name, "version": gorm.Expr("version + 1")}).Error; err != nil {
				return apperr.Wrap(err, "update plans")
			}
		}
		if err := tx.addEvent(audit.PartyOrgUpdate, "party_org", strconv.FormatInt(id, 10),
			map[string]any{"name": o.Name, "kind": o.Kind, "founded_on": o.FoundedOn.Format(time.DateOnly), "member_count": o.MemberCount}, by); err != nil {
			return err
		}
		updated, err := db.partyOrg(tx.g, s, id)
		if err != nil {
			return err
		}
		out = updated.toOrg()
		return nil
	})
	return out, err
}

// townshipCondition is scopeTownship for hand-written SQL: a condition to
// append after WHERE …, and its arguments.
func townshipCondition(s auth.Scope, column string) (string, []any) {
	switch {
	case s.All:
		return "", nil
	case s.Township == "":
		return " AND 1 = 0", nil
	}
	return " AND " + column + " = ?", []any{s.Township}
}
