package dynamo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/activity"
)

// TestMembersViewByEnrollmentsAndCompletions sorts the members view by the
// learners' counts of enrollments and of completions (GSI7, GSI8), both
// ways, page by page across cursors, whole (as an export), counted, and
// under a status filter; and checks that the keys follow the counts the
// enrollment and completion transactions change, a stale enrollment being
// refused rather than keyed one behind.
func TestMembersViewByEnrollmentsAndCompletions(t *testing.T) {
	ctx := context.Background()
	w, svc, now := seededView(t)
	learner := func(email string) bo.Learner {
		l, err := w.store.GetLearner(ctx, w.program.ID, email)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	enroll := func(l bo.Learner, item string) error {
		e := bo.Enrollment{OrgID: l.OrgID, ProgramID: l.ProgramID, EmailKey: l.EmailKey, ItemID: item, ItemType: bo.ItemCourse,
			ItemName: item, State: bo.Enrolled, EnrolledAt: now, CreatedAt: now, UpdatedAt: now}
		return w.store.Enroll(ctx, l, e, 0)
	}
	complete := func(email, item string) {
		p, at := 100.0, now.Add(-1)
		if err := activity.NewRecorder(w.store).Record(ctx, activity.Event{ProgramSlug: w.program.Slug, Email: email, ItemID: item,
			OccurredAt: at, Progress: &p, CompletedAt: &at}); err != nil {
			t.Fatal(err)
		}
	}
	// Enrollments made: b 0, c 2, d 1, e 1, g 2 (g left one: the count is
	// of every enrollment made). Completions: b, d, g 0, e 1, c 2.
	if err := enroll(learner("c@x.org"), "c2"); err != nil {
		t.Fatal(err)
	}
	stale := learner("g@x.org")
	if err := enroll(stale, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := enroll(stale, "c2"); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("an enrollment on a stale count: %v, want conflict", err)
	}
	if err := w.store.Unenroll(ctx, learner("g@x.org"), "c1", now); err != nil {
		t.Fatal(err)
	}
	complete("c@x.org", "c1")
	complete("c@x.org", "c2")
	complete("c@x.org", "c2") // a replay counts nothing

	for email, want := range map[string][2]int{"b@x.org": {0, 0}, "c@x.org": {2, 2}, "e@x.org": {1, 1}, "g@x.org": {2, 0}} {
		for i, attr := range []string{"GSI7SK", "GSI8SK"} {
			if got := countKey(t, w, email, attr); got != fmt.Sprintf("%010d#%s", want[i], email) {
				t.Errorf("%s %s: %q, want the count %d", email, attr, got, want[i])
			}
		}
	}
	tests := []struct {
		status bo.MemberStatus
		sort   bo.MemberSort
		want   []string // ascending
	}{
		{bo.MemberJoined, bo.MembersByEnrollments, []string{"b", "d", "e", "c", "g"}},
		{bo.MemberJoined, bo.MembersByCompletions, []string{"b", "d", "g", "e", "c"}},
		{bo.MemberNoCompletions, bo.MembersByCompletions, []string{"d", "g"}},
		{bo.MemberNoCompletions, bo.MembersByEnrollments, []string{"d", "g"}},
		{bo.MemberInvitedNever, bo.MembersByEnrollments, []string{"a"}},
		{bo.MemberRemoved, bo.MembersByCompletions, []string{"f", "jo@acme.edu"}},
	}
	for _, tt := range tests {
		for _, desc := range []bool{false, true} {
			want := slices.Clone(tt.want)
			if desc {
				slices.Reverse(want)
			}
			q := bo.MemberQuery{Status: tt.status, Sort: tt.sort, Desc: desc, Limit: 2}
			var paged []string
			for range 10 {
				page, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, q)
				if err != nil {
					t.Fatalf("%s by %s desc=%v: %v", tt.status, tt.sort, desc, err)
				}
				paged = append(paged, emails(page.Items)...)
				if page.NextCursor == "" {
					break
				}
				q.Cursor = page.NextCursor
			}
			if !slices.Equal(paged, want) {
				t.Errorf("%s by %s desc=%v: paged %v, want %v", tt.status, tt.sort, desc, paged, want)
			}
			var streamed []string
			if err := w.store.StreamMembers(ctx, w.program.ID, bo.MemberQuery{Status: tt.status, Sort: tt.sort, Desc: desc, Now: now},
				func(batch []bo.Learner) error { streamed = append(streamed, emails(batch)...); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(streamed, want) {
				t.Errorf("%s by %s desc=%v: streamed %v, want %v", tt.status, tt.sort, desc, streamed, want)
			}
			c, err := svc.Count(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: tt.status, Sort: tt.sort, Desc: desc})
			if err != nil || c.Count != len(want) {
				t.Errorf("%s by %s: count %+v, %v; want %d", tt.status, tt.sort, c, err, len(want))
			}
		}
	}
	// No completions by completions reads only the keys of a count of 0
	// (b, d, g), not the members who completed (c, e).
	if page, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: bo.MemberNoCompletions, Sort: bo.MembersByCompletions,
		Limit: 50}); err != nil || page.Read != 3 {
		t.Errorf("no completions by completions read %d entries (%v), want 3", page.Read, err)
	}
	// A page of one, then its cursor under another sort, is refused.
	page, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Sort: bo.MembersByEnrollments, Limit: 1})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	if _, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Sort: bo.MembersByCompletions, Cursor: page.NextCursor}); bo.ErrorCode(err) != bo.EINVALID {
		t.Errorf("a cursor of another sort: %v", err)
	}
	// The CSV export takes the same sort.
	var buf bytes.Buffer
	if err := svc.Export(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Sort: bo.MembersByCompletions, Desc: true},
		[]string{"enrollments", "completions"}, csv.NewWriter(&buf)); err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(&buf).ReadAll()
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[1]+"="+r[2]+"/"+r[3])
	}
	if want := []string{"c@x.org=2/2", "e@x.org=1/1", "g@x.org=2/0", "d@x.org=1/0", "b@x.org=0/0"}; !slices.Equal(got, want) {
		t.Errorf("export by completions, descending: %v, want %v", got, want)
	}
}
