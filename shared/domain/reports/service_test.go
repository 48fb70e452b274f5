package reports

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// fakeStore is a Store whose used methods are function fields; any other
// method panics (the embedded interface is nil), which fails the test.
type fakeStore struct {
	Store
	GetProgramFn      func(ctx context.Context, orgID, programID string) (bo.Program, error)
	ListProgramsFn    func(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error)
	ListCollectionsFn func(ctx context.Context, programID string) ([]bo.Collection, error)
	ListAdminsFn      func(ctx context.Context, orgID string, page bo.Page) ([]bo.Admin, string, error)
	CreateReportFn    func(ctx context.Context, j Job) error
	GetReportFn       func(ctx context.Context, orgID, reportID string) (Job, error)
	ListReportsFn     func(ctx context.Context, orgID string) ([]Job, error)
	UpdateReportFn    func(ctx context.Context, j Job) error
	GetScheduleFn     func(ctx context.Context, orgID string) (Schedule, error)
	ScheduledOrgsFn   func(ctx context.Context, day, cursor string) ([]string, string, error)
}

func (f fakeStore) GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error) {
	return f.GetProgramFn(ctx, orgID, programID)
}
func (f fakeStore) ListPrograms(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error) {
	return f.ListProgramsFn(ctx, orgID, page)
}
func (f fakeStore) ListCollections(ctx context.Context, programID string) ([]bo.Collection, error) {
	return f.ListCollectionsFn(ctx, programID)
}
func (f fakeStore) ListAdmins(ctx context.Context, orgID string, page bo.Page) ([]bo.Admin, string, error) {
	return f.ListAdminsFn(ctx, orgID, page)
}
func (f fakeStore) CreateReport(ctx context.Context, j Job) error { return f.CreateReportFn(ctx, j) }
func (f fakeStore) GetReport(ctx context.Context, orgID, reportID string) (Job, error) {
	return f.GetReportFn(ctx, orgID, reportID)
}
func (f fakeStore) UpdateReport(ctx context.Context, j Job) error { return f.UpdateReportFn(ctx, j) }
func (f fakeStore) ListReports(ctx context.Context, orgID string) ([]Job, error) {
	return f.ListReportsFn(ctx, orgID)
}
func (f fakeStore) GetSchedule(ctx context.Context, orgID string) (Schedule, error) {
	return f.GetScheduleFn(ctx, orgID)
}
func (f fakeStore) ScheduledOrgs(ctx context.Context, day, cursor string) ([]string, string, error) {
	return f.ScheduledOrgsFn(ctx, day, cursor)
}

type fakeAccess struct {
	AccessFn func(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error)
}

func (f fakeAccess) Access(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error) {
	return f.AccessFn(ctx, caller, orgID)
}

type fakeBuilds struct {
	SendFn func(ctx context.Context, item any) error
}

func (f fakeBuilds) Send(ctx context.Context, item any) error { return f.SendFn(ctx, item) }

type noFiles struct{ Files }
type noMail struct{}

func (noMail) Publish(context.Context, []mail.Message) error { return nil }

// admins of the org "org_1": an org admin and a program admin of prg_a.
var (
	dean = bo.Admin{OrgID: "org_1", Email: "dean@acme.edu", Role: bo.RoleOrgAdmin}
	pam  = bo.Admin{OrgID: "org_1", Email: "pam@acme.edu", Role: bo.RoleProgramAdmin, ProgramIDs: []string{"prg_a"}}
)

