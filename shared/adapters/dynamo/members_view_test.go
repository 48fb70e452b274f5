package dynamo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/activity"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/members"
)

// seededView is a program whose learners each stand in a known place of the
// eight statuses, with activity at known times before now.
func seededView(t *testing.T) (*world, *members.Service, time.Time) {
	t.Helper()
	ctx := context.Background()
	w, _ := catalogued(t)
	svc := members.NewService(w.store, w.admin, w.mail.outbox(), "https://learn.example.com")
	now := time.Now().UTC()
	days := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	rec := activity.NewRecorder(w.store)
	hundred, from, to := 100, now.AddDate(-2, 0, 0), now.AddDate(1, 0, 0)
	long, err := w.admin.CreateContract(ctx, w.boss, w.org.ID, admin.NewContract{Name: "Long", Licences: &hundred, StartsAt: &from, EndsAt: &to})
	if err != nil {
		t.Fatal(err)
	}
	join := func(email, name string, joined time.Time) bo.Learner {
		l := bo.Learner{OrgID: w.org.ID, ProgramID: w.program.ID, Email: email, EmailKey: email, FullName: name, State: bo.StateInvited,
			ContractID: long.ID, InvitationID: bo.NewID("inv", joined), InvitedAt: &joined, CreatedAt: joined, UpdatedAt: joined}
		if err := w.store.PutInvitationRow(ctx, l, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.Join(ctx, l, joined); err != nil {
			t.Fatal(err)
		}
		l, _ = w.store.GetLearner(ctx, w.program.ID, email)
		return l
	}
	enroll := func(l bo.Learner, item string, at time.Time) {
		e := bo.Enrollment{OrgID: l.OrgID, ProgramID: l.ProgramID, EmailKey: l.EmailKey, ItemID: item, ItemType: bo.ItemCourse,
			ItemName: item, State: bo.Enrolled, EnrolledAt: at, CreatedAt: at, UpdatedAt: at}
		if err := w.store.Enroll(ctx, l, e, 0); err != nil {
			t.Fatal(err)
		}
	}
	act := func(email, item string, at time.Time, completed bool) {
		p := 50.0
		e := activity.Event{ProgramSlug: w.program.Slug, Email: email, ItemID: item, OccurredAt: at, Progress: &p}
		if completed {
			e.CompletedAt = &at
		}
		if err := rec.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// jo@acme.edu joined through catalogued(); remove to keep the cast exact.
	jo, _ := w.store.GetLearner(ctx, w.program.ID, "jo@acme.edu")
	if err := w.store.RemoveMember(ctx, jo, false, now); err != nil {
		t.Fatal(err)
	}
	w.invite(t, "Amy Invited", "a@x.org")
	join("b@x.org", "Bea Idle", days(100))
	c := join("c@x.org", "Cal Busy", days(10))
	enroll(c, "c1", days(9))
	act("c@x.org", "c1", days(2), false)
	d := join("d@x.org", "Dan Drift", days(60))
	enroll(d, "c1", days(59))
	act("d@x.org", "c1", days(40), false)
	e := join("e@x.org", "Eve Done", days(200))
	enroll(e, "c2", days(199))
	act("e@x.org", "c2", days(10), true)
	join("f@x.org", "Fay Gone", days(30))
	if _, err := svc.RemoveMany(ctx, w.boss, w.org.ID, w.program.ID, []string{"f@x.org"}, true); err != nil {
		t.Fatal(err)
	}
	g := join("g@x.org", "Gus Gone Quiet", days(120))
	enroll(g, "c3", days(119))
	act("g@x.org", "c3", days(101), false)
	return w, svc, now
}

func emails(items []bo.Learner) []string {
	var out []string
	for _, l := range items {
		out = append(out, strings.TrimSuffix(l.EmailKey, "@x.org"))
	}
	return out
}

func TestMembersViewStatuses(t *testing.T) {
	ctx := context.Background()
	w, svc, _ := seededView(t)
	want := map[bo.MemberStatus][]string{
		bo.MemberJoined:        {"b", "c", "d", "e", "g"},
		bo.MemberInvitedNever:  {"a"},
		bo.MemberNoEnrollments: {"b"},
		bo.MemberNoCompletions: {"c", "d", "g"},
		bo.MemberInactive30:    {"d", "g"},
		bo.MemberInactive90:    {"b", "g"},
		bo.MemberCompleted30:   {"e"},
		bo.MemberRemoved:       {"f", "jo@acme.edu"},
	}
	for _, st := range bo.MemberStatuses {
		page, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: st, Sort: bo.MembersByEmail, Limit: 50})
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		if got := emails(page.Items); !slices.Equal(got, want[st]) {
			t.Errorf("status %s: %v, want %v", st, got, want[st])
		}
	}
	page, _ := svc.List(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: bo.MemberJoined, CourseIDs: []string{"c1"}, Sort: bo.MembersByEmail})
	if got := emails(page.Items); !slices.Equal(got, []string{"c", "d"}) {
		t.Errorf("current enrollment in c1: %v", got)
	}
	if _, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: "everyone"}); bo.ErrorCode(err) != bo.EINVALID {
		t.Errorf("an unknown status: %v", err)
	}
}

