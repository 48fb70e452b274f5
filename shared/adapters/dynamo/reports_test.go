package dynamo_test

import (
	"slices"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reports"
)

func TestReportJobsAndProgress(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	j := reports.Job{ID: "rpt_1", OrgID: "org_1", Type: reports.TypeUsage, Scope: reports.ScopeActive, ProgramIDs: []string{"prg_a"},
		Status: reports.StatusQueued, Recipients: []string{"Dean@acme.edu"}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateReport(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateReport(ctx, j); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("a second create: %v, want conflict", err)
	}
	// Progress is written only to a running job.
	if err := s.SaveReportProgress(ctx, "org_1", "rpt_1", reports.Progress{File: reports.UsageFile, Rows: 10_000}, t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetReport(ctx, "org_1", "rpt_1"); got.Progress.Rows != 0 {
		t.Fatalf("a queued job took progress: %+v", got.Progress)
	}
	j.Status = reports.StatusRunning
	if err := s.UpdateReport(ctx, j); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(3e9)
	if err := s.SaveReportProgress(ctx, "org_1", "rpt_1", reports.Progress{File: reports.UsageFile, Rows: 20_000}, later); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetReport(ctx, "org_1", "rpt_1")
	if err != nil || got.Progress != (reports.Progress{File: reports.UsageFile, Rows: 20_000}) || !got.UpdatedAt.Equal(later) ||
		!slices.Equal(got.Recipients, []string{"Dean@acme.edu"}) {
		t.Fatalf("job %+v, %v", got, err)
	}
	sum := reports.Summary{TotalEnrollments: 3, EstimatedHours: 1.5, Rows: 9}
	got.Status, got.Summary = reports.StatusDone, &sum
	if err := s.UpdateReport(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetReport(ctx, "org_1", "rpt_1"); got.Summary == nil || *got.Summary != sum {
		t.Fatalf("summary %+v", got.Summary)
	}
	if _, err := s.GetReport(ctx, "org_2", "rpt_1"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("another org's report: %v", err)
	}
	if err := s.UpdateReport(ctx, reports.Job{ID: "rpt_none", OrgID: "org_1"}); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("updating a missing job: %v", err)
	}
}

func TestSchedulesAreListedUnderTheirDays(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	orgsOn := func(day string) []string {
		t.Helper()
		var all []string
		for cursor := ""; ; {
			ids, next, err := s.ScheduledOrgs(ctx, day, cursor)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ids...)
			if next == "" {
				return all
			}
			cursor = next
		}
	}
	if _, err := s.GetSchedule(ctx, "org_1"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("no schedule yet: %v", err)
	}
	for _, sch := range []reports.Schedule{
		{OrgID: "org_1", ProgramIDs: []string{"prg_a"}, Days: []string{"monday", "friday"}, UpdatedBy: "dean@acme.edu"},
		{OrgID: "org_2", ProgramIDs: []string{"prg_b"}, Days: []string{"monday"}},
	} {
		if err := s.PutSchedule(ctx, sch); err != nil {
			t.Fatal(err)
		}
	}
	if got := orgsOn("monday"); !slices.Equal(got, []string{"org_1", "org_2"}) {
		t.Errorf("monday: %v", got)
	}
	if got := orgsOn("friday"); !slices.Equal(got, []string{"org_1"}) {
		t.Errorf("friday: %v", got)
	}
	// Moving org_1 to Tuesday takes it off Monday and Friday.
	if err := s.PutSchedule(ctx, reports.Schedule{OrgID: "org_1", ProgramIDs: []string{"prg_a"}, Days: []string{"tuesday"}}); err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string][]string{"monday": {"org_2"}, "tuesday": {"org_1"}, "friday": nil} {
		if got := orgsOn(day); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", day, got, want)
		}
	}
	got, err := s.GetSchedule(ctx, "org_1")
	if err != nil || !slices.Equal(got.Days, []string{"tuesday"}) || !slices.Equal(got.ProgramIDs, []string{"prg_a"}) || got.UpdatedAt == nil {
		t.Fatalf("schedule %+v, %v", got, err)
	}
}
