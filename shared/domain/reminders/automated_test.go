package reminders_test

import (
	"context"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

type fakeAdmins struct {
	listPrograms      func(ctx context.Context, caller bo.Caller, orgID string, page bo.Page) ([]bo.Program, string, error)
	authorizeOrgAdmin func(ctx context.Context, caller bo.Caller, orgID string) error
}

func (f fakeAdmins) ListPrograms(ctx context.Context, caller bo.Caller, orgID string, page bo.Page) ([]bo.Program, string, error) {
	return f.listPrograms(ctx, caller, orgID, page)
}

func (f fakeAdmins) AuthorizeOrgAdmin(ctx context.Context, caller bo.Caller, orgID string) error {
	return f.authorizeOrgAdmin(ctx, caller, orgID)
}

type fakeSettings struct {
	set    func(ctx context.Context, orgID, programID string, on bool, at time.Time) (bo.Program, error)
	counts func(ctx context.Context, campaign string) (map[string]int, error)
}

func (f fakeSettings) SetInvitationReminders(ctx context.Context, orgID, programID string, on bool, at time.Time) (bo.Program, error) {
	return f.set(ctx, orgID, programID, on, at)
}

func (f fakeSettings) CampaignCounts(ctx context.Context, campaign string) (map[string]int, error) {
	return f.counts(ctx, campaign)
}

func TestListShowsEachProgramsReminderWithItsLastRun(t *testing.T) {
	programs := []bo.Program{
		{OrgID: "org_a", ID: "p1", Name: "Data", Reminders: bo.ProgramReminders{LastRun: "2026-11-28"}},
		{OrgID: "org_a", ID: "p2", Name: "Cloud", Reminders: bo.ProgramReminders{Off: true}},
	}
	svc := reminders.NewService(fakeAdmins{
		listPrograms: func(_ context.Context, _ bo.Caller, orgID string, page bo.Page) ([]bo.Program, string, error) {
			if orgID != "org_a" || page.Limit != 10 {
				t.Fatalf("ListPrograms(%s, %+v)", orgID, page)
			}
			return programs, "next", nil
		},
	}, fakeSettings{counts: func(_ context.Context, campaign string) (map[string]int, error) {
		if campaign != "reminder/org_a/p1/2026-11-28" {
			t.Fatalf("counts of %s", campaign)
		}
		return map[string]int{"planned": 5, "queued": 4, "sent": 3, "suppressed": 1, "unsubscribed": 1, "failed": 0}, nil
	}}, 7)
	items, next, err := svc.List(t.Context(), bo.Caller{}, "org_a", bo.Page{Limit: 10})
	if err != nil || next != "next" || len(items) != 2 {
		t.Fatalf("List = %+v, %q, %v", items, next, err)
	}
	first := items[0]
	if first.ID != "invitation-reminder" || !first.Enabled || first.Program != (reminders.ProgramRef{ID: "p1", Name: "Data"}) ||
		first.Schedule != "First and second Saturday after the invitation was sent, 07:00 UTC" || first.Audience == "" || first.Purpose == "" {
		t.Errorf("first %+v", first)
	}
	want := reminders.LastRun{Date: "2026-11-28", Counts: bo.CampaignCounts{Planned: 5, Queued: 4, Sent: 3, Suppressed: 1, Unsubscribed: 1}}
	if first.LastRun == nil || *first.LastRun != want {
		t.Errorf("last run %+v, want %+v", first.LastRun, want)
	}
	if items[1].Enabled || items[1].LastRun != nil {
		t.Errorf("second %+v: want off, never run", items[1])
	}
}

func TestSwitchIsForOrgAdminsAndNeedsEnabled(t *testing.T) {
	var switched *bool
	svc := reminders.NewService(fakeAdmins{authorizeOrgAdmin: func(_ context.Context, c bo.Caller, _ string) error {
		if c.Email != "dean@acme.edu" {
			return bo.Errorf(bo.EFORBIDDEN, "only org admins")
		}
		return nil
	}}, fakeSettings{set: func(_ context.Context, _, programID string, on bool, _ time.Time) (bo.Program, error) {
		if programID == "nope" {
			return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "no program")
		}
		switched = &on
		return bo.Program{ID: programID, Name: "Data", Reminders: bo.ProgramReminders{Off: !on}}, nil
	}}, 9)
	off, on := false, true
	tests := []struct {
		name   string
		caller string
		in     reminders.Switch
		prog   string
		code   string
	}{
		{"a program admin", "pa@acme.edu", reminders.Switch{Enabled: &off}, "p1", bo.EFORBIDDEN},
		{"without enabled", "dean@acme.edu", reminders.Switch{}, "p1", bo.EINVALID},
		{"an unknown program", "dean@acme.edu", reminders.Switch{Enabled: &off}, "nope", bo.ENOTFOUND},
		{"off", "dean@acme.edu", reminders.Switch{Enabled: &off}, "p1", ""},
		{"on", "dean@acme.edu", reminders.Switch{Enabled: &on}, "p1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switched = nil
			m, err := svc.SetInvitationReminder(t.Context(), bo.Caller{Email: tt.caller}, "org_a", tt.prog, tt.in)
			if bo.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want code %q", err, tt.code)
			}
			if tt.code != "" {
				if switched != nil {
					t.Fatal("switched on a refused request")
				}
				return
			}
			if switched == nil || *switched != *tt.in.Enabled || m.Enabled != *tt.in.Enabled {
				t.Fatalf("switched %v, answer %+v; want %v", switched, m, *tt.in.Enabled)
			}
		})
	}
}
