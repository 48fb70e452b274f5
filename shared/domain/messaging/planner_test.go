package messaging

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// send drafts a message with the draft, sends it and returns it.
func (w *world) send(t *testing.T, caller bo.Caller, d Draft) Message {
	t.Helper()
	m, err := w.svc.Create(context.Background(), caller, "org1", d)
	if err != nil {
		t.Fatal(err)
	}
	if m, err = w.svc.Send(context.Background(), caller, "org1", m.ID, true); err != nil {
		t.Fatal(err)
	}
	return m
}

func (w *world) counts(t *testing.T, m Message) bo.CampaignCounts {
	t.Helper()
	got, err := w.svc.Get(context.Background(), w.boss, "org1", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Counts
}

// TestPlanOneEmailEach plans a message to the invitees of two programs
// that share learners, with a suppressed and an unsubscribed address, in
// chunks of 50, every plan item delivered twice: each reachable learner
// gets one email, with the org's logo, each counted once.
func TestPlanOneEmailEach(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.planner.cfg.ItemRecipients = 50
	inv := bo.Learner{State: bo.StateInvited}
	w.members("p1", "a", 230, inv)
	w.members("p2", "a", 120, inv) // a0000..a0119 are in both programs
	w.members("p2", "b", 40, inv)
	w.members("p1", "m", 10, bo.Learner{State: bo.StateMember}) // members: not in the audience
	org := w.store.orgs["org1"]
	org.Brand.LogoKey = "logos/org1/logo_1"
	w.store.orgs["org1"] = org
	w.store.reach["a0003@acme.edu"] = bo.Suppressed
	if err := w.store.OptOut(ctx, "org1", "b0007@acme.edu", w.now); err != nil {
		t.Fatal(err)
	}
	w.store.OptOut(ctx, "org2", "a0004@acme.edu", w.now) // another org's opt-out changes nothing here

	m := w.send(t, w.boss, Draft{Preset: PresetRemindToJoin})
	items := w.drain(t, true)

	emails := w.outbox.byID()
	if len(emails) != 268 { // 230 + 40 addresses, less one suppressed and one unsubscribed
		t.Fatalf("%d emails, want 268", len(emails))
	}
	e, ok := emails[EmailID("org1", m.ID, "a0150@acme.edu")]
	if !ok || e.To != "a0150@acme.edu" || e.Campaign != "message/org1/"+m.ID || e.Template != mail.TemplateAdminMessage ||
		e.UnsubscribeURL != (links{}).URL("org1", "a0150@acme.edu") || e.Data["UnsubscribeURL"] != e.UnsubscribeURL ||
		e.FromName != "Dean Moriarty" || e.ReplyTo != "Dean@acme.edu" || e.OrgID != "org1" || e.Logo == nil || *e.Logo != (mail.Logo{Alt: "Acme"}) ||
		e.Data["Subject"] != "Your invitation to Data Skills is waiting" || !strings.Contains(e.Data["Content"], "Hi Learner a150,") ||
		e.Data["ActionURL"] != "https://learn.example.com/programs/data-skills" {
		t.Fatalf("email to a0150: %+v", e)
	}
	if b := emails[EmailID("org1", m.ID, "b0001@acme.edu")]; b.Data["ProgramName"] != "Leadership" {
		t.Fatalf("email to b0001 names %q", b.Data["ProgramName"])
	}
	for _, k := range []string{"a0003@acme.edu", "b0007@acme.edu", "m0001@acme.edu"} {
		if _, ok := emails[EmailID("org1", m.ID, k)]; ok {
			t.Errorf("an email to %s", k)
		}
	}
	want := bo.CampaignCounts{Planned: 270, Queued: 268, Suppressed: 1, Unsubscribed: 1}
	if got := w.counts(t, m); got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
	if got, _ := w.store.GetMessage(ctx, "org1", m.ID); got.Status != StatusSent || got.SentAt == nil {
		t.Fatalf("message after planning: %s", got.Status)
	}
	if items != 4 { // p1: 100, 100, 30 + p2's first 100, then p2's last 60
		t.Fatalf("%d plan items, want 4: an item delivered twice is dropped the second time, not forked", items)
	}
	// A plan item delivered once more after the end changes nothing.
	before := len(w.outbox.sent)
	if err := w.planner.Plan(ctx, PlanItem{Kind: PlanKind, OrgID: "org1", MessageID: m.ID}); err != nil || len(w.outbox.sent) != before {
		t.Fatalf("a late redelivery: %v, %d more emails", err, len(w.outbox.sent)-before)
	}
}

// TestPlanRecoversFromFailures makes pages fail half-way (the outbox, then
// a cap write) and redelivers the item: no recipient is lost, none
// counted twice.
func TestPlanRecoversFromFailures(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.members("p1", "j", 250, bo.Learner{State: bo.StateMember})
	m := w.send(t, w.boss, Draft{Preset: PresetRemindToEnroll})
	it, _ := w.plans.take()

	publishes := 0
	w.outbox.fail = func([]mail.Message) error {
		if publishes++; publishes == 2 {
			return errors.New("SQS is down")
		}
		return nil
	}
	if err := w.planner.Plan(ctx, it); err == nil {
		t.Fatal("the plan went through a failed publish")
	}
	w.outbox.fail = nil
	var capWrites sync.Map
	w.store.putCap = func(_, emailKey string) error {
		if emailKey == "j0230@acme.edu" {
			if _, again := capWrites.LoadOrStore(emailKey, true); !again {
				return errors.New("throttled")
			}
		}
		return nil
	}
	if err := w.planner.Plan(ctx, it); err == nil {
		t.Fatal("the plan went through a failed cap write")
	}
	for range 2 {
		if err := w.planner.Plan(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(w.outbox.byID()); n != 250 {
		t.Fatalf("%d emails, want 250", n)
	}
	if got := w.counts(t, m); got != (bo.CampaignCounts{Planned: 250, Queued: 250}) {
		t.Fatalf("counts %+v", got)
	}
	for k, c := range w.store.caps {
		if len(c.Sends) != 1 {
			t.Fatalf("cap of %s holds %v, want the one message", k, c.Sends)
		}
	}
}

func TestCapHoldsMessagesBeyondIt(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.members("p1", "c", 30, bo.Learner{State: bo.StateMember})
	var sent []Message
	for i := range 4 {
		m := w.send(t, w.boss, Draft{Preset: PresetRemindToEnroll, Change: Change{Subject: ptr(fmt.Sprint("Message ", i))}})
		w.drain(t, i == 3) // the capped one delivered twice
		sent = append(sent, m)
		w.now = w.now.Add(time.Hour)
	}
	for i, m := range sent[:3] {
		if got := w.counts(t, m); got != (bo.CampaignCounts{Planned: 30, Queued: 30}) {
			t.Fatalf("message %d: %+v", i, got)
		}
	}
	if got := w.counts(t, sent[3]); got != (bo.CampaignCounts{Planned: 30, Capped: 30}) {
		t.Fatalf("the fourth message: %+v, want all capped", got)
	}
	if n := len(w.outbox.byID()); n != 90 {
		t.Fatalf("%d emails, want 90", n)
	}
	// A week after the first, there is room for one more.
	w.now = w.now.Add(7 * 24 * time.Hour)
	m := w.send(t, w.boss, Draft{Preset: PresetRemindToEnroll})
	w.drain(t, false)
	if got := w.counts(t, m); got.Queued != 30 {
		t.Fatalf("a week later: %+v", got)
	}
	// An org with a cap of 1 in 30 days holds the next one.
	if _, err := w.svc.PutSettings(ctx, w.boss, "org1", Settings{CapLimit: 1, CapWindowDays: 30}); err != nil {
		t.Fatal(err)
	}
	m = w.send(t, w.boss, Draft{Preset: PresetRemindToEnroll})
	w.drain(t, false)
	if got := w.counts(t, m); got.Capped != 30 || got.Queued != 0 {
		t.Fatalf("under a cap of 1: %+v", got)
	}
}

// TestCapHoldsUnderConcurrentMessages plans two messages at once to the
// same learners under a cap of one: each learner gets exactly one.
func TestCapHoldsUnderConcurrentMessages(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.store.settings["org1"] = Settings{CapLimit: 1, CapWindowDays: 7}
	w.members("p1", "r", 200, bo.Learner{State: bo.StateMember})
	a := w.send(t, w.boss, Draft{Preset: PresetRemindToEnroll})
	b := w.send(t, w.boss, Draft{Preset: PresetRemindToEnroll})
	var wg sync.WaitGroup
	for _, it := range w.plans.items {
		wg.Go(func() {
			if err := w.planner.Plan(ctx, it); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	ca, cb := w.counts(t, a), w.counts(t, b)
	if ca.Queued+cb.Queued != 200 || ca.Capped+cb.Capped != 200 {
		t.Fatalf("counts %+v and %+v: want 200 queued and 200 capped between them", ca, cb)
	}
	to := map[string]int{}
	for _, e := range w.outbox.byID() {
		to[e.To]++
	}
	for addr, n := range to {
		if n != 1 {
			t.Fatalf("%s got %d emails", addr, n)
		}
	}
}

func TestPlanFilters(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	recent, old := now.AddDate(0, 0, -3), now.AddDate(0, 0, -60)
	tests := []struct {
		name     string
		audience Audience
		want     []string // local parts of the addresses emailed
	}{
		{"invitees", Audience{Status: bo.MemberInvitedNever}, []string{"inv"}},
		{"members without enrollment", Audience{Status: bo.MemberNoEnrollments}, []string{"idle", "p2only"}},
		{"enrolled without completion", Audience{Status: bo.MemberNoCompletions}, []string{"busy", "gone"}},
		{"inactive 30 days", Audience{Status: bo.MemberInactive30}, []string{"gone"}},
		{"completed in 30 days", Audience{Status: bo.MemberCompleted30}, []string{"star"}},
		{"on contract c2", Audience{Status: bo.MemberJoined, ContractIDs: []string{"c2"}}, []string{"star"}},
		{"enrolled in k1 or k2", Audience{Status: bo.MemberJoined, CourseIDs: []string{"k1", "k2"}}, []string{"busy", "gone", "star"}},
		{"of program p2 only", Audience{Status: bo.MemberJoined, ProgramIDs: []string{"p2"}}, []string{"p2only"}},
		{"picked by hand", Audience{Learners: &LearnerList{ProgramID: "p1", Emails: []string{"star@acme.edu", "inv@acme.edu", "out@acme.edu", "nobody@acme.edu"}}},
			[]string{"inv", "star"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.now = now
			add := func(p, name string, l bo.Learner) {
				l.Email, l.FullName = name+"@acme.edu", name
				if l.State == "" {
					l.State = bo.StateMember
				}
				if l.ContractID == "" {
					l.ContractID = "c1"
				}
				w.store.addLearner(p, l)
			}
			add("p1", "inv", bo.Learner{State: bo.StateInvited})
			add("p1", "idle", bo.Learner{LastActivityAt: &recent})
			add("p1", "busy", bo.Learner{CurrentEnrollments: 1, CurrentItems: []string{"k1"}, LastActivityAt: &recent})
			add("p1", "gone", bo.Learner{CurrentEnrollments: 1, CurrentItems: []string{"k2"}, LastActivityAt: &old})
			add("p1", "star", bo.Learner{CurrentEnrollments: 1, CurrentItems: []string{"k1", "k2"}, Completions: 1, LastCompletionAt: &recent,
				LastActivityAt: &recent, ContractID: "c2"})
			add("p1", "out", bo.Learner{State: bo.StateDeletedMember})
			add("p2", "p2only", bo.Learner{})
			m := w.send(t, w.boss, Draft{Change: Change{Subject: ptr("S"), Content: ptr("C"), Audience: &tt.audience}})
			w.drain(t, false)
			var got []string
			for _, e := range w.outbox.byID() {
				got = append(got, strings.TrimSuffix(e.To, "@acme.edu"))
			}
			if strings.Join(sorted(got), ",") != strings.Join(tt.want, ",") {
				t.Fatalf("emailed %v, want %v", sorted(got), tt.want)
			}
			if c := w.counts(t, m); c.Planned != len(tt.want) {
				t.Fatalf("planned %d, want %d", c.Planned, len(tt.want))
			}
		})
	}
}

// sorted returns the distinct strings of ss in order.
func sorted(ss []string) []string {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return slices.Sorted(maps.Keys(m))
}

func TestPlanItemsThatAreNotPlans(t *testing.T) {
	w := newWorld(t)
	for _, body := range []string{"", "{}", `{"kind":"delete-program","orgId":"o","messageId":"m"}`, `{"kind":"plan-message"}`} {
		if err := w.planner.Handle(context.Background(), body); err == nil {
			t.Errorf("Handle(%q) = nil, want an error", body)
		}
	}
	if err := w.planner.Handle(context.Background(), `{"kind":"plan-message","orgId":"org1","messageId":"gone"}`); err != nil {
		t.Errorf("an item of an unknown message: %v, want it dropped", err)
	}
}

// TestPlanContinuesBeforeTheDeadline gives the planner a context whose
// deadline is within its reserve: it plans one page, then hands the rest on.
func TestPlanContinuesBeforeTheDeadline(t *testing.T) {
	w := newWorld(t)
	w.members("p1", "d", 350, bo.Learner{State: bo.StateMember})
	w.send(t, w.boss, Draft{Preset: PresetRemindToEnroll})
	it, _ := w.plans.take()
	// The deadline is a second away on the planner's clock (the reserve is
	// 20 s); a real one-second timeout would also end the work on a busy
	// machine before the first page is planned.
	ctx := clockDeadline{Context: context.Background(), at: w.now.Add(time.Second)}
	if err := w.planner.Plan(ctx, it); err != nil {
		t.Fatal(err)
	}
	next, ok := w.plans.take()
	if !ok || next.Segment != 0 || next.Cursor != "d0099@acme.edu" || len(w.outbox.byID()) != 100 {
		t.Fatalf("continuation %+v (%v) after %d emails; want one after the first page of 100", next, ok, len(w.outbox.byID()))
	}
}

// clockDeadline is the context of an invocation whose deadline is a time of
// the test's clock; it never expires on the real one.
type clockDeadline struct {
	context.Context
	at time.Time
}

func (c clockDeadline) Deadline() (time.Time, bool) { return c.at, true }

// TestPlanningDoesNotFork crashes a plan item after it queued its
// continuation and before it moved the frontier: the continuation runs
// first (moving the frontier itself), the crashed item's redelivery is
// dropped as stale, and every recipient is planned once.
func TestPlanningDoesNotFork(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.planner.cfg.ItemRecipients = 100
	w.members("p1", "f", 300, bo.Learner{State: bo.StateMember})
	m := w.send(t, w.boss, Draft{Preset: PresetRemindToEnroll})
	first, _ := w.plans.take()
	w.store.advancePlan = func() error { return errors.New("the function timed out") }
	if err := w.planner.Plan(ctx, first); err == nil {
		t.Fatal("the crashed item succeeded")
	}
	w.store.advancePlan = nil
	second, ok := w.plans.take()
	if !ok || second.After != "" || second.Cursor == "" {
		t.Fatalf("continuation %+v, %v", second, ok)
	}
	if err := w.planner.Plan(ctx, second); err != nil { // before the crashed item's redelivery
		t.Fatal(err)
	}
	if err := w.planner.Plan(ctx, first); err != nil { // the redelivery: stale, dropped
		t.Fatal(err)
	}
	if n := w.drain(t, false); n != 2 { // the last page of p1, then p2 (the org's other program)
		t.Fatalf("%d more plan items, want 2: the second's continuation and its own", n)
	}
	if n := len(w.outbox.byID()); n != 300 {
		t.Fatalf("%d emails, want 300", n)
	}
	if got := w.counts(t, m); got != (bo.CampaignCounts{Planned: 300, Queued: 300}) {
		t.Fatalf("counts %+v", got)
	}
}

// TestConcurrentCopiesOfAPlanItemStayAPair delivers every plan item twice
// at once: both copies may plan the chunk and queue its continuation, but
// the copies stay a pair (the continuation's second copy finds the
// frontier moved and is dropped, or runs as the pair's other half); they
// never multiply, and every recipient is planned and counted once.
func TestConcurrentCopiesOfAPlanItemStayAPair(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.planner.cfg.ItemRecipients = 100
	w.members("p1", "k", 1000, bo.Learner{State: bo.StateMember})
	m := w.send(t, w.boss, Draft{Preset: PresetRemindToEnroll})
	items := 0
	for {
		it, ok := w.plans.take()
		if !ok {
			break
		}
		items++
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if err := w.planner.Plan(ctx, it); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := len(w.outbox.byID()); n != 1000 {
		t.Fatalf("%d emails, want 1000", n)
	}
	if got := w.counts(t, m); got != (bo.CampaignCounts{Planned: 1000, Queued: 1000}) {
		t.Fatalf("counts %+v", got)
	}
	if items > 2*11 { // 10 pages of p1, then p2
		t.Fatalf("%d plan items for 11 chunks: the copies multiplied", items)
	}
}
