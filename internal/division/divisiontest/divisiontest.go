// Package divisiontest gives tests the district they run against: 431103
// 冷水滩区, from the embedded division codes, loaded once per test binary.
package divisiontest

import (
	"sync"
	"testing"

	"github.com/fugai/fugai/internal/division"
)

// Code is the district the tests serve.
const Code = "431103"

var (
	once sync.Once
	dist *division.District
	err  error
)

// Lengshuitan returns district 431103 (冷水滩区), failing tb when the
// embedded codes cannot be read. The district is shared: tests must not
// change it.
func Lengshuitan(tb testing.TB) *division.District {
	tb.Helper()
	once.Do(func() {
		var g *division.Gazetteer
		if g, err = division.Load(); err == nil {
			dist, err = g.District(Code)
		}
	})
	if err != nil {
		tb.Fatalf("district %s: %v", Code, err)
	}
	return dist
}
