package members

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// WorkMemberExport is the kind of the work item that writes a member
// export's CSV.
const WorkMemberExport = "member-export"

// ExportLifetime is how long an export (its job and its file) is kept: the
// files bucket's lifecycle rule deletes objects after as many days, counted
// from the file's creation, which comes after the job's.
var ExportLifetime = time.Duration(resources.Bucket.ExpireDays) * 24 * time.Hour

// Member export timings.
const (
	// DownloadURLLifetime is how long a download link of a finished export
	// works, at most (never past the export's expiry).
	DownloadURLLifetime = 24 * time.Hour
	// ExportStaleAfter is how long a queued or running export may go
	// without progress before it is shown as failed: a run records its
	// progress every exportProgressRows rows, and one that runs out of time
	// records its failure itself; only a run that dies leaves no word, and
	// the work queue delivers its item again after 15 minutes.
	ExportStaleAfter = 16 * time.Minute
	// exportProgressRows is how many rows an export writes between two
	// records of its progress.
	exportProgressRows = 2000
)

// ExportStatus is where a member export stands.
type ExportStatus string

// Member export statuses.
const (
	ExportQueued  ExportStatus = "queued"
	ExportRunning ExportStatus = "running"
	ExportDone    ExportStatus = "done"
	ExportFailed  ExportStatus = "failed"
)

// Selection is what a member export writes: the members view's selection
// (the query parameters of its page, without the paging) and the CSV's
// columns.
type Selection struct {
	Status bo.MemberStatus `json:"status"`
	Sort   bo.MemberSort   `json:"sort"`
	// Order is "asc" or "desc".
	Order  string `json:"order"`
	Search string `json:"search,omitempty"`
	// ContractID and CourseID name one contract or course; ContractIDs
	// and CourseIDs several (a learner on any of them is selected). A
	// checked selection has them all in the lists.
	ContractID  string   `json:"contractId,omitempty"`
	CourseID    string   `json:"courseId,omitempty"`
	ContractIDs []string `json:"contractIds,omitempty"`
	CourseIDs   []string `json:"courseIds,omitempty"`
	Columns     []string `json:"columns"`
}

// query returns the view's query of the selection. It returns EINVALID
// naming a bad order.
func (sel Selection) query() (bo.MemberQuery, error) {
	desc, err := ParseOrder(sel.Order)
	return bo.MemberQuery{Status: sel.Status, Sort: sel.Sort, Desc: desc, Search: sel.Search,
		ContractIDs: distinct(append([]string{sel.ContractID}, sel.ContractIDs...)), CourseIDs: distinct(append([]string{sel.CourseID}, sel.CourseIDs...))}, err
}

