// Package migrate runs versioned, resumable, idempotent migrations of the
// table's items: backfills of keys an older version did not write, or
// reshapes of items. It imports neither Lambda nor the AWS SDK.
//
// A migration walks the whole table in parallel segments (a Scan: an
// offline maintenance job, never a request path), a page at a time. Each
// page's changes are conditional writes that change nothing when the item
// already has its new shape, so that running a migration again, or a page
// twice after an interruption, changes nothing more. After each page the
// migration's progress (the segment's cursor and the counts) is recorded
// in the table, on condition that the segment is still where this run left
// it, so that a run that stops (an error, a timeout, a Ctrl-C) resumes
// from its cursors, and two runs at once never count a page twice.
// Migrations run in the order of their IDs; once one is done it is skipped.
package migrate

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Migration is one versioned change of the table's items. IDs sort in the
// order migrations run ("0001-program-index").
type Migration struct {
	ID          string
	Description string
}

// Status is where a migration stands.
type Status string

// Statuses of a migration.
const (
	Pending Status = "pending" // never started
	Running Status = "running" // started; some segment is not done
	Done    Status = "done"
)

// SegmentDone is the cursor of a segment that has been walked to its end.
// A cursor "" is a segment not started.
const SegmentDone = "done"

// Progress is a migration's record in the table.
type Progress struct {
	ID     string
	Status Status
	// Cursors holds each segment's position: "" before its first page, an
	// opaque cursor after a page, SegmentDone at its end. Its length is
	// the number of segments, fixed when the migration starts (a cursor
	// means something only within its segment).
	Cursors []string
	// Scanned counts the items read, Changed the items rewritten, as
	// recorded page by page: a page whose writes were made but whose record
	// was lost (the run stopped in between) is read again on resuming and
	// finds nothing left to change, so after an interruption Changed can
	// fall short of the items changed by up to a page a segment.
	Scanned    int
	Changed    int
	StartedAt  time.Time
	FinishedAt *time.Time
}

// Page is what migrating one page of a segment did.
type Page struct {
	Scanned int
	Changed int
	// Next is the cursor after the page, or SegmentDone when the segment
	// has no more items.
	Next string
}

// Store is the table as migrations see it.
type Store interface {
	// Migrations lists every migration the store knows, in any order.
	Migrations() []Migration
	// StartMigration returns the migration's progress, recording it as
	// running with the number of segments when it has none yet.
	StartMigration(ctx context.Context, id string, segments int, at time.Time) (Progress, error)
	// MigratePage applies the migration to the page of up to limit items
	// of the segment (of segments) after the cursor ("" for the first).
	MigratePage(ctx context.Context, id string, segment, segments int, cursor string, limit int) (Page, error)
	// AdvanceMigration records the page in the progress: the segment's
	// cursor moves from "from" to page.Next and the counts grow, on
	// condition that the segment's cursor is still "from"; ECONFLICT when
	// another run moved it.
	AdvanceMigration(ctx context.Context, id string, segment int, from string, page Page, at time.Time) error
	// FinishMigration marks the migration done.
	FinishMigration(ctx context.Context, id string, at time.Time) (Progress, error)
	// MigrationProgress returns the migration's progress; Status Pending
	// when it never started.
	MigrationProgress(ctx context.Context, id string) (Progress, error)
}

// Config is how a Runner walks the table.
type Config struct {
	// Segments is how many parallel segments a migration started by this
	// run walks (a migration already started keeps its own number).
	Segments int
	// PageSize is the most items one page reads.
	PageSize int
	// Now is the clock.
	Now func() time.Time
	// Logger receives a line per migration started, per segment done and
	// per migration done.
	Logger *slog.Logger
}

// DefaultSegments and DefaultPageSize are the Config defaults: four
// segments of 100-item pages keep a run's reads at a few hundred items a
// second, far below an on-demand table's share for request traffic.
const (
	DefaultSegments = 4
	DefaultPageSize = 100
	// MaxSegments bounds Segments.
	MaxSegments = 64
)

// Runner runs migrations.
type Runner struct {
	store Store
	cfg   Config
}

