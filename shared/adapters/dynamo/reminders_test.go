package dynamo_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

var reminderSaturday = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// seedInvitation writes a pending invitation of the world's program sent
// at sent, its email queued then, as an import would.
func (w *world) seedInvitation(t *testing.T, email string, sent time.Time) bo.Learner {
	t.Helper()
	l := bo.Learner{OrgID: w.org.ID, ProgramID: w.program.ID, Email: email, EmailKey: email, FullName: "Learner " + email,
		State: bo.StateInvited, ContractID: w.contract.ID, InvitationID: bo.NewID("inv", sent), InvitedAt: &sent, EmailQueuedAt: &sent,
		CreatedAt: sent, UpdatedAt: sent}
	if err := w.store.PutInvitationRow(context.Background(), l, nil); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestProgramIndexListsEveryProgramOfEveryOrg(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	want := map[string]bool{}
	var last bo.Program
	for o := range 2 {
		org := seedOrg(t, s, fmt.Sprintf("a%d@acme.edu", o))
		for i := range 5 {
			p := bo.Program{OrgID: org.ID, ID: bo.NewID("prg", t0), Name: "P", Slug: fmt.Sprintf("p-%s", bo.NewID("s", t0)[2:]), CreatedAt: t0, UpdatedAt: t0}
			if err := s.CreateProgram(ctx, p); err != nil {
				t.Fatal(err)
			}
			want[org.ID+"#"+p.ID] = i == 0
			last = p
		}
	}
	if _, err := s.SetInvitationReminders(ctx, last.OrgID, last.ID, false, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkProgramDeleting(ctx, last.OrgID, last.ID); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for shard := range dynamo.ProgramShards {
		after := ""
		for {
			page, err := s.ReminderPrograms(ctx, shard, after, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, p := range page {
				if got[p.Key] || p.Key != p.OrgID+"#"+p.ID || p.Key <= after {
					t.Fatalf("program %+v listed twice or out of order (after %q)", p, after)
				}
				got[p.Key] = true
				if wantOff := p.ID == last.ID; p.Off != wantOff || p.Deleting != wantOff || p.Name != "P" || p.Slug == "" {
					t.Errorf("program %+v: want off and deleting %v", p, wantOff)
				}
			}
			after = page[len(page)-1].Key
		}
	}
	if !maps.EqualFunc(got, want, func(bool, bool) bool { return true }) {
		t.Fatalf("listed %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
}

// TestPendingInvitationsWindows reads the window of each reminder at its
// edges: an invitation sent exactly at midnight of the Saturday a week
// before is in the first window; a millisecond earlier, in the second;
// the Saturday's own are in none; joined learners never.
func TestPendingInvitationsWindows(t *testing.T) {
	w := newWorld(t, 10)
	ctx := context.Background()
	ms := time.Millisecond
	sent := map[string]time.Time{
		"w1-start@acme.edu": reminderSaturday.AddDate(0, 0, -7),
		"w1-end@acme.edu":   reminderSaturday.Add(-ms),
		"w1-mid@acme.edu":   reminderSaturday.AddDate(0, 0, -3),
		"w2-end@acme.edu":   reminderSaturday.AddDate(0, 0, -7).Add(-ms),
		"w2-start@acme.edu": reminderSaturday.AddDate(0, 0, -14),
		"today@acme.edu":    reminderSaturday,
		"old@acme.edu":      reminderSaturday.AddDate(0, 0, -14).Add(-ms),
	}
	for i := range 12 {
		sent[fmt.Sprintf("many%02d@acme.edu", i)] = reminderSaturday.AddDate(0, 0, -5).Add(time.Duration(i) * time.Minute)
	}
	for e, at := range sent {
		w.seedInvitation(t, e, at)
	}
	joined := w.seedInvitation(t, "joined@acme.edu", reminderSaturday.AddDate(0, 0, -2))
	if _, err := w.store.Join(ctx, joined, time.Now()); err != nil {
		t.Fatal(err)
	}

	for _, win := range reminders.Windows(reminderSaturday) {
		want := map[string]bool{}
		for e, at := range sent {
			if win.Contains(at) {
				want[e] = true
			}
		}
		got := map[string]bool{}
		for shard := range dynamo.LearnerShards {
			after := ""
			for page := 0; ; page++ {
				invs, next, err := w.store.PendingInvitations(ctx, w.program.ID, shard, win, after, 2)
				if err != nil {
					t.Fatal(err)
				}
				for i, inv := range invs {
					if got[inv.EmailKey] || inv.State != bo.StateInvited || inv.InvitedAt == nil || !inv.InvitedAt.Equal(sent[inv.EmailKey]) {
						t.Fatalf("window %d: %+v listed twice or wrong", win.N, inv.Learner)
					}
					if i > 0 && invs[i-1].Key >= inv.Key {
						t.Fatalf("window %d: out of order: %s then %s", win.N, invs[i-1].Key, inv.Key)
					}
					got[inv.EmailKey] = true
				}
				if next == "" {
					break
				}
				if page > 20 {
					t.Fatal("the pages never end")
				}
				after = next
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("window %d: got %v, want %v", win.N, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
}

func (w *world) reminder(l bo.Learner, runID string) reminders.Reminder {
	return reminders.Reminder{
		ReminderKey: reminders.ReminderKey{ProgramID: l.ProgramID, EmailKey: l.EmailKey, Sent: *l.InvitedAt, N: 1},
		OrgID:       l.OrgID, Saturday: reminderSaturday, Campaign: reminders.Campaign(l.OrgID, l.ProgramID, reminderSaturday),
		Outcome: reminders.OutcomeQueued, RunID: runID, ClaimedAt: time.Now().UTC().Truncate(time.Millisecond),
	}
}

// TestClaimReminderOnce races runs for one reminder: one claims it and
// counts it; the others get its record. An invitation no longer pending
// cannot be claimed.
func TestClaimReminderOnce(t *testing.T) {
	w := newWorld(t, 10)
	ctx := context.Background()
	l := w.seedInvitation(t, "ada@acme.edu", reminderSaturday.AddDate(0, 0, -3))
	const n = 10
	prevs := make([]*reminders.Reminder, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			prevs[i], errs[i] = w.store.ClaimReminder(ctx, w.reminder(l, fmt.Sprintf("run-%d", i)), l.InvitationID)
		})
	}
	wg.Wait()
	won := -1
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if prevs[i] == nil {
			if won >= 0 {
				t.Fatalf("claims %d and %d both won", won, i)
			}
			won = i
		}
	}
	if won < 0 {
		t.Fatal("no claim won")
	}
	for i, p := range prevs {
		if p != nil && (p.RunID != fmt.Sprintf("run-%d", won) || p.Outcome != reminders.OutcomeQueued || p.QueuedAt != nil ||
			!p.Sent.Equal(*l.InvitedAt) || !p.Saturday.Equal(reminderSaturday) || p.OrgID != w.org.ID) {
			t.Errorf("claim %d saw %+v, want run-%d's", i, p, won)
		}
	}
	campaign := reminders.Campaign(w.org.ID, w.program.ID, reminderSaturday)
	if got, _ := w.store.CampaignCounts(ctx, campaign); !maps.Equal(got, map[string]int{"planned": 1, "queued": 1}) {
		t.Fatalf("counts %v, want one planned and queued", got)
	}

	// The second reminder of the same invitation is another claim; held
	// back for its reach, it counts so.
	r2 := w.reminder(l, "run-x")
	r2.N, r2.Outcome = 2, string(bo.Unsubscribed)
	if prev, err := w.store.ClaimReminder(ctx, r2, l.InvitationID); prev != nil || err != nil {
		t.Fatalf("second reminder: %+v, %v", prev, err)
	}
	if got, _ := w.store.CampaignCounts(ctx, campaign); !maps.Equal(got, map[string]int{"planned": 2, "queued": 1, "unsubscribed": 1}) {
		t.Fatalf("counts %v", got)
	}

	// A joined learner, or another invitation of the same person, is not pending.
	if _, err := w.store.ClaimReminder(ctx, w.reminder(l, "run-y"), "inv_other"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("claim for another invitation: %v, want ENOTFOUND", err)
	}
	other := w.seedInvitation(t, "bob@acme.edu", reminderSaturday.AddDate(0, 0, -3))
	if _, err := w.store.Join(ctx, other, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.ClaimReminder(ctx, w.reminder(other, "run-y"), other.InvitationID); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("claim for a member: %v, want ENOTFOUND", err)
	}
	if got, _ := w.store.CampaignCounts(ctx, campaign); got["planned"] != 2 {
		t.Fatalf("refused claims were counted: %v", got)
	}
}

func TestTakeOverAndMarkQueued(t *testing.T) {
	w := newWorld(t, 10)
	ctx := context.Background()
	l := w.seedInvitation(t, "ada@acme.edu", reminderSaturday.AddDate(0, 0, -3))
	r := w.reminder(l, "run-a")
	if _, err := w.store.ClaimReminder(ctx, r, l.InvitationID); err != nil {
		t.Fatal(err)
	}
	later := time.Now().UTC().Add(20 * time.Minute).Truncate(time.Millisecond)
	if ok, err := w.store.TakeOverReminder(ctx, r.ReminderKey, "run-x", "run-b", later); ok || err != nil {
		t.Fatalf("take over from the wrong run: %v, %v", ok, err)
	}
	if ok, err := w.store.TakeOverReminder(ctx, r.ReminderKey, "run-a", "run-b", later); !ok || err != nil {
		t.Fatalf("take over: %v, %v", ok, err)
	}
	prev, err := w.store.ClaimReminder(ctx, r, l.InvitationID)
	if err != nil || prev == nil || prev.RunID != "run-b" || !prev.ClaimedAt.Equal(later) {
		t.Fatalf("after the take-over: %+v, %v", prev, err)
	}
	if err := w.store.MarkReminderQueued(ctx, r.ReminderKey, later); err != nil {
		t.Fatal(err)
	}
	if ok, _ := w.store.TakeOverReminder(ctx, r.ReminderKey, "run-b", "run-c", later); ok {
		t.Fatal("a queued reminder was taken over")
	}
	if prev, _ := w.store.ClaimReminder(ctx, r, l.InvitationID); prev == nil || prev.QueuedAt == nil || !prev.QueuedAt.Equal(later) {
		t.Fatalf("queued reminder reads %+v", prev)
	}
}

func TestReminderRunRecord(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.GetReminderRun(ctx, reminderSaturday); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("no run yet: %v", err)
	}
	started := time.Now().UTC().Truncate(time.Millisecond)
	run := reminders.Run{Saturday: reminderSaturday, RunID: "run-a", StartedAt: started, UpdatedAt: started,
		Position: reminders.Position{ProgramShard: 2, ProgramAfter: "org_1#prg_1", Program: "org_1#prg_2", Stream: 9, After: "0001795012200123#ada@acme.edu"}}
	if err := s.SaveReminderRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetReminderRun(ctx, reminderSaturday)
	if err != nil || got.Position != run.Position || got.RunID != "run-a" || got.Done || !got.StartedAt.Equal(started) {
		t.Fatalf("run %+v, %v; want %+v", got, err, run)
	}
	run.Done, run.FinishedAt = true, &started
	if err := s.SaveReminderRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.Done, run.RunID = false, "run-b"
	if err := s.SaveReminderRun(ctx, run); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("saving over a done run: %v, want ECONFLICT", err)
	}
	if got, _ := s.GetReminderRun(ctx, reminderSaturday); !got.Done || got.RunID != "run-a" || got.FinishedAt == nil {
		t.Fatalf("done run became %+v", got)
	}
}

func TestProgramReminderSwitchAndLastRun(t *testing.T) {
	w := newWorld(t, 10)
	ctx := context.Background()
	p, err := w.store.SetInvitationReminders(ctx, w.org.ID, w.program.ID, false, time.Now())
	if err != nil || !p.Reminders.Off || p.ID != w.program.ID || p.Name != w.program.Name {
		t.Fatalf("switch off: %+v, %v", p, err)
	}
	for _, d := range []string{"2026-11-21", "2026-11-28", "2026-11-21"} {
		day, _ := time.Parse(reminders.DateLayout, d)
		if err := w.store.MarkRemindersRun(ctx, w.org.ID, w.program.ID, day); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.store.GetProgram(ctx, w.org.ID, w.program.ID)
	if err != nil || got.Reminders != (bo.ProgramReminders{Off: true, LastRun: "2026-11-28"}) {
		t.Fatalf("program reminders %+v, %v", got.Reminders, err)
	}
	if p, _ := w.store.SetInvitationReminders(ctx, w.org.ID, w.program.ID, true, time.Now()); p.Reminders.Off || p.Reminders.LastRun != "2026-11-28" {
		t.Fatalf("switch on: %+v", p.Reminders)
	}
	if _, err := w.store.SetInvitationReminders(ctx, w.org.ID, "prg_nope", true, time.Now()); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("unknown program: %v", err)
	}
	if err := w.store.MarkRemindersRun(ctx, w.org.ID, "prg_nope", reminderSaturday); err != nil {
		t.Fatalf("a program deleted since: %v", err)
	}
	if _, err := w.store.GetProgram(ctx, w.org.ID, "prg_nope"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("marking a deleted program's run created it: %v", err)
	}
}
