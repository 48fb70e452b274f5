package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// asAdmin is the context of a request by an org admin.
func asAdmin(email, requestID string) context.Context {
	ctx := audit.WithCaller(context.Background(), bo.Caller{Subject: "sub-" + email, Email: email}, requestID, "198.51.100.7")
	audit.SetRole(ctx, string(bo.RoleOrgAdmin))
	return ctx
}

func TestAuditRecordIsWrittenWithItsChangeOnly(t *testing.T) {
	s := newStore(t)
	// Long enough that the records outlive any run of this test, whatever
	// the calendar says (t0 is fixed).
	const retention = 20 * 365 * 24 * time.Hour
	s.SetAuditRetention(retention)
	org := seedOrg(t, s, "root@acme.edu")
	at := t0.Add(time.Hour)
	a := bo.Admin{OrgID: org.ID, Email: "ada@acme.edu", EmailKey: "ada@acme.edu", Role: bo.RoleOrgAdmin, CreatedAt: at, UpdatedAt: at}
	add := func(requestID string) error {
		ctx := asAdmin("root@acme.edu", requestID)
		ctx = audit.For(ctx, at, org.ID, "", audit.AdminAdd, audit.Target{Type: audit.TargetAdmin, ID: a.Email},
			audit.Diff(nil, a, "orgId", "createdAt", "updatedAt"))
		return s.CreateAdmin(ctx, a)
	}
	if err := add("req-1"); err != nil {
		t.Fatal(err)
	}
	// The same admin again: the condition refuses it, and no record is written.
	if err := add("req-2"); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("second add: %v", err)
	}
	recs, next, err := s.ListAudit(t.Context(), org.ID, audit.Query{Page: bo.Page{Limit: 10}})
	if err != nil || next != "" || len(recs) != 1 {
		t.Fatalf("ListAudit = %d records, %q, %v", len(recs), next, err)
	}
	r := recs[0]
	if r.Action != audit.AdminAdd || r.Actor != (audit.Actor{Subject: "sub-root@acme.edu", Email: "root@acme.edu", Role: "org_admin"}) ||
		r.RequestID != "req-1" || r.SourceIP != "198.51.100.7" || !r.At.Equal(at) || r.Target.ID != "ada@acme.edu" {
		t.Errorf("record %+v", r)
	}
	if !slices.Contains(r.Changes, audit.Change{Field: "role", New: "org_admin"}) {
		t.Errorf("changes %v lack the role", r.Changes)
	}
	// The record expires after the retention (the TTL attribute, epoch seconds).
	pk, sk := dynamo.AuditKeyForTest(org.ID, r.At, r.ID)
	item, err := dynamo.ItemForTest(t.Context(), s, pk, sk)
	if err != nil || item == nil {
		t.Fatalf("record item: %v %v", item, err)
	}
	if got := item["expiresAt"].(*types.AttributeValueMemberN).Value; got != strconv.FormatInt(at.Add(retention).Unix(), 10) {
		t.Errorf("expiresAt %s", got)
	}

	// A single write (an UpdateItem) carries its record too, and a refused one none.
	p := bo.Program{OrgID: org.ID, ID: "prg_1", Name: "Data", Slug: "data-" + org.ID[4:12], CreatedAt: at, UpdatedAt: at}
	if err := s.CreateProgram(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	update := func(p bo.Program) error {
		ctx := audit.For(asAdmin("root@acme.edu", "req-3"), at.Add(time.Minute), org.ID, p.ID, audit.ProgramUpdate,
			audit.Target{Type: audit.TargetProgram, ID: p.ID}, []audit.Change{{Field: "name", Old: "Data", New: "Data 2"}})
		return s.UpdateProgram(ctx, p)
	}
	p.Name = "Data 2"
	if err := update(p); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetProgram(t.Context(), org.ID, p.ID); got.Name != "Data 2" {
		t.Errorf("program not updated: %+v", got)
	}
	p.ID = "prg_missing"
	if err := update(p); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("update of a missing program: %v", err)
	}
	recs, _, _ = s.ListAudit(t.Context(), org.ID, audit.Query{Page: bo.Page{Limit: 10}})
	if len(recs) != 2 || recs[0].Action != audit.ProgramUpdate || recs[0].Target.ID != "prg_1" {
		t.Fatalf("records newest first %+v", recs)
	}
}

