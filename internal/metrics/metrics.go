// Package metrics exposes the program's Prometheus metrics (served on
// FUGAI_METRICS_ADDR, off by default): HTTP requests by route and status
// with their latency, import rows and job durations, import jobs by
// status, the database pool, the time coverage-count maintenance takes in
// each writing transaction, and build information.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors the program updates. A nil *Metrics
// records nothing, so callers need not check.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	rows      *prometheus.CounterVec
	jobs      *prometheus.HistogramVec
	coverage  prometheus.Histogram
	jobCounts func(context.Context) (map[string]int64, error)
	log       *slog.Logger
}

// New makes the metrics of one process. pool is the database's connection
// pool; jobCounts counts import jobs by status when scraped.
func New(pool *sql.DB, jobCounts func(context.Context) (map[string]int64, error), log *slog.Logger) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fugai_http_requests_total",
			Help: "HTTP requests by route template, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fugai_http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route", "method"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fugai_import_rows_total",
			Help: "Rows read by finished import jobs, by kind."}, []string{"kind"}),
		jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fugai_import_job_duration_seconds",
			Help:    "Import job durations by kind and outcome (succeeded, failed, given_back, taken).",
			Buckets: []float64{.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}}, []string{"kind", "outcome"}),
		coverage: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fugai_coverage_maintenance_seconds",
			Help:    "Time each writing transaction spent bringing the coverage counts up to date.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .5, 1, 5, 30}}),
		jobCounts: jobCounts,
		log:       log,
	}
	m.reg.MustRegister(m.requests, m.latency, m.rows, m.jobs, m.coverage,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(), collectors.NewDBStatsCollector(pool, "fugai"), jobCollector{m})
	return m
}

// Request records one HTTP request.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// JobDone records one import job's run: its kind, how it ended, the rows
// it read and how long it took.
func (m *Metrics) JobDone(kind, outcome string, rows int, d time.Duration) {
	if m == nil {
		return
	}
	if rows > 0 {
		m.rows.WithLabelValues(kind).Add(float64(rows))
	}
	m.jobs.WithLabelValues(kind, outcome).Observe(d.Seconds())
}

// Coverage records one transaction's coverage-count maintenance.
func (m *Metrics) Coverage(d time.Duration) {
	if m == nil {
		return
	}
	m.coverage.Observe(d.Seconds())
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)})
}

// jobCollector counts the import jobs by status at each scrape.
type jobCollector struct{ m *Metrics }

var jobsDesc = prometheus.NewDesc("fugai_import_jobs", "Import jobs by status (queued, running, succeeded, failed).", []string{"status"}, nil)

func (c jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.m.jobCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	for _, s := range []string{"queued", "running", "succeeded", "failed"} {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(counts[s]), s)
	}
}
