package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/members"
	"github.com/learnops/backoffice/shared/domain/privacy"
)

// A learner with more enrollments than one transaction carries is erased
// whole: every enrollment moves to the anonymous address, none stays under
// theirs, and a second run moves nothing.
func TestEraseItemsMovesAnyNumberOfEnrollments(t *testing.T) {
	ctx := context.Background()
	w := whitelisted(t, 10)
	if _, err := w.invites.Join(ctx, learner("jo@acme.edu"), w.program.Slug); err != nil {
		t.Fatal(err)
	}
	l, err := w.store.GetLearner(ctx, w.program.ID, "jo@acme.edu")
	if err != nil {
		t.Fatal(err)
	}
	const n = 123 // three transactions: 50, 25, then the learner with 48
	for i := range n {
		if l, err = w.store.GetLearner(ctx, w.program.ID, "jo@acme.edu"); err != nil {
			t.Fatal(err)
		}
		e := bo.Enrollment{OrgID: w.org.ID, ProgramID: w.program.ID, EmailKey: l.EmailKey, ItemID: fmt.Sprintf("c%03d", i),
			ItemType: bo.ItemCourse, ItemName: "Course", CollectionID: "col", EnrolledAt: t0, UpdatedAt: t0}
		if err := w.store.Enroll(ctx, l, e, 0); err != nil {
			t.Fatalf("enroll %d: %v", i, err)
		}
	}
	email, _ := bo.ParseEmail("jo@acme.edu")
	anon := bo.ErasedAddress("anon_test")
	counts, err := w.store.EraseItems(ctx, w.org.ID, email, anon)
	if err != nil || counts["learners"] != 1 || counts["enrollments"] != n {
		t.Fatalf("erase: %v, %v (want 1 learner, %d enrollments)", counts, err, n)
	}
	if left, err := w.store.ListEnrollments(ctx, w.program.ID, "jo@acme.edu"); err != nil || len(left) != 0 {
		t.Errorf("%d enrollments left under the address (%v)", len(left), err)
	}
	if moved, err := w.store.ListEnrollments(ctx, w.program.ID, anon.Key); err != nil || len(moved) != n {
		t.Errorf("%d enrollments under the anonymous address, want %d (%v)", len(moved), n, err)
	}
	if a, err := w.store.GetLearner(ctx, w.program.ID, anon.Key); err != nil || a.FullName != "" || a.CurrentEnrollments != n {
		t.Errorf("anonymous learner %+v, %v", a, err)
	}
	again, err := w.store.EraseItems(ctx, w.org.ID, email, anon)
	if err != nil || again["learners"] != 0 || again["enrollments"] != 0 {
		t.Errorf("second run: %v, %v", again, err)
	}
}

// The audit records naming a person are found in their actor and target
// partitions; replacing one moves the copies whose partition named them
// and overwrites the others, and a second replacement of the same record
// reports that it is gone.
func TestAuditNamingAndReplace(t *testing.T) {
	w := newWorld(t, 10)
	ctx := asAdmin("boss@acme.edu", "req-1")
	if _, err := w.invites.Invite(ctx, w.boss, w.org.ID, w.program.ID, invite.NewInvitation{FullName: "Jo Person", Email: "Jo@Acme.edu", ContractID: w.contract.ID}); err != nil {
		t.Fatal(err)
	}
	p := privacy.AuditPartitions{ActorKeys: []string{"jo@acme.edu"}, Addresses: []string{"Jo@Acme.edu", "Jo@acme.edu", "jo@acme.edu"}}
	for _, a := range p.Addresses {
		p.Targets = append(p.Targets, audit.Target{Type: audit.TargetInvitation, ID: a})
	}
	recs, err := w.store.AuditNaming(context.Background(), w.org.ID, p)
	if err != nil || len(recs) != 1 || recs[0].Action != audit.InvitationCreate {
		t.Fatalf("records naming jo: %+v, %v", recs, err)
	}
	old := recs[0]
	updated := old
	updated.Target.ID = "anon@erased.invalid"
	updated.Changes = []audit.Change{{Field: "email", New: "anon@erased.invalid"}}
	if ok, err := w.store.ReplaceAudit(context.Background(), old, updated); !ok || err != nil {
		t.Fatalf("replace: %v, %v", ok, err)
	}
	if ok, err := w.store.ReplaceAudit(context.Background(), old, updated); ok || err != nil {
		t.Errorf("second replace: %v, %v (want false)", ok, err)
	}
	if recs, err := w.store.AuditNaming(context.Background(), w.org.ID, p); err != nil || len(recs) != 0 {
		t.Errorf("after the replacement: %+v, %v", recs, err)
	}
	for _, f := range []audit.Filter{{}, {Action: audit.InvitationCreate}, {Actor: "boss@acme.edu"}, {ProgramID: w.program.ID},
		{TargetType: audit.TargetInvitation, TargetID: "anon@erased.invalid"}} {
		got, _, err := w.store.ListAudit(context.Background(), w.org.ID, audit.Query{Filter: f, Page: bo.Page{Limit: 50}})
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, r := range got {
			if r.ID == old.ID {
				found++
				if strings.Contains(strings.ToLower(fmt.Sprint(r)), "jo@acme.edu") {
					t.Errorf("filter %+v: the copy still names jo: %+v", f, r)
				}
			}
		}
		if found != 1 {
			t.Errorf("filter %+v: %d copies of the record, want 1", f, found)
		}
	}
}

// A member export searched by the person's address and a bulk resend that
// picked them name the anonymous address after the erasure; the other
// picked address and the rest of the jobs stay.
func TestEraseItemsClearsMemberJobSelections(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 10)
	jobs := []members.Export{
		{ID: "exp_search", Selection: members.Selection{Search: "JO@acme.edu", Columns: []string{"status"}}, Rows: 1},
		{ID: "exp_resend", Kind: members.KindResend, Emails: []string{"jo@acme.edu", "ann@acme.edu"}, Counts: map[string]int{"sent": 2}},
		{ID: "exp_other", Selection: members.Selection{Search: "ann"}},
	}
	for _, e := range jobs {
		e.OrgID, e.ProgramID, e.Status, e.CreatedAt, e.UpdatedAt, e.ExpiresAt = w.org.ID, w.program.ID, members.ExportDone, t0, t0, t0.AddDate(1, 0, 0)
		if err := w.store.CreateExport(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	email, _ := bo.ParseEmail("jo@acme.edu")
	anon := bo.ErasedAddress("anon_jobs")
	counts, err := w.store.EraseItems(ctx, w.org.ID, email, anon)
	if err != nil || counts["memberJobs"] != 2 {
		t.Fatalf("erase: %v, %v (want 2 member jobs)", counts, err)
	}
	search, _ := w.store.GetExport(ctx, w.program.ID, "exp_search")
	resend, _ := w.store.GetExport(ctx, w.program.ID, "exp_resend")
	other, _ := w.store.GetExport(ctx, w.program.ID, "exp_other")
	if search.Selection.Search != anon.Key || search.Rows != 1 || fmt.Sprint(resend.Emails) != fmt.Sprint([]string{anon.Key, "ann@acme.edu"}) ||
		resend.Counts["sent"] != 2 || other.Selection.Search != "ann" {
		t.Errorf("after the erasure: search %+v, resend %+v, other %+v", search.Selection, resend, other.Selection)
	}
	if again, err := w.store.EraseItems(ctx, w.org.ID, email, anon); err != nil || again["memberJobs"] != 0 {
		t.Errorf("second run: %v, %v", again, err)
	}
}
