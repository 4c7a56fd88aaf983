package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/httpapi"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
	"github.com/fugai/fugai/internal/strategy"
	"github.com/fugai/fugai/internal/survey"
	"github.com/fugai/fugai/internal/vocab"
)

type dictItem struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Order int    `json:"order"`
}

// pairs lists a domain's values with their labels.
func pairs[T ~string](codes []T, label func(T) string) []dictItem {
	out := make([]dictItem, len(codes))
	for i, c := range codes {
		out[i] = dictItem{Code: string(c), Label: label(c), Order: i + 1}
	}
	return out
}

func vocabPairs(v *vocab.Vocabulary) []dictItem { return pairs(v.Codes(), v.Label) }

// domainDictionaries is every enum of the domain packages, from their own
// value lists and label functions: what GET /dictionaries must list.
func domainDictionaries() map[string][]dictItem {
	return map[string][]dictItem{
		"methods":              pairs(strategy.Methods(), strategy.Method.Label),
		"method_sources":       pairs(strategy.MethodSources(), strategy.MethodSourceLabel),
		"plan_statuses":        pairs(strategy.Statuses(), strategy.Status.Label),
		"suggestion_reasons":   pairs(strategy.SuggestionReasons(), strategy.SuggestionReasonLabel),
		"gaps":                 pairs(coverage.Gaps(), coverage.GapLabel),
		"out_of_scope_reasons": pairs(enterprise.Reasons(), enterprise.ReasonLabel),
		"natures":              pairs(enterprise.Natures(), enterprise.Nature.Label),
		"assignments":          pairs(division.Assignments(), division.Assignment.Label),
		"unassigned_reasons":   pairs(division.Reasons(), division.Reason.Label),
		"roles":                pairs(auth.AllRoles(), auth.Role.Label),
		"visit_services":       vocabPairs(liaison.Services),
		"needs":                vocabPairs(enterprise.Needs),
		"member_sources":       vocabPairs(enterprise.MemberSources),
		"owner_identities":     vocabPairs(enterprise.OwnerIdentities),
		"operating_statuses":   vocabPairs(enterprise.OperatingStatuses),
		"party_org_kinds":      pairs(strategy.OrgKinds(), strategy.OrgKind.Label),
		"party_org_statuses":   pairs(strategy.OrgStatuses(), strategy.OrgStatus.Label),
		"round_statuses":       pairs(survey.Statuses(), survey.StatusLabel),
		"import_kinds":         pairs(importer.Kinds(), importer.Kind.Label),
		"import_statuses":      pairs(importer.Statuses(), importer.Status.Label),
		"import_formats":       pairs(importer.Formats(), importer.Format.Label),
		"history_sources":      pairs(enterprise.Sources(), enterprise.SourceLabel),
		"audit_actions":        pairs(audit.Actions(), audit.ActionLabel),
	}
}

// GET /dictionaries lists every enum of the domain with the domain's own
// labels, to every role; every value has a label of its own.
func TestDictionaries(t *testing.T) {
	want := domainDictionaries()
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		if r := e.do(http.MethodGet, "/api/v1/dictionaries", "", nil, nil); r.Code != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d", r.Code)
		}
		for _, u := range users {
			r := e.do(http.MethodGet, "/api/v1/dictionaries", u.name, nil, nil)
			if r.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", u.name, r.Code, r.Body)
			}
			var got struct {
				Dictionaries map[string][]dictItem `json:"dictionaries"`
			}
			if err := json.Unmarshal(r.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			for name := range got.Dictionaries {
				if _, ok := want[name]; !ok {
					t.Errorf("dictionary %s is not checked against the domain", name)
				}
			}
			for name, items := range want {
				if !slices.Equal(got.Dictionaries[name], items) {
					t.Errorf("%s:\n got %v\nwant %v", name, got.Dictionaries[name], items)
				}
				for _, it := range items {
					if it.Label == "" || it.Label == it.Code {
						t.Errorf("%s: %s has no Chinese label", name, it.Code)
					}
				}
			}
		}
	})
}

