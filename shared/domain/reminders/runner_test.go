package reminders_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

// world is the fixture of the run's tests: two orgs, four programs (one
// switched off, one being deleted) and invitations sent at chosen moments
// around the Saturday 2026-11-28.
type world struct {
	store  *memStore
	outbox *fakeOutbox
	clock  *clock
	sent   map[string]time.Time // email -> sent, of the invitations that get reminders
}

var saturday = date("2026-11-28")

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{store: newMemStore(), outbox: &fakeOutbox{}, clock: &clock{now: at("2026-11-28T09:00:00Z"), step: time.Millisecond},
		sent: map[string]time.Time{}}
	s := w.store
	s.addOrg("org_a", "Acme")
	s.addOrg("org_b", "Beta")
	s.addProgram(reminders.Program{OrgID: "org_a", ID: "p1", Name: "Data", Tagline: "Learn data", Slug: "data"}, 0)
	s.addProgram(reminders.Program{OrgID: "org_b", ID: "p2", Name: "Cloud", Slug: "cloud"}, 1)
	s.addProgram(reminders.Program{OrgID: "org_a", ID: "p3", Name: "Off", Slug: "off", Off: true}, 1)
	s.addProgram(reminders.Program{OrgID: "org_b", ID: "p4", Name: "Going", Slug: "going", Deleting: true}, 0)
	due := func(program, org, email, sent string) {
		w.sent[program+"/"+email] = at(sent)
		s.invite(program, org, email, at(sent))
	}
	due("p1", "org_a", "first@acme.edu", "2026-11-24T10:00:00Z")          // Tuesday: first reminder
	due("p1", "org_a", "sat@acme.edu", "2026-11-21T00:00:00Z")            // Saturday midnight: first reminder a week on
	due("p1", "org_a", "second@acme.edu", "2026-11-16T08:00:00Z")         // Monday a fortnight ago: second reminder
	due("p1", "org_a", "fri@acme.edu", "2026-11-20T23:59:59.999Z")        // Friday night: reminded on the 21st, now the second
	s.invite("p1", "org_a", "today@acme.edu", at("2026-11-28T08:00:00Z")) // today: first reminder next week
	s.invite("p1", "org_a", "old@acme.edu", at("2026-11-13T12:00:00Z"))   // reminded on the 14th and 21st: no third
	m := s.invite("p1", "org_a", "member@acme.edu", at("2026-11-24T10:00:00Z"))
	m.State = bo.StateMember
	s.setLearner(m)
	q := s.invite("p1", "org_a", "quiet@acme.edu", at("2026-11-24T10:00:00Z")) // invited without an email
	q.EmailQueuedAt = nil
	s.setLearner(q)
	s.invite("p1", "org_a", "bounced@acme.edu", at("2026-11-24T10:00:00Z"))
	s.reach["bounced@acme.edu"] = bo.Suppressed
	s.invite("p1", "org_a", "optout@acme.edu", at("2026-11-25T10:00:00Z"))
	s.reach["optout@acme.edu"] = bo.Unsubscribed
	for i := range 7 { // more than a page in some shard
		due("p2", "org_b", fmt.Sprintf("c%d@beta.io", i), fmt.Sprintf("2026-11-2%dT1%d:00:00Z", 1+i%6, i))
	}
	s.invite("p3", "org_a", "off@acme.edu", at("2026-11-24T10:00:00Z"))
	s.invite("p4", "org_b", "going@beta.io", at("2026-11-24T10:00:00Z"))
	return w
}

func (w *world) runner() *reminders.Runner {
	r := reminders.NewRunner(w.store, w.outbox, fakeLinks{}, reminders.Config{LearnerAppURL: "https://learn.example.com/",
		ProgramShards: programShards, LearnerShards: learnerShards}, slog.New(slog.DiscardHandler))
	r.PageSize, r.Reserve, r.Now = 2, 0, w.clock.Now
	return r
}

// wantIDs are the mail IDs of the reminders due on the Saturday.
func (w *world) wantIDs(saturday time.Time) map[string]int {
	out := map[string]int{}
	for k, sent := range w.sent {
		program, email, _ := cut(k)
		if n := reminders.ReminderOn(sent, saturday); n > 0 {
			out[reminders.MessageID(program, email, sent, n)] = 1
		}
	}
	return out
}

