package members_test

import (
	"context"
	"strings"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
)

// listStore answers ListMembers with the query it was given.
type listStore struct {
	fakeStore
	got *members.Query
}

func (f listStore) ListMembers(_ context.Context, _ string, q members.Query) (members.Page, error) {
	*f.got = q
	return members.Page{}, nil
}

func TestListChecksTheSort(t *testing.T) {
	tests := []struct {
		name     string
		q        members.Query
		wantSort members.Sort
		wantDesc bool
		wantCode string
	}{
		{name: "the default", q: members.Query{}, wantSort: members.ByName},
		{name: "by enrollments", q: members.Query{Sort: members.ByEnrollments}, wantSort: members.ByEnrollments},
		{name: "by enrollments, descending", q: members.Query{Sort: members.ByEnrollments, Desc: true}, wantSort: members.ByEnrollments, wantDesc: true},
		{name: "by completions, with filters", q: members.Query{Status: members.Inactive30, Sort: members.ByCompletions,
			ContractIDs: []string{"con_1"}, Search: "Ma"}, wantSort: members.ByCompletions},
		{name: "by activity", q: members.Query{Sort: members.ByActivity}, wantSort: members.ByActivity},
		{name: "a count's singular", q: members.Query{Sort: "enrollment"}, wantCode: bo.EINVALID},
		{name: "unknown", q: members.Query{Sort: "age"}, wantCode: bo.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got members.Query
			svc := members.NewService(listStore{got: &got}, fakeAuth{}, nil, "https://learn.example.com")
			svc.Now = func() time.Time { return now }
			_, err := svc.List(context.Background(), boss, "org_1", "prg_1", tt.q)
			if tt.wantCode != "" {
				details := bo.ErrorDetails(err)
				if bo.ErrorCode(err) != tt.wantCode || len(details) == 0 || details[0].Field != "sort" ||
					!strings.Contains(details[0].Message, "enrollments or completions") {
					t.Fatalf("error %v (%v), want %s naming sort and listing every sort", err, details, tt.wantCode)
				}
				if got.Sort != "" {
					t.Errorf("a refused query reached the store: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Sort != tt.wantSort || got.Desc != tt.wantDesc || got.Limit != 20 || !got.Now.Equal(now) {
				t.Errorf("store got %+v, want sort %s desc=%v, limit 20, now", got, tt.wantSort, tt.wantDesc)
			}
		})
	}
}

// TestSortsAreDistinct keeps the list of sorts (the API's enum) free of
// repeats and empty names.
func TestSortsAreDistinct(t *testing.T) {
	seen := map[members.Sort]bool{}
	for _, s := range members.Sorts {
		if s == "" || seen[s] {
			t.Errorf("sort %q listed twice or empty", s)
		}
		seen[s] = true
	}
	for _, s := range []members.Sort{members.ByEnrollments, members.ByCompletions} {
		if !seen[s] {
			t.Errorf("%s is not among the sorts", s)
		}
	}
}
