package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/config"
	"github.com/fugai/fugai/internal/httpapi"
	"github.com/fugai/fugai/internal/store"
)

func TestInternalErrorsAreGeneric(t *testing.T) {
	e := newEnv(t, store.SQLite)
	var logs strings.Builder
	srv, err := httpapi.New(httpapi.Deps{DB: e.db, District: district(t), Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Config: config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	e.db.Close() // every query now fails inside the store
	req := httptest.NewRequest(http.MethodGet, "/api/v1/enterprises", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["district"])
	req.Header.Set("X-Request-ID", "req-42")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	b := decodeError(t, rec)
	body := strings.ToLower(rec.Body.String())
	id := rec.Header().Get("X-Request-ID")
	if b.Error.Code != "internal" || id == "" || id == "req-42" || !strings.Contains(b.Error.Message, id) || strings.Contains(body, "sql") || strings.Contains(body, "closed") {
		t.Fatalf("internal error body leaks or lacks the request id: %s", rec.Body)
	}
	// Logged with the server's id and, apart, the client's.
	if !strings.Contains(logs.String(), id) || !strings.Contains(logs.String(), "client_request_id=req-42") || !strings.Contains(logs.String(), "closed") {
		t.Fatalf("the cause was not logged with the request id: %s", logs.String())
	}
}

func TestWrongMethodIs405(t *testing.T) {
	e := newEnv(t, store.SQLite)
	r := e.do(http.MethodDelete, "/api/v1/enterprises", "district", nil, nil)
	if r.Code != http.StatusMethodNotAllowed || decodeError(t, r).Error.Code != "method_not_allowed" {
		t.Fatalf("DELETE /api/v1/enterprises: %d %s", r.Code, r.Body)
	}
}

func TestSwaggerCanBeTurnedOff(t *testing.T) {
	e := newEnv(t, store.SQLite)
	srv, err := httpapi.New(httpapi.Deps{DB: e.db, District: district(t), Log: slog.New(slog.DiscardHandler),
		Config: config.Config{Swagger: false}, OpenAPI: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/swagger/index.html", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("swagger UI with FUGAI_SWAGGER=off: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/swagger/index.html", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "swagger") {
		t.Fatalf("swagger UI on: %d", rec.Code)
	}
	// The UI's document answers with the embedded OpenAPI document.
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/swagger/doc.json", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != `{"swagger":"2.0"}` {
		t.Fatalf("/swagger/doc.json: %d %s", rec.Code, rec.Body)
	}
}
