package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/library"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// ids returns the ids of items, in order.
func ids(items []bo.CatalogItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestLibraryLoadAndSearch(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 1)
	lib := library.NewService(w.store, w.admin)
	op := learner("op@platform.io", bo.GroupPlatformOperators)
	// Ids of their own, so that tests sharing an endpoint do not meet.
	sfx := bo.NewID("", time.Now())[1:9]
	ml, py, ds := "ml-"+sfx, "py-"+sfx, "ds-"+sfx
	csv := "id,type,name,university,courseIds\n" +
		ml + ",course,Machine Learning " + sfx + ",Stanford " + sfx + ",\n" +
		py + ",course,Python " + sfx + " Basics,Michigan " + sfx + ",\n" +
		ds + ",specialization,Data " + sfx + " Science,Michigan " + sfx + "," + ml + ";" + py + "\n"
	if res, err := lib.Load(ctx, op, library.Load{CSV: csv}); err != nil || res.Created != 3 {
		t.Fatalf("load: %+v %v", res, err)
	}
	if res, err := lib.Load(ctx, op, library.Load{CSV: csv}); err != nil || res.Unchanged != 3 {
		t.Fatalf("load again: %+v %v", res, err)
	}
	search := func(q string, typ bo.ItemType) []string {
		t.Helper()
		items, _, err := lib.Search(ctx, w.boss, w.org.ID, q, typ, bo.Page{})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		return ids(items)
	}
	tests := []struct {
		q    string
		typ  bo.ItemType
		want []string
	}{
		{"machine learning " + sfx, "", []string{ml}},
		{"LEARNING " + sfx[:4], "", []string{ml}},        // a later word of the name
		{"michigan " + sfx, "", []string{ds, py}},        // the university, both items once each, by id within the term
		{"michigan " + sfx, bo.ItemCourse, []string{py}}, // of one type
		{sfx, "", []string{py, ds, ml}},                  // by the text found: "<sfx> basics", "<sfx> science", then "<sfx>"
	}
	for _, tt := range tests {
		if got := search(tt.q, tt.typ); !slices.Equal(got, tt.want) {
			t.Errorf("search %q (%s) = %v, want %v", tt.q, tt.typ, got, tt.want)
		}
	}
	// The library item fills a collection item.
	got, err := w.store.GetLibraryItem(ctx, ds)
	if err != nil || got.Slug == "" || !slices.Equal(got.CourseIDs, []string{ml, py}) {
		t.Fatalf("library item %+v %v", got, err)
	}

	// A rename moves its terms: the old name is no longer found.
	if res, err := lib.Load(ctx, op, library.Load{Items: []bo.CatalogItem{{ID: ml, Type: bo.ItemCourse, Name: "Deep Nets " + sfx}}}); err != nil || res.Updated != 1 {
		t.Fatalf("rename: %+v %v", res, err)
	}
	if got := search("machine learning "+sfx, ""); len(got) != 0 {
		t.Fatalf("the old name still finds %v", got)
	}
	if got := search("deep nets "+sfx, ""); !slices.Equal(got, []string{ml}) {
		t.Fatalf("the new name finds %v", got)
	}

	// Pages: one item a page, through the cursor; a cursor of another search is refused.
	var all []string
	cursor := ""
	for range 10 {
		items, next, err := lib.Search(ctx, w.boss, w.org.ID, "michigan "+sfx, "", bo.Page{Limit: 1, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ids(items)...)
		if cursor = next; cursor == "" {
			break
		}
	}
	if !slices.Equal(all, []string{ds, py}) {
		t.Fatalf("paged %v", all)
	}
	_, next, _ := lib.Search(ctx, w.boss, w.org.ID, sfx, "", bo.Page{Limit: 1})
	if _, _, err := lib.Search(ctx, w.boss, w.org.ID, "zz"+sfx, "", bo.Page{Cursor: next}); bo.ErrorCode(err) != bo.EINVALID {
		t.Fatalf("another search's cursor: %v", err)
	}
}

func TestConcurrentLoadsOfOneItem(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 1)
	lib := library.NewService(w.store, w.admin)
	op := learner("op@platform.io", bo.GroupPlatformOperators)
	id := "race-" + bo.NewID("", time.Now())[1:9]
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = lib.Load(ctx, op, library.Load{Items: []bo.CatalogItem{{ID: id, Type: bo.ItemCourse, Name: fmt.Sprintf("Race %s v%d", id, i)}}})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("a concurrent load failed: %v", err)
		}
	}
	// Whatever won, the item and its terms agree: its name finds it, and
	// only one name does.
	it, err := w.store.GetLibraryItem(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i := range errs {
		items, _, err := lib.Search(ctx, w.boss, w.org.ID, fmt.Sprintf("race %s v%d", id, i), "", bo.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 1 {
			found++
			if items[0].Name != it.Name {
				t.Fatalf("term of %q finds %q", items[0].Name, it.Name)
			}
		}
	}
	if found != 1 {
		t.Fatalf("%d names find the item, want 1", found)
	}
}

func TestItemCountsAndTheLearnersCatalog(t *testing.T) {
	ctx := context.Background()
	w, svc := catalogued(t)
	members := []string{"jo@acme.edu", "m1@acme.edu", "m2@acme.edu", "m3@acme.edu", "m4@acme.edu"}
	for _, m := range members[1:] {
		if _, err := w.invites.Join(ctx, learner(m), w.program.Slug); err != nil {
			t.Fatal(err)
		}
	}
	// Every member enrolls in c0 at once; jo in c1 too, then leaves it.
	var wg sync.WaitGroup
	for _, m := range members {
		wg.Go(func() {
			if _, err := svc.Enroll(ctx, learner(m), w.program.Slug, enroll.NewEnrollment{ItemID: "c0"}); err != nil {
				t.Errorf("enroll %s: %v", m, err)
			}
		})
	}
	wg.Wait()
	jo := learner("jo@acme.edu")
	if _, err := svc.Enroll(ctx, jo, w.program.Slug, enroll.NewEnrollment{ItemID: "c1"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Unenroll(ctx, jo, w.program.Slug, "c1"); err != nil {
		t.Fatal(err)
	}
	// jo completes c0 (twice: the second is no first completion).
	prev, err := w.store.GetEnrollment(ctx, w.program.ID, "jo@acme.edu", "c0")
	if err != nil {
		t.Fatal(err)
	}
	done := time.Now().UTC()
	next := prev
	next.Progress, next.CompletedAt = 100, &done
	if err := w.store.SaveProgress(ctx, prev, next, done); err != nil {
		t.Fatal(err)
	}
	again, _ := w.store.GetEnrollment(ctx, w.program.ID, "jo@acme.edu", "c0")
	if err := w.store.SaveProgress(ctx, again, again, done); err != nil {
		t.Fatal(err)
	}
	counts, err := w.store.ItemCounts(ctx, w.program.ID)
	if err != nil {
		t.Fatal(err)
	}
	if counts["c0"] != (bo.ItemCounts{Enrolled: 5, Completed: 1}) || counts["c1"] != (bo.ItemCounts{}) || len(counts) != 2 {
		t.Fatalf("counts %+v", counts)
	}
	cat, err := w.admin.Catalog(ctx, w.boss, w.org.ID, w.program.ID)
	if err != nil || cat[0].Items[0].Enrolled != 5 || cat[0].Items[0].Completed != 1 {
		t.Fatalf("admin catalogue %+v %v", cat, err)
	}

	// jo's program page: enrolled in c0 (done), c1 left with its progress, 2 of 3 places left.
	page, err := svc.Catalog(ctx, jo, w.program.Slug)
	if err != nil {
		t.Fatal(err)
	}
	items := page.Collections[0].Items
	if page.EnrollmentLimit != 3 || page.EnrollmentsLeft == nil || *page.EnrollmentsLeft != 2 || page.CurrentEnrollments != 1 {
		t.Fatalf("page %+v", page)
	}
	if !items[0].Enrolled || !items[0].Completed || items[0].Progress != 100 || items[0].CanEnroll ||
		items[1].Enrolled || !items[1].CanEnroll || items[2].Enrolled {
		t.Fatalf("items %+v", items)
	}
	if _, err := svc.Catalog(ctx, learner("stranger@elsewhere.org"), w.program.Slug); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("a stranger's page: %v", err)
	}
}

func TestInvitationPageTakesNoLicence(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 1)
	w.invite(t, "Ada Lovelace", "ada@example.com")
	token := tokenOf(t, w.mail.to("ada@example.com", mail.TemplateInvitation)[0])
	ada := learner("ADA@example.com")
	page, err := w.invites.Invitation(ctx, ada, token)
	if err != nil || page.Status != invite.InvitationPending || page.OrgName != "Acme" || page.Program.Name != w.program.Name ||
		page.FullName != "Ada Lovelace" || page.Brand != nil {
		t.Fatalf("page %+v %v", page, err)
	}
	c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	if c.Used != 0 {
		t.Fatalf("the page took a licence: %+v", c)
	}
	for _, tt := range []struct {
		caller bo.Caller
		token  string
		code   string
	}{
		{learner("mallory@example.com"), token, bo.EFORBIDDEN},
		{ada, token + "x", bo.ENOTFOUND},
		{ada, "", bo.ENOTFOUND},
	} {
		if _, err := w.invites.Invitation(ctx, tt.caller, tt.token); bo.ErrorCode(err) != tt.code {
			t.Errorf("page as %s: %v, want %s", tt.caller.Email, err, tt.code)
		}
	}
	// Expired: the clock past the link's expiry.
	real := w.invites.Now
	w.invites.Now = func() time.Time { return page.ExpiresAt.Add(time.Minute) }
	if p, err := w.invites.Invitation(ctx, ada, token); err != nil || p.Status != invite.InvitationExpired {
		t.Fatalf("expired page %+v %v", p, err)
	}
	w.invites.Now = real
	if _, err := w.invites.Accept(ctx, ada, token); err != nil {
		t.Fatal(err)
	}
	if p, err := w.invites.Invitation(ctx, ada, token); err != nil || p.Status != invite.InvitationAccepted || p.AcceptedAt == nil {
		t.Fatalf("accepted page %+v %v", p, err)
	}
}

func TestDeletingAProgramDeletesItsCounts(t *testing.T) {
	ctx := context.Background()
	w, svc := catalogued(t)
	jo := learner("jo@acme.edu")
	if _, err := svc.Enroll(ctx, jo, w.program.Slug, enroll.NewEnrollment{ItemID: "c0"}); err != nil {
		t.Fatal(err)
	}
	l, err := w.store.GetLearner(ctx, w.program.ID, "jo@acme.edu")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.RemoveMember(ctx, l, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if counts, _ := w.store.ItemCounts(ctx, w.program.ID); counts["c0"].Enrolled != 1 {
		t.Fatalf("counts before %+v", counts)
	}
	if err := w.store.DeleteProgram(ctx, w.org.ID, w.program.ID); err != nil {
		t.Fatal(err)
	}
	if counts, err := w.store.ItemCounts(ctx, w.program.ID); err != nil || len(counts) != 0 {
		t.Fatalf("counts after the deletion %+v %v", counts, err)
	}
}
