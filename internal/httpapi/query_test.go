package httpapi_test

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

type listRoute struct{ path, user, query, known string }

// listRoutes are the GET list routes, each with a user who may call it, a
// query it answers 200 to and a parameter it knows (to repeat).
var listRoutes = []listRoute{
	{"/api/v1/enterprises", "district", "township=431103001&sort=-updated_at", "township"},
	{"/api/v1/me/enterprises", "liaison", "limit=10", "limit"},
	{"/api/v1/users", "district", "role=liaison", "role"},
	{"/api/v1/imports", "district", "limit=10", "limit"},
	{"/api/v1/party-orgs", "district", "township=431103001", "township"},
	{"/api/v1/joint-groups", "district", "dissolved=true", "dissolved"},
	{"/api/v1/joint-groups/suggestions", "district", "township=431103001", "township"},
	{"/api/v1/liaisons", "district", "township=431103001", "township"},
	{"/api/v1/audit-events", "auditor", "action=enterprise.create", "action"},
	{"/api/v1/survey-rounds", "district", "", ""},
	{"/api/v1/enterprises/:id/visits", "district", "", ""},
	{"/api/v1/enterprises/:id/history", "district", "", ""},
	{"/api/v1/coverage", "district", "", ""},
	{"/api/v1/coverage/trend", "district", "", ""},
	{"/api/v1/divisions", "district", "", ""},
	{"/api/v1/dictionaries", "liaison", "", ""},
	{"/api/v1/exports/coverage-plan.xlsx", "district", "township=431103001", "township"},
	{"/api/v1/exports/coverage.xlsx", "district", "", ""},
	{"/api/v1/exports/gaps.xlsx", "district", "gap=no_liaison", "gap"},
}

// singleRoutes are the GET routes of one resource (no list, no filters).
var singleRoutes = []string{"/api/v1/me", "/api/v1/enterprises/:id", "/api/v1/enterprises/:id/plan",
	"/api/v1/enterprises/:id/liaison", "/api/v1/joint-groups/:id", "/api/v1/survey-rounds/:id",
	"/api/v1/party-orgs/:id", "/api/v1/imports/:id", "/api/v1/imports/:id/report", "/api/v1/users/:id",
	"/api/v1/rollup/coverage"}

func TestListRoutesRefuseUnknownParameters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道")
		e.assignLiaison(id)
		// Every GET route of the API is either a list checked here or a
		// single resource.
		for _, r := range e.srv.Rules() {
			if r.Method != http.MethodGet || r.Public || !strings.HasPrefix(r.Path, "/api/v1/") {
				continue
			}
			if !slices.ContainsFunc(listRoutes, func(l listRoute) bool { return l.path == r.Path }) &&
				!slices.Contains(singleRoutes, r.Path) {
				t.Errorf("GET %s is neither in listRoutes nor in singleRoutes", r.Path)
			}
		}
		for _, rt := range listRoutes {
			t.Run(rt.path, func(t *testing.T) {
				path := strings.Replace(rt.path, ":id", strconv.FormatInt(id, 10), 1)
				with := func(q string) string {
					if rt.query == "" {
						return path + "?" + q
					}
					return path + "?" + rt.query + "&" + q
				}
				if r := e.do(http.MethodGet, path+"?"+rt.query, rt.user, nil, nil); r.Code != http.StatusOK {
					t.Fatalf("documented query: %d %s", r.Code, r.Body)
				}
				r := e.do(http.MethodGet, with("sortt=name&x%5B%5D=1"), rt.user, nil, nil)
				b := decodeError(t, r)
				if r.Code != http.StatusUnprocessableEntity || b.Error.Code != "unknown_parameter" ||
					b.Error.Fields["sortt"] != "不支持的查询参数" || b.Error.Fields["x[]"] != "不支持的查询参数" || len(b.Error.Fields) != 2 {
					t.Fatalf("unknown parameters: %d %s", r.Code, r.Body)
				}
				if r := e.do(http.MethodGet, with("a=%zz"), rt.user, nil, nil); r.Code != http.StatusUnprocessableEntity ||
					decodeError(t, r).Error.Code != "invalid_query" {
					t.Fatalf("unreadable query: %d %s", r.Code, r.Body)
				}
				if rt.known == "" {
					return
				}
				known := url.Values{}
				for _, kv := range strings.Split(rt.query, "&") {
					k, v, _ := strings.Cut(kv, "=")
					known.Set(k, v)
				}
				r = e.do(http.MethodGet, path+"?"+rt.query+"&"+rt.known+"="+url.QueryEscape(known.Get(rt.known)), rt.user, nil, nil)
				b = decodeError(t, r)
				if r.Code != http.StatusUnprocessableEntity || b.Error.Code != "repeated_parameter" || b.Error.Fields[rt.known] == "" {
					t.Fatalf("repeated %s: %d %s", rt.known, r.Code, r.Body)
				}
			})
		}
	})
}

