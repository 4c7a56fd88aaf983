// Package httpapi is Fugai's HTTP interface: every route in this file with
// the roles it admits, handlers, request and response types, middleware and
// the one mapping from errors to status codes.
//
//	@title						Fugai 覆盖 API
//	@version					1.0
//	@description				非公企业党组织覆盖台账服务：一企一台账、一企一对策、一企一联络员。错误一律为 {"error":{"code","message","fields"}}。
//	@BasePath					/
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				"Bearer <token>"，令牌由 POST /api/v1/auth/login 获得。
package httpapi

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files"
	ginSwagger "github.com/swaggo/gin-swagger"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/config"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/metrics"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/strategy"
)

// Deps is what the HTTP layer needs.
type Deps struct {
	DB       *store.DB
	District *division.District
	Log      *slog.Logger
	Config   config.Config
	// OpenAPI is the generated OpenAPI document, served at /api/openapi.json.
	OpenAPI []byte
	// Workers run import jobs; nil when this process runs none.
	Workers *importer.Workers
	// Web serves the web client at every GET path outside the API; nil
	// answers those with 404 as any unknown path.
	Web http.Handler
	// Metrics records each request (nil: none).
	Metrics *metrics.Metrics
	// Rollup lists the districts GET /rollup/coverage sums (FUGAI_ROLLUP);
	// empty: the route answers 404.
	Rollup []RollupDistrict
}

// Server holds the HTTP layer's dependencies.
type Server struct {
	db       *store.DB
	district *division.District
	log      *slog.Logger
	cfg      config.Config
	openapi  []byte
	workers  *importer.Workers
	engine   *gin.Engine
	logins   chan struct{} // bounds concurrent password checks
	rules    []Rule
	metrics  *metrics.Metrics
	rollup   []RollupDistrict
}

// Rule is one route and who may call it. Public routes need no session;
// the others admit exactly the listed roles.
type Rule struct {
	Method string
	Path   string
	Public bool
	Roles  []auth.Role
}

// maxConcurrentLogins bounds password checks in flight (64 MiB each).
const maxConcurrentLogins = 4

func roles(r ...auth.Role) []auth.Role { return r }

