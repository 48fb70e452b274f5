package invite

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Import limits and lifetimes.
const (
	// MaxImportBodyBytes is the largest CSV an import request may carry in
	// its body; larger files go to the upload URL (up to MaxImportBytes).
	// With JSON escaping the request stays under Lambda's 6 MB payload.
	MaxImportBodyBytes = 4 << 20
	// MaxImportRequestBytes is the largest import request: the CSV field
	// escaped as JSON (each quote and line break takes two bytes) and the
	// other fields.
	MaxImportRequestBytes = MaxImportBodyBytes + MaxImportBodyBytes/4 + 16<<10
	// StaleAfter is how long a job may go without progress before it is
	// shown as failed: longer than the import function's 15-minute limit.
	StaleAfter = 16 * time.Minute
	// UploadURLLifetime is how long an import's upload URL works.
	UploadURLLifetime = 15 * time.Minute
	// ResultURLLifetime is how long a link to an import's result file works.
	ResultURLLifetime = time.Hour
)

// JobStatus is where an import job stands.
type JobStatus string

// Import job statuses.
const (
	JobAwaitingUpload JobStatus = "awaiting_upload"
	JobQueued         JobStatus = "queued"
	JobRunning        JobStatus = "running"
	JobDone           JobStatus = "done"
	JobFailed         JobStatus = "failed"
)

// JobCounts is an import's progress: rows read and done, how many rows
// ended in each outcome, and how many of its invitations were marked
// undeliverable since (their address bounced or complained; the members
// view lists them with undeliverable=true).
type JobCounts struct {
	RowsRead int             `json:"rowsRead" dynamodbav:"rowsRead"`
	RowsDone int             `json:"rowsDone" dynamodbav:"rowsDone"`
	Outcomes map[Outcome]int `json:"outcomes" dynamodbav:"outcomes"`
	// Undeliverable is kept apart from the job's item, which the running
	// import rewrites whole (see JobStore.GetImport).
	Undeliverable int `json:"undeliverable" dynamodbav:"-"`
}

