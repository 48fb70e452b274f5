package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// TestOrgEmailsCarryItsLogo: once the org has a logo, its invitations,
// program welcomes and enrollment welcomes ask for it, with the org's name
// as its alternative text; the welcome queued before it had one does not.
func TestOrgEmailsCarryItsLogo(t *testing.T) {
	ctx := context.Background()
	w, svc := catalogued(t)
	before := w.mail.to("jo@acme.edu", mail.TemplateProgramWelcome)
	if len(before) != 1 || before[0].Logo != nil {
		t.Fatalf("the welcome queued before the logo: %+v", before)
	}
	logo := admin.StoredLogo{Key: "logos/" + w.org.ID + "/logo_1", ContentType: "image/png"}
	if err := w.store.UpdateOrgSettings(ctx, w.org.ID, admin.OrgSettings{Logo: &logo}, time.Now()); err != nil {
		t.Fatal(err)
	}
	w.invite(t, "Ada", "ada@acme.edu")
	if _, err := w.invites.Join(ctx, learner("ann@acme.edu"), w.program.Slug); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Enroll(ctx, learner("jo@acme.edu"), w.program.Slug, enroll.NewEnrollment{ItemID: "c0"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ to, template string }{
		{"ada@acme.edu", mail.TemplateInvitation},
		{"ann@acme.edu", mail.TemplateProgramWelcome},
		{"jo@acme.edu", mail.TemplateCourseWelcome},
	} {
		msgs := w.mail.to(tt.to, tt.template)
		if len(msgs) != 1 || msgs[0].Logo == nil || *msgs[0].Logo != (mail.Logo{Alt: "Acme"}) || msgs[0].OrgID != w.org.ID {
			t.Errorf("%s to %s: %+v, want one with the org's logo", tt.template, tt.to, msgs)
		}
	}
}
