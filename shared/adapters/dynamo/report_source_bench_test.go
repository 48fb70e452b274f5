package dynamo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reports"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// benchEnrollments is the size of the report benchmark's program:
// 100,000, or REPORT_BENCH_ENROLLMENTS (moto serialises every call, so a
// smaller program gives the same rates sooner there).
var benchEnrollments = func() int {
	if n, err := strconv.Atoi(os.Getenv("REPORT_BENCH_ENROLLMENTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}()

// benchReportProgram returns the records of a program with
// benchEnrollments enrollments: the members view benchmark's learners
// (80% members, 15% invitees, 5% removed), each member or removed member
// with i%7 enrollments (three on average; the fifth and later are
// specialisations), until the enrollments add up.
func benchReportProgram(orgID, programID, contractID string, now time.Time) (recs []any, learners, enrollments int) {
	rng := rand.New(rand.NewPCG(7, uint64(benchEnrollments)))
	courses := []string{"python-data-analysis", "sql-for-analysts", "practical-statistics", "machine-learning", "ai-for-everyone", "data-visualisation"}
	for i := 0; enrollments < benchEnrollments; i++ {
		l := benchLearner(rng, i, orgID, programID, contractID, now)
		recs = append(recs, l)
		learners++
		if l.JoinedAt == nil {
			continue
		}
		for k := range min(i%7, benchEnrollments-enrollments) {
			e := bo.Enrollment{OrgID: orgID, ProgramID: programID, EmailKey: l.EmailKey, ItemType: bo.ItemCourse,
				ItemID: courses[(i+k)%len(courses)], ItemName: "Course", CollectionID: "col_1", State: bo.Enrolled,
				EnrolledAt: l.JoinedAt.Add(time.Duration(k) * time.Hour), Progress: float64(rng.IntN(1001)) / 10,
				LearningMinutes: rng.IntN(600), LastActivityAt: l.LastActivityAt, Version: 3, CreatedAt: *l.JoinedAt, UpdatedAt: now}
			if k >= 4 {
				e.ItemType, e.ItemID = bo.ItemSpecialization, fmt.Sprintf("spec-%d", k%2)
			}
			if e.Progress >= 80 {
				g := 60 + e.Progress/4
				e.Grade, e.CompletedAt = &g, l.LastActivityAt
			}
			recs = append(recs, newEnrollmentRecord(e))
			enrollments++
		}
	}
	return recs, learners, enrollments
}

// rawQueryAll reads every item of the program's learner partitions, as a
// report does (strongly consistent, reportPageItems a page, the eight
// shards in parallel) without decoding them, and returns how many.
func rawQueryAll(ctx context.Context, s *Store, programID string) (int64, error) {
	var n atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, LearnerShards)
	for shard := range LearnerShards {
		wg.Go(func() {
			in := &dynamodb.QueryInput{TableName: s.table, ConsistentRead: aws.Bool(true), Limit: aws.Int32(reportPageItems),
				KeyConditionExpression:    aws.String("PK = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(learnerShardPK(programID, shard))}}
			for {
				res, err := s.db.Query(ctx, in)
				if err != nil {
					errs[shard] = err
					return
				}
				n.Add(int64(len(res.Items)))
				if len(res.LastEvaluatedKey) == 0 {
					return
				}
				in.ExclusiveStartKey = res.LastEvaluatedKey
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return n.Load(), nil
}

// discard counts what is written to it.
type discard struct{ n int64 }

func (d *discard) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }

// BenchmarkReport100k builds the report of a program of 100,000
// enrollments on the local emulator, beside the raw paginated Query of the
// same items on the same endpoint in the same run, and logs the ratio. It
// seeds one table first (timed and logged apart). Run it with
//
//	go test -run '^$' -bench Report100k -benchtime 1x -timeout 60m ./shared/adapters/dynamo/
func BenchmarkReport100k(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 100,000 enrollments")
	}
	cfg := emulatortest.Config(b)
	s := NewStore(dynamodb.NewFromConfig(cfg), emulatortest.NewTable(b, cfg))
	now := time.Now().UTC().Truncate(time.Millisecond)
	orgID, programID, contractID := bo.NewID("org", now), bo.NewID("prg", now), bo.NewID("ctr", now)
	recs, learners, enrollments := benchReportProgram(orgID, programID, contractID, now)
	start := time.Now()
	benchSeed(b, s, recs)
	seeded := fmt.Sprintf("seeded %d learners and %d enrollments (%d items) in %s",
		learners, enrollments, len(recs), time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	items := int64(len(recs))

	var rawRate, reportRate float64
	b.Run("raw_query", func(b *testing.B) {
		b.Log(seeded)
		var read int64
		start := time.Now()
		for b.Loop() {
			n, err := rawQueryAll(ctx, s, programID)
			if err != nil {
				b.Fatal(err)
			}
			if n != items {
				b.Fatalf("read %d items, want %d", n, items)
			}
			read += n
		}
		rawRate = float64(read) / time.Since(start).Seconds()
		b.ReportMetric(rawRate, "items/s")
	})
	b.Run("report", func(b *testing.B) {
		in := reports.Input{
			Programs:  []reports.Program{{Program: bo.Program{ID: programID, Name: "Bench", Slug: "bench"}, Catalog: reports.NewCatalog(nil)}},
			Contracts: map[string]bo.Contract{contractID: {ID: contractID, Name: "Bench contract"}},
			Scope:     reports.ScopeAllTime, Now: now,
		}
		runtime.GC()
		var peak atomic.Uint64
		done := make(chan struct{})
		var sampler sync.WaitGroup
		sampler.Go(func() {
			for t := time.NewTicker(5 * time.Millisecond); ; {
				select {
				case <-done:
					t.Stop()
					return
				case <-t.C:
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
				}
			}
		})
		var rows int64
		start := time.Now()
		for b.Loop() {
			out := &discard{}
			sum, err := reports.Write(ctx, out, s, in, nil)
			if err != nil {
				b.Fatal(err)
			}
			rows += int64(sum.Rows)
		}
		took := time.Since(start).Seconds()
		close(done)
		sampler.Wait()
		// Each of the three files is one pass over every learner and
		// enrollment item (the specialisation pass filters enrollments on
		// the server, which still reads them).
		reportRate = float64(3*items*int64(b.N)) / took
		b.ReportMetric(float64(enrollments*b.N)/took, "enrollments/s")
		b.ReportMetric(float64(rows)/took, "rows/s")
		b.ReportMetric(reportRate, "items-read/s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		if rawRate > 0 {
			b.Logf("report reads %.0f items/s against the raw Query's %.0f: %.2f of the endpoint's rate; "+
				"%d enrollments in %.1f s a report", reportRate, rawRate, reportRate/rawRate, enrollments, took/float64(b.N))
		}
	})
}