func cut(k string) (string, string, bool) {
	for i := range k {
		if k[i] == '/' {
			return k[:i], k[i+1:], true
		}
	}
	return k, "", false
}

func TestRunRemindsEveryDueInviteeOnce(t *testing.T) {
	w := newWorld(t)
	report, err := w.runner().Run(t.Context(), saturday, "run-a")
	if err != nil {
		t.Fatal(err)
	}
	want := reminders.Report{Saturday: "2026-11-28", Done: true, Programs: 2, ProgramsOff: 2, Queued: 11, Suppressed: 1, Unsubscribed: 1}
	if report != want {
		t.Errorf("report %+v, want %+v", report, want)
	}
	if got, wantIDs := w.outbox.ids(), w.wantIDs(saturday); !maps.Equal(got, wantIDs) {
		t.Fatalf("queued %v, want %v", got, wantIDs)
	}
	for campaign, want := range map[string]map[string]int{
		"reminder/org_a/p1/2026-11-28": {"planned": 6, "queued": 4, "suppressed": 1, "unsubscribed": 1},
		"reminder/org_b/p2/2026-11-28": {"planned": 7, "queued": 7},
	} {
		if got := w.store.counts[campaign]; !maps.Equal(got, want) {
			t.Errorf("%s counts %v, want %v", campaign, got, want)
		}
	}
	if len(w.store.counts) != 2 {
		t.Errorf("campaigns %v, want the two programs switched on", slices.Collect(maps.Keys(w.store.counts)))
	}
	if want := map[string]string{"p1": "2026-11-28", "p2": "2026-11-28"}; !maps.Equal(w.store.lastRun, want) {
		t.Errorf("last runs %v, want %v", w.store.lastRun, want)
	}

	// The schedule fires again: the Saturday is done, nothing more is queued.
	again, err := w.runner().Run(t.Context(), saturday.Add(5*time.Hour), "run-b")
	if err != nil || !again.AlreadyDone || again.Queued != 0 {
		t.Fatalf("second run %+v, %v; want it already done", again, err)
	}
	if n := len(w.outbox.msgs); n != 11 {
		t.Fatalf("%d messages after the second run, want 11", n)
	}
}

// TestReminderMessage: a reminder carries the learner, the program, the
// join link, the org's brand colour, invitation message and logo, and
// renders with the message escaped and the colour on its button.
func TestReminderMessage(t *testing.T) {
	w := newWorld(t)
	org := w.store.orgs["org_a"]
	org.Brand.Color, org.Brand.InvitationMessage, org.Brand.LogoKey = "#0a66c2", "Welcome <b>all</b>", "logos/org_a/logo_1"
	w.store.orgs["org_a"] = org
	if _, err := w.runner().Run(t.Context(), saturday, "run-a"); err != nil {
		t.Fatal(err)
	}
	sent := at("2026-11-24T10:00:00Z")
	id := reminders.MessageID("p1", "first@acme.edu", sent, 1)
	var m mail.Message
	for _, x := range w.outbox.msgs {
		if x.ID == id {
			m = x
		}
	}
	want := mail.Message{
		ID: id, To: "first@acme.edu", Template: mail.TemplateInvitationReminder, OrgID: "org_a",
		Campaign: "reminder/org_a/p1/2026-11-28", UnsubscribeURL: "https://api.example.com/v1/unsubscribe/org_a.first@acme.edu",
		Data: map[string]string{
			"LearnerName": "Learner first@acme.edu", "LearnerEmail": "first@acme.edu", "OrgName": "Acme", "ProgramName": "Data",
			"ProgramTagline": "Learn data", "JoinURL": "https://learn.example.com/programs/data", "InvitedOn": "24 November 2026",
			"UnsubscribeURL": "https://api.example.com/v1/unsubscribe/org_a.first@acme.edu", "Message": "Welcome <b>all</b>",
			"BrandColor": "#0a66c2",
		},
	}
	if m.ID != want.ID || m.To != want.To || m.Template != want.Template || m.OrgID != want.OrgID || m.Campaign != want.Campaign ||
		m.UnsubscribeURL != want.UnsubscribeURL || !maps.Equal(m.Data, want.Data) || m.Logo == nil || *m.Logo != (mail.Logo{Alt: "Acme"}) {
		t.Fatalf("message\n %+v\nwant\n %+v", m, want)
	}
	r, err := mail.Render(m)
	if err != nil {
		t.Fatalf("the reminder does not render: %v", err)
	}
	for _, want := range []string{"Welcome &lt;b&gt;all&lt;/b&gt;", "background-color:#0a66c2"} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("the reminder's HTML lacks %q:\n%s", want, r.HTML)
		}
	}
	if !strings.Contains(r.Text, "Welcome <b>all</b>") {
		t.Errorf("the reminder's text lacks the message:\n%s", r.Text)
	}
}

