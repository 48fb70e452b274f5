package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// Lifetimes of what a report leaves behind.
const (
	// LinkLifetime is how long a report's download link works: the one in
	// the email and each one GET hands out.
	LinkLifetime = 24 * time.Hour
	// JobLifetime is how long a report job is kept (the table's TTL); its
	// file goes before, after resources.ReportsExpireDays.
	JobLifetime = 30 * 24 * time.Hour
	// StaleAfter is how long a job may go without progress before it is
	// shown as failed: longer than the function's 15-minute limit.
	StaleAfter = 20 * time.Minute
)

// Type is what a report job makes.
type Type string

// Report types.
const (
	// TypeUsage is the email report: the zip of the member, usage and
	// specialisation CSVs.
	TypeUsage Type = "usage"
	// TypeGradebook is one program's gradebook of a course, or of the
	// courses of a collection, as one CSV.
	TypeGradebook Type = "gradebook"
)

// Status is where a report job stands.
type Status string

// Report job statuses.
const (
	StatusQueued  Status = "queued"
	StatusRunning Status = "running"
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
)

// Job is a report, from its request to its file.
type Job struct {
	ID    string `json:"id"`
	OrgID string `json:"orgId"`
	Type  Type   `json:"type"`
	Scope Scope  `json:"scope"`
	// ProgramIDs are the programs the report covers.
	ProgramIDs []string `json:"programIds"`
	// CourseID or CollectionID name a gradebook's courses.
	CourseID     string   `json:"courseId,omitempty"`
	CollectionID string   `json:"collectionId,omitempty"`
	Status       Status   `json:"status"`
	Error        string   `json:"error,omitempty"`
	Progress     Progress `json:"progress"`
	// Summary is the report email's summary, once a usage report is done.
	Summary *Summary `json:"summary,omitempty"`
	// RequestedBy is the admin who asked for it; empty for a scheduled report.
	RequestedBy string `json:"requestedBy,omitempty"`
	// ScheduledFor is the day (2006-01-02, UTC) of a scheduled report.
	ScheduledFor string `json:"scheduledFor,omitempty"`
	// Recipients are the addresses emailed when the report is done.
	Recipients []string   `json:"-"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// DownloadURL fetches the file until DownloadExpiresAt, while the file
	// exists; Expired says that it no longer does.
	DownloadURL       string     `json:"downloadUrl,omitempty"`
	DownloadExpiresAt *time.Time `json:"downloadExpiresAt,omitempty"`
	Expired           bool       `json:"expired,omitempty"`
}

// FileKey is where the job's file is written in the files bucket, under
// resources.ReportsPrefix, whose lifecycle rule deletes it.
func (j Job) FileKey() string {
	ext := ".zip"
	if j.Type == TypeGradebook {
		ext = ".csv"
	}
	return resources.ReportsPrefix + j.OrgID + "/" + j.ID + ext
}

// fileName is the name a download is saved under.
func (j Job) fileName() string {
	if j.Type == TypeGradebook {
		return "gradebook-" + j.ID + ".csv"
	}
	return "report-" + j.ID + ".zip"
}

// NewReport asks for a report: the email report (type "usage", the
// default) of some or all of the programs the caller administers, or the
// gradebook of one program's course or collection.
type NewReport struct {
	Type Type `json:"type"`
	// Scope is "active" (the default: learners of active contracts) or
	// "all_time".
	Scope Scope `json:"scope"`
	// ProgramIDs narrows an email report; by default it covers every
	// program the caller administers.
	ProgramIDs []string `json:"programIds"`
	// ProgramID and CourseID or CollectionID name a gradebook.
	ProgramID    string `json:"programId"`
	CourseID     string `json:"courseId"`
	CollectionID string `json:"collectionId"`
}

// BuildMessage is the report queue's message: the job to build.
type BuildMessage struct {
	OrgID    string `json:"orgId"`
	ReportID string `json:"reportId"`
}

// Store keeps report jobs and schedules, and reads what reports are made
// of. Methods return ENOTFOUND for a missing entity.
type Store interface {
	Source
	GetOrg(ctx context.Context, orgID string) (bo.Org, error)
	GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error)
	ListPrograms(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error)
	ListContracts(ctx context.Context, orgID string, page bo.Page) ([]bo.Contract, string, error)
	ListAdmins(ctx context.Context, orgID string, page bo.Page) ([]bo.Admin, string, error)
	ListCollections(ctx context.Context, programID string) ([]bo.Collection, error)
	// CreateReport writes a new job; ECONFLICT when its id exists.
	CreateReport(ctx context.Context, j Job) error
	GetReport(ctx context.Context, orgID, reportID string) (Job, error)
	// ListReports returns every report job of the org still kept (jobs
	// expire with their files).
	ListReports(ctx context.Context, orgID string) ([]Job, error)
	// UpdateReport writes the job over the stored one.
	UpdateReport(ctx context.Context, j Job) error
	// SaveReportProgress records a running job's progress.
	SaveReportProgress(ctx context.Context, orgID, reportID string, p Progress, at time.Time) error
	ScheduleStore
}

// Access returns the caller's admin record in an org: EFORBIDDEN for
// someone who is no admin of it (admin.Service).
type Access interface {
	Access(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error)
}

// Builds puts build messages on the report queue.
type Builds interface {
	Send(ctx context.Context, item any) error
}

// Files is the bucket report files are written to and fetched from.
type Files interface {
	Writer(ctx context.Context, key, contentType string) io.WriteCloser
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, time.Time, error)
	Size(ctx context.Context, key string) (int64, error)
}

// Outbox puts emails on the mail queue.
type Outbox interface {
	Publish(ctx context.Context, msgs []mail.Message) error
}

// Service requests, builds and hands out reports.
type Service struct {
	store  Store
	access Access
	builds Builds
	files  Files
	outbox Outbox
	// Now is the clock; Log receives what callers are not shown.
	Now func() time.Time
	Log *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, access Access, builds Builds, files Files, outbox Outbox) *Service {
	return &Service{store: store, access: access, builds: builds, files: files, outbox: outbox,
		Now: func() time.Time { return time.Now().UTC() }, Log: slog.Default()}
}

// pageAll calls list for every page of a list of the org and returns all
// the items.
func pageAll[T any](ctx context.Context, orgID string, list func(context.Context, string, bo.Page) ([]T, string, error)) ([]T, error) {
	var all []T
	p := bo.Page{Limit: bo.MaxPageSize}
	for {
		items, next, err := list(ctx, orgID, p)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		p.Cursor = next
	}
}

// Request creates a report job and queues its build; the report is emailed
// to the caller when done. An org admin may report on every program of
// the org, a program admin on theirs: it returns EFORBIDDEN for a program
// the caller does not administer (or an org they are no admin of),
// EINVALID for a bad request or a program, course or collection that does
// not exist, and the queue's error.
func (s *Service) Request(ctx context.Context, caller bo.Caller, orgID string, in NewReport) (Job, error) {
	a, err := s.access.Access(ctx, caller, orgID)
	if err != nil {
		return Job{}, err
	}
	now := s.Now()
	j := Job{ID: bo.NewID("rpt", now), OrgID: orgID, Type: in.Type, Scope: in.Scope, Status: StatusQueued,
		RequestedBy: caller.Email, Recipients: []string{caller.Email}, CreatedAt: now, UpdatedAt: now}
	if j.Type == "" {
		j.Type = TypeUsage
	}
	if j.Scope == "" {
		j.Scope = ScopeActive
	}
	var v bo.Validation
	v.Check(j.Scope == ScopeActive || j.Scope == ScopeAllTime, "scope", "must be %q or %q", ScopeActive, ScopeAllTime)
	switch j.Type {
	case TypeUsage:
		v.Check(in.ProgramID == "" && in.CourseID == "" && in.CollectionID == "", "programId",
			"is for gradebooks; an email report takes programIds")
		if err := v.Err(); err != nil {
			return Job{}, err
		}
		if j.ProgramIDs, err = s.programsFor(ctx, a, in.ProgramIDs); err != nil {
			return Job{}, err
		}
	case TypeGradebook:
		v.Check(len(in.ProgramIDs) == 0, "programIds", "a gradebook is of one program: give programId")
		v.Check(in.ProgramID != "", "programId", "is required")
		v.Check((in.CourseID == "") != (in.CollectionID == ""), "courseId", "give either courseId or collectionId")
		if err := v.Err(); err != nil {
			return Job{}, err
		}
		if err := s.checkGradebook(ctx, a, in); err != nil {
			return Job{}, err
		}
		j.ProgramIDs, j.CourseID, j.CollectionID = []string{in.ProgramID}, in.CourseID, in.CollectionID
	default:
		v.Add("type", "must be %q or %q", TypeUsage, TypeGradebook)
		return Job{}, v.Err()
	}
	program := ""
	if len(j.ProgramIDs) == 1 {
		program = j.ProgramIDs[0]
	}
	ctx = audit.For(ctx, now, orgID, program, audit.ReportRequest, audit.Target{Type: audit.TargetReport, ID: j.ID},
		audit.Set("type", string(j.Type), "scope", string(j.Scope), "programIds", strings.Join(j.ProgramIDs, ",")))
	if err := s.store.CreateReport(ctx, j); err != nil {
		return Job{}, err
	}
	return j, s.queue(ctx, j)
}

// queue puts the job's build on the queue, marking the job failed when it
// cannot.
func (s *Service) queue(ctx context.Context, j Job) error {
	err := s.builds.Send(ctx, BuildMessage{OrgID: j.OrgID, ReportID: j.ID})
	if err == nil {
		return nil
	}
	j.Status, j.Error, j.UpdatedAt = StatusFailed, "the report could not be queued; ask for it again", s.Now()
	if uerr := s.store.UpdateReport(ctx, j); uerr != nil {
		err = fmt.Errorf("%w (and marking the job failed: %v)", err, uerr)
	}
	return fmt.Errorf("queue report %s: %w", j.ID, err)
}

// programsFor returns the programs of an email report: those asked for,
// each of which the admin must administer and the org must have, or by
// default every program the admin administers.
func (s *Service) programsFor(ctx context.Context, a bo.Admin, asked []string) ([]string, error) {
	if len(asked) == 0 {
		if a.Role != bo.RoleOrgAdmin {
			return slices.Clone(a.ProgramIDs), nil
		}
		ps, err := pageAll(ctx, a.OrgID, s.store.ListPrograms)
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(ps))
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		if len(ids) == 0 {
			return nil, bo.Invalid("the organisation has no programs to report on", bo.FieldError{Field: "programIds", Message: "no programs"})
		}
		return ids, nil
	}
	var out []string
	for _, id := range asked {
		if slices.Contains(out, id) {
			continue
		}
		if !a.CanAdminister(id) {
			return nil, bo.Errorf(bo.EFORBIDDEN, "you do not administer program %s", id)
		}
		if _, err := s.store.GetProgram(ctx, a.OrgID, id); bo.ErrorCode(err) == bo.ENOTFOUND {
			return nil, bo.Invalid("no program "+id+" in this organisation", bo.FieldError{Field: "programIds", Message: "no program " + id})
		} else if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// checkGradebook checks that the admin administers the gradebook's program
// and that its course or collection is in the catalogue.
func (s *Service) checkGradebook(ctx context.Context, a bo.Admin, in NewReport) error {
	if !a.CanAdminister(in.ProgramID) {
		return bo.Errorf(bo.EFORBIDDEN, "you do not administer program %s", in.ProgramID)
	}
	if _, err := s.store.GetProgram(ctx, a.OrgID, in.ProgramID); bo.ErrorCode(err) == bo.ENOTFOUND {
		return bo.Invalid("no program "+in.ProgramID+" in this organisation", bo.FieldError{Field: "programId", Message: "no such program"})
	} else if err != nil {
		return err
	}
	cs, err := s.store.ListCollections(ctx, in.ProgramID)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if in.CollectionID != "" && c.ID == in.CollectionID {
			return nil
		}
		if i := c.ItemIndex(in.CourseID); in.CourseID != "" && i >= 0 && c.Items[i].Type == bo.ItemCourse {
			return nil
		}
	}
	if in.CollectionID != "" {
		return bo.Invalid("no collection "+in.CollectionID+" in the program", bo.FieldError{Field: "collectionId", Message: "no such collection"})
	}
	return bo.Invalid("no course "+in.CourseID+" in the program's catalogue", bo.FieldError{Field: "courseId", Message: "no such course"})
}

// Get returns a report job with its progress and summary and, while its
// file exists, a fresh download link. It returns ENOTFOUND for an unknown
// report or one with a program the caller does not administer, and the
// errors of Access.
func (s *Service) Get(ctx context.Context, caller bo.Caller, orgID, reportID string) (Job, error) {
	a, err := s.access.Access(ctx, caller, orgID)
	if err != nil {
		return Job{}, err
	}
	j, err := s.store.GetReport(ctx, orgID, reportID)
	if err != nil {
		return Job{}, err
	}
	for _, id := range j.ProgramIDs {
		if !a.CanAdminister(id) {
			return Job{}, bo.Errorf(bo.ENOTFOUND, "report %s not found", reportID)
		}
	}
	return s.withLink(ctx, j)
}

// withLink returns a job as admins see it: failed when it stopped without
// word for StaleAfter, and once done a fresh download link while its file
// exists (Expired once it does not). It returns the bucket's errors.
func (s *Service) withLink(ctx context.Context, j Job) (Job, error) {
	now := s.Now()
	if (j.Status == StatusQueued || j.Status == StatusRunning) && now.Sub(j.UpdatedAt) > StaleAfter {
		j.Status, j.Error = StatusFailed, "the report stopped without finishing; ask for it again"
	}
	if j.Status != StatusDone {
		return j, nil
	}
	if _, err := s.files.Size(ctx, j.FileKey()); bo.ErrorCode(err) == bo.ENOTFOUND {
		j.Expired = true
		return j, nil
	} else if err != nil {
		return Job{}, err
	}
	url, expires, err := s.files.PresignGet(ctx, j.FileKey(), LinkLifetime, j.fileName())
	if err != nil {
		return Job{}, fmt.Errorf("presign report %s: %w", j.ID, err)
	}
	j.DownloadURL, j.DownloadExpiresAt = url, &expires
	return j, nil
}

// BuildJSON builds the job a report queue message names (BuildJSON is
// the queue handler's function). It returns an error for a message it
// cannot read, and the errors of Build.
func (s *Service) BuildJSON(ctx context.Context, body string) error {
	var m BuildMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.OrgID == "" || m.ReportID == "" {
		return fmt.Errorf("not a report build message: %.200s", body)
	}
	return s.Build(ctx, m.OrgID, m.ReportID)
}

// Build builds a report job: it streams the file to the bucket, records
// the summary, and emails the recipients a link valid for LinkLifetime. A
// job already done is not built again, only its emails queued again (a
// message delivered twice, or emails that failed to queue: the mailer
// sends each email id once); a job whose item has expired is dropped. Building again after a failure writes
// the same file and sends no email twice (each email's id names the job
// and the recipient). It returns the error that stopped it, after marking
// the job failed, so that the queue delivers the message again.
func (s *Service) Build(ctx context.Context, orgID, reportID string) error {
	j, err := s.store.GetReport(ctx, orgID, reportID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		s.Log.WarnContext(ctx, "report job gone; build dropped", slog.String("orgId", orgID), slog.String("reportId", reportID))
		return nil
	} else if err != nil {
		return err
	}
	if j.Status == StatusDone {
		// Its emails may not all be queued yet; those that were are not
		// sent again.
		in, err := s.input(ctx, j)
		if err != nil {
			return err
		}
		return s.notify(ctx, j, in)
	}
	now := s.Now()
	j.Status, j.Error, j.StartedAt, j.UpdatedAt, j.Progress = StatusRunning, "", &now, now, Progress{}
	if err := s.store.UpdateReport(ctx, j); err != nil {
		return err
	}
	in, err := s.build(ctx, &j)
	if err != nil {
		j.Status, j.Error, j.UpdatedAt = StatusFailed, "the report could not be built; it is tried again shortly", s.Now()
		if uerr := s.store.UpdateReport(ctx, j); uerr != nil {
			err = fmt.Errorf("%w (and marking the job failed: %v)", err, uerr)
		}
		return fmt.Errorf("build report %s: %w", reportID, err)
	}
	done := s.Now()
	j.Status, j.FinishedAt, j.UpdatedAt = StatusDone, &done, done
	if err := s.store.UpdateReport(ctx, j); err != nil {
		return err
	}
	return s.notify(ctx, j, in)
}

// input gathers what the job's report is made of besides its learners:
// its programs (those deleted since are left out) with their catalogues,
// and the org's contracts.
func (s *Service) input(ctx context.Context, j Job) (Input, error) {
	in := Input{Scope: j.Scope, Now: s.Now(), Contracts: map[string]bo.Contract{}}
	contracts, err := pageAll(ctx, j.OrgID, s.store.ListContracts)
	if err != nil {
		return Input{}, err
	}
	for _, c := range contracts {
		in.Contracts[c.ID] = c
	}
	for _, id := range j.ProgramIDs {
		p, err := s.store.GetProgram(ctx, j.OrgID, id)
		if bo.ErrorCode(err) == bo.ENOTFOUND {
			continue
		} else if err != nil {
			return Input{}, err
		}
		cs, err := s.store.ListCollections(ctx, id)
		if err != nil {
			return Input{}, err
		}
		in.Programs = append(in.Programs, Program{Program: p, Catalog: NewCatalog(cs)})
	}
	return in, nil
}

// build writes the job's file, streaming it to the bucket, and returns
// what it was made of.
func (s *Service) build(ctx context.Context, j *Job) (Input, error) {
	in, err := s.input(ctx, *j)
	if err != nil {
		return Input{}, err
	}
	progress := func(p Progress) {
		j.Progress = p
		if err := s.store.SaveReportProgress(ctx, j.OrgID, j.ID, p, s.Now()); err != nil {
			s.Log.WarnContext(ctx, "report progress not saved", slog.String("reportId", j.ID), slog.String("error", err.Error()))
		}
	}
	contentType := "application/zip"
	if j.Type == TypeGradebook {
		contentType = "text/csv; charset=utf-8"
	}
	w := s.files.Writer(ctx, j.FileKey(), contentType)
	switch j.Type {
	case TypeGradebook:
		var rows int
		rows, err = WriteGradebook(ctx, w, s.store, in, in.gradebookCourses(*j), progress)
		j.Progress = Progress{File: GradebookFile, Rows: rows}
	default:
		var sum Summary
		sum, err = Write(ctx, w, s.store, in, progress)
		j.Summary, j.Progress = &sum, Progress{File: SpecializationFile, Rows: sum.Rows}
	}
	if err != nil {
		if a, ok := w.(interface{ CloseWithError(error) error }); ok {
			_ = a.CloseWithError(err)
		} else {
			_ = w.Close()
		}
		return Input{}, err
	}
	return in, w.Close()
}

// gradebookCourses returns the gradebook's courses: its course, or the
// courses of its collection in the collection's order.
func (in Input) gradebookCourses(j Job) []string {
	if j.CourseID != "" {
		return []string{j.CourseID}
	}
	var ids []string
	for _, p := range in.Programs {
		ids = append(ids, p.Catalog.courses[j.CollectionID]...)
	}
	return ids
}

// notify emails the job's recipients its link and summary; each email's
// id names the job and the recipient, so it is sent once.
func (s *Service) notify(ctx context.Context, j Job, in Input) error {
	org, err := s.store.GetOrg(ctx, j.OrgID)
	if err != nil {
		return err
	}
	url, expires, err := s.files.PresignGet(ctx, j.FileKey(), LinkLifetime, j.fileName())
	if err != nil {
		return fmt.Errorf("presign report %s: %w", j.ID, err)
	}
	var names []string
	for _, p := range in.Programs {
		names = append(names, p.Name)
	}
	data := map[string]string{"OrgName": org.Name, "ProgramNames": strings.Join(names, ", "), "DownloadURL": url,
		"ExpiresAt": expires.UTC().Format("2 January 2006, 15:04 UTC")}
	template := mail.TemplateReportReady
	if j.Type == TypeGradebook {
		template = mail.TemplateGradebookReady
		data["CourseName"] = gradebookName(in, j)
		data["Rows"] = itoa(j.Progress.Rows)
	} else {
		summaryData(data, j)
	}
	msgs := make([]mail.Message, 0, len(j.Recipients))
	for _, to := range j.Recipients {
		msgs = append(msgs, mail.Message{ID: "report-ready/" + j.OrgID + "/" + j.ID + "/" + strings.ToLower(to),
			To: to, Template: template, OrgID: j.OrgID, Data: data, Logo: mail.OrgLogo(org)})
	}
	if err := s.outbox.Publish(ctx, msgs); err != nil {
		return fmt.Errorf("queue the emails of report %s: %w", j.ID, err)
	}
	return nil
}

// summaryData adds an email report's scope and summary to an email's data.
func summaryData(data map[string]string, j Job) {
	sum := Summary{}
	if j.Summary != nil {
		sum = *j.Summary
	}
	data["Scope"] = "only for active contracts"
	if j.Scope == ScopeAllTime {
		data["Scope"] = "for all time, expired contracts included"
	}
	data["Weekly"] = ""
	if j.ScheduledFor != "" {
		data["Weekly"] = "yes"
	}
	for k, v := range map[string]int{"TotalEnrollments": sum.TotalEnrollments, "UniqueLearners": sum.UniqueLearners,
		"CurrentMembers": sum.CurrentMembers, "RemovedMembers": sum.RemovedMembers, "UniqueCourses": sum.UniqueCourses,
		"CourseCompletions": sum.CourseCompletions, "VerifiedCompletions": sum.VerifiedCompletions, "UniqueCompleters": sum.UniqueCompleters,
		"HalfwayLearners": sum.HalfwayLearners, "JoinedNotEnrolled": sum.JoinedNotEnrolled,
		"EnrolledNotCompleted": sum.EnrolledNotCompleted, "EnrolledOneCourse": sum.EnrolledOneCourse,
		"CompletedOneCourse": sum.CompletedOneCourse} {
		data[k] = itoa(v)
	}
	data["EstimatedHours"] = number(sum.EstimatedHours)
}

// gradebookName is the name of a gradebook's course or collection.
func gradebookName(in Input, j Job) string {
	for _, p := range in.Programs {
		if j.CourseID != "" {
			if it, ok := p.Catalog.Items[j.CourseID]; ok {
				return it.Name
			}
			return j.CourseID
		}
		if name, ok := p.Catalog.Collections[j.CollectionID]; ok {
			return name
		}
	}
	return j.CollectionID + j.CourseID
}