// Export is a member export: a CSV of a whole selection of the members
// view, of any size, written in the background to the files bucket.
type Export struct {
	ID        string       `json:"id"`
	OrgID     string       `json:"orgId"`
	ProgramID string       `json:"programId"`
	Status    ExportStatus `json:"status"`
	// Selection is the selection as checked, with its defaults.
	Selection Selection `json:"selection"`
	// Rows is how many learners the export has written so far (all of them
	// once done); Size is the file's size in bytes once done.
	Rows  int    `json:"rows"`
	Size  int64  `json:"size,omitempty"`
	Error string `json:"error,omitempty"`
	// Kind is "" for a member export and KindResend for the job of a bulk
	// resend, which the same store keeps; Counts are a resend's outcomes
	// and Emails its picked addresses (email keys).
	Kind   string         `json:"-"`
	Counts map[string]int `json:"-"`
	Emails []string       `json:"-"`
	// CreatedBy is the subject of the admin who asked for it.
	CreatedBy string `json:"-"`
	// RunID names the run that holds the export: a later delivery of its
	// work item starts a new run, and the earlier one stops writing.
	RunID string `json:"-"`
	// FileKey is where the run writes the CSV in the files bucket.
	FileKey    string     `json:"-"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// ExpiresAt is when the export and its file are deleted.
	ExpiresAt time.Time `json:"expiresAt"`
	// DownloadURL downloads the CSV of a finished export until
	// DownloadExpiresAt.
	DownloadURL       string     `json:"downloadUrl,omitempty"`
	DownloadExpiresAt *time.Time `json:"downloadExpiresAt,omitempty"`
}

// fileKey is where run writes the export's CSV: a key of its own for each
// run, so that a run that was taken over can never leave its bytes in the
// file the export names.
func (e Export) fileKey(runID string) string {
	return resources.ExportsPrefix + e.ProgramID + "/" + e.ID + "/" + runID + ".csv"
}

// ExportStore keeps member exports.
type ExportStore interface {
	// CreateExport writes a new export; ECONFLICT if the id exists.
	CreateExport(ctx context.Context, e Export) error
	// GetExport returns an export of the program, or ENOTFOUND.
	GetExport(ctx context.Context, programID, exportID string) (Export, error)
	// StartExport writes e (a new run) over the stored export while that
	// is queued or running; ECONFLICT when it is done, failed or gone.
	StartExport(ctx context.Context, e Export) error
	// UpdateExport writes e over the stored export while e's run holds it
	// (running, with e.RunID); ECONFLICT otherwise.
	UpdateExport(ctx context.Context, e Export) error
}

// ExportFiles is the files bucket, where exports are written.
type ExportFiles interface {
	// Writer streams an object to the bucket; cancelling ctx abandons it.
	Writer(ctx context.Context, key, contentType string) io.WriteCloser
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, time.Time, error)
}

// Exporter runs member exports: the API side creates and reads them, and
// the worker writes their CSV (Handle).
type Exporter struct {
	members *Service
	store   ExportStore
	files   ExportFiles
	work    Work
}

// NewExporter returns an Exporter of the service's programs.
func NewExporter(members *Service, store ExportStore, files ExportFiles, work Work) *Exporter {
	return &Exporter{members: members, store: store, files: files, work: work}
}

// Create checks the selection as the members view checks its query, and
// queues its export. It returns EINVALID naming a bad status, sort, order
// or column, and the errors of AuthorizeProgram; a failure to queue it
// marks the export failed and is returned.
func (x *Exporter) Create(ctx context.Context, caller bo.Caller, orgID, programID string, sel Selection) (Export, error) {
	q, err := sel.query()
	if err == nil {
		_, err = x.members.check(ctx, caller, orgID, programID, &q)
	}
	if err != nil {
		return Export{}, err
	}
	columns, err := exportColumns(sel.Columns)
	if err != nil {
		return Export{}, err
	}
	order := "asc"
	if q.Desc {
		order = "desc"
	}
	now := q.Now
	e := Export{
		ID: bo.NewID("exp", now), OrgID: orgID, ProgramID: programID, Status: ExportQueued,
		Selection: Selection{Status: q.Status, Sort: q.Sort, Order: order, Search: q.Search, ContractIDs: q.ContractIDs,
			CourseIDs: q.CourseIDs, Columns: columns},
		CreatedBy: caller.Subject, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(ExportLifetime).Truncate(time.Second),
	}
	// An export is a read of personal data, which the log keeps too.
	ctx = audit.For(ctx, now, orgID, programID, audit.MemberExportStart, audit.Target{Type: audit.TargetExport, ID: e.ID},
		audit.Set("status", string(q.Status), "search", q.Search, "contractIds", strings.Join(q.ContractIDs, ","), "courseIds", strings.Join(q.CourseIDs, ","),
			"columns", strings.Join(columns, ",")))
	if err := x.store.CreateExport(ctx, e); err != nil {
		return Export{}, err
	}
	if err := x.work.Send(ctx, WorkItem{Kind: WorkMemberExport, OrgID: orgID, ProgramID: programID, ExportID: e.ID}); err != nil {
		e.Status, e.Error, e.UpdatedAt = ExportFailed, "the export could not be queued; create it again", x.members.Now()
		if serr := x.store.StartExport(ctx, e); serr != nil {
			err = fmt.Errorf("%w (and marking it failed: %v)", err, serr)
		}
		return Export{}, fmt.Errorf("queue member export %s: %w", e.ID, err)
	}
	return e, nil
}

// Get returns a member export with its progress and, once it is done, a
// fresh link to its CSV, named members-<program slug>-<date>.csv, valid
// DownloadURLLifetime (or until the export expires, if sooner). A queued
// or running export without progress for ExportStaleAfter is shown as
// failed. It returns ENOTFOUND for an unknown or expired export and the
// errors of AuthorizeProgram.
func (x *Exporter) Get(ctx context.Context, caller bo.Caller, orgID, programID, exportID string) (Export, error) {
	p, err := x.members.auth.AuthorizeProgram(ctx, caller, orgID, programID)
	if err != nil {
		return Export{}, err
	}
	e, err := x.store.GetExport(ctx, programID, exportID)
	if err != nil {
		return Export{}, err
	}
	now := x.members.Now()
	if e.OrgID != orgID || e.Kind != "" {
		return Export{}, bo.Errorf(bo.ENOTFOUND, "export %s not found", exportID)
	}
	if !now.Before(e.ExpiresAt) {
		return Export{}, bo.Errorf(bo.ENOTFOUND, "export %s has expired; create it again", exportID)
	}
	if (e.Status == ExportQueued || e.Status == ExportRunning) && now.Sub(e.UpdatedAt) > ExportStaleAfter {
		e.Status, e.Error = ExportFailed, fmt.Sprintf("the export stopped after %d rows; create it again", e.Rows)
	}
	if e.Status == ExportDone {
		name := fmt.Sprintf("members-%s-%s.csv", p.Slug, e.CreatedAt.UTC().Format(time.DateOnly))
		if p.Slug == "" {
			name = fmt.Sprintf("members-%s-%s.csv", p.ID, e.CreatedAt.UTC().Format(time.DateOnly))
		}
		url, expires, err := x.files.PresignGet(ctx, e.FileKey, min(DownloadURLLifetime, e.ExpiresAt.Sub(now)), name)
		if err != nil {
			return Export{}, fmt.Errorf("presign the download of export %s: %w", e.ID, err)
		}
		e.DownloadURL, e.DownloadExpiresAt = url, &expires
	}
	return e, nil
}

// Handle runs one member export work item: it starts a run of the export
// (a new one when an earlier delivery's run is still marked running),
// streams the selection's CSV to a file of that run in the files bucket,
// recording progress every few thousand rows, and marks the export done
// with its rows and size, or failed with the reason (running out of the
// invocation's time included). A delivery for a finished, expired or
// unknown export does nothing, and a run taken over by a later delivery
// abandons its file. It returns an error for an item it cannot read and for
// storage errors before the run starts (so that the item comes back).
func (x *Exporter) Handle(ctx context.Context, body string) error {
	var item WorkItem
	if err := json.Unmarshal([]byte(body), &item); err != nil || item.Kind != WorkMemberExport || item.ExportID == "" {
		return fmt.Errorf("work item %q is not a member export", body)
	}
	e, err := x.store.GetExport(ctx, item.ProgramID, item.ExportID)
	switch {
	case bo.ErrorCode(err) == bo.ENOTFOUND:
		x.members.Log.WarnContext(ctx, "member export not found; work item dropped", slog.String("exportId", item.ExportID))
		return nil
	case err != nil:
		return err
	case e.Status == ExportDone || e.Status == ExportFailed || e.Kind != "":
		return nil
	}
	now := x.members.Now()
	e.Status, e.Rows, e.Size, e.Error, e.UpdatedAt, e.StartedAt, e.FinishedAt = ExportRunning, 0, 0, "", now, &now, nil
	e.RunID = bo.NewID("run", now)
	e.FileKey = e.fileKey(e.RunID)
	if err := x.store.StartExport(ctx, e); bo.ErrorCode(err) == bo.ECONFLICT {
		return nil // finished by another delivery meanwhile
	} else if err != nil {
		return err
	}
	rows, size, err := x.write(ctx, &e)
	if bo.ErrorCode(err) == bo.ECONFLICT {
		x.members.Log.InfoContext(ctx, "member export taken over by a later delivery; this run stops",
			slog.String("exportId", e.ID), slog.String("runId", e.RunID))
		return nil
	}
	end := x.members.Now()
	e.UpdatedAt, e.FinishedAt, e.Rows = end, &end, rows
	if err != nil {
		x.members.Log.ErrorContext(ctx, "member export failed", slog.String("exportId", e.ID), slog.Int("rows", rows),
			slog.String("error", err.Error()))
		e.Status, e.Error = ExportFailed, fmt.Sprintf("the export stopped after %d rows: %s; create it again", rows, failure(ctx, err))
	} else {
		e.Status, e.Size = ExportDone, size
	}
	// The invocation's context may be over (a run out of time): the
	// outcome is recorded all the same.
	if err := x.store.UpdateExport(context.WithoutCancel(ctx), e); err != nil && bo.ErrorCode(err) != bo.ECONFLICT {
		return fmt.Errorf("record the end of member export %s: %w", e.ID, err)
	}
	return nil
}

// failure says why an export stopped, in words for its admin.
func failure(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "it ran out of time"
	}
	if bo.ErrorCode(err) == bo.EINTERNAL {
		return "internal error"
	}
	return bo.ErrorMessage(err)
}

// write streams the export's selection as CSV to its run's file and
// returns the rows and bytes written. It returns ECONFLICT when a later
// run took the export over (the file is then abandoned), and the errors of
// the store and the upload.
func (x *Exporter) write(ctx context.Context, e *Export) (int, int64, error) {
	q, err := e.Selection.query()
	if err != nil {
		return 0, 0, err
	}
	q.Now = x.members.Now()
	upload, abandon := context.WithCancel(ctx)
	defer abandon()
	file := x.files.Writer(upload, e.FileKey, "text/csv; charset=utf-8")
	counted := &countingWriter{w: file}
	recorded := 0
	rows, err := x.members.writeSelection(ctx, e.OrgID, e.ProgramID, q, e.Selection.Columns, csv.NewWriter(counted), 0, func(rows int) error {
		if rows-recorded < exportProgressRows {
			return nil
		}
		recorded = rows
		e.Rows, e.UpdatedAt = rows, x.members.Now()
		return x.store.UpdateExport(ctx, *e)
	})
	if err != nil {
		abandon()
		_ = file.Close() // the upload's own error is the cancellation
		return rows, counted.n, err
	}
	if err := file.Close(); err != nil {
		return rows, counted.n, fmt.Errorf("write %s: %w", e.FileKey, err)
	}
	return rows, counted.n, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
