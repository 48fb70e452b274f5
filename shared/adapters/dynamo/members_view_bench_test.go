package dynamo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

const (
	benchLearners = 100_000
	benchWriters  = 16
	benchBatch    = 25 // BatchWriteItem's maximum
	benchLimit    = 20
	// benchReadBudget is the most one request may evaluate: every shard's
	// budget, plus the one Query a shard may overshoot it by.
	benchReadBudget = LearnerShards*viewShardBudget + LearnerShards*viewQueryLimit
)

var (
	benchFirstNames = []string{"Maria", "Mark", "Matteo", "Mathilde", "Ana", "Ahmed", "Bea", "Bruno", "Chen", "Chloé",
		"Daniel", "Dana", "Elif", "Emma", "Farid", "Fatima", "Gus", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jo", "Jonas",
		"Kai", "Katarzyna", "Liam", "Lucía", "Mohammed", "Nadia", "Noah", "Olga", "Omar", "Priya", "Paul", "Quinn",
		"Rosa", "Rahul", "Sofia", "Sam", "Tomás", "Yuki", "Wei", "Zoë", "Zainab"}
	benchLastNames = []string{"Smith", "García", "Müller", "Rossi", "Nguyen", "Kowalski", "Dubois", "Johnson", "Silva",
		"Ivanova", "Tanaka", "O'Brien", "Khan", "Patel", "Schmidt", "Martin", "Lopez", "Brown", "Wilson", "Andersson",
		"Jensen", "Novak", "Horvat", "Yilmaz", "Costa", "Mensah", "Okafor", "Kim", "Lee", "Chen"}
	benchDomains = []string{"acme.edu", "example.org", "uni.example.ac.uk", "mail.example.com", "corp.example.net"}
)

// benchASCIIFold turns a name into something usable in an email address.
func benchASCIIFold(s string) string {
	r := strings.NewReplacer("é", "e", "í", "i", "á", "a", "ü", "u", "ë", "e", "'", "", " ", "")
	return strings.ToLower(r.Replace(s))
}

// benchLearner returns the i-th learner of the program: 80% members joined
// over the last two years, 15% invitees, 5% removed members; of the
// members, about 70% currently enrolled, of those about 40% with
// completions, a quarter of which in the last 30 days; activity spread
// over the last months, none for half of those never enrolled.
func benchLearner(rng *rand.Rand, i int, orgID, programID, contractID string, now time.Time) learnerRecord {
	first := benchFirstNames[rng.IntN(len(benchFirstNames))]
	last := benchLastNames[rng.IntN(len(benchLastNames))]
	email := fmt.Sprintf("%s.%s%d@%s", benchASCIIFold(first), benchASCIIFold(last), i, benchDomains[rng.IntN(len(benchDomains))])
	ago := func(maxDays float64) time.Time {
		return now.Add(-time.Duration(rng.Float64() * maxDays * float64(24*time.Hour))).Truncate(time.Millisecond)
	}
	between := func(from, to time.Time) time.Time {
		if !to.After(from) {
			return to
		}
		return from.Add(time.Duration(rng.Int64N(int64(to.Sub(from))))).Truncate(time.Millisecond)
	}
	l := bo.Learner{OrgID: orgID, ProgramID: programID, Email: email, EmailKey: email, FullName: first + " " + last,
		ContractID: contractID}
	roll := rng.Float64()
	var invited time.Time
	switch {
	case roll < 0.80:
		l.State = bo.StateMember
		joined := ago(730)
		invited = joined.Add(-time.Duration(rng.Float64() * float64(14*24*time.Hour))).Truncate(time.Millisecond)
		l.JoinedAt = &joined
	case roll < 0.95:
		l.State = bo.StateInvited
		invited = ago(365)
	default:
		l.State = bo.StateDeletedMember
		joined := ago(730)
		invited = joined.Add(-time.Duration(rng.Float64() * float64(14*24*time.Hour))).Truncate(time.Millisecond)
		removed := between(joined, now)
		l.JoinedAt, l.RemovedAt, l.AllowReturn = &joined, &removed, rng.IntN(2) == 0
	}
	l.InvitedAt = &invited
	l.InvitationID = bo.NewID("inv", invited)
	l.CreatedAt, l.UpdatedAt = invited, invited
	var lastCompletion *time.Time
	if l.JoinedAt != nil {
		joined := *l.JoinedAt
		l.UpdatedAt = joined
		if rng.Float64() < 0.70 {
			l.CurrentEnrollments = 1 + rng.IntN(3)
			l.Enrollments = l.CurrentEnrollments + rng.IntN(3)
			for len(l.CurrentItems) < l.CurrentEnrollments {
				item := fmt.Sprintf("course-%02d", rng.IntN(40))
				if !slices.Contains(l.CurrentItems, item) {
					l.CurrentItems = append(l.CurrentItems, item)
				}
			}
			utilised := between(joined, joined.Add(30*24*time.Hour))
			if utilised.After(now) {
				utilised = now
			}
			l.UtilisedAt = &utilised
			// Last activity: 30% in the last 30 days, 25% 30 to 90 days
			// ago, the rest earlier, never before joining.
			var act time.Time
			switch a := rng.Float64(); {
			case a < 0.30:
				act = between(now.AddDate(0, 0, -30), now)
			case a < 0.55:
				act = between(now.AddDate(0, 0, -90), now.AddDate(0, 0, -30))
			default:
				act = between(joined, now.AddDate(0, 0, -90))
			}
			if act.Before(joined) {
				act = between(joined, now)
			}
			if rng.Float64() < 0.40 {
				l.Completions = 1 + rng.IntN(4)
				var done time.Time
				if rng.Float64() < 0.25 {
					done = between(now.AddDate(0, 0, -30), now)
				} else {
					done = between(joined, now.AddDate(0, 0, -30))
				}
				if done.Before(joined) {
					done = between(joined, now)
				}
				lastCompletion = &done
				if done.After(act) {
					act = done
				}
			}
			l.LastActivityAt = &act
		} else if rng.Float64() < 0.5 {
			// Browsed without enrolling.
			act := between(joined, now)
			l.LastActivityAt = &act
		}
		if l.RemovedAt != nil {
			l.UpdatedAt = *l.RemovedAt
			if l.LastActivityAt != nil && l.LastActivityAt.After(*l.RemovedAt) {
				l.LastActivityAt = l.RemovedAt
			}
			if lastCompletion != nil && lastCompletion.After(*l.RemovedAt) {
				lastCompletion = l.RemovedAt
			}
		}
	}
	l.LastCompletionAt = lastCompletion
	r := newLearnerRecord(l)
	// As TouchLearner writes them: the epoch-millisecond copies, and GSI5SK
	// (set by newLearnerRecord from the same times).
	if l.LastActivityAt != nil {
		r.LastActivityMs = l.LastActivityAt.UnixMilli()
	}
	if lastCompletion != nil {
		r.LastCompletionMs = lastCompletion.UnixMilli()
	}
	return r
}