// The enums the OpenAPI document declares are the dictionary's codes.
func TestEnumTagsAreTheDictionaries(t *testing.T) {
	t.Parallel()
	dicts := domainDictionaries()
	cases := []struct {
		typ        any
		field      string
		dictionary string
	}{
		{httpapi.EnterpriseResponse{}, "OwnerIdentity", "owner_identities"},
		{httpapi.EnterpriseResponse{}, "OperatingStatus", "operating_statuses"},
		{httpapi.EnterpriseResponse{}, "Needs", "needs"},
		{httpapi.EnterpriseResponse{}, "Nature", "natures"},
		{httpapi.EnterpriseResponse{}, "Assignment", "assignments"},
		{httpapi.EnterpriseResponse{}, "AssignmentReason", "unassigned_reasons"},
		{httpapi.EnterpriseResponse{}, "OutOfScopeReason", "out_of_scope_reasons"},
		{httpapi.EnterpriseResponse{}, "SuggestedMethod", "methods"},
		{httpapi.EnterpriseInput{}, "OwnerIdentity", "owner_identities"},
		{httpapi.EnterpriseInput{}, "OperatingStatus", "operating_statuses"},
		{httpapi.EnterpriseInput{}, "Needs", "needs"},
		{httpapi.SuggestionResponse{}, "Reason", "suggestion_reasons"},
		{httpapi.VisitRequest{}, "Services", "visit_services"},
		{httpapi.VisitResponse{}, "Services", "visit_services"},
		{httpapi.ImportResponse{}, "Kind", "import_kinds"},
		{httpapi.ImportResponse{}, "Status", "import_statuses"},
		{httpapi.ImportResponse{}, "Format", "import_formats"},
		{httpapi.RevisionResponse{}, "Source", "history_sources"},
		{httpapi.RoundResponse{}, "Status", "round_statuses"},
	}
	for _, c := range cases {
		typ := reflect.TypeOf(c.typ)
		t.Run(typ.Name()+"."+c.field, func(t *testing.T) {
			f, ok := typ.FieldByName(c.field)
			if !ok {
				t.Fatalf("no field %s", c.field)
			}
			var codes []string
			for _, it := range dicts[c.dictionary] {
				codes = append(codes, it.Code)
			}
			if got := f.Tag.Get("enums"); got != strings.Join(codes, ",") {
				t.Fatalf("enums:%q; the dictionary %s has %v", got, c.dictionary, codes)
			}
		})
	}
}

// Ledgers and visits take codes, labels and aliases and return codes;
// anything else is 422 naming the field. 注销 and 吊销 take a ledger out of
// the coverage base as not operating, 停产 as suspended.
func TestClosedVocabulariesThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道滨江路1号")
		path := fmt.Sprintf("/api/v1/enterprises/%d", id)
		if got := e.coverage("district", "").District.Enterprises; got != 1 {
			t.Fatalf("coverage base %d, want 1", got)
		}
		version := 1
		patch := func(body map[string]any) *httptest.ResponseRecorder {
			t.Helper()
			r := e.do(http.MethodPatch, path, "district", body, map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version)})
			if r.Code == http.StatusOK {
				version++
			}
			if r.Code != http.StatusOK && r.Code != http.StatusUnprocessableEntity {
				t.Fatalf("PATCH %v: %d %s", body, r.Code, r.Body)
			}
			return r
		}
		r := e.do(http.MethodPatch, path, "district", map[string]any{"operating_status": "停产", "owner_identity": "党员",
			"member_sources": map[string]int{"流动党员": 1, "mobile": 1, "本企业": 2}, "needs": []string{"资金", "人才", "talent"}},
			map[string]string{"If-Match": `"1"`})
		if r.Code != http.StatusOK {
			t.Fatalf("PATCH with labels: %d %s", r.Code, r.Body)
		}
		version = 2
		l := ledgerOf(t, r)
		sources, _ := json.Marshal(l["member_sources"])
		needs, _ := json.Marshal(l["needs"])
		if l["operating_status"] != "production_halted" || l["owner_identity"] != "party_member" ||
			string(sources) != `{"in_enterprise":2,"mobile":2}` || string(needs) != `["talent","financing"]` ||
			l["in_scope"] != false || l["out_of_scope_reason"] != "suspended" {
			t.Fatalf("ledger after labels: %v %s %s", l, sources, needs)
		}
		if got := e.coverage("district", "").District.Enterprises; got != 0 {
			t.Fatalf("a 停产 ledger is in the coverage base: %d", got)
		}
		patch(map[string]any{"operating_status": "正常经营"})
		if got := e.coverage("district", "").District.Enterprises; got != 1 {
			t.Fatalf("back to normal: coverage base %d, want 1", got)
		}
		l = ledgerOf(t, patch(map[string]any{"operating_status": "注销"}))
		if l["operating_status"] != "deregistered" || l["in_scope"] != false || l["out_of_scope_reason"] != "not_operating" || l["plan"] != nil {
			t.Fatalf("注销: %v", l)
		}
		if got := e.coverage("district", "").District; got.Enterprises != 0 {
			t.Fatalf("a 注销 ledger is in the coverage base: %+v", got)
		}
		if n := e.listCount("district", "in_scope=false"); n != 1 {
			t.Fatalf("%d out-of-scope ledgers listed, want 1", n)
		}
		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"operating status", map[string]any{"operating_status": "倒闭"}, "operating_status"},
			{"owner identity", map[string]any{"owner_identity": "老板"}, "owner_identity"},
			{"member source", map[string]any{"member_sources": map[string]int{"上级党组织": 1}}, "member_sources"},
			{"need", map[string]any{"needs": []string{"钱"}}, "needs"},
		} {
			r := e.do(http.MethodPatch, path, "district", c.body, map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version)})
			if r.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d %s", c.name, r.Code, r.Body)
			}
			if b := decodeError(t, r); b.Error.Fields[c.field] == "" || !strings.Contains(b.Error.Fields[c.field], "可选") {
				t.Fatalf("%s: error does not name %s with its choices: %+v", c.name, c.field, b.Error)
			}
		}
		// A ledger entered as 吊销 is out of scope from the start.
		r = e.do(http.MethodPost, "/api/v1/enterprises", "district", map[string]any{"credit_code": creditCode(2), "name": "测试企业2",
			"registered_address": "冷水滩区梅湾街道滨江路2号", "operating_status": "吊销"}, nil)
		if l := ledgerOf(t, r); r.Code != http.StatusCreated || l["operating_status"] != "revoked" || l["out_of_scope_reason"] != "not_operating" {
			t.Fatalf("POST with 吊销: %d %s", r.Code, r.Body)
		}
		r = e.do(http.MethodPost, "/api/v1/enterprises", "district", map[string]any{"credit_code": creditCode(3), "name": "测试企业3",
			"registered_address": "冷水滩区梅湾街道滨江路3号", "operating_status": "关门"}, nil)
		if r.Code != http.StatusUnprocessableEntity || decodeError(t, r).Error.Fields["operating_status"] == "" {
			t.Fatalf("POST with an unknown status: %d %s", r.Code, r.Body)
		}
		// Visits: labels and aliases of the services.
		visits := path + "/visits"
		r = e.do(http.MethodPost, visits, "district", map[string]any{"visited_on": "2026-05-30", "services": []string{"政策", "党建指导", "policy"}}, nil)
		var v struct{ Services []string }
		json.Unmarshal(r.Body.Bytes(), &v)
		if r.Code != http.StatusCreated || !slices.Equal(v.Services, []string{"policy", "party_building"}) {
			t.Fatalf("visit with labels: %d %s", r.Code, r.Body)
		}
		r = e.do(http.MethodPost, visits, "district", map[string]any{"visited_on": "2026-05-30", "services": []string{"送温暖"}}, nil)
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(decodeError(t, r).Error.Fields["services"], "送温暖") {
			t.Fatalf("visit with an unknown service: %d %s", r.Code, r.Body)
		}
	})
}

