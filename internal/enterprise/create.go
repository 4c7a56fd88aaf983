package enterprise

import (
	"encoding/json"
	"maps"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division"
)

// New builds a ledger entered by hand from a JSON object, on behalf of role.
// credit_code and name are required. The township follows the registered
// address; a district administrator may set township_code, which is then a
// manual assignment. A township administrator's ledger must belong to its
// own township: an address resolving elsewhere is rejected, and one that
// resolves to no township is assigned to the administrator's township by
// hand.
func New(body map[string]json.RawMessage, p auth.Principal, d *division.District) (Ledger, []Change, error) {
	var l Ledger
	if _, ok := body["credit_code"]; !ok {
		return l, nil, apperr.Field("validation_failed", "credit_code", "统一社会信用代码不能为空")
	}
	if _, ok := body["name"]; !ok {
		return l, nil, apperr.Field("validation_failed", "name", "企业名称不能为空")
	}
	if p.Role == auth.TownshipAdmin {
		// Naming one's own township is what happens anyway; only another
		// township is refused (by apply, as a field the role may not write).
		var own string
		if raw, ok := body["township_code"]; ok && json.Unmarshal(raw, &own) == nil && own == p.TownshipCode {
			body = maps.Clone(body)
			delete(body, "township_code")
		}
	}
	l.Init()
	if _, err := l.apply(body, p.Role, d, true); err != nil {
		return l, nil, err
	}
	if p.Role == auth.TownshipAdmin && l.TownshipCode != p.TownshipCode {
		if l.AssignmentReason == division.ReasonOutsideDistrict {
			return l, nil, apperr.Field("validation_failed", "registered_address", "住所不在本区，不能录入为本街道/乡镇的台账")
		}
		if l.TownshipCode != "" {
			return l, nil, apperr.Field("validation_failed", "registered_address", "住所属于其他街道/乡镇，请联系区级管理员录入")
		}
		l.TownshipCode = p.TownshipCode
		l.Assignment = division.AssignedManually
		l.AssignmentReason = division.ReasonNone
		l.Derive()
	}
	// The first history entry lists every value the ledger starts with.
	return l, Diff(&Ledger{}, &l), nil
}
