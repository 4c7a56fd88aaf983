package importer

import (
	"context"
	"time"

	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/strategy"
)

// Status is where a job stands.
type Status string

// Job statuses.
const (
	Queued    Status = "queued"
	Running   Status = "running"
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
)

// MaxAttempts is how often a job is started before a crash-looping job is
// marked failed.
const MaxAttempts = 3

// Counts are a job's outcomes. Rows = Created + Updated + Unchanged +
// Rejected + Duplicates; Warnings counts rows applied with a warning and
// conflicting duplicates (not applied: a later row of the code won);
// Unassigned and OutOfScope count applied rows whose ledger has no
// township or is outside the coverage base. KeptNewer and
// OverwrittenNewer count fields (cells), not rows: survey values not
// applied because the ledger changed the field after the row's date, and
// such values applied anyway because the job has overwrite_newer.
type Counts struct {
	Rows       int `json:"rows"`
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	Unchanged  int `json:"unchanged"`
	Rejected   int `json:"rejected"`
	Warnings   int `json:"warnings"`
	Duplicates int `json:"duplicates"`
	Unassigned int `json:"unassigned"`
	OutOfScope int `json:"out_of_scope"`
	// KeptNewer counts survey fields left as the ledger has them because
	// the ledger changed them after the row's date (report code kept_newer).
	KeptNewer int `json:"kept_newer" validate:"required"`
	// OverwrittenNewer counts such fields overwritten because the job was
	// uploaded with overwrite_newer=true (report code overwritten_newer).
	OverwrittenNewer int `json:"overwritten_newer" validate:"required"`
}

// Progress is how far a running job is.
type Progress struct {
	Processed int `json:"processed"`
	Total     int `json:"total"`
}

// Job is one import.
type Job struct {
	ID             int64
	Kind           Kind
	Status         Status
	DryRun         bool
	OverwriteNewer bool // a survey may overwrite fields the ledger changed after the file's date
	Filename       string
	Size           int64
	SHA256         string
	IdempotencyKey string
	CreatedBy      int64
	CreatedByName  string
	// Township limits a township administrator's survey import to its own
	// township; "" imports for the whole district.
	Township       string
	Format         Format
	Sheet          string
	HeaderRow      int
	UnknownColumns []string
	Progress       Progress
	Counts         Counts
	ErrorCode      string
	ErrorMessage   string
	Attempts       int
	CreatedAt      time.Time
	StartedAt      *time.Time
	FinishedAt     *time.Time
}

// Ledgers is what a running job needs from storage. Every call happens
// inside the job's one transaction.
type Ledgers interface {
	// Lookup returns the existing ledgers of the given credit codes.
	Lookup(ctx context.Context, codes []string) (map[string]enterprise.Ledger, error)
	// Write stores new ledgers (ID 0) and changed ones (their version
	// already raised), each with its history entry.
	Write(ctx context.Context, ledgers []enterprise.Ledger, history [][]byte) error
	// Pools returns the joint candidates of every township (strategy.Pool),
	// by township code, as the job's transaction sees them.
	Pools(ctx context.Context) (map[string]strategy.Pool, error)
	// Report records row issues for the job's report.
	Report(ctx context.Context, issues []Issue) error
}
