package dynamo_test

import (
	"context"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/domain/members"
)

func TestRemoveMembers(t *testing.T) {
	ctx := context.Background()
	w := whitelisted(t, 5)
	svc := members.NewService(w.store, w.admin, w.mail.outbox(), "https://learn.example.com")
	for _, e := range []string{"ann@acme.edu", "bob@acme.edu", "cy@acme.edu"} {
		if _, err := w.invites.Join(ctx, learner(e), w.program.Slug); err != nil {
			t.Fatal(err)
		}
	}
	w.invite(t, "Ivy", "ivy@elsewhere.org")

	l, err := svc.Remove(ctx, w.boss, w.org.ID, w.program.ID, "ANN@acme.edu", true)
	if err != nil || l.State != bo.StateDeletedMember || !l.AllowReturn || l.RemovedAt == nil {
		t.Fatalf("remove: %+v, %v", l, err)
	}
	exits := w.mail.to("ann@acme.edu", mail.TemplateProgramExit)
	if len(exits) != 1 || exits[0].Data["AllowReturn"] != "yes" {
		t.Fatalf("exit emails %+v", exits)
	}
	for email, code := range map[string]string{"ann@acme.edu": bo.ECONFLICT, "ivy@elsewhere.org": bo.ECONFLICT, "nobody@acme.edu": bo.ENOTFOUND} {
		if _, err := svc.Remove(ctx, w.boss, w.org.ID, w.program.ID, email, false); bo.ErrorCode(err) != code {
			t.Errorf("remove %s: %v, want %s", email, err, code)
		}
	}
	if _, err := svc.Remove(ctx, learner("x@evil.org"), w.org.ID, w.program.ID, "bob@acme.edu", false); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("a stranger removed a member: %v", err)
	}
	out, err := svc.RemoveMany(ctx, w.boss, w.org.ID, w.program.ID, []string{"bob@acme.edu", "cy@acme.edu", "bob@acme.edu"}, false)
	if err != nil || len(out) != 3 || !out[0].Removed || !out[1].Removed || out[2].Removed {
		t.Fatalf("remove many: %+v, %v", out, err)
	}
	c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	p, _ := w.store.GetProgram(ctx, w.org.ID, w.program.ID)
	if c.Used != 0 || p.Members != 0 {
		t.Fatalf("after removing all three: contract used %d, program members %d", c.Used, p.Members)
	}
	// Return allowed: back through the URL; not allowed: refused.
	if page, _ := w.invites.ProgramPage(ctx, learner("ann@acme.edu"), w.program.Slug); page.Status != invite.JoinRejoin {
		t.Fatalf("page of a learner removed with return: %+v", page)
	}
	if _, err := w.invites.Join(ctx, learner("ann@acme.edu"), w.program.Slug); err != nil {
		t.Fatal(err)
	}
	if _, err := w.invites.Join(ctx, learner("bob@acme.edu"), w.program.Slug); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("rejoin without permission: %v", err)
	}
}

// TestReinvitedLearnerKeepsHistory re-invites a member removed without
// return: their enrollments and utilisation carry over, so enrolling again
// after they accept does not count the licence utilised twice.
func TestReinvitedLearnerKeepsHistory(t *testing.T) {
	ctx := context.Background()
	w, enrolls := catalogued(t)
	if _, err := enrolls.Enroll(ctx, learner("jo@acme.edu"), w.program.Slug, enroll.NewEnrollment{ItemID: "c0"}); err != nil {
		t.Fatal(err)
	}
	if err := remove(ctx, w.store, w.program.ID, "jo@acme.edu", false); err != nil {
		t.Fatal(err)
	}
	w.invite(t, "Jo Again", "jo@acme.edu")
	l, _ := w.store.GetLearner(ctx, w.program.ID, "jo@acme.edu")
	if l.State != bo.StateInvited || l.CurrentEnrollments != 1 || l.Enrollments != 1 || l.UtilisedAt == nil {
		t.Fatalf("re-invited learner lost their history: %+v", l)
	}
	if _, err := w.invites.Join(ctx, learner("jo@acme.edu"), w.program.Slug); err != nil {
		t.Fatal(err)
	}
	if _, err := enrolls.Enroll(ctx, learner("jo@acme.edu"), w.program.Slug, enroll.NewEnrollment{ItemID: "c1"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID); c.Utilised != 1 {
		t.Fatalf("contract utilised %d, want 1: the same member counted twice", c.Utilised)
	}
}
