package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/whitelist"
)

// perEnrollment is a world whose program admits acme.edu by domain on a
// per-enrollment contract of the given licences, with a catalogue of
// courses c0..c<courses-1> and no enrollment limit.
func perEnrollment(t *testing.T, licences, courses int) (*world, bo.Contract, *enroll.Service) {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t, 1)
	in := adminContract("Enrollments")
	in.Licences, in.LicenceKind = &licences, bo.LicencePerEnrollment
	c, err := w.admin.CreateContract(ctx, w.boss, w.org.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := whitelist.NewService(w.store, w.admin).Add(ctx, w.boss, w.org.ID, w.program.ID, whitelist.NewDomain{Domain: "acme.edu", ContractID: c.ID}); err != nil {
		t.Fatal(err)
	}
	var items []bo.CatalogItem
	for i := range courses {
		items = append(items, bo.CatalogItem{ID: fmt.Sprintf("c%d", i), Type: bo.ItemCourse, Name: fmt.Sprintf("Course %d", i)})
	}
	if _, err := w.admin.CreateCollection(ctx, w.boss, w.org.ID, w.program.ID, admin.NewCollection{Name: "All", Items: items}); err != nil {
		t.Fatal(err)
	}
	return w, c, enroll.NewService(w.store, w.mail.outbox(), "https://learn.example.com")
}

// TestPerEnrollmentLicencesHoldUnderConcurrency: joining a per-enrollment
// contract takes no licence (more members than licences join), and 20
// concurrent first enrollments on a contract of 5 give exactly 5; leaving
// an item and enrolling in it again takes none.
func TestPerEnrollmentLicencesHoldUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	const licences, learners = 5, 20
	w, c, svc := perEnrollment(t, licences, learners)
	for i := range learners {
		if _, err := w.invites.Join(ctx, learner(fmt.Sprintf("m%02d@acme.edu", i)), w.program.Slug); err != nil {
			t.Fatalf("join %d: %v", i, err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, learners)
	for i := range learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Enroll(ctx, learner(fmt.Sprintf("m%02d@acme.edu", i)), w.program.Slug, enroll.NewEnrollment{ItemID: fmt.Sprintf("c%d", i)})
		}()
	}
	wg.Wait()
	ok, limited := 0, 0
	winner := -1
	for i, err := range errs {
		switch bo.ErrorCode(err) {
		case "":
			ok++
			winner = i
		case bo.ELIMIT:
			limited++
		default:
			t.Errorf("enroll %d: %v", i, err)
		}
	}
	got, _ := w.store.GetContract(ctx, w.org.ID, c.ID)
	if ok != licences || limited != learners-licences || got.Used != licences || got.Members != learners || got.Kind != bo.LicencePerEnrollment {
		t.Fatalf("%d enrolled, %d refused; contract used %d members %d kind %s; want %d, %d, %d, %d", ok, limited, got.Used, got.Members, got.Kind,
			licences, learners-licences, licences, learners)
	}
	// Leaving an item and enrolling in it again keeps the licence taken:
	// it works on a full contract and takes none.
	who, item := learner(fmt.Sprintf("m%02d@acme.edu", winner)), fmt.Sprintf("c%d", winner)
	if err := svc.Unenroll(ctx, who, w.program.Slug, item); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Enroll(ctx, who, w.program.Slug, enroll.NewEnrollment{ItemID: item}); err != nil {
		t.Fatalf("enroll again: %v", err)
	}
	// Another item is another licence: refused on the full contract.
	other := fmt.Sprintf("c%d", (winner+1)%learners)
	if _, err := svc.Enroll(ctx, who, w.program.Slug, enroll.NewEnrollment{ItemID: other}); bo.ErrorCode(err) != bo.ELIMIT {
		t.Fatalf("another item on a full contract: %v", err)
	}
	if got, _ = w.store.GetContract(ctx, w.org.ID, c.ID); got.Used != licences {
		t.Fatalf("used %d after enrolling again, want %d", got.Used, licences)
	}
}

// TestContractEditNeverBelowInUse: lowering licences is refused below
// those in use as the write sees them, for both kinds, and a lowering
// racing joins never leaves more members than licences.
func TestContractEditNeverBelowInUse(t *testing.T) {
	ctx := context.Background()
	w := whitelisted(t, 10)
	for i := range 3 {
		if _, err := w.invites.Join(ctx, learner(fmt.Sprintf("j%d@acme.edu", i)), w.program.Slug); err != nil {
			t.Fatal(err)
		}
	}
	edit := func(n int) (bo.Contract, error) {
		return w.admin.UpdateContract(ctx, w.boss, w.org.ID, w.contract.ID, admin.ContractChange{Licences: &n})
	}
	if _, err := edit(2); bo.ErrorCode(err) != bo.ELIMIT {
		t.Fatalf("down to 2 with 3 in use: %v", err)
	}
	if c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID); c.Licences != 10 {
		t.Fatalf("a refused edit changed the licences to %d", c.Licences)
	}
	name, end := "Seats, year 1", time.Now().AddDate(2, 0, 0).UTC().Truncate(time.Millisecond)
	c, err := w.admin.UpdateContract(ctx, w.boss, w.org.ID, w.contract.ID, admin.ContractChange{Name: &name, EndsAt: &end, Licences: &[]int{3}[0]})
	if err != nil || c.Licences != 3 || c.Name != name || !c.EndsAt.Equal(end) || c.Used != 3 {
		t.Fatalf("edit to 3: %+v, %v", c, err)
	}
	past := w.contract.StartsAt.Add(-time.Hour)
	if _, err := w.admin.UpdateContract(ctx, w.boss, w.org.ID, w.contract.ID, admin.ContractChange{EndsAt: &past}); bo.ErrorCode(err) != bo.EINVALID {
		t.Fatalf("end before the start: %v", err)
	}
	if _, err := edit(5); err != nil {
		t.Fatal(err)
	}
	// Lower to 4 while 5 more people try to join: whatever the order, the
	// members never outnumber the licences.
	var wg sync.WaitGroup
	var editErr error
	wg.Add(1)
	go func() { defer wg.Done(); _, editErr = edit(4) }()
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = w.invites.Join(ctx, learner(fmt.Sprintf("race%d@acme.edu", i)), w.program.Slug)
		}()
	}
	wg.Wait()
	got, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	if got.Used > got.Licences || (editErr == nil && got.Licences != 4) || (editErr != nil && bo.ErrorCode(editErr) != bo.ELIMIT) {
		t.Fatalf("after the race: used %d of %d licences (edit: %v)", got.Used, got.Licences, editErr)
	}
	if _, err := w.admin.UpdateContract(ctx, w.boss, w.org.ID, "con_nope", admin.ContractChange{Name: &name}); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("unknown contract: %v", err)
	}
}

