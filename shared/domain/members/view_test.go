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
	got *bo.MemberQuery
}

func (f listStore) ListMembers(_ context.Context, _ string, q bo.MemberQuery) (bo.MemberPage, error) {
	*f.got = q
	return bo.MemberPage{}, nil
}

func TestListChecksTheSort(t *testing.T) {
	tests := []struct {
		name     string
		q        bo.MemberQuery
		wantSort bo.MemberSort
		wantDesc bool
		wantCode string
	}{
		{name: "the default", q: bo.MemberQuery{}, wantSort: bo.MembersByName},
		{name: "by enrollments", q: bo.MemberQuery{Sort: bo.MembersByEnrollments}, wantSort: bo.MembersByEnrollments},
		{name: "by enrollments, descending", q: bo.MemberQuery{Sort: bo.MembersByEnrollments, Desc: true}, wantSort: bo.MembersByEnrollments, wantDesc: true},
		{name: "by completions, with filters", q: bo.MemberQuery{Status: bo.MemberInactive30, Sort: bo.MembersByCompletions,
			ContractIDs: []string{"con_1"}, Search: "Ma"}, wantSort: bo.MembersByCompletions},
		{name: "by activity", q: bo.MemberQuery{Sort: bo.MembersByActivity}, wantSort: bo.MembersByActivity},
		{name: "a count's singular", q: bo.MemberQuery{Sort: "enrollment"}, wantCode: bo.EINVALID},
		{name: "unknown", q: bo.MemberQuery{Sort: "age"}, wantCode: bo.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bo.MemberQuery
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
	seen := map[bo.MemberSort]bool{}
	for _, s := range bo.MemberSorts {
		if s == "" || seen[s] {
			t.Errorf("sort %q listed twice or empty", s)
		}
		seen[s] = true
	}
	for _, s := range []bo.MemberSort{bo.MembersByEnrollments, bo.MembersByCompletions} {
		if !seen[s] {
			t.Errorf("%s is not among the sorts", s)
		}
	}
}
