package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reports"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// TestEachLearnerMergesShardsAndEnrollments seeds learners of two
// programs, with emails chosen to fall on every shard and to sort close
// (a@x.co before a@x.co.uk), pages of three items so that every stream
// spans pages, and reads them back through each filter.
func TestEachLearnerMergesShardsAndEnrollments(t *testing.T) {
	defer func(n int32) { reportPageItems = n }(reportPageItems)
	reportPageItems = 3
	cfg := emulatortest.Config(t)
	s := NewStore(dynamodb.NewFromConfig(cfg), emulatortest.NewTable(t, cfg))
	now := time.Now().UTC().Truncate(time.Millisecond)
	emails := []string{"a@x.co", "a@x.co.uk", "a.b@x.co", "zed@example.com"}
	for i := range 40 {
		emails = append(emails, fmt.Sprintf("learner%02d@example.org", i))
	}
	var recs []any
	want := map[string][]string{} // email -> item ids, in item order
	for i, email := range emails {
		for _, programID := range []string{"prg_a", "prg_b"} {
			l := bo.Learner{OrgID: "org_1", ProgramID: programID, Email: email, EmailKey: email, FullName: "L " + email,
				State: bo.StateMember, ContractID: "con_1", JoinedAt: &now, CreatedAt: now, UpdatedAt: now}
			recs = append(recs, newLearnerRecord(l))
			if programID != "prg_a" {
				continue
			}
			for k := range i % 4 {
				typ, id := bo.ItemCourse, fmt.Sprintf("course-%d", k)
				if k == 2 {
					typ, id = bo.ItemSpecialization, "spec-1"
				}
				recs = append(recs, newEnrollmentRecord(bo.Enrollment{OrgID: "org_1", ProgramID: programID, EmailKey: email,
					ItemID: id, ItemType: typ, State: bo.Enrolled, EnrolledAt: now, Progress: float64(k), CreatedAt: now, UpdatedAt: now}))
				want[email] = append(want[email], id)
			}
		}
	}
	// An enrollment whose learner is not there is skipped.
	recs = append(recs, newEnrollmentRecord(bo.Enrollment{OrgID: "org_1", ProgramID: "prg_a", EmailKey: "ghost@example.org",
		ItemID: "course-0", ItemType: bo.ItemCourse, EnrolledAt: now, CreatedAt: now, UpdatedAt: now}))
	benchSeed(t, s, recs)
	shards := map[int]bool{}
	for _, e := range emails {
		shards[learnerShard(e)] = true
	}
	if len(shards) != LearnerShards {
		t.Fatalf("the emails fall on %d shards, want all %d", len(shards), LearnerShards)
	}
	sorted := slices.Sorted(slices.Values(emails))

	read := func(programID string, f reports.Filter) ([]string, map[string][]string) {
		t.Helper()
		var got []string
		items := map[string][]string{}
		err := s.EachLearner(t.Context(), programID, f, func(l bo.Learner, es []bo.Enrollment) error {
			got = append(got, l.EmailKey)
			for _, e := range es {
				if e.EmailKey != l.EmailKey {
					t.Errorf("%s has the enrollment of %s", l.EmailKey, e.EmailKey)
				}
				items[l.EmailKey] = append(items[l.EmailKey], e.ItemID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, items
	}
	keep := func(pred func(id string) bool) map[string][]string {
		out := map[string][]string{}
		for email, ids := range want {
			for _, id := range ids {
				if pred(id) {
					out[email] = append(out[email], id)
				}
			}
		}
		return out
	}
	tests := []struct {
		name    string
		program string
		f       reports.Filter
		want    map[string][]string
	}{
		{"every enrollment", "prg_a", reports.Filter{}, want},
		{"courses", "prg_a", reports.Filter{Type: bo.ItemCourse}, keep(func(id string) bool { return id != "spec-1" })},
		{"specialisations", "prg_a", reports.Filter{Type: bo.ItemSpecialization}, keep(func(id string) bool { return id == "spec-1" })},
		{"one course", "prg_a", reports.Filter{Type: bo.ItemCourse, ItemID: "course-1"}, keep(func(id string) bool { return id == "course-1" })},
		{"a program without enrollments", "prg_b", reports.Filter{}, map[string][]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, items := read(tt.program, tt.f)
			if !slices.Equal(got, sorted) {
				t.Errorf("learners:\n got  %v\n want %v", got, sorted)
			}
			for email, ids := range tt.want {
				if !slices.Equal(items[email], ids) {
					t.Errorf("%s: got %v, want %v", email, items[email], ids)
				}
			}
			if len(items) != len(tt.want) {
				t.Errorf("%d learners with enrollments, want %d", len(items), len(tt.want))
			}
		})
	}

	t.Run("stops at fn's error", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := s.EachLearner(t.Context(), "prg_a", reports.Filter{}, func(bo.Learner, []bo.Enrollment) error {
			if n++; n == 5 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 5 {
			t.Errorf("got %v after %d learners, want stop after 5", err, n)
		}
	})
	t.Run("a cancelled context is an error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := s.EachLearner(ctx, "prg_a", reports.Filter{}, func(bo.Learner, []bo.Enrollment) error { return nil }); err == nil {
			t.Error("no error")
		}
	})
}
