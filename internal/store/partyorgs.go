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
	Status        string
	EndedOn       *time.Time
	EndReason     string
	MergedIntoID  *int64
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
		Status: strategy.OrgStatus(r.Status), EndReason: r.EndReason, MergedInto: r.MergedIntoID,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy, UpdatedAt: r.UpdatedAt.UTC()}
	if r.EndedOn != nil {
		d := time.Date(r.EndedOn.Year(), r.EndedOn.Month(), r.EndedOn.Day(), 0, 0, 0, 0, time.UTC)
		o.EndedOn = &d
	}
	if o.Status == "" {
		o.Status = strategy.OrgActive
	}
	_ = json.Unmarshal([]byte(r.EnterpriseIDs), &o.Enterprises)
	return o
}

// ledgerFullMembers sums the full members the ledgers of ids record.
func (tx *Tx) ledgerFullMembers(ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int64
	err := tx.g.Table("enterprises").Select("COALESCE(SUM(full_members), 0)").Where("id IN ?", ids).Scan(&n).Error
	return int(n), apperr.Wrap(err, "ledger members")
}

// ErrPartyOrgNotFound answers for a party organisation that does not exist or is out of sight.
var ErrPartyOrgNotFound = apperr.New(apperr.NotFound, "party_org_not_found", "党组织不存在")

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
			// The group stays while its branch is registered (a dissolve
			// waits for this transaction, then finds the branch).
			var group jointGroupRow
			if err := db.forUpdate(tx.g).Where("id = ? AND dissolved_at IS NULL", gid).Take(&group).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return enterprisesProblem("该联合组建小组已解散")
				}
				return apperr.Wrap(err, "lock joint group")
			}
			o.JointGroupID = &gid
		}
		full, err := tx.ledgerFullMembers(ids)
		if err != nil {
			return err
		}
		if err := strategy.CheckMembers(o, full); err != nil {
			return err
		}
		now := db.Now()
		sorted := append([]int64(nil), ids...)
		slices.Sort(sorted)
		members, _ := json.Marshal(sorted)
		row := partyOrgRow{Name: o.Name, Kind: string(o.Kind), FormationType: string(o.FormationType), FoundedOn: o.FoundedOn,
			Secretary: o.Secretary, MemberCount: o.MemberCount, TownshipCode: township, JointGroupID: o.JointGroupID,
			EnterpriseIDs: string(members), Status: string(strategy.OrgActive), Version: 1, CreatedAt: now, CreatedBy: by.Name, UpdatedAt: now}
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
			if o.JointGroupID != nil { // the plan names the group its branch stands on
				if err := tx.setPlanGroup(id, o.JointGroupID, by.Name, now); err != nil {
					return err
				}
			}
			if err := tx.setPlanFormed(id, row.ID, o.FormationType, &o.FoundedOn, by.Name, now); err != nil {
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

// setPlanFormed marks a plan formed by party organisation org, formed as
// method: the plan keeps that method from now on, whatever the suggestion
// later says (an override the organisation made; needs_review flags a
// suggestion that moved away from it).
func (tx *Tx) setPlanFormed(enterpriseID, org int64, method strategy.Method, on *time.Time, by string, now time.Time) error {
	tx.noteLedgers(enterpriseID)
	var suggested *string
	if err := tx.g.Table("enterprises").Select("suggested_method").Where("id = ?", enterpriseID).Scan(&suggested).Error; err != nil {
		return apperr.Wrap(err, "read suggestion")
	}
	pin := map[string]any{"status": string(strategy.Formed), "party_org_id": org, "updated_at": now, "updated_by": by}
	if on != nil { // nil: an enterprise moving to another organisation keeps the day it was first covered
		pin["formed_on"] = *on
	}
	var row planRow
	err := tx.g.Where("enterprise_id = ?", enterpriseID).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		row = planRow{EnterpriseID: enterpriseID, Status: string(strategy.NotStarted), Version: unsavedPlanVersion, UpdatedAt: now, UpdatedBy: by}
		if err := tx.g.Create(&row).Error; err != nil {
			return apperr.Wrap(err, "create plan")
		}
	case err != nil:
		return apperr.Wrap(err, "read plan")
	}
	if row.OverrideMethod == nil || *row.OverrideMethod != string(method) {
		pin["override_method"], pin["override_reason"], pin["override_suggestion"] = string(method), orgPinReason, suggested
		pin["override_by"], pin["override_at"] = by, now
	}
	pin["version"] = gorm.Expr("version + 1")
	return apperr.Wrap(tx.g.Model(&planRow{}).Where("enterprise_id = ?", enterpriseID).Updates(pin).Error, "update plan")
}