// TestEveryInvitationIsRemindedTwice runs five Saturdays in a row, each
// twice: every invitation with its email sent and still pending gets
// exactly two reminders, on the first and second Saturday after it.
func TestEveryInvitationIsRemindedTwice(t *testing.T) {
	w := newWorld(t)
	w.sent["p1/today@acme.edu"] = at("2026-11-28T08:00:00Z")
	for week := range 5 {
		day := saturday.AddDate(0, 0, 7*week)
		for _, run := range []string{"a", "b"} {
			if _, err := w.runner().Run(t.Context(), day, fmt.Sprintf("%s-%d", run, week)); err != nil {
				t.Fatal(err)
			}
		}
	}
	perInvitation := map[string]int{}
	for id, n := range w.outbox.ids() {
		if n != 1 {
			t.Errorf("%s queued %d times", id, n)
		}
		perInvitation[id[:len(id)-2]]++ // without the "/<n>"
	}
	for k, sent := range w.sent {
		program, email, _ := cut(k)
		id := reminders.MessageID(program, email, sent, 1)
		if got := perInvitation[id[:len(id)-2]]; got != 2 && !sent.Before(saturday.AddDate(0, 0, -7)) {
			t.Errorf("%s got %d reminders, want 2", k, got)
		}
	}
	if got := perInvitation[`reminder/p1/old@acme.edu/`+fmt.Sprint(at("2026-11-13T12:00:00Z").UnixMilli())]; got != 0 {
		t.Errorf("old@ got a third reminder")
	}
}