// A survey sheet's 经营状况 注销 takes the ledger out of the base; an
// unknown value is a warning in its column and changes nothing.
func TestSurveyVocabulariesThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ids := []int64{e.createLedger(1, "冷水滩区梅湾街道滨江路1号"), e.createLedger(2, "冷水滩区梅湾街道滨江路2号"),
			e.createLedger(3, "冷水滩区梅湾街道滨江路3号")}
		sheet := "统一社会信用代码,企业名称,经营状况,业主身份,党员来源,正式党员人数,企业所需\n" +
			creditCode(1) + ",测试企业1,注销,群众,无,0,\n" +
			creditCode(2) + ",测试企业2,倒闭,老板,外出,1,钱\n" +
			creditCode(3) + ",测试企业3,经营困难,人大代表,退休党员返聘,2,融资、培训\n"
		j := e.importAndRun("district", "调查.csv", []byte(sheet), map[string]string{"kind": "survey"})
		if j.Status != "succeeded" || j.Counts.Updated != 3 || j.Counts.Warnings != 1 || j.Counts.Rejected != 0 {
			t.Fatalf("survey: %+v", j)
		}
		get := func(id int64) map[string]any {
			return ledgerOf(t, e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", id), "district", nil, nil))
		}
		if l := get(ids[0]); l["operating_status"] != "deregistered" || l["owner_identity"] != "masses" || l["out_of_scope_reason"] != "not_operating" {
			t.Fatalf("注销 row: %v", l)
		}
		if l := get(ids[1]); l["operating_status"] != nil || l["owner_identity"] != nil || l["full_members"] != float64(1) || l["in_scope"] != true {
			t.Fatalf("row of unknown values: %v", l)
		}
		l := get(ids[2])
		sources, _ := json.Marshal(l["member_sources"])
		needs, _ := json.Marshal(l["needs"])
		if l["operating_status"] != "difficult" || l["owner_identity"] != "npc_deputy" || string(sources) != `{"retired_rehired":2}` ||
			string(needs) != `["financing","training"]` {
			t.Fatalf("row of labels: %v %s %s", l, sources, needs)
		}
		if got := e.coverage("district", "").District.Enterprises; got != 2 {
			t.Fatalf("coverage base %d, want 2 (the 注销 ledger is out)", got)
		}
		r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/report", j.ID), "district", nil, nil)
		f, err := excelize.OpenReader(bytes.NewReader(r.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("问题清单")
		var warned []string
		for _, row := range rows[1:] {
			if row[0] == "3" && row[4] == "警告" && strings.Contains(row[3], "无法识别") {
				warned = append(warned, row[1]+"="+row[2])
			}
		}
		slices.Sort(warned)
		if want := []string{"业主身份=老板", "企业所需=钱", "党员来源=外出", "经营状况=倒闭"}; !slices.Equal(warned, want) {
			t.Fatalf("warned cells %v, want %v (report %q)", warned, want, rows)
		}
	})
}
