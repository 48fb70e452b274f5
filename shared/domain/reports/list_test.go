package reports

import (
	"context"
	"slices"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestListNewestFirstPagedAndHeldToThePrograms(t *testing.T) {
	svc, jobs, _ := fakes()
	now := svc.Now()
	store := svc.store.(fakeStore)
	store.ListReportsFn = func(context.Context, string) ([]Job, error) { return slices.Clone(*jobs), nil }
	svc.store = store
	// Scheduled ids do not sort by time: the list sorts by creation.
	*jobs = []Job{
		{ID: "rpt_20260301_aa", OrgID: "org_1", ProgramIDs: []string{"prg_a"}, Status: StatusRunning, CreatedAt: now.Add(-3 * time.Hour), UpdatedAt: now},
		{ID: "rpt_06h_b", OrgID: "org_1", ProgramIDs: []string{"prg_a", "prg_b"}, Status: StatusQueued, CreatedAt: now.Add(-2 * time.Hour), UpdatedAt: now},
		{ID: "rpt_06h_c", OrgID: "org_1", ProgramIDs: []string{"prg_a"}, Status: StatusRunning, CreatedAt: now.Add(-time.Hour),
			UpdatedAt: now.Add(-StaleAfter - time.Second)},
	}
	ids := func(p JobsPage) []string {
		var out []string
		for _, j := range p.Items {
			out = append(out, j.ID)
		}
		return out
	}
	walk := func(c bo.Caller, limit int) []string {
		var out []string
		cursor := ""
		for range 10 {
			p, err := svc.List(t.Context(), c, "org_1", limit, cursor)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ids(p)...)
			if cursor = p.NextCursor; cursor == "" {
				return out
			}
		}
		t.Fatal("the cursor never ends")
		return nil
	}
	deanC, pamC := bo.Caller{Email: dean.Email, EmailVerified: true}, bo.Caller{Email: pam.Email, EmailVerified: true}
	if got := walk(deanC, 20); !slices.Equal(got, []string{"rpt_06h_c", "rpt_06h_b", "rpt_20260301_aa"}) {
		t.Errorf("org admin: %v", got)
	}
	if got := walk(deanC, 1); !slices.Equal(got, []string{"rpt_06h_c", "rpt_06h_b", "rpt_20260301_aa"}) {
		t.Errorf("org admin one a page: %v", got)
	}
	if got := walk(pamC, 1); !slices.Equal(got, []string{"rpt_06h_c", "rpt_20260301_aa"}) {
		t.Errorf("program admin: %v", got)
	}
	p, _ := svc.List(t.Context(), deanC, "org_1", 1, "")
	if p.Items[0].Status != StatusFailed {
		t.Errorf("a stale report is listed as %s", p.Items[0].Status)
	}
	if _, err := svc.List(t.Context(), deanC, "org_1", 101, ""); bo.ErrorCode(err) != bo.EINVALID {
		t.Errorf("limit 101: %v", err)
	}
	if _, err := svc.List(t.Context(), bo.Caller{Email: "eve@evil.org", EmailVerified: true}, "org_1", 0, ""); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Errorf("an outsider: %v", err)
	}
}