// fakes returns a service over an org of programs prg_a and prg_b (prg_a
// with the course sql and the collection col_1), whose admins are dean
// and pam, recording the jobs created and the builds queued.
func fakes() (*Service, *[]Job, *[]BuildMessage) {
	var jobs []Job
	var builds []BuildMessage
	programs := map[string]bo.Program{"prg_a": {OrgID: "org_1", ID: "prg_a"}, "prg_b": {OrgID: "org_1", ID: "prg_b"}}
	store := fakeStore{
		GetProgramFn: func(_ context.Context, orgID, id string) (bo.Program, error) {
			if p, ok := programs[id]; ok && orgID == p.OrgID {
				return p, nil
			}
			return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "no program")
		},
		ListProgramsFn: func(context.Context, string, bo.Page) ([]bo.Program, string, error) {
			return []bo.Program{programs["prg_a"], programs["prg_b"]}, "", nil
		},
		ListCollectionsFn: func(context.Context, string) ([]bo.Collection, error) {
			return []bo.Collection{{ID: "col_1", Items: []bo.CatalogItem{{ID: "sql", Type: bo.ItemCourse}, {ID: "spec", Type: bo.ItemSpecialization}}}}, nil
		},
		CreateReportFn: func(_ context.Context, j Job) error {
			for _, k := range jobs {
				if k.ID == j.ID {
					return bo.Errorf(bo.ECONFLICT, "exists")
				}
			}
			jobs = append(jobs, j)
			return nil
		},
	}
	store.GetReportFn = func(_ context.Context, _, id string) (Job, error) {
		for _, j := range jobs {
			if j.ID == id {
				return j, nil
			}
		}
		return Job{}, bo.Errorf(bo.ENOTFOUND, "no report")
	}
	access := fakeAccess{AccessFn: func(_ context.Context, c bo.Caller, orgID string) (bo.Admin, error) {
		for _, a := range []bo.Admin{dean, pam} {
			if a.Email == c.Email && a.OrgID == orgID {
				return a, nil
			}
		}
		return bo.Admin{}, bo.Errorf(bo.EFORBIDDEN, "not an admin")
	}}
	queue := fakeBuilds{SendFn: func(_ context.Context, item any) error {
		builds = append(builds, item.(BuildMessage))
		return nil
	}}
	svc := NewService(store, access, queue, noFiles{}, noMail{})
	svc.Now = func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	return svc, &jobs, &builds
}

// refused checks err's code (none: "") and, when set, that it names
// field, and reports whether the call was refused.
func refused(t *testing.T, err error, code, field string) bool {
	t.Helper()
	if got := bo.ErrorCode(err); got != code {
		t.Fatalf("error %v, want code %q", err, code)
	}
	if field != "" && !slices.ContainsFunc(bo.ErrorDetails(err), func(f bo.FieldError) bool { return f.Field == field }) {
		t.Errorf("error %v does not name %s", err, field)
	}
	return code != ""
}

func TestRequest(t *testing.T) {
	tests := []struct {
		name     string
		caller   bo.Admin
		in       NewReport
		code     string
		field    string
		programs []string
	}{
		{name: "an org admin gets every program", caller: dean, in: NewReport{}, programs: []string{"prg_a", "prg_b"}},
		{name: "a program admin gets theirs", caller: pam, in: NewReport{Scope: ScopeAllTime}, programs: []string{"prg_a"}},
		{name: "chosen programs, once each", caller: dean, in: NewReport{ProgramIDs: []string{"prg_b", "prg_b"}}, programs: []string{"prg_b"}},
		{name: "a program admin asking for another program", caller: pam, in: NewReport{ProgramIDs: []string{"prg_a", "prg_b"}}, code: bo.EFORBIDDEN},
		{name: "not an admin", caller: bo.Admin{Email: "eve@evil.example"}, in: NewReport{}, code: bo.EFORBIDDEN},
		{name: "an unknown program", caller: dean, in: NewReport{ProgramIDs: []string{"prg_zz"}}, code: bo.EINVALID, field: "programIds"},
		{name: "an unknown scope", caller: dean, in: NewReport{Scope: "forever"}, code: bo.EINVALID, field: "scope"},
		{name: "an unknown type", caller: dean, in: NewReport{Type: "pdf"}, code: bo.EINVALID, field: "type"},
		{name: "a gradebook of a course", caller: pam, in: NewReport{Type: TypeGradebook, ProgramID: "prg_a", CourseID: "sql"}, programs: []string{"prg_a"}},
		{name: "a gradebook of a collection", caller: dean, in: NewReport{Type: TypeGradebook, ProgramID: "prg_a", CollectionID: "col_1"}, programs: []string{"prg_a"}},
		{name: "a gradebook of a specialisation", caller: dean, in: NewReport{Type: TypeGradebook, ProgramID: "prg_a", CourseID: "spec"}, code: bo.EINVALID, field: "courseId"},
		{name: "a gradebook of another's program", caller: pam, in: NewReport{Type: TypeGradebook, ProgramID: "prg_b", CourseID: "sql"}, code: bo.EFORBIDDEN},
		{name: "a gradebook without a course", caller: dean, in: NewReport{Type: TypeGradebook, ProgramID: "prg_a"}, code: bo.EINVALID, field: "courseId"},
		{name: "a gradebook with programIds", caller: dean, in: NewReport{Type: TypeGradebook, ProgramIDs: []string{"prg_a"}}, code: bo.EINVALID, field: "programIds"},
		{name: "an email report with a course", caller: dean, in: NewReport{CourseID: "sql"}, code: bo.EINVALID, field: "programId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, jobs, builds := fakes()
			j, err := svc.Request(t.Context(), bo.Caller{Email: tt.caller.Email, EmailVerified: true}, "org_1", tt.in)
			if refused(t, err, tt.code, tt.field) {
				if len(*jobs) != 0 || len(*builds) != 0 {
					t.Errorf("a refused request wrote %d jobs and queued %d builds", len(*jobs), len(*builds))
				}
				return
			}
			if !slices.Equal(j.ProgramIDs, tt.programs) || j.Status != StatusQueued || !slices.Equal(j.Recipients, []string{tt.caller.Email}) {
				t.Errorf("job %+v", j)
			}
			if len(*jobs) != 1 || len(*builds) != 1 || (*builds)[0] != (BuildMessage{OrgID: "org_1", ReportID: j.ID}) {
				t.Errorf("jobs %+v, builds %+v", *jobs, *builds)
			}
		})
	}
}

