package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// catalogued is a whitelisted world whose program has an enrollment limit
// of 3 and a catalogue of five courses and a specialisation, with the
// member jo@acme.edu.
func catalogued(t *testing.T) (*world, *enroll.Service) {
	t.Helper()
	ctx := context.Background()
	w := whitelisted(t, 10)
	limit := 3
	if _, err := w.admin.UpdateProgram(ctx, w.boss, w.org.ID, w.program.ID, admin.ProgramChange{EnrollmentLimit: &limit}); err != nil {
		t.Fatal(err)
	}
	var items []bo.CatalogItem
	for i := range 5 {
		items = append(items, bo.CatalogItem{ID: fmt.Sprintf("c%d", i), Type: bo.ItemCourse, Name: fmt.Sprintf("Course %d", i)})
	}
	items = append(items, bo.CatalogItem{ID: "spec", Type: bo.ItemSpecialization, Name: "Spec", CourseIDs: []string{"c0", "c1"}})
	if _, err := w.admin.CreateCollection(ctx, w.boss, w.org.ID, w.program.ID, admin.NewCollection{Name: "All", Items: items}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.invites.Join(ctx, learner("jo@acme.edu"), w.program.Slug); err != nil {
		t.Fatal(err)
	}
	return w, enroll.NewService(w.store, w.mail.outbox(), "https://learn.example.com")
}

func TestEnrollRules(t *testing.T) {
	ctx := context.Background()
	w, svc := catalogued(t)
	jo := learner("jo@acme.edu")
	e, err := svc.Enroll(ctx, jo, w.program.Slug, enroll.NewEnrollment{ItemID: "c0"})
	if err != nil || e.State != bo.Enrolled || e.CollectionID == "" {
		t.Fatalf("enroll: %+v, %v", e, err)
	}
	checks := []struct {
		name   string
		caller bo.Caller
		item   string
		code   string
	}{
		{"twice", jo, "c0", bo.ECONFLICT},
		{"outside the catalogue", jo, "nope", bo.ENOTFOUND},
		{"not a member", learner("stranger@elsewhere.org"), "c1", bo.EFORBIDDEN},
		{"no item", jo, "", bo.EINVALID},
	}
	for _, c := range checks {
		if _, err := svc.Enroll(ctx, c.caller, w.program.Slug, enroll.NewEnrollment{ItemID: c.item}); bo.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	if _, err := svc.Enroll(ctx, jo, w.program.Slug, enroll.NewEnrollment{ItemID: "spec"}); err != nil {
		t.Fatal(err)
	}
	if n := len(w.mail.to("jo@acme.edu", mail.TemplateCourseWelcome)); n != 1 {
		t.Errorf("%d course welcome emails, want 1", n)
	}
	if n := len(w.mail.to("jo@acme.edu", mail.TemplateSpecializationWelcome)); n != 1 {
		t.Errorf("%d specialisation welcome emails, want 1", n)
	}
	// The first enrollment marked the licence utilised, once.
	c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	l, _ := w.store.GetLearner(ctx, w.program.ID, "jo@acme.edu")
	if c.Utilised != 1 || l.UtilisedAt == nil || l.CurrentEnrollments != 2 || l.Enrollments != 2 {
		t.Fatalf("contract utilised %d; learner %+v", c.Utilised, l)
	}
	// Unenroll frees a place and keeps the enrollment; enrolling again reuses it.
	if err := svc.Unenroll(ctx, jo, w.program.Slug, "c0"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Unenroll(ctx, jo, w.program.Slug, "c0"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("unenrolling twice: %v", err)
	}
	if _, err := svc.Enroll(ctx, jo, w.program.Slug, enroll.NewEnrollment{ItemID: "c0"}); err != nil {
		t.Fatal(err)
	}
	list, err := svc.List(ctx, jo, w.program.Slug)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %+v, %v", list, err)
	}
	l, _ = w.store.GetLearner(ctx, w.program.ID, "jo@acme.edu")
	c, _ = w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	if l.CurrentEnrollments != 2 || l.Enrollments != 3 || c.Utilised != 1 {
		t.Fatalf("after unenroll and enroll again: current %d, ever %d, utilised %d", l.CurrentEnrollments, l.Enrollments, c.Utilised)
	}
}

// TestConcurrentEnrollmentsHoldTheLimit fires 50 enrollments at once by one
// member against a limit of 3.
func TestConcurrentEnrollmentsHoldTheLimit(t *testing.T) {
	ctx := context.Background()
	w, svc := catalogued(t)
	const tries = 50
	var ok, limited atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range tries {
		wg.Go(func() {
			<-start
			_, err := svc.Enroll(ctx, learner("jo@acme.edu"), w.program.Slug, enroll.NewEnrollment{ItemID: fmt.Sprintf("c%d", i%5)})
			switch bo.ErrorCode(err) {
			case "":
				ok.Add(1)
			case bo.ELIMIT, bo.ECONFLICT:
				limited.Add(1)
			default:
				t.Errorf("enroll %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	l, _ := w.store.GetLearner(ctx, w.program.ID, "jo@acme.edu")
	list, _ := w.store.ListEnrollments(ctx, w.program.ID, "jo@acme.edu")
	c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	if ok.Load() != 3 || l.CurrentEnrollments != 3 || len(list) != 3 || c.Utilised != 1 {
		t.Fatalf("%d enrolled, %d refused; learner current %d; %d enrollments stored; utilised %d — want 3, 3, 3, 1",
			ok.Load(), limited.Load(), l.CurrentEnrollments, len(list), c.Utilised)
	}
	// The sort key by enrollments followed the count through the race.
	if got, want := countKey(t, w, "jo@acme.edu", "GSI7SK"), fmt.Sprintf("%010d#jo@acme.edu", l.Enrollments); got != want {
		t.Errorf("GSI7SK %q, want %q", got, want)
	}
}

// countKey returns the learner's stored sort key attr (GSI7SK, GSI8SK).
func countKey(t *testing.T, w *world, email, attr string) string {
	t.Helper()
	pk, sk := dynamo.LearnerKeyForTest(w.program.ID, email)
	item, err := dynamo.ItemForTest(context.Background(), w.store, pk, sk)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := item[attr].(*types.AttributeValueMemberS)
	if v == nil {
		return ""
	}
	return v.Value
}