// benchSeed writes the records (learners, enrollments) with
// BatchWriteItem, 25 a call, from benchWriters writers, retrying
// unprocessed items.
func benchSeed[T any](b testing.TB, s *Store, recs []T) {
	b.Helper()
	ctx := context.Background()
	batches := make(chan []types.WriteRequest)
	var (
		mu      sync.Mutex
		failed  error
		retries atomic.Int64
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if failed == nil {
			failed = err
		}
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed != nil
	}
	var wg sync.WaitGroup
	for range benchWriters {
		wg.Go(func() {
			for reqs := range batches {
				if stopped() {
					continue
				}
				for attempt := 0; len(reqs) > 0; attempt++ {
					if attempt > 0 {
						retries.Add(1)
						if attempt > 12 {
							fail(fmt.Errorf("%d items still unprocessed after %d attempts", len(reqs), attempt))
							break
						}
						time.Sleep(min(time.Duration(1<<attempt)*10*time.Millisecond, 2*time.Second))
					}
					out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
						RequestItems: map[string][]types.WriteRequest{*s.table: reqs},
					})
					if err != nil {
						fail(fmt.Errorf("batch write: %w", err))
						break
					}
					reqs = out.UnprocessedItems[*s.table]
				}
			}
		})
	}
	for i := 0; i < len(recs); i += benchBatch {
		reqs := make([]types.WriteRequest, 0, benchBatch)
		for _, r := range recs[i:min(i+benchBatch, len(recs))] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: marshal(r)}})
		}
		batches <- reqs
	}
	close(batches)
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	if n := retries.Load(); n > 0 {
		b.Logf("seed: %d BatchWriteItem retries for unprocessed items", n)
	}
}