// listed is a ledger as the list shows it, with what the filters and
// sorts read.
type listed struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	CreditCode  string    `json:"credit_code"`
	Industry    string    `json:"industry"`
	AboveScale  *bool     `json:"above_scale"`
	Employees   *int      `json:"employees"`
	FullMembers *int      `json:"full_members"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type listedPage struct {
	Items      []listed `json:"items"`
	NextCursor *string  `json:"next_cursor"`
}

// sortLedgers creates ledgers whose names, industries, sizes, counts and
// update times differ (some equal, some unknown), minutes apart and
// over two district days.
func sortLedgers(t *testing.T, e *env) {
	names := []string{"Alpha", "alpha", "阿里", "测试", "Ω公司", "Zeta", "测试", "北方", "Beta", "贝塔", "A", "阿里巴巴"}
	industries := []string{"制造业", "制造业（汽车零部件）", "批发和零售业", "", "C制造业", "制造", "建筑业", "制造业", "%业", "信息传输、软件和信息技术服务业"}
	for i := 0; i < 23; i++ {
		body := map[string]any{"credit_code": creditCode(100 + (i*7)%23), "name": names[i%len(names)],
			"registered_address": "冷水滩区梅湾街道", "industry": industries[i%len(industries)]}
		switch i % 3 {
		case 0:
			body["above_scale"] = true
		case 1:
			body["above_scale"] = false
		}
		if i%4 != 0 {
			body["employees"] = (i * 37) % 11 * 10
		}
		if i%5 != 0 {
			body["full_members"] = i % 4
		}
		if r := e.do(http.MethodPost, "/api/v1/enterprises", "district", body, nil); r.Code != http.StatusCreated {
			t.Fatalf("create ledger %d: %d %s", i, r.Code, r.Body)
		}
		e.clock.Advance(time.Duration(1+i%3) * 7 * time.Minute)
		if i == 11 {
			// Into the next district day (sessions end after 12 hours).
			e.clock.Advance(8 * time.Hour)
			e.tokens["district"] = e.login("district", password)
		}
	}
}

// listAll pages through GET /enterprises with query, limit per page, and
// returns the ledgers in the order given.
func listAll(t *testing.T, e *env, query string, limit int) []listed {
	t.Helper()
	var out []listed
	cursor := ""
	for pages := 0; ; pages++ {
		q := query + "&limit=" + strconv.Itoa(limit)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		r := e.do(http.MethodGet, "/api/v1/enterprises?"+q, "district", nil, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("GET ?%s: %d %s", q, r.Code, r.Body)
		}
		var p listedPage
		if err := json.Unmarshal(r.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Items...)
		if p.NextCursor == nil {
			return out
		}
		if len(p.Items) != limit || pages > 100 {
			t.Fatalf("a page of %d before the end, or no end (page %d)", len(p.Items), pages)
		}
		cursor = *p.NextCursor
	}
}

func ids(ls []listed) []int64 {
	out := make([]int64, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}

func count(n *int) int {
	if n == nil {
		return -1
	}
	return *n
}

func TestEnterpriseFiltersMatchEveryLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		sortLedgers(t, e)
		all := listAll(t, e, "", 200)
		if len(all) != 23 {
			t.Fatalf("%d ledgers, want 23", len(all))
		}
		since := all[9].UpdatedAt
		sinceDay := time.Date(2026, 6, 2, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		cases := []struct {
			name, query string
			keep        func(l listed) bool
		}{
			{"industry prefix", "industry=" + url.QueryEscape("制造业"), func(l listed) bool { return strings.HasPrefix(l.Industry, "制造业") }},
			{"industry shorter prefix", "industry=" + url.QueryEscape("制造"), func(l listed) bool { return strings.HasPrefix(l.Industry, "制造") }},
			{"industry letter", "industry=C", func(l listed) bool { return strings.HasPrefix(l.Industry, "C") }},
			{"industry full width", "industry=" + url.QueryEscape("Ｃ制造"), func(l listed) bool { return strings.HasPrefix(l.Industry, "C制造") }},
			{"industry percent is literal", "industry=" + url.QueryEscape("%"), func(l listed) bool { return strings.HasPrefix(l.Industry, "%") }},
			{"industry none", "industry=" + url.QueryEscape("不存在的行业"), func(l listed) bool { return false }},
			{"above scale", "size=above_scale", func(l listed) bool { return l.AboveScale != nil && *l.AboveScale }},
			{"below scale", "size=below_scale", func(l listed) bool { return l.AboveScale != nil && !*l.AboveScale }},
			{"size unknown", "size=unknown", func(l listed) bool { return l.AboveScale == nil }},
			{"updated since an instant, inclusive", "updated_since=" + url.QueryEscape(since.Format(time.RFC3339Nano)),
				func(l listed) bool { return !l.UpdatedAt.Before(since) }},
			{"updated since a district date", "updated_since=2026-06-02", func(l listed) bool { return !l.UpdatedAt.Before(sinceDay) }},
			{"filters together", "industry=" + url.QueryEscape("制造") + "&size=below_scale&sort=-employees",
				func(l listed) bool {
					return strings.HasPrefix(l.Industry, "制造") && l.AboveScale != nil && !*l.AboveScale
				}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var want []int64
				for _, l := range all {
					if c.keep(l) {
						want = append(want, l.ID)
					}
				}
				got := ids(listAll(t, e, c.query, 2))
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf("?%s: got %v, want %v", c.query, got, want)
				}
			})
		}
		// The cases above must select some and not all.
		if n := len(ids(listAll(t, e, "updated_since=2026-06-02", 200))); n == 0 || n == len(all) {
			t.Fatalf("updated_since=2026-06-02 selects %d of %d: the data does not test it", n, len(all))
		}
	})
}

func TestEnterpriseSortsPageThroughEveryLedgerInOrder(t *testing.T) {
	keyOf := map[string]func(a, b listed) int{
		"id":           func(a, b listed) int { return 0 },
		"name":         func(a, b listed) int { return strings.Compare(a.Name, b.Name) },
		"credit_code":  func(a, b listed) int { return strings.Compare(a.CreditCode, b.CreditCode) },
		"updated_at":   func(a, b listed) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
		"full_members": func(a, b listed) int { return cmp.Compare(count(a.FullMembers), count(b.FullMembers)) },
		"employees":    func(a, b listed) int { return cmp.Compare(count(a.Employees), count(b.Employees)) },
	}
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		sortLedgers(t, e)
		all := listAll(t, e, "", 200)
		for _, sort := range store.EnterpriseSorts() {
			t.Run(sort, func(t *testing.T) {
				key := keyOf[strings.TrimPrefix(sort, "-")]
				want := slices.Clone(all)
				slices.SortFunc(want, func(a, b listed) int {
					c := cmp.Or(key(a, b), cmp.Compare(a.ID, b.ID))
					if strings.HasPrefix(sort, "-") {
						return -c
					}
					return c
				})
				for _, limit := range []int{1, 3, 200} {
					got := listAll(t, e, "sort="+sort, limit)
					if !slices.Equal(ids(got), ids(want)) {
						t.Fatalf("limit %d: got %v, want %v", limit, ids(got), ids(want))
					}
				}
			})
		}
	})
}

func TestEnterpriseListRefusesBadValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		sortLedgers(t, e)
		first := func(query string) string {
			var p listedPage
			r := e.do(http.MethodGet, "/api/v1/enterprises?limit=2&"+query, "district", nil, nil)
			if err := json.Unmarshal(r.Body.Bytes(), &p); err != nil || p.NextCursor == nil {
				t.Fatalf("?%s: %d %s", query, r.Code, r.Body)
			}
			return url.QueryEscape(*p.NextCursor)
		}
		byID, byName, byNameDesc := first(""), first("sort=name"), first("sort=-name")
		cases := []struct{ name, query, code, field string }{
			{"unknown sort", "sort=size", "validation_failed", "sort"},
			{"sort by an unlisted column", "sort=registered_address", "validation_failed", "sort"},
			{"bad size", "size=large", "validation_failed", "size"},
			{"bad updated_since", "updated_since=2026-13-01", "validation_failed", "updated_since"},
			{"updated_since without zone", "updated_since=2026-06-01T08:00:00", "validation_failed", "updated_since"},
			{"industry too long", "industry=" + strings.Repeat("业", 101), "validation_failed", "industry"},
			{"gap with another sort", "gap=no_liaison&sort=-updated_at", "validation_failed", "sort"},
			{"id cursor with a name sort", "sort=name&cursor=" + byID, "cursor_sort_mismatch", "cursor"},
			{"name cursor with the id sort", "cursor=" + byName, "cursor_sort_mismatch", "cursor"},
			{"name cursor descending", "sort=-name&cursor=" + byName, "cursor_sort_mismatch", "cursor"},
			{"descending cursor ascending", "sort=name&cursor=" + byNameDesc, "cursor_sort_mismatch", "cursor"},
			{"made-up cursor", "sort=name&cursor=bm90IGEgY3Vyc29y", "invalid_cursor", "cursor"},
			{"negative id cursor", "cursor=-3", "invalid_cursor", "cursor"},
			{"NUL in a filter", "industry=%00", "invalid_query", "industry"},
			{"invalid UTF-8 in a search", "q=%FF", "invalid_query", "q"},
			{"a control character in a search", "q=a%0Ab", "invalid_query", "q"},
			{"a cursor key beyond the column", "sort=full_members&cursor=eyJzIjoiZnVsbF9tZW1iZXJzIiwiayI6IjMwMDAwMDAwMDAwIiwiaSI6MX0", "invalid_cursor", "cursor"},
			{"a cursor key with NUL", "sort=name&cursor=eyJzIjoibmFtZSIsImsiOiJhXHUwMDAwYiIsImkiOjF9", "invalid_cursor", "cursor"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.do(http.MethodGet, "/api/v1/enterprises?"+c.query, "district", nil, nil)
				b := decodeError(t, r)
				if r.Code != http.StatusUnprocessableEntity || b.Error.Code != c.code || b.Error.Fields[c.field] == "" {
					t.Fatalf("?%s: %d %s, want 422 %s naming %s", c.query, r.Code, r.Body, c.code, c.field)
				}
			})
		}
		// The gap list still pages by id, with sort=id said or not.
		for _, q := range []string{"gap=no_liaison", "gap=no_liaison&sort=id"} {
			if got := listAll(t, e, q, 5); len(got) != 23 || !slices.IsSortedFunc(got, func(a, b listed) int { return cmp.Compare(a.ID, b.ID) }) {
				t.Fatalf("?%s: %v", q, ids(got))
			}
		}
	})
}

func TestMyEnterprisesSortsAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		var mine []int64
		for i := 1; i <= 5; i++ {
			id := e.createLedger(i, "冷水滩区梅湾街道")
			if i != 3 {
				e.assignLiaison(id)
				mine = append(mine, id)
			}
		}
		r := e.do(http.MethodGet, "/api/v1/me/enterprises?sort=-id&limit=200", "liaison", nil, nil)
		var p listedPage
		if err := json.Unmarshal(r.Body.Bytes(), &p); err != nil || r.Code != http.StatusOK {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		slices.Reverse(mine)
		if !slices.Equal(ids(p.Items), mine) {
			t.Fatalf("got %v, want %v", ids(p.Items), mine)
		}
		r = e.do(http.MethodGet, "/api/v1/me/enterprises?industri=x", "liaison", nil, nil)
		if r.Code != http.StatusUnprocessableEntity || decodeError(t, r).Error.Fields["industri"] == "" {
			t.Fatalf("misspelt filter: %d %s", r.Code, r.Body)
		}
	})
}
