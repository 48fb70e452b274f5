package dynamo_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func TestReachability(t *testing.T) {
	cfg := emulatortest.Config(t)
	s := dynamo.NewStore(dynamodb.NewFromConfig(cfg), emulatortest.NewTable(t, cfg))
	ctx := context.Background()
	now := time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Suppress(ctx, "bounced@acme.edu", "bounce: Permanent/General", now))
	must(s.Suppress(ctx, "bounced@acme.edu", "complaint", now)) // again: kept, no error
	must(s.OptOut(ctx, "org1", "quiet@acme.edu", now))
	must(s.OptOut(ctx, "org1", "quiet@acme.edu", now))
	must(s.OptOut(ctx, "org1", "both@acme.edu", now))
	must(s.Suppress(ctx, "both@acme.edu", "complaint", now))
	must(s.OptOut(ctx, "org2", "elsewhere@acme.edu", now))

	// 130 addresses: more than one BatchGetItem call.
	emails := []string{"bounced@acme.edu", "quiet@acme.edu", "both@acme.edu", "elsewhere@acme.edu"}
	for i := range 126 {
		emails = append(emails, fmt.Sprintf("ok%d@acme.edu", i))
	}
	got, err := s.Reachability(ctx, "org1", emails)
	must(err)
	want := map[string]bo.Reach{"bounced@acme.edu": bo.Suppressed, "quiet@acme.edu": bo.Unsubscribed, "both@acme.edu": bo.Suppressed}
	if !maps.Equal(got, want) {
		t.Fatalf("Reachability(org1) = %v, want %v", got, want)
	}
	got, err = s.Reachability(ctx, "org2", []string{"quiet@acme.edu", "elsewhere@acme.edu"})
	must(err)
	if !maps.Equal(got, map[string]bo.Reach{"elsewhere@acme.edu": bo.Unsubscribed}) {
		t.Fatalf("Reachability(org2) = %v", got)
	}
}

func TestCampaignCountsAddUpUnderConcurrency(t *testing.T) {
	cfg := emulatortest.Config(t)
	s := dynamo.NewStore(dynamodb.NewFromConfig(cfg), emulatortest.NewTable(t, cfg))
	ctx := context.Background()
	if got, err := s.CampaignCounts(ctx, "message/org1/m1"); err != nil || len(got) != 0 {
		t.Fatalf("counts of a new campaign = %v, %v", got, err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := s.CountOutcome(ctx, "message/org1/m1", mail.OutcomeSent); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := s.CountOutcomes(ctx, "message/org1/m1", map[string]int{"planned": 25, "capped": 3, "failed": 0}); err != nil {
		t.Fatal(err)
	}
	got, err := s.CampaignCounts(ctx, "message/org1/m1")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"sent": 20, "planned": 25, "capped": 3}; !maps.Equal(got, want) {
		t.Fatalf("counts = %v, want %v", got, want)
	}
}