func TestOverlappingRunsQueueEachReminderOnce(t *testing.T) {
	w := newWorld(t)
	var wg sync.WaitGroup
	reports := make([]reminders.Report, 3)
	for i := range reports {
		wg.Go(func() {
			var err error
			reports[i], err = w.runner().Run(context.Background(), saturday, fmt.Sprintf("run-%d", i))
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, want := w.outbox.ids(), w.wantIDs(saturday); !maps.Equal(got, want) {
		t.Fatalf("queued %v, want each of %v once", got, want)
	}
	queued := 0
	for _, r := range reports {
		queued += r.Queued
	}
	if queued != 11 || w.store.counts["reminder/org_b/p2/2026-11-28"]["queued"] != 7 {
		t.Fatalf("reports %+v count %d queued, want 11 in all", reports, queued)
	}
}

// TestRunStoppedBeforeTheDeadlineResumes runs with a deadline that leaves
// room for a few pages at a time, as Lambda's retries of a run that ran
// out of time would: each attempt stops with ErrStopped, saving its
// position, and the next carries on, until the run is done with every
// reminder queued once.
func TestRunStoppedBeforeTheDeadlineResumes(t *testing.T) {
	w := newWorld(t)
	w.clock.step = time.Second
	attempts := 0
	for ; attempts < 100; attempts++ {
		ctx := deadlineOn(t.Context(), w.clock.Now().Add(8*time.Second))
		report, err := w.runner().Run(ctx, saturday, "run-a")
		if err == nil {
			if !report.Done {
				t.Fatalf("report %+v without error is not done", report)
			}
			break
		}
		if !errors.Is(err, reminders.ErrStopped) {
			t.Fatalf("attempt %d: %v, want ErrStopped", attempts, err)
		}
	}
	if attempts < 3 {
		t.Fatalf("the run finished in %d attempts: the deadline never stopped it", attempts+1)
	}
	if got, want := w.outbox.ids(), w.wantIDs(saturday); !maps.Equal(got, want) {
		t.Fatalf("queued %v, want each of %v once", got, want)
	}
	if got := w.store.counts["reminder/org_a/p1/2026-11-28"]; got["planned"] != 6 || got["queued"] != 4 {
		t.Fatalf("counts %v", got)
	}
}

// clockDeadline is the context of an invocation whose deadline is a time of
// the test's clock: the runner compares it with its own Now, and the
// context itself never expires on the real clock (a real
// context.WithDeadline at a date of the test's clock would have passed,
// or not, depending on today's date).
type clockDeadline struct {
	context.Context
	at time.Time
}

func (c clockDeadline) Deadline() (time.Time, bool) { return c.at, true }

// deadlineOn returns parent with the deadline at, read on the test's clock.
func deadlineOn(parent context.Context, at time.Time) context.Context {
	return clockDeadline{Context: parent, at: at}
}

// TestRunCutShortRequeuesItsOwnClaims: the queue fails (the context ended)
// after the run claimed a page; a second run of the same Saturday leaves
// those reminders to the first (they are fresh claims), and the first
// run's retry queues them, once.
func TestRunCutShortRequeuesItsOwnClaims(t *testing.T) {
	w := newWorld(t)
	failed := false
	w.outbox.publish = func(context.Context, []mail.Message) error {
		if !failed {
			failed = true
			return context.DeadlineExceeded
		}
		return nil
	}
	if _, err := w.runner().Run(t.Context(), saturday, "run-a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first run: %v, want the queue's error", err)
	}
	other, err := w.runner().Run(t.Context(), saturday, "run-b")
	missing := len(w.wantIDs(saturday)) - len(w.outbox.ids())
	if err != nil || other.Done || other.Left != missing || missing == 0 {
		t.Fatalf("other run %+v, %v; want it to leave run-a's %d claims to run-a, not done", other, err, missing)
	}
	retry, err := w.runner().Run(t.Context(), saturday, "run-a")
	if err != nil || retry.Requeued != missing || !retry.Done {
		t.Fatalf("retry %+v, %v; want %d requeued and the Saturday done", retry, err, missing)
	}
	if got, want := w.outbox.ids(), w.wantIDs(saturday); !maps.Equal(got, want) {
		t.Fatalf("queued %v, want each of %v once", got, want)
	}
}

// TestStaleClaimIsTakenOver: a run claimed reminders and died before
// queueing them, and was never retried; a run of the same Saturday after
// the Lambda timeout queues them.
func TestStaleClaimIsTakenOver(t *testing.T) {
	w := newWorld(t)
	w.outbox.publish = func(context.Context, []mail.Message) error { return errors.New("queue down") }
	if _, err := w.runner().Run(t.Context(), saturday, "run-a"); err == nil {
		t.Fatal("the run succeeded with the queue down")
	}
	w.outbox.publish = nil
	w.clock.now = w.clock.now.Add(reminders.DefaultStaleClaim + time.Minute)
	report, err := w.runner().Run(t.Context(), saturday, "run-b")
	if err != nil || report.Requeued == 0 {
		t.Fatalf("report %+v, %v; want run-a's claims requeued", report, err)
	}
	if got, want := w.outbox.ids(), w.wantIDs(saturday); !maps.Equal(got, want) {
		t.Fatalf("queued %v, want each of %v once", got, want)
	}
	if got := w.store.counts["reminder/org_a/p1/2026-11-28"]["queued"]; got != 4 {
		t.Fatalf("queued counted %d times, want 4", got)
	}
}

func TestInvitationAcceptedMeanwhileIsNotReminded(t *testing.T) {
	w := newWorld(t)
	w.store.beforeClaim = func(r reminders.Reminder) {
		if r.EmailKey == "first@acme.edu" {
			w.store.mu.Lock()
			l := w.store.learners["p1/first@acme.edu"]
			w.store.mu.Unlock()
			l.State = bo.StateMember
			w.store.setLearner(l)
		}
	}
	report, err := w.runner().Run(t.Context(), saturday, "run-a")
	if err != nil || report.NotPending != 1 || report.Queued != 10 {
		t.Fatalf("report %+v, %v; want first@ not pending and 10 queued", report, err)
	}
	if w.outbox.ids()[reminders.MessageID("p1", "first@acme.edu", at("2026-11-24T10:00:00Z"), 1)] != 0 {
		t.Fatal("first@ was reminded after joining")
	}
}

func TestRunRefusesAnotherDay(t *testing.T) {
	w := newWorld(t)
	if _, err := w.runner().Run(t.Context(), date("2026-11-27"), "run-a"); bo.ErrorCode(err) != bo.EINVALID {
		t.Fatalf("a Friday run: %v, want EINVALID", err)
	}
	if len(w.outbox.msgs) != 0 || w.store.saves != 0 {
		t.Fatal("a Friday run did something")
	}
}
