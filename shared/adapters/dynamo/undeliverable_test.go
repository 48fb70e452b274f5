package dynamo_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// TestMarkUndeliverable: a bounce marks the address's pending invitations in
// every program (one written by an import, counted on it), and no one
// else's, nor a membership; marking again, or at once from several
// deliveries, marks and counts each invitation once; joining clears the mark.
func TestMarkUndeliverable(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 10)
	now := time.Now().UTC().Truncate(time.Millisecond)
	program2, err := w.admin.CreateProgram(ctx, w.boss, w.org.ID, admin.NewProgram{Name: "Second " + w.program.Name})
	if err != nil {
		t.Fatal(err)
	}
	program3, err := w.admin.CreateProgram(ctx, w.boss, w.org.ID, admin.NewProgram{Name: "Third " + w.program.Name})
	if err != nil {
		t.Fatal(err)
	}

	// Program 1: invited one by one. Program 2: invited by an import.
	// Program 3: a member. Someone else, invited in program 1.
	w.invite(t, "Bo Unce", "Bo.Unce@Example.com")
	w.invite(t, "Other", "other@example.com")
	job := invite.Job{ID: "imp_bounce", OrgID: w.org.ID, ProgramID: program2.ID, ContractID: w.contract.ID, Status: invite.JobDone,
		CreatedAt: now, UpdatedAt: now}
	if err := w.store.CreateImport(ctx, job); err != nil {
		t.Fatal(err)
	}
	imported := bo.Learner{OrgID: w.org.ID, ProgramID: program2.ID, Email: "Bo.Unce@example.com", EmailKey: "bo.unce@example.com",
		FullName: "Bo Unce", State: bo.StateInvited, ContractID: w.contract.ID, InvitationID: bo.NewID("inv", now), InvitedAt: &now,
		ImportID: job.ID, CreatedAt: now, UpdatedAt: now}
	if err := w.store.PutInvitationRow(ctx, imported, nil); err != nil {
		t.Fatal(err)
	}
	member := imported
	member.ProgramID, member.ImportID, member.InvitationID = program3.ID, "", bo.NewID("inv", now)
	if err := w.store.PutInvitationRow(ctx, member, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Join(ctx, member, now); err != nil {
		t.Fatal(err)
	}

	const reason = "hard bounce (General): smtp; 550 5.1.1 user unknown"
	n, err := w.store.MarkUndeliverable(ctx, "bo.unce@example.com", reason, now)
	if err != nil || n != 2 {
		t.Fatalf("MarkUndeliverable = %d, %v; want 2 (programs 1 and 2)", n, err)
	}
	for _, pid := range []string{w.program.ID, program2.ID} {
		l, err := w.store.GetLearner(ctx, pid, "bo.unce@example.com")
		if err != nil || !l.Undeliverable || l.UndeliverableReason != reason || l.UndeliverableAt == nil || !l.UndeliverableAt.Equal(now) ||
			l.State != bo.StateInvited {
			t.Fatalf("program %s: %+v, %v", pid, l, err)
		}
	}
	if l, _ := w.store.GetLearner(ctx, program3.ID, "bo.unce@example.com"); l.Undeliverable || l.State != bo.StateMember {
		t.Fatalf("the membership was marked: %+v", l)
	}
	if l, _ := w.store.GetLearner(ctx, w.program.ID, "other@example.com"); l.Undeliverable {
		t.Fatalf("someone else was marked: %+v", l)
	}
	checkImport := func(want int) {
		t.Helper()
		j, err := w.store.GetImport(ctx, program2.ID, job.ID)
		if err != nil || j.Counts.Undeliverable != want {
			t.Fatalf("import undeliverable = %d, %v; want %d", j.Counts.Undeliverable, err, want)
		}
	}
	checkImport(1)
	// The running import rewrites its job: the count is kept apart.
	j, _ := w.store.GetImport(ctx, program2.ID, job.ID)
	j.Counts.RowsDone = 7
	if err := w.store.UpdateImport(ctx, j); err != nil {
		t.Fatal(err)
	}
	checkImport(1)

	// Again, and at once from several deliveries: nothing more.
	if n, err := w.store.MarkUndeliverable(ctx, "bo.unce@example.com", "complaint", now); err != nil || n != 0 {
		t.Fatalf("again: %d, %v", n, err)
	}
	w.invite(t, "Rush", "rush@example.com")
	rushed := imported
	rushed.Email, rushed.EmailKey, rushed.InvitationID = "rush@example.com", "rush@example.com", bo.NewID("inv", now)
	if err := w.store.PutInvitationRow(ctx, rushed, nil); err != nil {
		t.Fatal(err)
	}
	var total atomic.Int64
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			n, err := w.store.MarkUndeliverable(ctx, "rush@example.com", reason, now)
			if err != nil && bo.ErrorCode(err) != bo.ECONFLICT { // a concurrent transaction: the queue retries
				t.Error(err)
			}
			total.Add(int64(n))
		})
	}
	wg.Wait()
	if n, err := w.store.MarkUndeliverable(ctx, "rush@example.com", reason, now); err != nil || total.Load()+int64(n) != 2 {
		t.Fatalf("concurrent marks: %d, then %d (%v); want 2 in all", total.Load(), n, err)
	}
	checkImport(2)

	// The members view lists the marked invitations of a program.
	for _, tt := range []struct {
		undeliverable bool
		want          []string
	}{{true, []string{"bo.unce@example.com", "rush@example.com"}}, {false, []string{"bo.unce@example.com", "other@example.com", "rush@example.com"}}} {
		page, err := w.store.ListMembers(ctx, w.program.ID, bo.MemberQuery{Status: bo.MemberInvitedNever, Sort: bo.MembersByEmail, Limit: 20,
			Undeliverable: tt.undeliverable, Now: now})
		if got := emails(page.Items); err != nil || !slices.Equal(got, tt.want) {
			t.Fatalf("invited, undeliverable=%v: %v, %v; want %v", tt.undeliverable, got, err, tt.want)
		}
	}

	// The invitation reached them after all: joining clears the mark.
	var token string
	for _, m := range w.mail.to("Bo.Unce@Example.com", mail.TemplateInvitation) {
		token = tokenOf(t, m)
	}
	if _, err := w.invites.Accept(ctx, learner("bo.unce@example.com"), token); err != nil {
		t.Fatal(err)
	}
	if l, _ := w.store.GetLearner(ctx, w.program.ID, "bo.unce@example.com"); l.State != bo.StateMember || l.Undeliverable || l.UndeliverableReason != "" || l.UndeliverableAt != nil {
		t.Fatalf("after joining: %+v", l)
	}
}