func TestPerEnrollmentEditCountsEnrollments(t *testing.T) {
	ctx := context.Background()
	w, c, svc := perEnrollment(t, 3, 3)
	for i := range 2 {
		email := fmt.Sprintf("e%d@acme.edu", i)
		if _, err := w.invites.Join(ctx, learner(email), w.program.Slug); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Enroll(ctx, learner(email), w.program.Slug, enroll.NewEnrollment{ItemID: "c0"}); err != nil {
			t.Fatal(err)
		}
	}
	one, two := 1, 2
	if _, err := w.admin.UpdateContract(ctx, w.boss, w.org.ID, c.ID, admin.ContractChange{Licences: &one}); bo.ErrorCode(err) != bo.ELIMIT {
		t.Fatalf("down to 1 with 2 enrollments: %v", err)
	}
	if got, err := w.admin.UpdateContract(ctx, w.boss, w.org.ID, c.ID, admin.ContractChange{Licences: &two}); err != nil || got.Used != 2 || got.Licences != 2 {
		t.Fatalf("down to 2: %+v, %v", got, err)
	}
}

// TestRenewOnce: of two renewals of one contract at once, one wins.
func TestRenewOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 4)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.admin.RenewContract(ctx, w.boss, w.org.ID, w.contract.ID, admin.Renewal{Name: fmt.Sprintf("Year 2 (%d)", i)})
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || bo.ErrorCode(errs[0])+bo.ErrorCode(errs[1]) != bo.ECONFLICT {
		t.Fatalf("renewals: %v, %v; want one success and one conflict", errs[0], errs[1])
	}
	old, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	next, err := w.store.GetContract(ctx, w.org.ID, old.RenewedByID)
	if err != nil || next.RenewsID != old.ID || !next.StartsAt.Equal(old.EndsAt) || next.Licences != 4 {
		t.Fatalf("renewal %+v of %+v: %v", next, old, err)
	}
	org, _ := w.store.GetOrg(ctx, w.org.ID)
	if org.Counts.Contracts != 2 {
		t.Fatalf("org counts %d contracts, want 2", org.Counts.Contracts)
	}
}

func TestOrgSettingsAndAdminPrograms(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 2)
	second, err := w.admin.CreateProgram(ctx, w.boss, w.org.ID, admin.NewProgram{Name: "Second " + bo.NewID("p", time.Now())[2:10]})
	if err != nil {
		t.Fatal(err)
	}
	color, msg := "#AA00ff", "Welcome to <b>learning</b>"
	org, err := w.admin.UpdateOrg(ctx, w.boss, w.org.ID, admin.OrgChange{BrandColor: &color, InvitationMessage: &msg})
	if err != nil || org.Brand.Color != "#aa00ff" || org.Brand.InvitationMessage != msg || org.Name != "Acme" || org.Counts.Programs != 2 {
		t.Fatalf("settings: %+v, %v", org, err)
	}
	pa, err := w.admin.AddAdmin(ctx, w.boss, w.org.ID, admin.NewAdmin{Email: "pa@acme.edu", Role: bo.RoleProgramAdmin, ProgramIDs: []string{w.program.ID}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.admin.UpdateAdmin(ctx, w.boss, w.org.ID, pa.Email, admin.AdminChange{ProgramIDs: []string{second.ID}})
	if err != nil || len(got.ProgramIDs) != 1 || got.ProgramIDs[0] != second.ID {
		t.Fatalf("update: %+v, %v", got, err)
	}
	stored, _ := w.store.GetAdmin(ctx, w.org.ID, "pa@acme.edu")
	if len(stored.ProgramIDs) != 1 || stored.ProgramIDs[0] != second.ID || stored.Role != bo.RoleProgramAdmin {
		t.Fatalf("stored %+v", stored)
	}
	// A write on programs read before this change is refused.
	stale := stored
	stale.ProgramIDs = []string{w.program.ID}
	if err := w.store.UpdateAdminPrograms(ctx, stale, []string{w.program.ID}); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("stale write: %v", err)
	}
}
