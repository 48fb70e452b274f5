package dynamo_test

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/messaging"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func newMessageStore(t *testing.T) *dynamo.Store {
	t.Helper()
	cfg := emulatortest.Config(t)
	return dynamo.NewStore(dynamodb.NewFromConfig(cfg), emulatortest.NewTable(t, cfg))
}

func TestMessageLifecycle(t *testing.T) {
	s := newMessageStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	m := messaging.Message{ID: "msg_1", OrgID: "org1", Status: messaging.StatusDraft, Preset: messaging.PresetRemindToJoin,
		Audience: messaging.Audience{Status: bo.MemberInvitedNever, ProgramIDs: []string{"p1", "p2"}, CourseIDs: []string{"k1"}},
		Subject:  "Hi {{learnerName}}", Content: "Body\n\nmore", CallToAction: &messaging.CallToAction{Label: "Go", URL: "{{programUrl}}"},
		SenderName: "Dean", ReplyTo: messaging.ReplyToAuthor, Author: messaging.Author{Email: "dean@acme.edu", Name: "Dean"},
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.CreateMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMessage(ctx, m); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("create twice: %v", err)
	}
	got, err := s.GetMessage(ctx, "org1", "msg_1")
	if err != nil || got.Subject != m.Subject || got.Content != m.Content || *got.CallToAction != *m.CallToAction ||
		got.Audience.Status != bo.MemberInvitedNever || len(got.Audience.ProgramIDs) != 2 || got.Audience.CourseIDs[0] != "k1" ||
		got.Author != m.Author || got.Preset != m.Preset || !got.CreatedAt.Equal(now) || got.Version != 1 {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if _, err := s.GetMessage(ctx, "org2", "msg_1"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("another org's message: %v", err)
	}

	// An edit is conditional on the version read.
	got.Subject, got.Version, got.CallToAction = "Edited", 2, nil
	if err := s.UpdateDraft(ctx, got); err != nil {
		t.Fatal(err)
	}
	stale := got
	stale.Subject = "Stale"
	if err := s.UpdateDraft(ctx, stale); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("an edit of a stale version: %v", err)
	}

	// Of twenty concurrent sends, one marks it sending.
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range 20 {
		wg.Go(func() {
			err := s.MarkSending(ctx, "org1", "msg_1", []string{"p1", "p2"}, "dean@acme.edu", now)
			mu.Lock()
			codes[bo.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[""] != 1 || codes[bo.ECONFLICT] != 19 {
		t.Fatalf("concurrent sends: %v, want one through", codes)
	}
	got, _ = s.GetMessage(ctx, "org1", "msg_1")
	if got.Status != messaging.StatusSending || len(got.Targets) != 2 || got.SendingAt == nil || got.Subject != "Edited" || got.CallToAction != nil {
		t.Fatalf("sending: %+v", got)
	}
	if err := s.UpdateDraft(ctx, messaging.Message{ID: "msg_1", OrgID: "org1", Version: got.Version + 1}); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("an edit while sending: %v", err)
	}
	if err := s.RevertSending(ctx, "org1", "msg_1"); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetMessage(ctx, "org1", "msg_1"); got.Status != messaging.StatusDraft || got.Targets != nil || got.SendingAt != nil {
		t.Fatalf("reverted: %+v", got)
	}
	if err := s.MarkSent(ctx, "org1", "msg_1", now); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetMessage(ctx, "org1", "msg_1"); got.Status != messaging.StatusDraft {
		t.Fatalf("a draft was marked sent: %s", got.Status)
	}
	if err := s.MarkSending(ctx, "org1", "msg_1", []string{"p1"}, "dean@acme.edu", now); err != nil {
		t.Fatal(err)
	}
	// The planning frontier moves only from where it is.
	for _, step := range []struct {
		from, to string
		moved    bool
	}{{"", "0|b@x", true}, {"", "0|c@x", false}, {"0|a@x", "1|", false}, {"0|b@x", "1|", true}} {
		if moved, err := s.AdvancePlan(ctx, "org1", "msg_1", step.from, step.to); err != nil || moved != step.moved {
			t.Fatalf("AdvancePlan(%q, %q) = %v, %v; want %v", step.from, step.to, moved, err, step.moved)
		}
	}
	if got, _ = s.GetMessage(ctx, "org1", "msg_1"); got.Frontier != "1|" {
		t.Fatalf("frontier %q, want 1|", got.Frontier)
	}
	for range 2 {
		if err := s.MarkSent(ctx, "org1", "msg_1", now); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ = s.GetMessage(ctx, "org1", "msg_1"); got.Status != messaging.StatusSent || got.SentAt == nil {
		t.Fatalf("sent: %+v", got)
	}
	if err := s.MarkSending(ctx, "org1", "msg_1", []string{"p1"}, "dean@acme.edu", now); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("sending a sent message: %v", err)
	}
	if moved, err := s.AdvancePlan(ctx, "org1", "msg_1", "1|", "2|"); err != nil || moved {
		t.Fatalf("the frontier of a sent message moved: %v, %v", moved, err)
	}
}

func TestMessagingSettings(t *testing.T) {
	s := newMessageStore(t)
	ctx := context.Background()
	if got, err := s.MessagingSettings(ctx, "org1"); err != nil || got != messaging.DefaultSettings {
		t.Fatalf("defaults = %+v, %v", got, err)
	}
	want := messaging.Settings{CapLimit: 5, CapWindowDays: 14}
	if err := s.PutMessagingSettings(ctx, "org1", want, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.MessagingSettings(ctx, "org1"); err != nil || got != want {
		t.Fatalf("settings = %+v, %v", got, err)
	}
}

func TestMessageCapIsOptimistic(t *testing.T) {
	s := newMessageStore(t)
	ctx := context.Background()
	now := time.Now()
	// Ten writers race for the first record of a learner: one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 10 {
		wg.Go(func() {
			err := s.PutCap(ctx, "org1", "ann@acme.edu", messaging.CapState{Sends: map[string]int64{string(rune('a' + i)): 1}}, now)
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if bo.ErrorCode(err) != bo.ECONFLICT {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.CapStates(ctx, "org1", []string{"ann@acme.edu", "bob@acme.edu"})
	if err != nil || won != 1 || len(got) != 1 || got["ann@acme.edu"].Version != 1 || len(got["ann@acme.edu"].Sends) != 1 {
		t.Fatalf("caps %+v after %d wins, %v", got, won, err)
	}
	st := got["ann@acme.edu"]
	st.Sends["m2"] = 2
	if err := s.PutCap(ctx, "org1", "ann@acme.edu", st, now); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCap(ctx, "org1", "ann@acme.edu", st, now); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("a write at a stale version: %v", err)
	}
	if err := s.PutCap(ctx, "org2", "ann@acme.edu", messaging.CapState{Sends: map[string]int64{"x": 1}}, now); err != nil {
		t.Fatalf("another org's cap: %v", err)
	}
	got, _ = s.CapStates(ctx, "org1", []string{"ann@acme.edu"})
	if c := got["ann@acme.edu"]; c.Version != 2 || len(c.Sends) != 2 || c.Sends["m2"] != 2 {
		t.Fatalf("cap %+v", c)
	}
}

func TestDeliveriesAndPagesAreWrittenOnce(t *testing.T) {
	s := newMessageStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	d := messaging.Delivery{Campaign: "message/org1/m1", EmailKey: "ann@acme.edu", ProgramID: "p1", Page: "0.aa", Outcome: "queued", At: now}
	if got, first, err := s.PutDelivery(ctx, d); err != nil || !first || got != d {
		t.Fatalf("first put = %+v, %v, %v", got, first, err)
	}
	again := d
	again.Page, again.Outcome, again.ProgramID = "3.bb", "capped", "p2"
	got, first, err := s.PutDelivery(ctx, again)
	if err != nil || first || got.Page != "0.aa" || got.Outcome != "queued" || got.ProgramID != "p1" {
		t.Fatalf("second put = %+v, %v, %v; want the first record back", got, first, err)
	}
	other := d
	other.Campaign = "message/org1/m2"
	if _, first, err := s.PutDelivery(ctx, other); err != nil || !first {
		t.Fatalf("another campaign: %v, %v", first, err)
	}

	for range 3 {
		if err := s.CountPage(ctx, "message/org1/m1", "0.aa", map[string]int{"planned": 100, "queued": 97, "capped": 3}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CountPage(ctx, "message/org1/m1", "0.bb", map[string]int{"planned": 5, "queued": 5}); err != nil {
		t.Fatal(err)
	}
	if err := s.CountOutcomes(ctx, "message/org1/m1", map[string]int{"sent": 2}); err != nil {
		t.Fatal(err)
	}
	counts, err := s.CampaignCounts(ctx, "message/org1/m1")
	if want := map[string]int{"planned": 105, "queued": 102, "capped": 3, "sent": 2}; err != nil || !maps.Equal(counts, want) {
		t.Fatalf("counts %v, %v; want %v", counts, err, want)
	}
}