// Job is a bulk invitation import.
type Job struct {
	ID         string `json:"id"`
	OrgID      string `json:"orgId"`
	ProgramID  string `json:"programId"`
	ContractID string `json:"contractId"`
	SendEmails bool   `json:"sendEmails"`
	DryRun     bool   `json:"dryRun"`
	// Message is the invitations' own message ("" for the org's default).
	Message string    `json:"message,omitempty"`
	Status  JobStatus `json:"status"`
	// Error says why a failed import was refused.
	Error    string    `json:"error,omitempty"`
	Counts   JobCounts `json:"progress"`
	Warnings []string  `json:"warnings"`
	// CreatedBy is the subject of the admin who created the job.
	CreatedBy  string     `json:"-"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// UploadURL is where to PUT the CSV (text/csv) when it was not in the
	// request; it works until UploadExpiresAt.
	UploadURL       string     `json:"uploadUrl,omitempty"`
	UploadExpiresAt *time.Time `json:"uploadExpiresAt,omitempty"`
	// ResultURL downloads the per-row result CSV of a finished import until
	// ResultExpiresAt.
	ResultURL       string     `json:"resultUrl,omitempty"`
	ResultExpiresAt *time.Time `json:"resultExpiresAt,omitempty"`
	// Checkpoint is how far the runs of the import got; it moves in the
	// same transaction as each chunk's rows and counts.
	Checkpoint Checkpoint `json:"-"`
}

// Checkpoint is how far the runs of an import got: the chunks committed,
// each in one transaction with its invitations, the counters they move,
// its lines of the result file and this checkpoint. A run that dies
// resumes after the last chunk committed, with its counts.
type Checkpoint struct {
	// Chunks is the number of chunks committed; every write of the job by
	// a run is conditioned on it, so that of two runs of one import at
	// once (a redelivered event) only one moves on.
	Chunks int `dynamodbav:"chunks"`
	// Rows is the data rows of the file the committed chunks hold (rows
	// 1 to Rows), and Bytes the offset in the file just past the last.
	Rows  int   `dynamodbav:"rows"`
	Bytes int64 `dynamodbav:"bytes"`
	// LastRows is the rows of the last chunk committed: whose emails a
	// resumed run queues again when the run that committed it died before
	// queueing them.
	LastRows int `dynamodbav:"lastRows"`
}

// FileKey is where the job's CSV is uploaded in the files bucket; the
// invitation-import function is triggered by objects under
// resources.ImportsPrefix.
func (j Job) FileKey() string { return resources.ImportsPrefix + j.ProgramID + "/" + j.ID + ".csv" }

// ResultKey is where the job's per-row result CSV is written.
func (j Job) ResultKey() string {
	return resources.ImportResultsPrefix + j.ProgramID + "/" + j.ID + ".csv"
}

// ParseFileKey returns the program and job of an uploaded import file's
// key, and false for a key that is not one.
func ParseFileKey(key string) (programID, importID string, ok bool) {
	rest, found := strings.CutPrefix(key, resources.ImportsPrefix)
	if !found {
		return "", "", false
	}
	programID, file, found := strings.Cut(rest, "/")
	importID, isCSV := strings.CutSuffix(file, ".csv")
	if !found || !isCSV || programID == "" || importID == "" || strings.Contains(importID, "/") {
		return "", "", false
	}
	return programID, importID, true
}

// Files is the bucket of uploaded imports and their results.
type Files interface {
	PresignPut(ctx context.Context, key, contentType string, ttl time.Duration) (string, time.Time, error)
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, time.Time, error)
	Put(ctx context.Context, key string, body io.Reader, contentType string) error
}

// JobStore keeps import jobs.
type JobStore interface {
	// CreateImport writes a new job; ECONFLICT if the id exists.
	CreateImport(ctx context.Context, j Job) error
	// GetImport returns a job of the program, with the count of its
	// invitations marked undeliverable, or ENOTFOUND.
	GetImport(ctx context.Context, programID, importID string) (Job, error)
	// UpdateImport writes the job's status, counts, warnings, error and times.
	UpdateImport(ctx context.Context, j Job) error
}

// NewImport is a request to import invitations from a CSV: against a
// contract, sending emails or not, for real or as a dry run. CSV carries the
// file in the request; without it the answer has an upload URL.
type NewImport struct {
	ContractID string `json:"contractId"`
	SendEmails *bool  `json:"sendEmails"`
	DryRun     bool   `json:"dryRun"`
	CSV        string `json:"csv"`
	// Message is the invitations' own message, shown in their emails
	// instead of the org's default; "" for the default.
	Message string `json:"message"`
}

// Importer runs bulk imports: the API side creates and reads jobs; Run (in
// the invitation-import function) processes an uploaded file.
type Importer struct {
	svc   *Service
	jobs  JobStore
	files Files
}

// NewImporter returns an Importer for the service's programs.
func NewImporter(svc *Service, jobs JobStore, files Files) *Importer {
	return &Importer{svc: svc, jobs: jobs, files: files}
}

// Template returns the CSV template of an import (its header and an
// example row) to admins of the program; others get the errors of
// AuthorizeProgram.
func (im *Importer) Template(ctx context.Context, caller bo.Caller, orgID, programID string) ([]byte, error) {
	if _, err := im.svc.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return nil, err
	}
	return CSVTemplate, nil
}

// Create creates an import job. With the CSV in the request the file is
// stored at once and processing starts; without, the answer carries an
// upload URL. It returns EINVALID for a bad contract or request, ETOOLARGE
// for a CSV body over MaxImportBodyBytes, ECONFLICT for an expired contract,
// and the errors of AuthorizeProgram.
func (im *Importer) Create(ctx context.Context, caller bo.Caller, orgID, programID string, in NewImport) (Job, error) {
	if _, err := im.svc.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return Job{}, err
	}
	if len(in.CSV) > MaxImportBodyBytes {
		return Job{}, bo.Errorf(bo.ETOOLARGE, "a CSV in the request may have at most %d bytes; create the import without csv and upload the file to its uploadUrl (up to %d bytes)",
			MaxImportBodyBytes, MaxImportBytes)
	}
	var v bo.Validation
	bo.CheckInvitationMessage(&v, "message", in.Message)
	if err := v.Err(); err != nil {
		return Job{}, err
	}
	contract, err := im.svc.auth.UsableContract(ctx, orgID, in.ContractID)
	if err != nil {
		return Job{}, err
	}
	now := im.svc.Now()
	j := Job{
		ID: bo.NewID("imp", now), OrgID: orgID, ProgramID: programID, ContractID: contract.ID,
		SendEmails: in.SendEmails == nil || *in.SendEmails, DryRun: in.DryRun, Message: strings.TrimSpace(in.Message), Status: JobAwaitingUpload,
		Counts: JobCounts{Outcomes: map[Outcome]int{}}, Warnings: []string{}, CreatedBy: caller.Subject, CreatedAt: now, UpdatedAt: now,
	}
	if in.CSV != "" {
		j.Status = JobQueued
	}
	if err := im.jobs.CreateImport(ctx, j); err != nil {
		return Job{}, err
	}
	if in.CSV != "" {
		if err := im.files.Put(ctx, j.FileKey(), strings.NewReader(in.CSV), "text/csv"); err != nil {
			j.Status, j.Error, j.UpdatedAt = JobFailed, "the file could not be stored; create the import again", im.svc.Now()
			if uerr := im.jobs.UpdateImport(ctx, j); uerr != nil {
				err = fmt.Errorf("%w (and marking the job failed: %v)", err, uerr)
			}
			return Job{}, fmt.Errorf("store the CSV of import %s: %w", j.ID, err)
		}
		return j, nil
	}
	url, expires, err := im.files.PresignPut(ctx, j.FileKey(), "text/csv", UploadURLLifetime)
	if err != nil {
		return Job{}, fmt.Errorf("presign the upload of import %s: %w", j.ID, err)
	}
	j.UploadURL, j.UploadExpiresAt = url, &expires
	return j, nil
}

// Get returns an import job with its progress and, once it is done, a
// fresh link to its per-row results. It returns ENOTFOUND for an unknown
// job and the errors of AuthorizeProgram.
func (im *Importer) Get(ctx context.Context, caller bo.Caller, orgID, programID, importID string) (Job, error) {
	if _, err := im.svc.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return Job{}, err
	}
	j, err := im.jobs.GetImport(ctx, programID, importID)
	if err != nil {
		return Job{}, err
	}
	if j.OrgID != orgID {
		return Job{}, bo.Errorf(bo.ENOTFOUND, "import %s not found", importID)
	}
	now := im.svc.Now()
	switch {
	case j.Status == JobAwaitingUpload && now.Sub(j.CreatedAt) > UploadURLLifetime:
		j.Status, j.Error = JobFailed, "no file was uploaded before the upload link expired; create the import again"
	case (j.Status == JobRunning || j.Status == JobQueued) && now.Sub(j.UpdatedAt) > StaleAfter:
		j.Status, j.Error = JobFailed, fmt.Sprintf("the import stopped after %d rows; run it again: "+
			"rows already invited are reported as such and get no second email", j.Counts.RowsDone)
	}
	if j.Status == JobDone {
		url, expires, err := im.files.PresignGet(ctx, j.ResultKey(), ResultURLLifetime, "import-"+j.ID+"-results.csv")
		if err != nil {
			return Job{}, fmt.Errorf("presign the results of import %s: %w", j.ID, err)
		}
		j.ResultURL, j.ResultExpiresAt = url, &expires
	}
	return j, nil
}
