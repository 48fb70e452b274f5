// Package privacy answers personal-data requests about one person in one
// organisation: an export of everything the back office holds about them
// (a zip of JSON and CSV, written in the background like a report) and an
// erasure (every item and file of the org that names them deleted or
// anonymised, a tombstone keeping a later bulk import from re-inviting
// them). It imports neither Lambda nor the AWS SDK.
package privacy

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// Work item kinds the worker dispatches to Handle.
const (
	WorkExport  = "personal-data-export"
	WorkErasure = "erasure"
)

// Kind says what a personal-data job does.
type Kind string

// Job kinds.
const (
	KindExport  Kind = "export"
	KindErasure Kind = "erasure"
)

// Status is where a job stands: requested, running, then ready (an
// export's zip is there) or done (an erasure), or failed.
type Status string

// Job statuses.
const (
	StatusRequested Status = "requested"
	StatusRunning   Status = "running"
	StatusReady     Status = "ready"
	StatusDone      Status = "done"
	StatusFailed    Status = "failed"
)

// Lifetimes.
const (
	// ExportLinkLifetime is how long a download link of a ready export
	// works, at most: a short-lived link, as the zip holds personal data.
	ExportLinkLifetime = 15 * time.Minute
	// ExportLifetime is how long an export's job and zip are kept: the
	// reports lifecycle rule deletes the zip after as many days.
	ExportLifetime = time.Duration(resources.ReportsExpireDays) * 24 * time.Hour
)

// Erasure steps, in order; Progress.Step names the one running and
// Progress.Done how many are done.
var erasureSteps = []string{"tombstone", "import-results", "files", "exports", "audit", "items"}

// Progress is how far a job has come.
type Progress struct {
	Step  string `json:"step,omitempty"`
	Done  int    `json:"done"`
	Steps int    `json:"steps"`
}

// Job is a personal-data export or erasure. It never holds the person's
// address: the work item that runs it carries the address, and the job
// keeps only the person's digest (bo.PersonDigest).
type Job struct {
	ID       string   `json:"id"`
	OrgID    string   `json:"orgId"`
	Kind     Kind     `json:"kind"`
	Status   Status   `json:"status"`
	Progress Progress `json:"progress"`
	// Counts are, for an export, the items of each section; for an
	// erasure, what it deleted, anonymised or rewrote, by kind.
	Counts map[string]int `json:"counts"`
	Error  string         `json:"error,omitempty"`
	// AnonymousID names the anonymous address that replaced the person's
	// in what an erasure kept for the org's counts.
	AnonymousID string `json:"anonymousId,omitempty"`
	// Subject is the digest of the person; Requester the digest of the
	// caller who asked (a learner may read their own export).
	Subject     string `json:"-"`
	Requester   string `json:"-"`
	RequestedBy string `json:"-"`
	// Actor is who asked (RequestedBy with their email and role), in
	// whose name the erasure records its outcome in the audit log.
	Actor      audit.Actor `json:"-"`
	FileKey    string      `json:"-"`
	CreatedAt  time.Time   `json:"createdAt"`
	UpdatedAt  time.Time   `json:"updatedAt"`
	FinishedAt *time.Time  `json:"finishedAt,omitempty"`
	// ExpiresAt is when an export and its zip are deleted; an erasure's
	// record is kept.
	ExpiresAt         *time.Time `json:"expiresAt,omitempty"`
	DownloadURL       string     `json:"downloadUrl,omitempty"`
	DownloadExpiresAt *time.Time `json:"downloadExpiresAt,omitempty"`
}

// Tombstone marks a person erased from an org, by digest: an import skips
// them, the mailer drops their mail, until an admin invites them on purpose.
type Tombstone struct {
	OrgID       string
	Subject     string
	AnonymousID string
	ErasureID   string
	ErasedAt    time.Time
}

// WorkItem is what the work queue carries for a personal-data job: the
// only place the address travels, so that no stored item names it.
type WorkItem struct {
	Kind  string `json:"kind"`
	OrgID string `json:"orgId"`
	JobID string `json:"jobId"`
	Email string `json:"email"`
}

// Record is one item of a section of an export: field name to value.
type Record map[string]any

// Sections are the parts of an export, by name.
type Sections map[string][]Record

// Section names, in the order of the zip.
var SectionNames = []string{"profile", "invitations", "memberships", "enrollments", "activity", "messages", "deliveries", "suppression", "exports", "audit"}

