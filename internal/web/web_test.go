package web_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/web"
)

func get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	web.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// The app answers at / and at any client route (a reload keeps the
// place), never cached; hashed assets are cached for a year; every page
// carries a Content-Security-Policy without inline scripts.
func TestServesTheApp(t *testing.T) {
	for _, p := range []string{"/", "/index.html", "/login", "/enterprises/12"} {
		r := get(t, p)
		if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `<div id="app">`) ||
			r.Header().Get("Cache-Control") != "no-cache" || !strings.Contains(r.Header().Get("Content-Security-Policy"), "script-src 'self'") {
			t.Fatalf("GET %s: %d %q %v", p, r.Code, r.Body.String(), r.Header())
		}
		if strings.Contains(r.Header().Get("Content-Security-Policy"), "unsafe-inline") {
			t.Fatal("the CSP allows inline code")
		}
	}
	index := get(t, "/").Body.String()
	// Every script of the page is a file of this origin.
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(index, -1) {
		if !strings.Contains(tag, `src="/assets/`) {
			t.Errorf("an inline or foreign script: %s", tag)
		}
	}
	assets := regexp.MustCompile(`/assets/[A-Za-z0-9_.-]+\.(js|css)`).FindAllString(index, -1)
	if len(assets) < 2 {
		t.Fatalf("index.html names no script and style: %s", index)
	}
	for _, a := range assets {
		r := get(t, a)
		if r.Code != http.StatusOK || r.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || r.Body.Len() == 0 {
			t.Fatalf("GET %s: %d %v", a, r.Code, r.Header())
		}
	}
	if r := get(t, "/assets/gone-0000.js"); r.Code != http.StatusNotFound {
		t.Fatalf("a missing asset: %d", r.Code)
	}
}

// The embedded bundle is the one in dist (what the build wrote).
func TestBundleIsCommitted(t *testing.T) {
	entries, err := fs.ReadDir(os.DirFS("dist"), "assets")
	if err != nil || len(entries) == 0 {
		t.Fatalf("dist/assets: %v", err)
	}
}
