package audit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"
)

// Every action this package declares is listed, with a Chinese label, so
// the data dictionary names every action the audit log can hold.
func TestEveryActionIsListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "audit.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		a, _ := strconv.Unquote(lit.Value)
		n++
		if !slices.Contains(Actions(), a) {
			t.Errorf("action %s (%s) is not in Actions()", vs.Names[0], a)
		}
		if ActionLabel(a) == a {
			t.Errorf("action %s has no label", a)
		}
		return true
	})
	if n < 20 {
		t.Fatalf("found only %d actions in audit.go", n)
	}
}