// Store keeps jobs and tombstones and reads and erases a person's items.
type Store interface {
	// CreatePrivacyJob writes a new job; ECONFLICT if the id exists.
	CreatePrivacyJob(ctx context.Context, j Job) error
	// GetPrivacyJob returns a job of the org, or ENOTFOUND.
	GetPrivacyJob(ctx context.Context, orgID string, kind Kind, id string) (Job, error)
	// PutPrivacyJob writes the job over the stored one; ENOTFOUND if gone.
	PutPrivacyJob(ctx context.Context, j Job) error
	// PersonalData returns every item the table holds about the person in
	// the org, by section (the audit section is read with AuditNaming).
	PersonalData(ctx context.Context, orgID string, email bo.Email) (Sections, error)
	// IsOrgAdmin reports whether the address is an admin of the org.
	IsOrgAdmin(ctx context.Context, orgID, emailKey string) (bool, error)
	// PutTombstone writes the tombstone unless one exists, and returns the
	// one that stands.
	PutTombstone(ctx context.Context, t Tombstone) (Tombstone, error)
	// EraseItems deletes or anonymises (under anon) every item of the org
	// that names the person, each in a conditional write, so that a second
	// run changes nothing; it returns what it did, by kind.
	EraseItems(ctx context.Context, orgID string, email, anon bo.Email) (map[string]int, error)
	// RewriteImportResults passes each stored result part of the org's
	// imports to fn and writes back the parts fn changed; it returns how
	// many it wrote.
	RewriteImportResults(ctx context.Context, orgID string, fn func([]byte) ([]byte, bool)) (int, error)
	// OrgFiles returns the keys of the files that the org's jobs name in
	// the bucket: reports, gradebooks, member exports, import files and
	// their results (personal-data exports excepted).
	OrgFiles(ctx context.Context, orgID string) ([]string, error)
	// DeletePersonalExports deletes the org's export jobs of the person
	// (by digest) and returns their files' keys.
	DeletePersonalExports(ctx context.Context, orgID, subject string) ([]string, error)
	// AuditNaming returns, each once and newest first, the org's audit
	// records in the partitions that may name the person (see
	// AuditPartitions), read with Queries only.
	AuditNaming(ctx context.Context, orgID string, p AuditPartitions) ([]audit.Record, error)
	// ReplaceAudit writes every copy of the record updated in place of
	// those of old, in one transaction, and reports false when old's
	// copies are gone (another run replaced them, or they expired).
	ReplaceAudit(ctx context.Context, old, updated audit.Record) (bool, error)
}

// AuditPartitions are where the audit records that may name a person are:
// those they made (their actor keys), those of the targets that carry
// their address in their id (invitation, member, admin, enrollment), those
// of the actions whose changed values are free text an admin typed (a
// member export's search), and those of the org's messages whose
// hand-picked audience holds one of the addresses (the record of the
// message's creation lists it).
type AuditPartitions struct {
	ActorKeys []string
	Targets   []audit.Target
	Actions   []string
	// Addresses are the person's addresses as the org's items spell them.
	Addresses []string
}

// Files is the files bucket.
type Files interface {
	Open(ctx context.Context, key string) (io.ReadCloser, int64, error)
	Put(ctx context.Context, key string, body io.Reader, contentType string) error
	Delete(ctx context.Context, key string) error
	Writer(ctx context.Context, key, contentType string) io.WriteCloser
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, time.Time, error)
}

// Work queues work items.
type Work interface {
	Send(ctx context.Context, item any) error
}

// Admins says who administers an org.
type Admins interface {
	// AuthorizeOrgAdmin returns nil for an org admin of the org and
	// EFORBIDDEN (or EUNAUTHORISED) otherwise.
	AuthorizeOrgAdmin(ctx context.Context, caller bo.Caller, orgID string) error
}

// Service runs personal-data requests.
type Service struct {
	store  Store
	files  Files
	work   Work
	admins Admins
	// Log receives the "erasure done" line (counts only, never the
	// person), beside the audit log's person.erase.finished record.
	Log *slog.Logger
	// Now is the clock (time.Now in UTC by default).
	Now func() time.Time
}

// NewService returns a Service on the store, bucket and work queue.
func NewService(store Store, files Files, work Work, admins Admins) *Service {
	return &Service{store: store, files: files, work: work, admins: admins, Log: slog.Default(),
		Now: func() time.Time { return time.Now().UTC() }}
}

// person parses the address of a request's path; EINVALID naming email.
func person(raw string) (bo.Email, error) {
	e, err := bo.ParseEmail(raw)
	if err != nil {
		return bo.Email{}, bo.Invalid("email is not a valid address", bo.FieldError{Field: "email", Message: "is not a valid address"})
	}
	return e, nil
}