// NewRunner returns a Runner over the store; zero Config fields take the
// defaults.
func NewRunner(store Store, cfg Config) *Runner {
	if cfg.Segments <= 0 {
		cfg.Segments = DefaultSegments
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{store: store, cfg: cfg}
}

// Migrations returns the store's migrations in the order they run.
func (r *Runner) Migrations() []Migration {
	ms := slices.Clone(r.store.Migrations())
	slices.SortFunc(ms, func(a, b Migration) int { return strings.Compare(a.ID, b.ID) })
	return ms
}

// Status returns the progress of every migration, in the order they run.
// It returns the store's error.
func (r *Runner) Status(ctx context.Context) ([]Progress, error) {
	var out []Progress
	for _, m := range r.Migrations() {
		p, err := r.store.MigrationProgress(ctx, m.ID)
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Run runs, in order, every migration that is not done (or only the one
// whose ID is only, when it is set), each from where it stands, and
// returns their progress. It stops at the first error: EINVALID for an
// unknown ID or a bad configuration, ECONFLICT when another run is moving
// the same segment, or the store's error. Whatever was done is recorded,
// and a later Run goes on from there.
func (r *Runner) Run(ctx context.Context, only string) ([]Progress, error) {
	if r.cfg.Segments > MaxSegments {
		return nil, bo.Invalid(fmt.Sprintf("segments must be 1 to %d", MaxSegments), bo.FieldError{Field: "segments", Message: "is too many"})
	}
	ms := r.Migrations()
	if only != "" {
		i := slices.IndexFunc(ms, func(m Migration) bool { return m.ID == only })
		if i < 0 {
			ids := make([]string, len(ms))
			for j, m := range ms {
				ids[j] = m.ID
			}
			return nil, bo.Invalid("no migration "+only+"; known: "+strings.Join(ids, ", "),
				bo.FieldError{Field: "only", Message: "is not a migration"})
		}
		ms = ms[i : i+1]
	}
	var out []Progress
	for _, m := range ms {
		p, err := r.run(ctx, m)
		out = append(out, p)
		if err != nil {
			return out, fmt.Errorf("migration %s: %w", m.ID, err)
		}
	}
	return out, nil
}

// run runs one migration from where it stands.
func (r *Runner) run(ctx context.Context, m Migration) (Progress, error) {
	p, err := r.store.StartMigration(ctx, m.ID, r.cfg.Segments, r.cfg.Now())
	if err != nil || p.Status == Done {
		return p, err
	}
	log := r.cfg.Logger.With(slog.String("migration", m.ID))
	log.Info("migration running", slog.String("description", m.Description), slog.Int("segments", len(p.Cursors)),
		slog.Int("scanned", p.Scanned), slog.Int("changed", p.Changed))
	errs := make([]error, len(p.Cursors))
	var wg sync.WaitGroup
	for seg, cursor := range p.Cursors {
		if cursor == SegmentDone {
			continue
		}
		wg.Go(func() { errs[seg] = r.segment(ctx, m.ID, seg, len(p.Cursors), cursor, log) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			got, _ := r.store.MigrationProgress(ctx, m.ID)
			return got, err
		}
	}
	p, err = r.store.FinishMigration(ctx, m.ID, r.cfg.Now())
	if err == nil {
		log.Info("migration done", slog.Int("scanned", p.Scanned), slog.Int("changed", p.Changed))
	}
	return p, err
}

// segment walks one segment from the cursor to its end, recording each
// page.
func (r *Runner) segment(ctx context.Context, id string, seg, segments int, cursor string, log *slog.Logger) error {
	for cursor != SegmentDone {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, err := r.store.MigratePage(ctx, id, seg, segments, cursor, r.cfg.PageSize)
		if err != nil {
			return fmt.Errorf("segment %d: %w", seg, err)
		}
		if err := r.store.AdvanceMigration(ctx, id, seg, cursor, page, r.cfg.Now()); err != nil {
			return fmt.Errorf("segment %d: %w", seg, err)
		}
		cursor = page.Next
	}
	log.Info("segment done", slog.Int("segment", seg))
	return nil
}
