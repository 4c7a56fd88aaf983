package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/liaison"
)

// Ending or moving assignments writes liaison_assignments inside InTx and
// notes the enterprises, so the coverage counts follow before the
// transaction commits (coveragecounts.go).

// UnassignLiaison ends the standing assignment of ledger id (visible in
// scope), keeping it in the history, and returns it (nil when the ledger
// had no liaison: nothing changes).
func (db *DB) UnassignLiaison(ctx context.Context, s auth.Scope, id int64, by audit.Actor) (*liaison.Assignment, error) {
	var out *liaison.Assignment
	err := db.InTx(ctx, func(tx *Tx) error {
		out = nil
		if _, err := db.enterprise(db.forUpdate(tx.g), s, id); err != nil {
			return err
		}
		cur, err := db.assignment(tx.g, id)
		if err != nil || cur == nil {
			return err
		}
		if err := tx.g.Model(&assignmentRow{}).Where("enterprise_id = ? AND ended_at IS NULL", id).
			Updates(map[string]any{"ended_at": db.Now(), "ended_by": by.Name}).Error; err != nil {
			return apperr.Wrap(err, "end liaison assignment")
		}
		tx.noteLedgers(id)
		out = cur
		return tx.addEvent(audit.LiaisonUnassign, "enterprise", strconv.FormatInt(id, 10),
			map[string]any{"liaison_id": cur.Liaison.ID, "liaison": cur.Liaison.Username}, by)
	})
	return out, err
}

// standingOf locks the enterprises liaisonID stands for (in id order, as
// AssignLiaison locks one) and returns their ids.
func (tx *Tx) standingOf(liaisonID int64) ([]int64, error) {
	var ids []int64
	err := tx.db.forUpdate(tx.g.Model(&enterpriseRow{})).
		Where("id IN (SELECT enterprise_id FROM liaison_assignments WHERE liaison_id = ? AND ended_at IS NULL)", liaisonID).
		Order("id").Pluck("id", &ids).Error
	return ids, apperr.Wrap(err, "liaison's enterprises")
}

// endStanding ends liaisonID's standing assignments of the enterprises ids
// (locked by standingOf); a count that differs means a concurrent change.
func (tx *Tx) endStanding(liaisonID int64, ids []int64, by audit.Actor) error {
	if len(ids) == 0 {
		return nil
	}
	res := tx.g.Model(&assignmentRow{}).Where("liaison_id = ? AND ended_at IS NULL AND enterprise_id IN ?", liaisonID, ids).
		Updates(map[string]any{"ended_at": tx.db.Now(), "ended_by": by.Name})
	if res.Error != nil {
		return apperr.Wrap(res.Error, "end liaison assignments")
	}
	if res.RowsAffected != int64(len(ids)) {
		return apperr.New(apperr.Conflict, "liaison_changed", "联络员刚被他人调整，请刷新后重试")
	}
	tx.noteLedgers(ids...)
	return nil
}

// endLiaisonElsewhere ends ledger id's standing assignment when its
// liaison belongs to another township than township, the ledger's own
// after a change ("" unassigned): every enterprise's liaison is of its
// street or township, as assigning one requires. The ledger is left
// without a liaison (no_liaison) for its new township to assign one; the
// loss is audited with the reason township_changed.
func (tx *Tx) endLiaisonElsewhere(id int64, township string, by audit.Actor) error {
	var standing []struct {
		LiaisonID    int64
		TownshipCode *string
	}
	if err := tx.g.Raw(`SELECT a.liaison_id, u.township_code FROM liaison_assignments a
		JOIN users u ON u.id = a.liaison_id WHERE a.enterprise_id = ? AND a.ended_at IS NULL`, id).Scan(&standing).Error; err != nil {
		return apperr.Wrap(err, "read liaison assignment")
	}
	for _, a := range standing {
		if deref(a.TownshipCode) == township {
			continue
		}
		if err := tx.endStanding(a.LiaisonID, []int64{id}, by); err != nil {
			return err
		}
		if err := tx.addEvent(audit.LiaisonUnassign, "enterprise", strconv.FormatInt(id, 10),
			map[string]any{"liaison_id": a.LiaisonID, "reason": "township_changed"}, by); err != nil {
			return err
		}
	}
	return nil
}

// endImportedLiaisonsElsewhere is endLiaisonElsewhere for an import, set
// based: a registration import may move ledgers to another township by
// their address, so after it the standing assignments of the ledgers it
// wrote whose liaison is of another township end, audited against the job.
func endImportedLiaisonsElsewhere(ctx context.Context, r runner, job importer.Job, now time.Time) error {
	rows, done, err := r.query(ctx, `SELECT a.enterprise_id, a.liaison_id FROM liaison_assignments a
		JOIN users u ON u.id = a.liaison_id JOIN enterprises e ON e.id = a.enterprise_id
		WHERE a.ended_at IS NULL AND COALESCE(e.township_code, '') <> COALESCE(u.township_code, '')
		AND EXISTS (SELECT 1 FROM enterprise_history h WHERE h.enterprise_id = e.id AND h.job_id = ?)`, job.ID)
	if err != nil {
		return apperr.Wrap(err, "liaisons of other townships")
	}
	var ended [][2]int64
	for rows.Next() {
		var e [2]int64
		if err := rows.Scan(&e[0], &e[1]); err != nil {
			done()
			return apperr.Wrap(err, "liaisons of other townships")
		}
		ended = append(ended, e)
	}
	err = rows.Err()
	done()
	if err != nil {
		return apperr.Wrap(err, "liaisons of other townships")
	}
	var actorID any
	if job.CreatedBy != 0 {
		actorID = job.CreatedBy
	}
	for _, e := range ended {
		if _, err := r.exec(ctx, "UPDATE liaison_assignments SET ended_at = ?, ended_by = ? WHERE enterprise_id = ? AND liaison_id = ? AND ended_at IS NULL",
			now, job.CreatedByName, e[0], e[1]); err != nil {
			return apperr.Wrap(err, "end liaison assignment")
		}
		detail, _ := json.Marshal(map[string]any{"liaison_id": e[1], "reason": "township_changed", "import": job.ID})
		if _, err := r.exec(ctx, "INSERT INTO audit_events (at, actor_id, actor_name, action, entity_type, entity_id, detail, request_id, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			now, actorID, job.CreatedByName, audit.LiaisonUnassign, "enterprise", strconv.FormatInt(e[0], 10), string(detail), "import-"+strconv.FormatInt(job.ID, 10), ""); err != nil {
			return apperr.Wrap(err, "audit liaison assignment")
		}
		if err := note(r, e[0]); err != nil {
			return err
		}
	}
	return nil
}