func TestMembersViewSortsPagesAndExports(t *testing.T) {
	ctx := context.Background()
	w, svc, _ := seededView(t)
	sorts := map[bo.MemberSort][]string{
		bo.MembersByEmail:    {"b", "c", "d", "e", "g"},
		bo.MembersByName:     {"b", "c", "d", "e", "g"},
		bo.MembersByJoined:   {"e", "g", "b", "d", "c"},
		bo.MembersByActivity: {"g", "b", "d", "e", "c"},
	}
	for sort, want := range sorts {
		for _, desc := range []bool{false, true} {
			// Two learners a page, so that cursors are crossed.
			var got []string
			q := bo.MemberQuery{Status: bo.MemberJoined, Sort: sort, Desc: desc, Limit: 2}
			for range 10 {
				page, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, q)
				if err != nil {
					t.Fatalf("%s desc=%v: %v", sort, desc, err)
				}
				got = append(got, emails(page.Items)...)
				if page.NextCursor == "" {
					break
				}
				q.Cursor = page.NextCursor
			}
			exp := slices.Clone(want)
			if desc {
				slices.Reverse(exp)
			}
			if !slices.Equal(got, exp) {
				t.Errorf("sort %s desc=%v: %v, want %v", sort, desc, got, exp)
			}
		}
	}
	page, _ := svc.List(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: bo.MemberJoined, Sort: bo.MembersByJoined, Search: "GUS"})
	if got := emails(page.Items); !slices.Equal(got, []string{"g"}) {
		t.Errorf("search by name off its index: %v", got)
	}
	page, _ = svc.List(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: bo.MemberJoined, Sort: bo.MembersByEmail, Search: "d@"})
	if got := emails(page.Items); !slices.Equal(got, []string{"d"}) {
		t.Errorf("search by email prefix: %v", got)
	}
	var buf bytes.Buffer
	if err := svc.Export(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: bo.MemberJoined, Sort: bo.MembersByName},
		[]string{"completions", "currentEnrollments"}, csv.NewWriter(&buf)); err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(&buf).ReadAll()
	if len(rows) != 6 || strings.Join(rows[0], ",") != "Learner,Email,Completions,Current Enrollments" || rows[4][1] != "e@x.org" || rows[4][2] != "1" {
		t.Fatalf("export %q", rows)
	}
	// The count of a selection agrees with its export, under any sort.
	for _, sort := range []bo.MemberSort{bo.MembersByName, bo.MembersByActivity} {
		c, err := svc.Count(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: bo.MemberJoined, Sort: sort})
		if err != nil || c.Count != len(rows)-1 || c.Read < c.Count {
			t.Errorf("count sorted by %s: %+v, %v; want %d", sort, c, err, len(rows)-1)
		}
	}
}

