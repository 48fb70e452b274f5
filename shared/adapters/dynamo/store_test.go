package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func newStore(t *testing.T) *dynamo.Store {
	t.Helper()
	cfg := emulatortest.Config(t)
	return dynamo.NewStore(dynamodb.NewFromConfig(cfg), emulatortest.NewTable(t, cfg))
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func seedOrg(t *testing.T, s *dynamo.Store, orgAdmins ...string) bo.Org {
	t.Helper()
	org := bo.Org{ID: bo.NewID("org", t0), Name: "Acme", CreatedAt: t0, UpdatedAt: t0}
	var as []bo.Admin
	for _, e := range orgAdmins {
		as = append(as, bo.Admin{OrgID: org.ID, Email: e, EmailKey: e, Role: bo.RoleOrgAdmin, CreatedAt: t0, UpdatedAt: t0})
	}
	if err := s.CreateOrg(context.Background(), org, as); err != nil {
		t.Fatal(err)
	}
	return org
}

func TestPing(t *testing.T) {
	if err := newStore(t).Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := emulatortest.Config(t)
	missing := dynamo.NewStore(dynamodb.NewFromConfig(cfg), "no-such-table")
	if err := missing.Ping(context.Background()); err == nil {
		t.Fatal("Ping on a missing table succeeded")
	}
}

func TestOrgRoundTripAndNotFound(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	org := seedOrg(t, s, "a@acme.edu")
	got, err := s.GetOrg(ctx, org.ID)
	if err != nil || got.ID != org.ID || got.Name != "Acme" || !got.CreatedAt.Equal(t0) {
		t.Fatalf("GetOrg = %+v, %v", got, err)
	}
	if _, err := s.GetOrg(ctx, "org_nope"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("missing org: %v", err)
	}
	if err := s.CreateOrg(ctx, org, nil); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("second CreateOrg with the same id: %v", err)
	}
	a, err := s.GetAdmin(ctx, org.ID, "a@acme.edu")
	if err != nil || a.Role != bo.RoleOrgAdmin || a.ProgramIDs == nil {
		t.Fatalf("GetAdmin = %+v, %v", a, err)
	}
}

// TestConcurrentSlugClaims races programs for one slug: exactly one wins,
// and the org counts exactly the winners.
func TestConcurrentSlugClaims(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	org := seedOrg(t, s, "a@acme.edu")
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := bo.Program{OrgID: org.ID, ID: bo.NewID("prg", t0), Name: fmt.Sprint("P", i), Slug: "same-slug", CreatedAt: t0, UpdatedAt: t0}
			errs[i] = s.CreateProgram(ctx, p)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch bo.ErrorCode(err) {
		case "":
			won++
		case bo.ECONFLICT:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	got, _ := s.GetOrg(ctx, org.ID)
	ps, _, _ := s.ListPrograms(ctx, org.ID, bo.Page{Limit: 100})
	if won != 1 || got.Counts.Programs != 1 || len(ps) != 1 {
		t.Fatalf("winners %d, org counts %d programs, %d stored; want 1 each", won, got.Counts.Programs, len(ps))
	}
}

// TestLastOrgAdminStays removes two org admins at once, many times: one
// removal must fail, so the org always keeps an org admin.
func TestLastOrgAdminStays(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for round := range 5 {
		org := seedOrg(t, s, "a@acme.edu", "b@acme.edu")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, e := range []string{"a@acme.edu", "b@acme.edu"} {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = s.DeleteAdmin(ctx, org.ID, e) }()
		}
		wg.Wait()
		as, _, err := s.ListAdmins(ctx, org.ID, bo.Page{Limit: 10})
		if err != nil || len(as) != 1 {
			t.Fatalf("round %d: %d admins left (%v), errors %v", round, len(as), err, errs)
		}
		if (errs[0] == nil) == (errs[1] == nil) || bo.ErrorCode(errs[0])+bo.ErrorCode(errs[1]) != bo.ECONFLICT {
			t.Fatalf("round %d: errors %v, want exactly one conflict", round, errs)
		}
	}
}

func TestAdminConflictsAndProgramAdmins(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	org := seedOrg(t, s, "a@acme.edu")
	pa := bo.Admin{OrgID: org.ID, Email: "P@acme.edu", EmailKey: "p@acme.edu", Role: bo.RoleProgramAdmin, ProgramIDs: []string{"prg_1"}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateAdmin(ctx, pa); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAdmin(ctx, pa); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("adding an admin twice: %v", err)
	}
	if err := s.CreateAdmin(ctx, bo.Admin{OrgID: "org_none", EmailKey: "x@y.z", Role: bo.RoleOrgAdmin}); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("an org admin of a missing org: %v", err)
	}
	if err := s.DeleteAdmin(ctx, org.ID, "p@acme.edu"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAdmin(ctx, org.ID, "p@acme.edu"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("removing a removed admin: %v", err)
	}
}

func TestCollectionsAreVersioned(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	c := bo.Collection{ProgramID: "prg_1", ID: "col_1", Name: "A", Items: []bo.CatalogItem{{ID: "c1", Type: bo.ItemCourse, Name: "C1"}},
		Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.PutCollections(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCollections(ctx, c); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("creating a collection twice: %v", err)
	}
	c.Version, c.Name = 2, "B"
	stale := c
	if err := s.PutCollections(ctx, c); err != nil {
		t.Fatal(err)
	}
	stale.Name = "lost update"
	if err := s.PutCollections(ctx, stale); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("a write at a stale version: %v", err)
	}
	got, err := s.GetCollection(ctx, "prg_1", "col_1")
	if err != nil || got.Name != "B" || got.Version != 2 || len(got.Items) != 1 || got.Items[0].ID != "c1" {
		t.Fatalf("GetCollection = %+v, %v", got, err)
	}
	readAtV1 := got
	readAtV1.Version = 1
	if err := s.DeleteCollection(ctx, readAtV1); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("delete at a stale version: %v", err)
	}
	if err := s.DeleteCollection(ctx, got); err != nil {
		t.Fatal(err)
	}
	if cs, err := s.ListCollections(ctx, "prg_1"); err != nil || len(cs) != 0 {
		t.Fatalf("after delete: %v %v", cs, err)
	}
}

func TestDeleteProgramRefusedWithMembers(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	org := seedOrg(t, s, "a@acme.edu")
	p := bo.Program{OrgID: org.ID, ID: "prg_m", Name: "P", Slug: "with-members", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateProgram(ctx, p); err != nil {
		t.Fatal(err)
	}
	// Members arrive with the invitations capability; stand one in here.
	if err := dynamo.SetProgramMembersForTest(ctx, s, org.ID, p.ID, 1); err != nil {
		t.Fatal(err)
	}
	err := s.DeleteProgram(ctx, org.ID, p.ID)
	if bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("deleting a program with a member: %v", err)
	}
	if _, err := s.GetProgram(ctx, org.ID, p.ID); err != nil {
		t.Fatalf("the refused delete removed the program: %v", err)
	}
}
