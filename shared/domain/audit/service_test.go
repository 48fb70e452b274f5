package audit

import (
	"context"
	"reflect"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

type fakeStore struct {
	ListAuditFn func(ctx context.Context, orgID string, q Query) ([]Record, string, error)
}

func (f fakeStore) ListAudit(ctx context.Context, orgID string, q Query) ([]Record, string, error) {
	return f.ListAuditFn(ctx, orgID, q)
}

type fakeAuth struct {
	AuthorizeOrgFn func(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error)
}

func (f fakeAuth) AuthorizeOrg(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error) {
	return f.AuthorizeOrgFn(ctx, caller, orgID)
}

var (
	_ Store      = fakeStore{}
	_ Authorizer = fakeAuth{}
)

func TestListScopesAndChecks(t *testing.T) {
	admins := map[string]bo.Admin{
		"org@x.co": {Role: bo.RoleOrgAdmin},
		"pa@x.co":  {Role: bo.RoleProgramAdmin, ProgramIDs: []string{"prg_b", "prg_a"}},
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		as       string
		f        Filter
		limit    int
		code     string
		queried  bool
		programs []string
	}{
		{name: "an org admin reads everything", as: "org@x.co", queried: true},
		{name: "a program admin reads their programs", as: "pa@x.co", queried: true, programs: []string{"prg_a", "prg_b"}},
		{name: "a program admin narrows to one of theirs", as: "pa@x.co", f: Filter{ProgramID: "prg_b"}, queried: true, programs: []string{"prg_b"}},
		{name: "a program admin asking for another program reads nothing", as: "pa@x.co", f: Filter{ProgramID: "prg_z"}},
		{name: "someone of another org", as: "out@y.co", code: bo.EFORBIDDEN},
		{name: "a target id without its type", as: "org@x.co", f: Filter{TargetID: "x"}, code: bo.EINVALID},
		{name: "to before from", as: "org@x.co", f: Filter{From: from, To: from.Add(-time.Hour)}, code: bo.EINVALID},
		{name: "a limit too large", as: "org@x.co", limit: 101, code: bo.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Query
			svc := NewService(fakeStore{ListAuditFn: func(_ context.Context, orgID string, q Query) ([]Record, string, error) {
				got = &q
				return []Record{{ID: "aud_1"}}, "", nil
			}}, fakeAuth{AuthorizeOrgFn: func(_ context.Context, c bo.Caller, _ string) (bo.Admin, error) {
				a, ok := admins[c.Email]
				if !ok {
					return bo.Admin{}, bo.Errorf(bo.EFORBIDDEN, "not an admin")
				}
				return a, nil
			}})
			recs, _, err := svc.List(t.Context(), bo.Caller{Email: tt.as}, "org_1", tt.f, bo.Page{Limit: tt.limit})
			if bo.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want code %q", err, tt.code)
			}
			if (got != nil) != tt.queried {
				t.Fatalf("queried %v, want %v", got != nil, tt.queried)
			}
			if got == nil {
				if err == nil && len(recs) != 0 {
					t.Errorf("records %v without a query", recs)
				}
				return
			}
			if !reflect.DeepEqual(got.Programs, tt.programs) || got.Page.Limit != bo.DefaultPageSize {
				t.Errorf("query %+v, want programs %v", *got, tt.programs)
			}
		})
	}
}