// TestMembersStreamAgreesWithPages reads every status under every sort,
// both ways, whole (StreamMembers, as an export does) and page by page
// (two a page, so that cursors are crossed): the same learners in the same
// order.
func TestMembersStreamAgreesWithPages(t *testing.T) {
	ctx := context.Background()
	w, svc, now := seededView(t)
	for _, st := range bo.MemberStatuses {
		for _, sort := range []bo.MemberSort{bo.MembersByEmail, bo.MembersByName, bo.MembersByJoined, bo.MembersByInvited, bo.MembersByActivity} {
			for _, desc := range []bool{false, true} {
				q := bo.MemberQuery{Status: st, Sort: sort, Desc: desc, Limit: 2}
				var paged []string
				for range 20 {
					page, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, q)
					if err != nil {
						t.Fatalf("%s by %s desc=%v: %v", st, sort, desc, err)
					}
					paged = append(paged, emails(page.Items)...)
					if page.NextCursor == "" {
						break
					}
					q.Cursor = page.NextCursor
				}
				var streamed []string
				batches := 0
				err := w.store.StreamMembers(ctx, w.program.ID, bo.MemberQuery{Status: st, Sort: sort, Desc: desc, Now: now},
					func(batch []bo.Learner) error {
						batches++
						streamed = append(streamed, emails(batch)...)
						return nil
					})
				if err != nil {
					t.Fatalf("stream %s by %s desc=%v: %v", st, sort, desc, err)
				}
				if !slices.Equal(streamed, paged) {
					t.Errorf("%s by %s desc=%v: streamed %v, paged %v", st, sort, desc, streamed, paged)
				}
				if len(streamed) > 0 && batches != 1 {
					t.Errorf("%s by %s desc=%v: %d batches for %d learners, want 1", st, sort, desc, batches, len(streamed))
				}
			}
		}
	}
}

// TestInactiveWindowsAreKeyRanges checks that an inactivity window reads
// only the keys below its cut on the indexes whose keys are at most the
// last activity: by activity, only the inactive members; by join date,
// only those who joined before the cut.
func TestInactiveWindowsAreKeyRanges(t *testing.T) {
	ctx := context.Background()
	w, svc, _ := seededView(t)
	// Members' last activity: b 100 days ago, c 2, d 40, e 10, g 101; joined
	// b 100, c 10, d 60, e 200, g 120 days ago.
	tests := []struct {
		status   bo.MemberStatus
		sort     bo.MemberSort
		desc     bool
		want     []string
		wantRead int
	}{
		{bo.MemberInactive90, bo.MembersByActivity, false, []string{"g", "b"}, 2},
		{bo.MemberInactive90, bo.MembersByActivity, true, []string{"b", "g"}, 2},
		{bo.MemberInactive90, bo.MembersByJoined, true, []string{"b", "g"}, 3},    // e, g, b joined before the cut
		{bo.MemberInactive30, bo.MembersByActivity, false, []string{"g", "d"}, 3}, // b too, filtered: not enrolled
		{bo.MemberInactive30, bo.MembersByJoined, false, []string{"g", "d"}, 4},   // all but c joined before the cut
		{bo.MemberInactive90, bo.MembersByEmail, false, []string{"b", "g"}, 5},    // no range by email: filtered
	}
	for _, tt := range tests {
		page, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, bo.MemberQuery{Status: tt.status, Sort: tt.sort, Desc: tt.desc, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if got := emails(page.Items); !slices.Equal(got, tt.want) || page.Read != tt.wantRead || page.NextCursor != "" {
			t.Errorf("%s by %s desc=%v: %v read %d (cursor %q), want %v read %d", tt.status, tt.sort, tt.desc,
				got, page.Read, page.NextCursor, tt.want, tt.wantRead)
		}
	}
}