// endAssignments ends every standing assignment of liaisonID, auditing
// each enterprise's loss with reason, and returns the enterprises.
func (tx *Tx) endAssignments(liaisonID int64, reason string, by audit.Actor) ([]int64, error) {
	ids, err := tx.standingOf(liaisonID)
	if err != nil {
		return nil, err
	}
	if err := tx.endStanding(liaisonID, ids, by); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := tx.addEvent(audit.LiaisonUnassign, "enterprise", strconv.FormatInt(id, 10),
			map[string]any{"liaison_id": liaisonID, "reason": reason}, by); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// HandoverLiaison moves every standing assignment of liaison from (a
// liaison visible in p's scope, managed by p, else 404/403) to liaison to
// in one transaction: the old assignments end and stay in the history,
// the new ones start now. to must be another active liaison of from's
// township (422 on field "to" otherwise).
func (db *DB) HandoverLiaison(ctx context.Context, p auth.Principal, from, to int64, by audit.Actor) (liaison.Handover, error) {
	var out liaison.Handover
	err := db.InTx(ctx, func(tx *Tx) error {
		out = liaison.Handover{}
		// Both users locked in id order: neither can be disabled
		// meanwhile.
		var rows []userRow
		if err := db.forUpdate(tx.g).Where("id IN ?", []int64{from, to}).Order("id").Find(&rows).Error; err != nil {
			return apperr.Wrap(err, "get liaisons")
		}
		var src, dst *userRow
		for i := range rows {
			if rows[i].ID == from {
				src = &rows[i]
			}
			if rows[i].ID == to {
				dst = &rows[i]
			}
		}
		if src == nil || auth.Role(src.Role) != auth.Liaison || !p.Scope().Allows(deref(src.TownshipCode)) {
			return ErrLiaisonNotFound
		}
		out.From = src.toUser()
		if err := p.MayManage(out.From); err != nil {
			return err
		}
		if err := checkHandoverTarget(out.From, dst, p.Scope().Township != ""); err != nil {
			return err
		}
		out.To = dst.toUser()
		ids, err := tx.standingOf(from)
		if err != nil {
			return err
		}
		if err := tx.endStanding(from, ids, by); err != nil {
			return err
		}
		now := db.Now()
		moved := make([]assignmentRow, len(ids))
		for i, id := range ids {
			moved[i] = assignmentRow{EnterpriseID: id, LiaisonID: to, AssignedAt: now, AssignedBy: by.Name}
		}
		if len(moved) > 0 {
			if err := tx.g.CreateInBatches(&moved, 500).Error; err != nil {
				if isUniqueViolation(err) {
					return apperr.New(apperr.Conflict, "liaison_changed", "联络员刚被他人调整，请刷新后重试")
				}
				return apperr.Wrap(err, "hand over")
			}
		}
		for _, id := range ids {
			if err := tx.addEvent(audit.LiaisonAssign, "enterprise", strconv.FormatInt(id, 10), map[string]any{"liaison_id": to,
				"liaison": out.To.Username, "previous_liaison_id": from, "reason": "handover"}, by); err != nil {
				return err
			}
		}
		out.Enterprises = ids
		if out.Enterprises == nil {
			out.Enterprises = []int64{}
		}
		return tx.addEvent(audit.LiaisonHandover, "user", strconv.FormatInt(from, 10), map[string]any{"from": out.From.Username,
			"to_id": to, "to": out.To.Username, "moved": len(ids)}, by)
	})
	return out, err
}

// checkHandoverTarget refuses a handover target that is missing, the same
// person, not a liaison, of another township or disabled; for a caller
// bound to a township (scoped), another township's liaison is "missing".
func checkHandoverTarget(from auth.User, dst *userRow, scoped bool) error {
	switch {
	case dst != nil && dst.ID == from.ID:
		return apperr.Field("same_liaison", "to", "接手的联络员不能是移交人本人")
	// A township's admin learns nothing of other townships' accounts.
	case dst == nil || auth.Role(dst.Role) != auth.Liaison || scoped && deref(dst.TownshipCode) != from.TownshipCode:
		return apperr.Field("liaison_not_found", "to", "接手的联络员不存在（须为联络员账号）")
	case deref(dst.TownshipCode) != from.TownshipCode:
		return apperr.Field("liaison_other_township", "to", "接手的联络员须与移交人同属一个街道/乡镇")
	case dst.DisabledAt != nil:
		return apperr.Field("liaison_disabled", "to", "接手的联络员账号已停用")
	}
	return nil
}