func TestRequestMarksAJobThatCannotBeQueuedFailed(t *testing.T) {
	svc, jobs, _ := fakes()
	var updated []Job
	store := svc.store.(fakeStore)
	store.UpdateReportFn = func(_ context.Context, j Job) error { updated = append(updated, j); return nil }
	svc.store = store
	svc.builds = fakeBuilds{SendFn: func(context.Context, any) error { return errors.New("queue down") }}
	if _, err := svc.Request(t.Context(), bo.Caller{Email: dean.Email, EmailVerified: true}, "org_1", NewReport{}); err == nil {
		t.Fatal("no error")
	}
	if len(*jobs) != 1 || len(updated) != 1 || updated[0].Status != StatusFailed {
		t.Fatalf("jobs %+v, updated %+v", *jobs, updated)
	}
}

func TestGetHidesOthersReportsAndShowsStaleOnesFailed(t *testing.T) {
	svc, jobs, _ := fakes()
	now := svc.Now()
	*jobs = []Job{
		{ID: "rpt_b", OrgID: "org_1", ProgramIDs: []string{"prg_a", "prg_b"}, Status: StatusRunning, UpdatedAt: now.Add(-time.Minute)},
		{ID: "rpt_stale", OrgID: "org_1", ProgramIDs: []string{"prg_a"}, Status: StatusRunning, UpdatedAt: now.Add(-StaleAfter - time.Second)},
	}
	if _, err := svc.Get(t.Context(), bo.Caller{Email: pam.Email, EmailVerified: true}, "org_1", "rpt_b"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Errorf("a program admin reading a report of another program: %v, want not found", err)
	}
	if j, err := svc.Get(t.Context(), bo.Caller{Email: dean.Email, EmailVerified: true}, "org_1", "rpt_b"); err != nil || j.Status != StatusRunning {
		t.Errorf("org admin: %+v, %v", j, err)
	}
	if j, err := svc.Get(t.Context(), bo.Caller{Email: pam.Email, EmailVerified: true}, "org_1", "rpt_stale"); err != nil || j.Status != StatusFailed || j.Error == "" {
		t.Errorf("stale: %+v, %v", j, err)
	}
}

func TestPutScheduleValidates(t *testing.T) {
	tests := []struct {
		name  string
		as    bo.Admin
		in    ScheduleChange
		code  string
		field string
		days  []string
	}{
		{name: "days in the week's order, any case", as: dean, in: ScheduleChange{ProgramIDs: []string{"prg_a", "prg_a"}, Days: []string{"Friday", "monday", " MONDAY"}},
			days: []string{"monday", "friday"}},
		{name: "off", as: dean, in: ScheduleChange{}, days: []string{}},
		{name: "a program admin", as: pam, in: ScheduleChange{ProgramIDs: []string{"prg_a"}, Days: []string{"monday"}}, code: bo.EFORBIDDEN},
		{name: "an unknown day", as: dean, in: ScheduleChange{ProgramIDs: []string{"prg_a"}, Days: []string{"someday"}}, code: bo.EINVALID, field: "days"},
		{name: "days without programs", as: dean, in: ScheduleChange{Days: []string{"monday"}}, code: bo.EINVALID, field: "programIds"},
		{name: "an unknown program", as: dean, in: ScheduleChange{ProgramIDs: []string{"prg_zz"}, Days: []string{"monday"}}, code: bo.EINVALID, field: "programIds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, _, _ := fakes()
			var saved []Schedule
			store := fakeStoreWithSchedules(svc, &saved)
			svc.store = store
			sch, err := svc.PutSchedule(t.Context(), bo.Caller{Email: tt.as.Email, EmailVerified: true}, "org_1", tt.in)
			if refused(t, err, tt.code, tt.field) {
				if len(saved) != 0 {
					t.Error("a refused schedule was saved")
				}
				return
			}
			if !slices.Equal(sch.Days, tt.days) || len(saved) != 1 || !slices.Equal(saved[0].Days, tt.days) || saved[0].UpdatedBy != dean.Email {
				t.Errorf("schedule %+v, saved %+v", sch, saved)
			}
		})
	}
}

