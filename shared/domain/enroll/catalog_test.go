package enroll_test

import (
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/enroll"
)

func TestBuildCatalog(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	cs := []bo.Collection{
		{ID: "col_b", Name: "Second", Position: 1, Items: []bo.CatalogItem{{ID: "c2"}}},
		{ID: "col_a", Name: "First", Position: 0, Items: []bo.CatalogItem{{ID: "c0"}, {ID: "c1"}}},
	}
	es := []bo.Enrollment{
		{ItemID: "c0", State: bo.Enrolled, Progress: 40, EnrolledAt: at},
		{ItemID: "c1", State: bo.Unenrolled, Progress: 100, CompletedAt: &at, EnrolledAt: at},
	}
	tests := []struct {
		name      string
		limit     int
		current   int
		left      *int
		canEnroll [3]bool // c0, c1, c2
	}{
		{"no limit", 0, 1, nil, [3]bool{false, true, true}},
		{"room left", 3, 1, ptr(2), [3]bool{false, true, true}},
		{"at the limit", 1, 1, ptr(0), [3]bool{false, false, false}},
		{"over the limit (lowered since)", 1, 3, ptr(0), [3]bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := enroll.BuildCatalog(bo.Program{ID: "prg_1", Name: "P", EnrollmentLimit: tt.limit}, bo.Learner{CurrentEnrollments: tt.current}, cs, es)
			if (got.EnrollmentsLeft == nil) != (tt.left == nil) || (tt.left != nil && *got.EnrollmentsLeft != *tt.left) {
				t.Fatalf("enrollmentsLeft %v, want %v", got.EnrollmentsLeft, tt.left)
			}
			if len(got.Collections) != 2 || got.Collections[0].Name != "First" || got.Collections[1].Name != "Second" {
				t.Fatalf("collections out of order: %+v", got.Collections)
			}
			c0, c1, c2 := got.Collections[0].Items[0], got.Collections[0].Items[1], got.Collections[1].Items[0]
			if !c0.Enrolled || c0.Progress != 40 || c0.Completed || c0.EnrolledAt == nil {
				t.Errorf("c0 %+v", c0)
			}
			if c1.Enrolled || c1.Progress != 100 || !c1.Completed || c1.EnrolledAt != nil || c1.CompletedAt == nil {
				t.Errorf("c1 (unenrolled, completed) %+v", c1)
			}
			if c2.Enrolled || c2.Progress != 0 {
				t.Errorf("c2 %+v", c2)
			}
			if [3]bool{c0.CanEnroll, c1.CanEnroll, c2.CanEnroll} != tt.canEnroll {
				t.Errorf("canEnroll %v %v %v, want %v", c0.CanEnroll, c1.CanEnroll, c2.CanEnroll, tt.canEnroll)
			}
		})
	}
	if cs[0].ID != "col_b" {
		t.Fatal("BuildCatalog reordered the caller's slice")
	}
}

func ptr(n int) *int { return &n }
