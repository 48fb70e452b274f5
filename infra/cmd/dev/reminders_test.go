package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reminders"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/sestest"
)

// runReminders runs the Saturday reminders of the day through the local
// route, as the schedule would fire.
func (s *system) runReminders(t *testing.T, saturday time.Time) {
	t.Helper()
	res, err := http.Post(s.base+local.RemindersPath+"?date="+saturday.Format(reminders.DateLayout), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("reminders of %s: status %d", saturday.Format(reminders.DateLayout), res.StatusCode)
	}
}

// mailQueueEmpty reports whether the mail queue holds no message, visible
// or being sent.
func (s *system) mailQueueEmpty(t *testing.T) bool {
	t.Helper()
	client := sqs.NewFromConfig(emulatortest.Config(t))
	u, err := client.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(s.names.Queues[resources.MailQueue.Name].Name)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	return a.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)] == "0" &&
		a.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)] == "0"
}

// remindersSent waits until at least want reminder emails were sent and the
// mail queue is empty, and returns the reminders sent, by recipient.
func (s *system) remindersSent(t *testing.T, want int) map[string][]sestest.Sent {
	t.Helper()
	for deadline := time.Now().Add(progressBound); ; time.Sleep(250 * time.Millisecond) {
		out := map[string][]sestest.Sent{}
		n := 0
		for _, m := range sestest.SentFrom(t, s.endpoint, s.sender) {
			if len(m.To) == 1 && strings.HasPrefix(m.Subject, "Reminder:") {
				out[strings.ToLower(m.To[0])] = append(out[strings.ToLower(m.To[0])], m)
				n++
			}
		}
		if n >= want && s.mailQueueEmpty(t) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reminders sent within %s, want %d", n, progressBound, want)
		}
	}
}