func TestAuditQueriesServeEachFilter(t *testing.T) {
	s := newStore(t)
	org := seedOrg(t, s, "root@acme.edu")
	other := seedOrg(t, s, "root@other.edu")
	type spec struct {
		actor, action, program, target string
	}
	specs := []spec{
		{"ada@acme.edu", audit.ProgramUpdate, "prg_a", "prg_a"},
		{"ada@acme.edu", audit.DomainAdd, "prg_a", "acme.com"},
		{"bob@acme.edu", audit.ProgramUpdate, "prg_b", "prg_b"},
		{"bob@acme.edu", audit.AdminAdd, "", "cy@acme.edu"},
		{"ada@acme.edu", audit.ProgramUpdate, "prg_a", "prg_a"},
		{"cy@acme.edu", audit.DomainAdd, "prg_c", "acme.org"},
	}
	ids := make([]string, len(specs)) // ids[i] was written at t0 + i minutes
	for i, sp := range specs {
		at := t0.Add(time.Duration(i) * time.Minute)
		typ := audit.TargetProgram
		if sp.action == audit.DomainAdd {
			typ = audit.TargetDomain
		} else if sp.action == audit.AdminAdd {
			typ = audit.TargetAdmin
		}
		ctx := audit.For(asAdmin(sp.actor, fmt.Sprint("req-", i)), at, org.ID, sp.program, sp.action, audit.Target{Type: typ, ID: sp.target}, nil)
		if err := dynamo.WriteAuditForTest(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// Another org's record never shows.
	if err := dynamo.WriteAuditForTest(audit.For(asAdmin("ada@acme.edu", "x"), t0, other.ID, "prg_a", audit.ProgramUpdate,
		audit.Target{Type: audit.TargetProgram, ID: "prg_a"}, nil), s); err != nil {
		t.Fatal(err)
	}
	all, _, err := s.ListAudit(t.Context(), org.ID, audit.Query{Page: bo.Page{Limit: 100}})
	if err != nil || len(all) != len(specs) {
		t.Fatalf("every record: %d, %v", len(all), err)
	}
	for i, r := range all { // newest first
		ids[len(specs)-1-i] = r.ID
	}
	pick := func(idx ...int) []string {
		var out []string
		for i := len(idx) - 1; i >= 0; i-- { // newest first
			out = append(out, ids[idx[i]])
		}
		return out
	}
	tests := []struct {
		name string
		q    audit.Query
		want []string
	}{
		{name: "by actor", q: audit.Query{Filter: audit.Filter{Actor: "ada@acme.edu"}}, want: pick(0, 1, 4)},
		{name: "by action", q: audit.Query{Filter: audit.Filter{Action: audit.ProgramUpdate}}, want: pick(0, 2, 4)},
		{name: "by target", q: audit.Query{Filter: audit.Filter{TargetType: audit.TargetProgram, TargetID: "prg_a"}}, want: pick(0, 4)},
		{name: "by target type", q: audit.Query{Filter: audit.Filter{TargetType: audit.TargetDomain}}, want: pick(1, 5)},
		{name: "by program", q: audit.Query{Filter: audit.Filter{ProgramID: "prg_b"}}, want: pick(2)},
		{name: "actor and action", q: audit.Query{Filter: audit.Filter{Actor: "ada@acme.edu", Action: audit.DomainAdd}}, want: pick(1)},
		{name: "time range [from, to)", q: audit.Query{Filter: audit.Filter{From: t0.Add(time.Minute), To: t0.Add(4 * time.Minute)}}, want: pick(1, 2, 3)},
		{name: "a program admin of one program", q: audit.Query{Programs: []string{"prg_a"}}, want: pick(0, 1, 4)},
		{name: "a program admin of two", q: audit.Query{Programs: []string{"prg_b", "prg_c"}}, want: pick(2, 5)},
		{name: "a program admin's scope with an actor", q: audit.Query{Filter: audit.Filter{Actor: "bob@acme.edu"}, Programs: []string{"prg_b"}}, want: pick(2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Page.Limit = 100
			recs, _, err := s.ListAudit(t.Context(), org.ID, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("paging with the cursor", func(t *testing.T) {
		for _, q := range []audit.Query{{}, {Filter: audit.Filter{Action: audit.ProgramUpdate}}, {Programs: []string{"prg_a", "prg_b"}}} {
			var got []string
			q.Page.Limit = 2
			for pages := 0; ; pages++ {
				if pages > len(specs) {
					t.Fatal("the cursor does not move on")
				}
				recs, next, err := s.ListAudit(t.Context(), org.ID, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) > 2 {
					t.Fatalf("page of %d", len(recs))
				}
				for _, r := range recs {
					got = append(got, r.ID)
				}
				if next == "" {
					break
				}
				q.Page.Cursor = next
			}
			q.Page = bo.Page{Limit: 100}
			whole, _, _ := s.ListAudit(t.Context(), org.ID, q)
			var want []string
			for _, r := range whole {
				want = append(want, r.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%+v: pages %v, want %v", q.Filter, got, want)
			}
		}
	})
	t.Run("a cursor of another org or filter is refused", func(t *testing.T) {
		_, next, err := s.ListAudit(t.Context(), org.ID, audit.Query{Page: bo.Page{Limit: 1}})
		if err != nil || next == "" {
			t.Fatal(next, err)
		}
		for _, q := range []audit.Query{
			{Page: bo.Page{Limit: 1, Cursor: next}, Filter: audit.Filter{Action: audit.AdminAdd}},
		} {
			if _, _, err := s.ListAudit(t.Context(), org.ID, q); bo.ErrorCode(err) != bo.EINVALID {
				t.Errorf("cursor accepted: %v", err)
			}
		}
		if _, _, err := s.ListAudit(t.Context(), other.ID, audit.Query{Page: bo.Page{Limit: 1, Cursor: next}}); bo.ErrorCode(err) != bo.EINVALID {
			t.Errorf("another org's cursor accepted: %v", err)
		}
	})
}