// orgPinReason is the reason of the override a registered organisation
// puts on the plans it forms.
const orgPinReason = "已登记党组织，对策随党组织确定"

// unsetPlanFormed takes a plan out of its organisation (dissolved, or the
// enterprise left a joint branch): it is in progress again, keeps its
// method, and leaves its joint group when leaving is set.
func (tx *Tx) unsetPlanFormed(enterpriseID int64, leaveGroup bool, by string, now time.Time) error {
	tx.noteLedgers(enterpriseID)
	updates := map[string]any{"status": string(strategy.InProgress), "formed_on": nil, "party_org_id": nil,
		"version": gorm.Expr("version + 1"), "updated_at": now, "updated_by": by}
	if leaveGroup {
		updates["joint_group_id"] = nil
		updates["status"] = string(strategy.NotStarted)
	}
	return apperr.Wrap(tx.g.Model(&planRow{}).Where("enterprise_id = ?", enterpriseID).Updates(updates).Error, "update plan")
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
		return row, ErrPartyOrgNotFound
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

func partyOrgStale(current int64) error {
	return &apperr.Error{Kind: apperr.PreconditionFailed, Code: "version_conflict",
		Message: "党组织信息已被他人修改，请刷新后重试", Data: map[string]any{"current_version": current}}
}

// lockOrg reads organisation id for an update at version ifMatch: 404
// outside scope, 412 at another version, 409 once it has ended.
func (db *DB) lockOrg(tx *Tx, s auth.Scope, id, ifMatch int64) (strategy.PartyOrg, error) {
	row, err := db.partyOrg(db.forUpdate(tx.g), s, id)
	if err != nil {
		return strategy.PartyOrg{}, err
	}
	if row.Version != ifMatch {
		return strategy.PartyOrg{}, partyOrgStale(row.Version)
	}
	cur := row.toOrg()
	if !cur.Active() {
		return cur, apperr.New(apperr.Conflict, "party_org_ended", "该党组织"+cur.Status.Label()+"，不能修改")
	}
	return cur, nil
}

// UpdatePartyOrg applies patch to an organisation when its version is
// still ifMatch. A new founding date moves the covered plans' formed_on
// with it. When enterprises is not nil, a joint organisation's coverage
// (and its joint group) becomes exactly those enterprises: those added
// must be joint-planned in scope ledgers of its township in no other
// group or organisation; those left out are no longer covered and leave
// the group. The ledgers must hold the members its kind needs.
func (db *DB) UpdatePartyOrg(ctx context.Context, s auth.Scope, id, ifMatch int64,
	patch func(cur strategy.PartyOrg) (strategy.PartyOrg, error), enterprises []int64, by audit.Actor) (strategy.PartyOrg, error) {
	var out strategy.PartyOrg
	err := db.InTx(ctx, func(tx *Tx) error {
		cur, err := db.lockOrg(tx, s, id, ifMatch)
		if err != nil {
			return err
		}
		o, err := patch(cur)
		if err != nil {
			return err
		}
		if o.Name == cur.Name && o.Kind == cur.Kind && o.FoundedOn.Equal(cur.FoundedOn) && o.Secretary == cur.Secretary &&
			o.MemberCount == cur.MemberCount && (enterprises == nil || sameIDs(enterprises, cur.Enterprises)) {
			// Nothing changes: no new version (a concurrent editor's
			// If-Match still holds), nothing audited.
			out = cur
			return nil
		}
		if !o.FoundedOn.Equal(cur.FoundedOn) {
			first, _, err := tx.mergedIn(id)
			if err != nil {
				return err
			}
			if first != nil && dateOnly(*first).Before(dateOnly(o.FoundedOn)) {
				return apperr.Field("validation_failed", "founded_on", "成立日期不能晚于其他党组织并入本组织的日期（"+first.Format(time.DateOnly)+"）")
			}
		}
		now := db.Now()
		covered := cur.Enterprises
		detail := map[string]any{"name": o.Name, "kind": o.Kind, "founded_on": o.FoundedOn.Format(time.DateOnly), "member_count": o.MemberCount}
		if enterprises != nil {
			if covered, err = db.regroupJoint(tx, s, cur, enterprises, by, now); err != nil {
				return err
			}
			detail["enterprise_ids"] = covered
			detail["previous_enterprise_ids"] = cur.Enterprises
		}
		// The kind's members are checked against the ledgers when the kind
		// or the enterprises change: a ledger's members dropping later
		// does not lock the organisation's other details.
		if o.Kind != cur.Kind || enterprises != nil {
			full, err := tx.ledgerFullMembers(covered)
			if err != nil {
				return err
			}
			if err := strategy.CheckMembers(o, full); err != nil {
				return err
			}
		}
		ids, _ := json.Marshal(covered)
		res := tx.g.Model(&partyOrgRow{}).Where("id = ? AND version = ?", id, ifMatch).Updates(map[string]any{
			"name": o.Name, "kind": string(o.Kind), "founded_on": o.FoundedOn, "secretary": o.Secretary,
			"member_count": o.MemberCount, "enterprise_ids": string(ids), "version": ifMatch + 1, "updated_at": now})
		if res.Error != nil {
			return apperr.Wrap(res.Error, "update party org")
		}
		if !o.FoundedOn.Equal(cur.FoundedOn) {
			// The plans formed by this organisation's founding follow the
			// date; those of organisations merged into it keep theirs.
			var plans []planRow
			if err := tx.g.Where("party_org_id = ?", id).Find(&plans).Error; err != nil {
				return apperr.Wrap(err, "read plans")
			}
			var formed []int64
			for _, p := range plans {
				if p.FormedOn == nil || dateOnly(*p.FormedOn).Equal(dateOnly(cur.FoundedOn)) {
					formed = append(formed, p.EnterpriseID)
				}
			}
			tx.noteLedgers(formed...)
			if len(formed) > 0 {
				if err := tx.g.Model(&planRow{}).Where("enterprise_id IN ?", formed).Updates(map[string]any{"formed_on": o.FoundedOn,
					"updated_at": now, "updated_by": by.Name, "version": gorm.Expr("version + 1")}).Error; err != nil {
					return apperr.Wrap(err, "update plans")
				}
			}
		}
		if err := tx.addEvent(audit.PartyOrgUpdate, "party_org", strconv.FormatInt(id, 10), detail, by); err != nil {
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

// regroupJoint makes joint organisation o cover exactly ids (and its group
// hold them), returning them sorted.
func (db *DB) regroupJoint(tx *Tx, s auth.Scope, o strategy.PartyOrg, ids []int64, by audit.Actor, now time.Time) ([]int64, error) {
	if o.FormationType != strategy.Joint || o.JointGroupID == nil {
		return nil, enterprisesProblem("单独组建的党组织覆盖一家企业，不能调整；如需变更，请撤销后重新登记")
	}
	gid := *o.JointGroupID
	want := map[int64]bool{}
	for _, id := range ids {
		if want[id] {
			return nil, enterprisesProblem(fmt.Sprintf("企业 %d 重复出现", id))
		}
		want[id] = true
	}
	if len(want) < strategy.JointMinEnterprises {
		return nil, enterprisesProblem("联合党支部至少覆盖两家企业；如不再联合，请撤销党组织")
	}
	had := map[int64]bool{}
	for _, id := range o.Enterprises {
		had[id] = true
	}
	for _, id := range ids {
		if had[id] {
			continue
		}
		l, err := db.enterprise(db.forUpdate(tx.g), s, id)
		if err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				return nil, enterprisesProblem(fmt.Sprintf("企业 %d 不存在或不在本辖区", id))
			}
			return nil, err
		}
		p, err := plan(tx.g, l)
		switch {
		case err != nil:
			return nil, enterprisesProblem(fmt.Sprintf("企业 %d（%s）不在覆盖范围内", id, l.Name))
		case l.TownshipCode != o.Township:
			return nil, enterprisesProblem(fmt.Sprintf("企业 %d（%s）不属于本党组织所在街道/乡镇", id, l.Name))
		case p.PartyOrgID != nil:
			return nil, enterprisesProblem(fmt.Sprintf("企业 %d（%s）已登记党组织", id, l.Name))
		case p.Method() != strategy.Joint:
			return nil, enterprisesProblem(fmt.Sprintf("企业 %d（%s）的对策是%s，须为联合组建", id, l.Name, p.Method().Label()))
		case p.JointGroupID != nil && *p.JointGroupID != gid:
			return nil, enterprisesProblem(fmt.Sprintf("企业 %d（%s）已在另一个联合组建小组，请先解散该小组", id, l.Name))
		}
		if p.JointGroupID == nil {
			if err := tx.g.Create(&jointMemberRow{EnterpriseID: id, GroupID: gid}).Error; err != nil {
				if isUniqueViolation(err) {
					return nil, apperr.New(apperr.Conflict, "already_grouped", "其中有企业刚被编入另一个联合组建小组，请刷新后重试")
				}
				return nil, apperr.Wrap(err, "add joint group member")
			}
			g := gid
			if err := tx.setPlanGroup(id, &g, by.Name, now); err != nil {
				return nil, err
			}
		}
		if err := tx.g.Create(&partyOrgEnterpriseRow{EnterpriseID: id, PartyOrgID: o.ID}).Error; err != nil {
			if isUniqueViolation(err) {
				return nil, apperr.New(apperr.Conflict, "already_covered", "其中有企业刚登记了党组织，请刷新后重试")
			}
			return nil, apperr.Wrap(err, "cover enterprise")
		}
		if err := tx.setPlanFormed(id, o.ID, strategy.Joint, &o.FoundedOn, by.Name, now); err != nil {
			return nil, err
		}
	}
	for _, id := range o.Enterprises {
		if want[id] {
			continue
		}
		if err := tx.g.Where("enterprise_id = ?", id).Delete(&partyOrgEnterpriseRow{}).Error; err != nil {
			return nil, apperr.Wrap(err, "uncover enterprise")
		}
		if err := tx.g.Where("enterprise_id = ? AND group_id = ?", id, gid).Delete(&jointMemberRow{}).Error; err != nil {
			return nil, apperr.Wrap(err, "leave joint group")
		}
		if err := tx.unsetPlanFormed(id, true, by.Name, now); err != nil {
			return nil, err
		}
	}
	sorted := make([]int64, 0, len(want))
	for id := range want {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	full, err := tx.ledgerFullMembers(sorted)
	if err != nil {
		return nil, err
	}
	members, _ := json.Marshal(sorted)
	if err := tx.g.Model(&jointGroupRow{}).Where("id = ?", gid).Updates(map[string]any{"enterprise_ids": string(members),
		"full_members": full}).Error; err != nil {
		return nil, apperr.Wrap(err, "update joint group")
	}
	return sorted, nil
}

// EndPartyOrg dissolves (end.Into nil) or merges an organisation, when its
// version is still ifMatch. The row stays, with the date and reason, as
// history. A dissolved organisation covers nothing: its plans are in
// progress again (they keep their method and joint group). A merged one's
// enterprises are covered by the organisation it merged into (active, same
// township): their plans follow it, and its joint group's enterprises join
// that organisation's group when both are joint.
func (db *DB) EndPartyOrg(ctx context.Context, s auth.Scope, id, ifMatch int64,
	check func(cur strategy.PartyOrg) (strategy.End, error), by audit.Actor) (strategy.PartyOrg, error) {
	var out strategy.PartyOrg
	err := db.InTx(ctx, func(tx *Tx) error {
		cur, err := db.lockOrg(tx, s, id, ifMatch)
		if err != nil {
			return err
		}
		end, err := check(cur)
		if err != nil {
			return err
		}
		_, last, err := tx.mergedIn(id)
		if err != nil {
			return err
		}
		if last != nil && dateOnly(end.On).Before(dateOnly(*last)) {
			return apperr.Field("validation_failed", "on", "撤销或合并日期不能早于其他党组织并入本组织的日期（"+last.Format(time.DateOnly)+"）")
		}
		now := db.Now()
		status := strategy.OrgDissolved
		detail := map[string]any{"on": end.On.Format(time.DateOnly), "reason": end.Reason, "enterprise_ids": cur.Enterprises}
		if end.Into == nil {
			if err := tx.g.Where("party_org_id = ?", id).Delete(&partyOrgEnterpriseRow{}).Error; err != nil {
				return apperr.Wrap(err, "uncover enterprises")
			}
			for _, e := range cur.Enterprises {
				if err := tx.unsetPlanFormed(e, false, by.Name, now); err != nil {
					return err
				}
			}
		} else {
			status = strategy.OrgMerged
			detail["into"] = *end.Into
			if err := db.mergeOrg(tx, s, cur, *end.Into, end.On, by, now); err != nil {
				return err
			}
		}
		res := tx.g.Model(&partyOrgRow{}).Where("id = ? AND version = ?", id, ifMatch).Updates(map[string]any{
			"status": string(status), "ended_on": end.On, "end_reason": end.Reason, "merged_into_id": end.Into,
			"version": ifMatch + 1, "updated_at": now})
		if res.Error != nil {
			return apperr.Wrap(res.Error, "end party org")
		}
		kind := audit.PartyOrgDissolve
		if status == strategy.OrgMerged {
			kind = audit.PartyOrgMerge
		}
		if err := tx.addEvent(kind, "party_org", strconv.FormatInt(id, 10), detail, by); err != nil {
			return err
		}
		ended, err := db.partyOrg(tx.g, s, id)
		if err != nil {
			return err
		}
		out = ended.toOrg()
		return nil
	})
	return out, err
}

// mergeOrg moves what organisation from covers to organisation into.
func (db *DB) mergeOrg(tx *Tx, s auth.Scope, from strategy.PartyOrg, into int64, on time.Time, by audit.Actor, now time.Time) error {
	row, err := db.partyOrg(db.forUpdate(tx.g), s, into)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return apperr.Field("party_org_not_found", "into", "合并到的党组织不存在或不在本辖区")
		}
		return err
	}
	target := row.toOrg()
	switch {
	case !target.Active():
		return apperr.Field("party_org_ended", "into", "合并到的党组织"+target.Status.Label())
	case from.FormationType == strategy.Joint && target.FormationType != strategy.Joint:
		// Its 1–2-member enterprises would count as standalone formed.
		return apperr.Field("merge_kind_mismatch", "into", "联合组建的党组织只能合并到联合组建的党组织；如企业合并后单独组建，请撤销后重新登记")
	case target.Township != from.Township:
		return apperr.Field("township_mismatch", "into", "只能合并到同一街道/乡镇的党组织")
	case dateOnly(on).Before(dateOnly(target.FoundedOn)):
		return apperr.Field("validation_failed", "on", "合并日期不能早于合并到的党组织的成立日期（"+target.FoundedOn.Format(time.DateOnly)+"）")
	}
	if err := tx.g.Model(&partyOrgEnterpriseRow{}).Where("party_org_id = ?", from.ID).Update("party_org_id", into).Error; err != nil {
		return apperr.Wrap(err, "move enterprises")
	}
	// The enterprises leave their own joint group and, when the target is
	// joint, join its group.
	joint := target.FormationType == strategy.Joint && target.JointGroupID != nil
	for _, e := range from.Enterprises {
		if err := tx.g.Where("enterprise_id = ?", e).Delete(&jointMemberRow{}).Error; err != nil {
			return apperr.Wrap(err, "leave joint group")
		}
		var gid *int64
		if joint {
			g := *target.JointGroupID
			gid = &g
			if err := tx.g.Create(&jointMemberRow{EnterpriseID: e, GroupID: g}).Error; err != nil {
				return apperr.Wrap(err, "join joint group")
			}
		}
		if err := tx.setPlanGroup(e, gid, by.Name, now); err != nil {
			return err
		}
		if err := tx.setPlanFormed(e, into, target.FormationType, nil, by.Name, now); err != nil {
			return err
		}
	}
	if from.JointGroupID != nil {
		if err := tx.g.Model(&jointGroupRow{}).Where("id = ?", *from.JointGroupID).Updates(map[string]any{
			"dissolved_at": now, "dissolved_by": by.Name}).Error; err != nil {
			return apperr.Wrap(err, "close merged joint group")
		}
		if err := tx.addEvent(audit.JointGroupDelete, "joint_group", strconv.FormatInt(*from.JointGroupID, 10),
			map[string]any{"merged_into_party_org": into, "enterprise_ids": from.Enterprises}, by); err != nil {
			return err
		}
	}
	covered := slices.Concat(target.Enterprises, from.Enterprises)
	slices.Sort(covered)
	ids, _ := json.Marshal(covered)
	full, err := tx.ledgerFullMembers(covered)
	if err != nil {
		return err
	}
	if err := tx.g.Model(&partyOrgRow{}).Where("id = ?", into).Updates(map[string]any{"enterprise_ids": string(ids),
		"member_count": target.MemberCount + from.MemberCount, "version": gorm.Expr("version + 1"), "updated_at": now}).Error; err != nil {
		return apperr.Wrap(err, "merge into party org")
	}
	if err := tx.addEvent(audit.PartyOrgUpdate, "party_org", strconv.FormatInt(into, 10), map[string]any{"merged_from": from.ID,
		"enterprise_ids": covered, "member_count": target.MemberCount + from.MemberCount}, by); err != nil {
		return err
	}
	if joint {
		if err := tx.g.Model(&jointGroupRow{}).Where("id = ?", *target.JointGroupID).Updates(map[string]any{
			"enterprise_ids": string(ids), "full_members": full}).Error; err != nil {
			return apperr.Wrap(err, "merge joint group")
		}
	}
	return nil
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

// moveOrganisation keeps ledger id's organisation in the township the
// ledger moves to ("" unassigned), before the move is written. A joint
// group and the organisation of several ledgers are of one township: a
// member cannot leave alone (422; dissolve the group or change the
// organisation first). An organisation of this ledger alone moves with
// it, audited.
func (tx *Tx) moveOrganisation(id int64, township string, by audit.Actor) error {
	var inGroup int64
	if err := tx.g.Raw("SELECT COUNT(*) FROM joint_group_members WHERE enterprise_id = ?", id).Scan(&inGroup).Error; err != nil {
		return apperr.Wrap(err, "read joint group")
	}
	if inGroup > 0 {
		return apperr.Field("township_change_joint_group", "township_code",
			"该企业属于联合组建小组，小组须在同一街道/乡镇：请先解散小组或办理党组织，再调整所属街道/乡镇")
	}
	var org struct {
		ID       int64
		Township string
		Covers   int64
	}
	if err := tx.g.Raw(`SELECT o.id, o.township_code AS township,
		(SELECT COUNT(*) FROM plans q WHERE q.party_org_id = o.id AND q.status = ?) AS covers
		FROM plans p JOIN party_orgs o ON o.id = p.party_org_id
		WHERE p.enterprise_id = ? AND p.status = ? AND o.status = ?`,
		strategy.Formed, id, strategy.Formed, strategy.OrgActive).Scan(&org).Error; err != nil {
		return apperr.Wrap(err, "read party organisation")
	}
	switch {
	case org.ID == 0 || org.Township == township:
		return nil
	case org.Covers > 1:
		return apperr.Field("township_change_party_org", "township_code",
			"该企业的党组织还覆盖其他企业，不能单独调整所属街道/乡镇：请先办理党组织（撤销或合并）")
	case township == "":
		return apperr.Field("township_change_party_org", "township_code",
			"该企业已登记党组织，须属于某个街道/乡镇，不能改为未划分")
	}
	res := tx.g.Exec("UPDATE party_orgs SET township_code = ?, version = version + 1, updated_at = ? WHERE id = ?", township, tx.db.Now(), org.ID)
	if res.Error != nil {
		return apperr.Wrap(res.Error, "move party organisation")
	}
	return tx.addEvent(audit.PartyOrgUpdate, "party_org", strconv.FormatInt(org.ID, 10),
		map[string]any{"township_code": map[string]string{"old": org.Township, "new": township}, "reason": "enterprise_moved", "enterprise_id": id}, by)
}

// mergedIn returns the first and last dates other organisations were
// merged into organisation id (nil when none was): its founding may not
// move after the first, nor its end before the last.
func (tx *Tx) mergedIn(id int64) (first, last *time.Time, err error) {
	var rows []partyOrgRow
	if err := tx.g.Where("merged_into_id = ?", id).Find(&rows).Error; err != nil {
		return nil, nil, apperr.Wrap(err, "read merged organisations")
	}
	for _, r := range rows {
		if r.EndedOn == nil {
			continue
		}
		d := *r.EndedOn
		if first == nil || d.Before(*first) {
			first = &d
		}
		if last == nil || d.After(*last) {
			last = &d
		}
	}
	return first, last, nil
}

// sameIDs reports whether a and b hold the same ids, in any order.
func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