// New builds the server and its routes.
func New(d Deps) (*Server, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	if err := e.SetTrustedProxies(d.Config.TrustedProxies); err != nil {
		return nil, err
	}
	if d.Config.JointMax < strategy.JointMinEnterprises {
		d.Config.JointMax = strategy.DefaultJointMax
	}
	s := &Server{db: d.DB, district: d.District, log: d.Log, cfg: d.Config, openapi: d.OpenAPI, workers: d.Workers, engine: e,
		logins: make(chan struct{}, maxConcurrentLogins), metrics: d.Metrics, rollup: d.Rollup}
	e.Use(withRequestID, s.accessLog, s.recoverPanic, securityHeaders)
	e.NoRoute(s.handle(func(c *gin.Context) error {
		if d.Web != nil && appPath(c.Request) {
			d.Web.ServeHTTP(c.Writer, c.Request)
			return nil
		}
		return errNoRoute
	}))
	e.NoMethod(s.handle(func(*gin.Context) error { return errMethod }))

	// Outside the API: probes and documentation.
	s.public(http.MethodGet, "/healthz", s.healthz)
	s.public(http.MethodGet, "/readyz", s.readyz)
	s.public(http.MethodGet, "/api/openapi.json", s.openAPI)
	if d.Config.Swagger {
		ui := ginSwagger.WrapHandler(swaggerFiles.Handler, ginSwagger.URL("/api/openapi.json"),
			ginSwagger.DefaultModelsExpandDepth(-1), ginSwagger.PersistAuthorization(true))
		s.public(http.MethodGet, "/swagger/*any", func(c *gin.Context) error {
			// The UI's own doc.json reads swag's global registry, which
			// this program does not fill: serve the embedded document.
			if c.Param("any") == "/doc.json" {
				return s.openAPI(c)
			}
			ui(c)
			return nil
		})
	}

	everyone := auth.AllRoles() // an authenticated session is still required
	v1 := "/api/v1"
	s.public(http.MethodPost, v1+"/auth/login", s.login)
	s.route(http.MethodPost, v1+"/auth/logout", everyone, s.logout)
	s.route(http.MethodGet, v1+"/me", everyone, s.getMe)
	s.route(http.MethodPut, v1+"/me/password", everyone, s.changePassword)
	s.route(http.MethodGet, v1+"/users", roles(auth.DistrictAdmin, auth.TownshipAdmin, auth.Auditor), s.listUsers)
	s.route(http.MethodPost, v1+"/users", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.createUser)
	s.route(http.MethodGet, v1+"/users/:id", roles(auth.DistrictAdmin, auth.TownshipAdmin, auth.Auditor), s.getUser)
	s.route(http.MethodPost, v1+"/users/:id/disable", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.disableUser)
	s.route(http.MethodPost, v1+"/users/:id/enable", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.enableUser)
	s.route(http.MethodGet, v1+"/divisions", everyone, s.listDivisions)
	s.route(http.MethodGet, v1+"/dictionaries", everyone, s.getDictionaries)
	s.route(http.MethodGet, v1+"/enterprises", everyone, s.listEnterprises)
	s.route(http.MethodPost, v1+"/enterprises", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.ledgerWriter(s.createEnterprise))
	s.route(http.MethodGet, v1+"/enterprises/:id", everyone, s.getEnterprise)
	s.route(http.MethodPatch, v1+"/enterprises/:id", roles(auth.DistrictAdmin, auth.TownshipAdmin, auth.Liaison), s.patchEnterprise)
	s.route(http.MethodGet, v1+"/enterprises/:id/history", everyone, s.enterpriseHistory)
	s.route(http.MethodGet, v1+"/enterprises/:id/plan", everyone, s.getPlan)
	s.route(http.MethodPut, v1+"/enterprises/:id/plan", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.putPlan)
	staff := roles(auth.DistrictAdmin, auth.TownshipAdmin, auth.Auditor)
	s.route(http.MethodGet, v1+"/joint-groups/suggestions", staff, s.suggestJointGroups)
	s.route(http.MethodGet, v1+"/joint-groups", staff, s.listJointGroups)
	s.route(http.MethodPost, v1+"/joint-groups", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.createJointGroup)
	s.route(http.MethodGet, v1+"/joint-groups/:id", staff, s.getJointGroup)
	s.route(http.MethodDelete, v1+"/joint-groups/:id", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.deleteJointGroup)
	s.route(http.MethodGet, v1+"/enterprises/:id/liaison", everyone, s.getLiaison)
	s.route(http.MethodPut, v1+"/enterprises/:id/liaison", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.putLiaison)
	s.route(http.MethodDelete, v1+"/enterprises/:id/liaison", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.deleteLiaison)
	s.route(http.MethodGet, v1+"/enterprises/:id/visits", everyone, s.listVisits)
	s.route(http.MethodPost, v1+"/enterprises/:id/visits", roles(auth.DistrictAdmin, auth.TownshipAdmin, auth.Liaison), s.addVisit)
	s.route(http.MethodGet, v1+"/liaisons", staff, s.listLiaisons)
	s.route(http.MethodPost, v1+"/liaisons/:id/handover", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.handoverLiaison)
	s.route(http.MethodGet, v1+"/me/enterprises", roles(auth.Liaison), s.myEnterprises)
	s.route(http.MethodGet, v1+"/coverage", everyone, s.getCoverage)
	s.route(http.MethodGet, v1+"/coverage/trend", everyone, s.getTrend)
	s.route(http.MethodGet, v1+"/rollup/coverage", roles(auth.DistrictAdmin, auth.Auditor), s.getRollupCoverage)
	s.route(http.MethodGet, v1+"/exports/coverage-plan.xlsx", staff, s.exportPlan)
	s.route(http.MethodGet, v1+"/exports/coverage.xlsx", staff, s.exportCoverage)
	s.route(http.MethodGet, v1+"/exports/gaps.xlsx", staff, s.exportGaps)
	s.route(http.MethodGet, v1+"/survey-rounds", everyone, s.listRounds)
	s.route(http.MethodPost, v1+"/survey-rounds", roles(auth.DistrictAdmin), s.createRound)
	s.route(http.MethodGet, v1+"/survey-rounds/:id", everyone, s.getRound)
	s.route(http.MethodPost, v1+"/survey-rounds/:id/close", roles(auth.DistrictAdmin), s.closeRound)
	s.route(http.MethodDelete, v1+"/survey-rounds/:id", roles(auth.DistrictAdmin), s.deleteRound)
	s.route(http.MethodGet, v1+"/party-orgs", staff, s.listPartyOrgs)
	s.route(http.MethodPost, v1+"/party-orgs", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.createPartyOrg)
	s.route(http.MethodGet, v1+"/party-orgs/:id", staff, s.getPartyOrg)
	s.route(http.MethodPatch, v1+"/party-orgs/:id", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.patchPartyOrg)
	s.route(http.MethodPost, v1+"/party-orgs/:id/dissolve", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.dissolvePartyOrg)
	s.route(http.MethodPost, v1+"/party-orgs/:id/merge", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.mergePartyOrg)
	s.route(http.MethodPost, v1+"/imports", roles(auth.DistrictAdmin, auth.TownshipAdmin), s.ledgerWriter(s.createImport))
	s.route(http.MethodGet, v1+"/imports", roles(auth.DistrictAdmin, auth.TownshipAdmin, auth.Auditor), s.listImports)
	s.route(http.MethodGet, v1+"/imports/:id", roles(auth.DistrictAdmin, auth.TownshipAdmin, auth.Auditor), s.getImport)
	s.route(http.MethodGet, v1+"/imports/:id/report", roles(auth.DistrictAdmin, auth.TownshipAdmin, auth.Auditor), s.importReport)
	s.route(http.MethodGet, v1+"/audit-events", roles(auth.Auditor), s.listAuditEvents)
	return s, nil
}

