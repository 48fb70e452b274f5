package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/migrate"
	"github.com/learnops/backoffice/shared/domain/reminders"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// interrupted is a migrate.Store that fails the first AdvanceMigration of
// a page that changed items, after the page was applied and before it was
// recorded: the worst place for a run to stop.
type interrupted struct {
	migrate.Store
	mu   sync.Mutex
	lost migrate.Page
}

func (s *interrupted) AdvanceMigration(ctx context.Context, id string, segment int, from string, page migrate.Page, at time.Time) error {
	s.mu.Lock()
	first := page.Changed > 0 && s.lost.Changed == 0
	if first {
		s.lost = page
	}
	s.mu.Unlock()
	if first {
		return errors.New("interrupted")
	}
	return s.Store.AdvanceMigration(ctx, id, segment, from, page, at)
}

// TestMigrationsBackfillOldItems writes programs and learners as the
// previous version did (no GSI1 program keys, no GSI6 keys, the GSI5 key to
// the millisecond), runs the migrations with a run interrupted half-way,
// resumes it, and checks that reminders and bounce handling now find them,
// that each item was changed once, and that running every migration again
// from the start changes nothing.
func TestMigrationsBackfillOldItems(t *testing.T) {
	ctx := context.Background()
	cfg := emulatortest.Config(t)
	db := dynamodb.NewFromConfig(cfg)
	table := emulatortest.NewTable(t, cfg)
	s := dynamo.NewStore(db, table)
	migs := dynamo.NewMigrations(db, table)
	org := seedOrg(t, s, "boss@acme.edu")
	raw := func(pk, sk, update string, values map[string]types.AttributeValue) {
		t.Helper()
		if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table),
			Key:              map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}},
			UpdateExpression: aws.String(update), ExpressionAttributeValues: values}); err != nil {
			t.Fatal(err)
		}
	}
	const programs, learners = 3, 8
	sent := t0.Add(90*time.Minute + 7*time.Millisecond) // not on a day's first millisecond
	var ids []string
	for i := range programs {
		p := bo.Program{OrgID: org.ID, ID: bo.NewID("prg", t0), Name: "P", Slug: fmt.Sprintf("old-%s", bo.NewID("s", t0)[2:]), CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateProgram(ctx, p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		pk, sk := dynamo.ProgramKeyForTest(org.ID, p.ID)
		raw(pk, sk, "REMOVE GSI1PK, GSI1SK", nil)
		for j := range learners {
			email := fmt.Sprintf("l%d@x.org", j)
			if i > 0 && j == 0 {
				email = fmt.Sprintf("l%d@x.org", 100+i) // one person, l0, is invited to the first program only
			}
			if j == 1 {
				email = "everywhere@x.org" // and one to every program
			}
			l := bo.Learner{OrgID: org.ID, ProgramID: p.ID, Email: email, EmailKey: email, FullName: "Old " + email, State: bo.StateInvited,
				ContractID: "c", InvitationID: bo.NewID("inv", sent), InvitedAt: &sent, CreatedAt: sent, UpdatedAt: sent}
			if err := s.PutInvitationRow(ctx, l, nil); err != nil {
				t.Fatal(err)
			}
			lpk, lsk := dynamo.LearnerKeyForTest(p.ID, email)
			raw(lpk, lsk, "SET GSI5SK = :g5 REMOVE GSI6PK, GSI6SK, GSI7SK, GSI8SK", map[string]types.AttributeValue{
				":g5": &types.AttributeValueMemberS{Value: fmt.Sprintf("%013d#%s", sent.UnixMilli(), email)}})
		}
	}
	remindable := func() int {
		n := 0
		for shard := range dynamo.ProgramShards {
			ps, err := s.ReminderPrograms(ctx, shard, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			n += len(ps)
		}
		return n
	}
	if n := remindable(); n != 0 {
		t.Fatalf("%d old programs indexed before the migrations", n)
	}
	if n, err := s.MarkUndeliverable(ctx, "everywhere@x.org", "bounce", sent); err != nil || n != 0 {
		t.Fatalf("old learners found by email before the migrations: %d, %v", n, err)
	}

	// Three segments of five-item pages; the first page that changes
	// programs is lost after its writes.
	runner := func(store migrate.Store) *migrate.Runner {
		return migrate.NewRunner(store, migrate.Config{Segments: 3, PageSize: 5, Now: func() time.Time { return t0 }})
	}
	cut := &interrupted{Store: migs}
	if _, err := runner(cut).Run(ctx, ""); err == nil || cut.lost.Changed == 0 {
		t.Fatalf("the interrupted run: %v, lost %+v", err, cut.lost)
	}
	p, err := migs.MigrationProgress(ctx, "0001-program-index")
	if err != nil || p.Status != migrate.Running || len(p.Cursors) != 3 || p.Changed+cut.lost.Changed > programs {
		t.Fatalf("after the interruption: %+v, %v; lost %+v", p, err, cut.lost)
	}
	got, err := runner(migs).Run(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	// The lost page's writes were made but not counted; redone, it found
	// nothing left to change.
	want := map[string]int{"0001-program-index": programs - cut.lost.Changed, "0002-learner-email-index": programs * learners,
		"0003-learner-activity-day": programs * learners, "0004-learner-count-indexes": programs * learners}
	if len(got) != len(want) {
		t.Fatalf("ran %+v", got)
	}
	for _, p := range got {
		t.Logf("%s: %s, %d scanned, %d changed", p.ID, p.Status, p.Scanned, p.Changed)
		if p.Status != migrate.Done || p.Changed != want[p.ID] || p.FinishedAt == nil {
			t.Errorf("%s: %+v, want done with %d changed", p.ID, p, want[p.ID])
		}
		for i, c := range p.Cursors {
			if c != migrate.SegmentDone {
				t.Errorf("%s: segment %d at %q", p.ID, i, c)
			}
		}
	}
	if n := remindable(); n != programs {
		t.Errorf("%d programs on the index of every program, want %d", n, programs)
	}
	if n, err := s.MarkUndeliverable(ctx, "everywhere@x.org", "bounce", sent); err != nil || n != programs {
		t.Errorf("bounce marked %d invitations (%v), want %d", n, err, programs)
	}
	// The reminders read each program's pending invitations from GSI4.
	for _, id := range ids {
		found := 0
		for shard := range dynamo.LearnerShards {
			page, _, err := s.PendingInvitations(ctx, id, shard, reminders.Window{From: sent, To: sent.Add(time.Millisecond)}, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range page {
				if inv.Learner.FullName != "Old "+inv.Learner.EmailKey || inv.Learner.InvitationID == "" {
					t.Errorf("pending invitation read back as %+v", inv.Learner)
				}
			}
			found += len(page)
		}
		if found != learners {
			t.Errorf("program %s: %d pending invitations, want %d", id, found, learners)
		}
		// The members view by enrollments and by completions reads GSI7
		// and GSI8, which the old learners are now on.
		for _, sort := range []bo.MemberSort{bo.MembersByEnrollments, bo.MembersByCompletions} {
			page, err := s.ListMembers(ctx, id, bo.MemberQuery{Status: bo.MemberInvitedNever, Sort: sort, Limit: 100, Now: t0})
			if err != nil || len(page.Items) != learners {
				t.Errorf("program %s by %s: %d learners (%v), want %d", id, sort, len(page.Items), err, learners)
			}
		}
	}

	// Done migrations are skipped; and from the start again, with their
	// progress gone, they find nothing left to change.
	again, err := runner(migs).Run(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range again {
		if p.Scanned != got[i].Scanned || p.Changed != got[i].Changed {
			t.Errorf("%s ran again: %+v", p.ID, p)
		}
		if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "MIGRATION#" + p.ID}, "SK": &types.AttributeValueMemberS{Value: "MIGRATION"}}}); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := runner(migs).Run(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range fresh {
		if p.Status != migrate.Done || p.Changed != 0 || p.Scanned == 0 {
			t.Errorf("%s from the start again: %+v, want done with nothing changed", p.ID, p)
		}
	}
	if _, err := runner(migs).Run(ctx, "0009-nothing"); bo.ErrorCode(err) != bo.EINVALID {
		t.Errorf("an unknown migration: %v", err)
	}
}
