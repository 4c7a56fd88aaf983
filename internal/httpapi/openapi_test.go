package httpapi_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fugai/fugai/api"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/store"
)

// The OpenAPI document is complete enough to generate a client from:
// typed schemas (required fields, nullable pointers, date formats, enums,
// no bare objects) and every error status a route can give.
func TestOpenAPIDocumentIsComplete(t *testing.T) {
	var doc struct {
		Paths       map[string]map[string]operation `json:"paths"`
		Definitions map[string]schema               `json:"definitions"`
	}
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// Schemas.
	fields := goFields(t)
	for name, def := range doc.Definitions {
		if def.Type != "object" {
			continue
		}
		if len(def.Properties) > 0 && len(def.Required) == 0 && !partial[name] {
			bad("%s lists no required fields", name)
		}
		for pname, p := range def.Properties {
			where := name + "." + pname
			if !anyValue[where] {
				checkSchema(where, p, bad)
			}
			if strings.HasSuffix(pname, "_on") && p.Type == "string" && p.Format != "date" {
				bad("%s: a date without format: date", where)
			}
			if strings.HasSuffix(pname, "_at") && p.Type == "string" && p.Format != "date-time" {
				bad("%s: a time without format: date-time", where)
			}
			if f, ok := fields[name][pname]; ok && f.pointer && p.Nullable != true && slices.Contains(def.Required, pname) {
				bad("%s: a required pointer (may be null) without x-nullable", where)
			}
		}
	}

	// Error statuses.
	e := newEnv(t, store.SQLite)
	roles := map[string][]auth.Role{}
	for _, r := range e.srv.Rules() {
		if !r.Public {
			roles[strings.ToLower(r.Method)+" "+swaggerPath(r.Path)] = r.Roles
		}
	}
	everyone := len(auth.AllRoles())
	for path, ops := range doc.Paths {
		for method, op := range ops {
			where := strings.ToUpper(method) + " " + path
			has := func(code string) bool { _, ok := op.Responses[code]; return ok }
			need := func(code, why string) {
				if !has(code) {
					bad("%s: %s not documented (%s)", where, code, why)
				}
			}
			rs, secured := roles[method+" "+path]
			if secured {
				need("401", "a session is required")
				if len(rs) < everyone {
					need("403", "roles are restricted")
				}
			}
			if path == "/api/v1/auth/login" || path == "/api/v1/me/password" {
				need("429", "password checks are bounded")
			}
			if strings.Contains(path, "{id}") {
				need("404", "an id in the path")
			}
			for _, p := range op.Parameters {
				switch {
				case p.In == "header" && p.Name == "If-Match":
					need("412", "If-Match")
					need("428", "If-Match")
				case p.In == "body", p.In == "query", p.In == "formData":
					need("422", "input is validated")
				}
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// partial are the request bodies whose every field is optional: partial
// updates, and a plan (a field left out is cleared or follows the
// suggestion).
var partial = map[string]bool{"httpapi.EnterpriseInput": true, "httpapi.PartyOrgPatch": true, "httpapi.PlanRequest": true}

// anyValue are the properties that hold any JSON value: a change's old
// and new values take the type of the ledger field changed (documented on
// EnterpriseInput).
var anyValue = map[string]bool{"enterprise.Change.old": true, "enterprise.Change.new": true}

type operation struct {
	Parameters []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Responses map[string]any `json:"responses"`
}

type schema struct {
	Type                 string            `json:"type"`
	Format               string            `json:"format"`
	Ref                  string            `json:"$ref"`
	Properties           map[string]schema `json:"properties"`
	Required             []string          `json:"required"`
	Items                *schema           `json:"items"`
	AdditionalProperties *schema           `json:"additionalProperties"`
	AllOf                []schema          `json:"allOf"`
	Nullable             any               `json:"x-nullable"`
}

// checkSchema refuses bare objects: an object must say what it holds.
func checkSchema(where string, s schema, bad func(string, ...any)) {
	switch {
	case s.Ref != "" || len(s.AllOf) > 0:
	case s.Type == "object" && len(s.Properties) == 0 && (s.AdditionalProperties == nil ||
		(s.AdditionalProperties.Type == "" && s.AdditionalProperties.Ref == "")):
		bad("%s: a bare object", where)
	case s.Type == "array" && s.Items == nil:
		bad("%s: an array of nothing", where)
	case s.Type == "array":
		checkSchema(where+"[]", *s.Items, bad)
	case s.Type == "object" && s.AdditionalProperties != nil:
		checkSchema(where+"{}", *s.AdditionalProperties, bad)
	case s.Type == "" && s.Ref == "":
		bad("%s: no type", where)
	}
}

type goField struct{ pointer bool }

// goFields reads the package's struct types: definition name (as swag
// names it) → JSON field → what the Go field is.
func goFields(t *testing.T) map[string]map[string]goField {
	t.Helper()
	out := map[string]map[string]goField{}
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			m := map[string]goField{}
			for _, fl := range st.Fields.List {
				if fl.Tag == nil || len(fl.Names) == 0 {
					continue
				}
				tag := reflect.StructTag(strings.Trim(fl.Tag.Value, "`"))
				name, _, _ := strings.Cut(tag.Get("json"), ",")
				_, ptr := fl.Type.(*ast.StarExpr)
				m[name] = goField{pointer: ptr}
			}
			out["httpapi."+ts.Name.Name] = m
			return true
		})
	}
	return out
}

// swaggerPath turns gin's /x/:id into OpenAPI's /x/{id}.
func swaggerPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