// BenchmarkMembersView100k times one page of the members view of a
// program of 100,000 learners (MEMBERS_BENCH_LEARNERS to choose another
// count) on the local emulator. It seeds one table
// (timed and logged apart), then runs each query as a sub-benchmark. Run
// it with
//
//	go test -run '^$' -bench MembersView100k -benchmem -benchtime 10x -timeout 60m ./shared/adapters/dynamo/
func BenchmarkMembersView100k(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 100,000 learners")
	}
	cfg := emulatortest.Config(b)
	s := NewStore(dynamodb.NewFromConfig(cfg), emulatortest.NewTable(b, cfg))
	now := time.Now().UTC().Truncate(time.Millisecond)
	orgID, programID, contractID := bo.NewID("org", now), bo.NewID("prg", now), bo.NewID("ctr", now)

	rng := rand.New(rand.NewPCG(1, 100_000))
	recs := make([]learnerRecord, benchCount(b, "MEMBERS_BENCH_LEARNERS", benchLearners))
	counts := map[string]int{}
	for i := range recs {
		recs[i] = benchLearner(rng, i, orgID, programID, contractID, now)
		counts[recs[i].State]++
	}
	start := time.Now()
	benchSeed(b, s, recs)
	took := time.Since(start)
	// A parent benchmark's log shows only under -v; the first query's
	// sub-benchmark logs the seeding, outside its timer.
	seeded := fmt.Sprintf("seeded %d learners (%d MEMBER, %d INVITED, %d DELETED_MEMBER) in %s: %.0f items/s, %d writers, %d a batch",
		len(recs), counts[string(bo.StateMember)], counts[string(bo.StateInvited)], counts[string(bo.StateDeletedMember)],
		took.Round(time.Millisecond), float64(len(recs))/took.Seconds(), benchWriters, benchBatch)

	ctx := context.Background()
	// list reads one page and checks it: at most a page, within the read
	// budget, and not empty, unless shortOK and it hands back a cursor (a
	// page that spent every shard's budget before any match, which
	// ListMembers allows).
	list := func(b *testing.B, q bo.MemberQuery, shortOK bool) bo.MemberPage {
		b.Helper()
		q.Limit, q.Now = benchLimit, now
		page, err := s.ListMembers(ctx, programID, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Items) > benchLimit || len(page.Items) == 0 && (!shortOK || page.NextCursor == "") {
			b.Fatalf("%s by %s desc=%v: %d items (cursor %q), want 1 to %d",
				q.Status, q.Sort, q.Desc, len(page.Items), page.NextCursor, benchLimit)
		}
		if page.Read > benchReadBudget {
			b.Fatalf("%s by %s desc=%v: read %d items, over the budget of %d", q.Status, q.Sort, q.Desc, page.Read, benchReadBudget)
		}
		return page
	}
	// run times one page of q as a sub-benchmark and returns its last
	// nextCursor, and whether it ran (-bench may leave it out).
	run := func(name string, q bo.MemberQuery, shortOK bool) (string, bool) {
		var next string
		ran := false
		b.Run(name, func(b *testing.B) {
			ran = true
			if seeded != "" {
				b.Log(seeded)
				seeded = ""
			}
			read, items := 0, 0
			for b.Loop() {
				page := list(b, q, shortOK)
				read += page.Read
				items += len(page.Items)
				next = page.NextCursor
			}
			if items == 0 {
				b.Logf("an empty page with a nextCursor, after reading %d items", read/b.N)
			}
			b.ReportMetric(float64(read)/float64(b.N), "items-read/op")
			b.ReportMetric(float64(items)/float64(b.N), "page-items/op")
		})
		return next, ran
	}
	run("joined_by_name", bo.MemberQuery{Status: bo.MemberJoined, Sort: bo.MembersByName}, false)
	// The latest joiners cannot have been inactive for 90 days: filtered
	// alone, the first 1,000 of every shard (about 90 days of joins) all
	// failed, and the first page was empty with a cursor; the join dates
	// below the window's cut are now the key range read.
	inactive := bo.MemberQuery{Status: bo.MemberInactive90, Sort: bo.MembersByJoined, Desc: true}
	next, ran := run("inactive_90_days_by_joined_desc", inactive, true)
	// By activity the window is the key range itself: no filter.
	run("inactive_90_days_by_activity", bo.MemberQuery{Status: bo.MemberInactive90, Sort: bo.MembersByActivity}, false)
	run("no_enrollments_by_activity", bo.MemberQuery{Status: bo.MemberNoEnrollments, Sort: bo.MembersByActivity}, false)
	run("completed_30_days_by_email", bo.MemberQuery{Status: bo.MemberCompleted30, Sort: bo.MembersByEmail}, false)
	run("joined_by_email_search_ma", bo.MemberQuery{Status: bo.MemberJoined, Sort: bo.MembersByEmail, Search: "ma"}, false)
	// By counts (GSI7, GSI8): unfiltered, a page reads a page a shard;
	// no completions by completions is the range of a count of 0.
	run("joined_by_enrollments_desc", bo.MemberQuery{Status: bo.MemberJoined, Sort: bo.MembersByEnrollments, Desc: true}, false)
	run("joined_by_completions_desc", bo.MemberQuery{Status: bo.MemberJoined, Sort: bo.MembersByCompletions, Desc: true}, false)
	run("no_completions_by_completions", bo.MemberQuery{Status: bo.MemberNoCompletions, Sort: bo.MembersByCompletions}, false)
	run("inactive_30_days_by_enrollments", bo.MemberQuery{Status: bo.MemberInactive30, Sort: bo.MembersByEnrollments}, false)
	if ran && next == "" {
		b.Fatal("inactive_90_days by joined desc: the first page has no nextCursor")
	}
	if next != "" {
		inactive.Cursor = next
		run("inactive_90_days_by_joined_desc_page2", inactive, false)
	}
}