// TestRemindersBlackBox is the reminders' part of the messaging "done
// when": invitees with chosen invitation dates, the reminders of a chosen
// Saturday run twice (the first time by two overlapping firings), and the
// right learners reminded once each; their second reminder a week later,
// never a third; none to a learner who joined, who unsubscribed, or of a
// program whose reminder is switched off.
func TestRemindersBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, now := s.acme(t)
	orgID := strings.TrimPrefix(orgPath, "/v1/orgs/")
	contract := s.contract(t, dean, orgPath, "Seats", 20)
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Reminded " + s.sender[:8]}).must(t, 201)
	quiet := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Quiet " + s.sender[:8]}).must(t, 201)
	progPath := orgPath + "/programs/" + program.str("id")
	// The org's brand colour and default message reach the reminders.
	dean.do("PATCH", orgPath, map[string]any{"brandColor": "#0A66C2", "invitationMessage": "See you <b>soon</b> & welcome"}).must(t, 200)
	for _, e := range []string{"ada@acme.edu", "bob@acme.edu", "cy@acme.edu"} {
		dean.do("POST", progPath+"/invitations", map[string]any{"fullName": "Learner " + e, "email": e, "contractId": contract}).must(t, 201)
	}
	dean.do("POST", orgPath+"/programs/"+quiet.str("id")+"/invitations", map[string]any{"fullName": "Zed", "email": "zed@acme.edu", "contractId": contract}).must(t, 201)

	// Cy joins; Bob unsubscribes from the org's mail.
	s.as("cy@acme.edu").do("POST", "/v1/invitations/"+s.tokenFor("cy@acme.edu")+"/accept", nil).must(t, 200)
	store := dynamo.NewStore(dynamodb.NewFromConfig(emulatortest.Config(t)), s.names.Table)
	if err := store.OptOut(t.Context(), orgID, "bob@acme.edu", now); err != nil {
		t.Fatal(err)
	}
	// Invitations sent before today, written as an import writes them:
	// Old's second Saturday is the first one run here; Older's were both
	// before it.
	first := reminders.FirstSaturdayAfter(now)
	for email, sent := range map[string]time.Time{"old@acme.edu": first.AddDate(0, 0, -10), "older@acme.edu": first.AddDate(0, 0, -17)} {
		l := bo.Learner{OrgID: orgID, ProgramID: program.str("id"), Email: email, EmailKey: email, FullName: "Learner " + email,
			State: bo.StateInvited, ContractID: contract, InvitationID: bo.NewID("inv", sent), InvitedAt: &sent, EmailQueuedAt: &sent,
			InvitationMessage: "Hi " + email + ", from the import", CreatedAt: sent, UpdatedAt: sent}
		if err := store.PutInvitationRow(t.Context(), l, nil); err != nil {
			t.Fatal(err)
		}
	}

	// The quiet program's reminder is switched off, by an org admin only.
	s.as("nobody@acme.edu").do("PUT", orgPath+"/automated-messages/invitation-reminder/programs/"+quiet.str("id"), map[string]any{"enabled": false}).must(t, 403)
	off := dean.do("PUT", orgPath+"/automated-messages/invitation-reminder/programs/"+quiet.str("id"), map[string]any{"enabled": false}).must(t, 200)
	if off.get("enabled") != false {
		t.Fatalf("switch off: %s", off.raw)
	}

	// The first Saturday, fired twice at once and once more.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { s.runReminders(t, first) })
	}
	wg.Wait()
	s.runReminders(t, first)
	sent := s.remindersSent(t, 2)
	for email, want := range map[string]int{"ada@acme.edu": 1, "old@acme.edu": 1, "bob@acme.edu": 0, "cy@acme.edu": 0, "older@acme.edu": 0, "zed@acme.edu": 0} {
		if got := len(sent[email]); got != want {
			t.Errorf("after %s: %d reminders to %s, want %d", first.Format(reminders.DateLayout), got, email, want)
		}
	}
	ada := sent["ada@acme.edu"][0]
	for _, want := range []string{"https://learn.example.com/programs/" + program.str("slug"), s.base + "/v1/unsubscribe/", "ada@acme.edu"} {
		if !strings.Contains(ada.Body, want) {
			t.Errorf("Ada's reminder lacks %s:\n%s", want, ada.Body)
		}
	}
	if !strings.Contains(ada.Subject, "Acme invites you to join "+program.str("name")) {
		t.Errorf("subject %q", ada.Subject)
	}
	// Ada's reminder carries the org's message, escaped, in its colour; Old's
	// its invitation's own message instead.
	for _, want := range []string{"See you &lt;b&gt;soon&lt;/b&gt; &amp; welcome", "background-color:#0a66c2"} {
		if !strings.Contains(ada.Body, want) {
			t.Errorf("Ada's reminder lacks %s:\n%s", want, ada.Body)
		}
	}
	if old := sent["old@acme.edu"][0]; !strings.Contains(old.Body, "Hi old@acme.edu, from the import") || strings.Contains(old.Body, "See you") {
		t.Errorf("Old's reminder does not carry its own message alone:\n%s", old.Body)
	}

	// The Messages page: the run and its counts, the switched-off program.
	list := dean.do("GET", orgPath+"/automated-messages", nil).must(t, 200)
	byProgram := map[string]map[string]any{}
	for _, it := range list.get("items").([]any) {
		m := it.(map[string]any)
		byProgram[m["program"].(map[string]any)["id"].(string)] = m
	}
	run, _ := byProgram[program.str("id")]["lastRun"].(map[string]any)
	counts, _ := run["counts"].(map[string]any)
	if run["date"] != first.Format(reminders.DateLayout) || counts["planned"] != float64(3) || counts["queued"] != float64(2) || counts["unsubscribed"] != float64(1) {
		t.Errorf("last run %v, want %s: 3 planned, 2 queued, 1 unsubscribed", run, first.Format(reminders.DateLayout))
	}
	if m := byProgram[quiet.str("id")]; m["enabled"] != false || m["lastRun"] != nil {
		t.Errorf("quiet program %v: want off, never run", m)
	}
	if !strings.Contains(list.raw, fmt.Sprintf(`"schedule":"First and second Saturday after the invitation was sent, %02d:00 UTC"`, reminders.DefaultHourUTC)) {
		t.Errorf("schedule in %s", list.raw)
	}

	// A week later Ada's second reminder; then none.
	second, third := first.AddDate(0, 0, 7), first.AddDate(0, 0, 14)
	s.runReminders(t, second)
	s.runReminders(t, second)
	s.runReminders(t, third)
	sent = s.remindersSent(t, 3)
	for email, want := range map[string]int{"ada@acme.edu": 2, "old@acme.edu": 1, "bob@acme.edu": 0, "cy@acme.edu": 0, "older@acme.edu": 0, "zed@acme.edu": 0} {
		if got := len(sent[email]); got != want {
			t.Errorf("after three Saturdays: %d reminders to %s, want %d", got, email, want)
		}
	}
	// The route checks its date.
	res, err := http.Post(s.base+local.RemindersPath+"?date="+first.AddDate(0, 0, 1).Format(reminders.DateLayout), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("a Sunday: status %d, want 400", res.StatusCode)
	}
}
