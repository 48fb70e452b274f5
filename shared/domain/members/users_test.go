package members_test

import (
	"context"
	"slices"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
)

// usersStore holds two programs of org_1 (and one of org_2) and answers a
// search with the entries after the query's key, as the index does.
type usersStore struct {
	searched [][]string
}

func (*usersStore) ListPrograms(context.Context, string, bo.Page) ([]bo.Program, string, error) {
	return []bo.Program{{ID: "prg_1", Name: "One"}, {ID: "prg_2", Name: "Two"}}, "", nil
}

func (s *usersStore) SearchLearners(_ context.Context, ids []string, q members.UserQuery) ([]members.UserEntry, bool, error) {
	s.searched = append(s.searched, ids)
	var out []members.UserEntry
	for _, k := range []string{"ann@x.org", "bob@x.org", "cy@x.org"} {
		if k > q.After && len(out) < q.Limit {
			out = append(out, members.UserEntry{EmailKey: k, Email: k, FullName: k[:2], SortKey: k})
		}
	}
	return out, len(out) == q.Limit && out[len(out)-1].EmailKey != "cy@x.org", nil
}

func (*usersStore) Standings(_ context.Context, emailKey string) ([]members.Standing, error) {
	return []members.Standing{
		{OrgID: "org_1", ProgramID: "prg_1", State: bo.StateMember},
		{OrgID: "org_1", ProgramID: "prg_2", State: bo.StateInvited},
		{OrgID: "org_2", ProgramID: "prg_9", State: bo.StateMember},
	}, nil
}

// usersAuth: boss is org_1's org admin, pa administers prg_2.
type usersAuth struct{}

func (usersAuth) AuthorizeOrg(_ context.Context, c bo.Caller, orgID string) (bo.Admin, error) {
	switch {
	case orgID != "org_1":
	case c.Subject == "boss":
		return bo.Admin{OrgID: orgID, Role: bo.RoleOrgAdmin}, nil
	case c.Subject == "pa":
		return bo.Admin{OrgID: orgID, Role: bo.RoleProgramAdmin, ProgramIDs: []string{"prg_2"}}, nil
	}
	return bo.Admin{}, bo.Errorf(bo.EFORBIDDEN, "not an admin")
}

func TestUsersListsEachPersonWithTheirProgramsInTheOrg(t *testing.T) {
	ctx := context.Background()
	boss, pa := bo.Caller{Subject: "boss"}, bo.Caller{Subject: "pa"}
	st := &usersStore{}
	u := members.NewUsers(st, usersAuth{})

	var all []string
	q := members.UserQuery{Limit: 2}
	for range 5 {
		p, err := u.List(ctx, boss, "org_1", q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			all = append(all, it.Email)
			if len(it.Programs) != 2 || it.Programs[0].ProgramName != "One" || it.Programs[1].State != bo.StateInvited {
				t.Errorf("%s's programs for the org admin: %+v (another org's must not show)", it.Email, it.Programs)
			}
		}
		if q.Cursor = p.NextCursor; q.Cursor == "" {
			break
		}
	}
	if !slices.Equal(all, []string{"ann@x.org", "bob@x.org", "cy@x.org"}) {
		t.Errorf("paged: %v", all)
	}

	p, err := u.List(ctx, pa, "org_1", members.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.searched[len(st.searched)-1]; !slices.Equal(got, []string{"prg_2"}) {
		t.Errorf("a program admin's search reads %v, want their program only", got)
	}
	if ps := p.Items[0].Programs; len(ps) != 1 || ps[0].ProgramID != "prg_2" {
		t.Errorf("programs shown to a program admin: %+v", ps)
	}

	first, _ := u.List(ctx, boss, "org_1", members.UserQuery{Limit: 1, Search: "a"})
	for _, tt := range []struct {
		name   string
		caller bo.Caller
		org    string
		q      members.UserQuery
		code   string
		field  string
	}{
		{"another org's admin", boss, "org_2", members.UserQuery{}, bo.EFORBIDDEN, ""},
		{"unknown sort", boss, "org_1", members.UserQuery{Sort: "age"}, bo.EINVALID, "sort"},
		{"limit too high", boss, "org_1", members.UserQuery{Limit: 101}, bo.EINVALID, "limit"},
		{"garbage cursor", boss, "org_1", members.UserQuery{Cursor: "!!"}, bo.EINVALID, "cursor"},
		{"cursor of another search", boss, "org_1", members.UserQuery{Cursor: first.NextCursor, Search: "b"}, bo.EINVALID, "cursor"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := u.List(ctx, tt.caller, tt.org, tt.q)
			if bo.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want %s", err, tt.code)
			}
			if tt.field != "" && !hasField(err, tt.field) {
				t.Errorf("error %v does not name %s", err, tt.field)
			}
		})
	}
}

// hasField reports whether err names the field.
func hasField(err error, field string) bool {
	for _, f := range bo.ErrorDetails(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}