var errRegionInstance = apperr.New(apperr.Invalid, "region_instance",
	"此实例服务于市/省级的多区县汇总（FUGAI_DISTRICT 为市或省的代码），不保存企业台账；请在区县的实例中导入或录入")

// ledgerWriter refuses h on an instance of a city or province: it holds no
// ledgers (it has no streets or townships to assign them to).
func (s *Server) ledgerWriter(h func(*gin.Context) error) func(*gin.Context) error {
	if !s.district.Region {
		return h
	}
	return func(*gin.Context) error { return errRegionInstance }
}

// appPath reports whether r is for the web client: a GET or HEAD outside
// the API, the probes and the API documentation.
func appPath(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	for _, prefix := range []string{"/api/", "/swagger/"} {
		if strings.HasPrefix(p, prefix) {
			return false
		}
	}
	return p != "/api" && p != "/healthz" && p != "/readyz"
}

// Handler returns the root HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Rules lists every route with its role rule, for documentation and for the
// role × route test.
func (s *Server) Rules() []Rule { return append([]Rule(nil), s.rules...) }

func (s *Server) public(method, path string, h func(*gin.Context) error) {
	// Public routes ignore credentials altogether: a stale cookie must not
	// stand between a user and the login form, nor a probe and its answer.
	s.rules = append(s.rules, Rule{Method: method, Path: path, Public: true})
	s.engine.Handle(method, path, s.handle(h))
}

func (s *Server) route(method, path string, allowed []auth.Role, h func(*gin.Context) error) {
	s.rules = append(s.rules, Rule{Method: method, Path: path, Roles: allowed})
	s.engine.Handle(method, path, s.authenticate, s.allow(allowed), s.handle(h))
}

// handle adapts a handler to gin: the error it returns is answered by fail,
// the one place an error becomes a response. A handler that has answered
// (or whose client has gone) returns nil.
func (s *Server) handle(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.fail(c, err)
		}
	}
}

// allow refuses anonymous callers (401) and roles not in allowed (403).
func (s *Server) allow(allowed []auth.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := principal(c)
		if !ok {
			s.fail(c, apperr.New(apperr.Unauthenticated, "unauthenticated", "未登录或登录已过期，请重新登录"))
			return
		}
		for _, r := range allowed {
			if p.Role == r {
				c.Next()
				return
			}
		}
		s.fail(c, errForbidden)
	}
}