// scheduleStore adds PutSchedule to a fakeStore.
type scheduleStore struct {
	fakeStore
	PutScheduleFn func(ctx context.Context, sch Schedule) error
}

func (s scheduleStore) PutSchedule(ctx context.Context, sch Schedule) error {
	return s.PutScheduleFn(ctx, sch)
}

func fakeStoreWithSchedules(svc *Service, saved *[]Schedule) scheduleStore {
	return scheduleStore{fakeStore: svc.store.(fakeStore), PutScheduleFn: func(_ context.Context, sch Schedule) error {
		*saved = append(*saved, sch)
		return nil
	}}
}

func TestRunDailyGroupsAdminsByTheirPrograms(t *testing.T) {
	svc, jobs, builds := fakes()
	store := svc.store.(fakeStore)
	store.ScheduledOrgsFn = func(_ context.Context, day, _ string) ([]string, string, error) {
		if day != "monday" {
			t.Errorf("day %q, want monday", day)
		}
		return []string{"org_1"}, "", nil
	}
	store.GetScheduleFn = func(context.Context, string) (Schedule, error) {
		return Schedule{OrgID: "org_1", ProgramIDs: []string{"prg_a", "prg_b", "prg_gone"}, Days: []string{"monday"}}, nil
	}
	dean2 := bo.Admin{OrgID: "org_1", Email: "dana@acme.edu", Role: bo.RoleOrgAdmin}
	pat := bo.Admin{OrgID: "org_1", Email: "pat@acme.edu", Role: bo.RoleProgramAdmin, ProgramIDs: []string{"prg_c"}}
	store.ListAdminsFn = func(context.Context, string, bo.Page) ([]bo.Admin, string, error) {
		return []bo.Admin{dean, dean2, pam, pat}, "", nil
	}
	svc.store = store
	monday := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	for range 2 {
		if err := svc.RunDaily(t.Context(), monday); err != nil {
			t.Fatal(err)
		}
	}
	if len(*jobs) != 2 {
		t.Fatalf("jobs %+v, want one for the org admins and one for pam", *jobs)
	}
	byPrograms := map[string]Job{}
	for _, j := range *jobs {
		byPrograms[j.ProgramIDs[len(j.ProgramIDs)-1]] = j
		if j.ScheduledFor != "2026-03-02" || j.Scope != ScopeActive || j.RequestedBy != "" {
			t.Errorf("job %+v", j)
		}
	}
	if j := byPrograms["prg_b"]; !slices.Equal(j.ProgramIDs, []string{"prg_a", "prg_b"}) || !slices.Equal(j.Recipients, []string{dean.Email, dean2.Email}) {
		t.Errorf("org admins' job %+v", j)
	}
	if j := byPrograms["prg_a"]; !slices.Equal(j.Recipients, []string{pam.Email}) {
		t.Errorf("pam's job %+v", j)
	}
	// The second run queued the same two jobs again (still queued), never new ones.
	if len(*builds) != 4 || (*builds)[0] != (*builds)[2] || (*builds)[1] != (*builds)[3] {
		t.Errorf("builds %+v", *builds)
	}
	// Once built, a job is not queued again.
	for i := range *jobs {
		(*jobs)[i].Status = StatusDone
	}
	if err := svc.RunDaily(t.Context(), monday.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if len(*builds) != 4 {
		t.Errorf("a run after the builds queued %d more", len(*builds)-4)
	}
	// Another weekday finds nothing to do here.
	store.ScheduledOrgsFn = func(context.Context, string, string) ([]string, string, error) { return nil, "", nil }
	svc.store = store
	if err := svc.RunDaily(t.Context(), monday.AddDate(0, 0, 1)); err != nil || len(*jobs) != 2 {
		t.Errorf("tuesday: %v, %d jobs", err, len(*jobs))
	}
}
