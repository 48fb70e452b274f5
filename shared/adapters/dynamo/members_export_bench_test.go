package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/files"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// benchCount reads a learner count from the environment variable name,
// or gives def.
func benchCount(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q is not a positive count", name, v)
	}
	return n
}

// countingClient counts the Queries made and the items they evaluated.
type countingClient struct {
	Client
	queries, scanned atomic.Int64
}

func (c *countingClient) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := c.Client.Query(ctx, in, opts...)
	c.queries.Add(1)
	if err == nil {
		c.scanned.Add(int64(out.ScannedCount))
	}
	return out, err
}

// benchAdmin lets anyone administer any program.
type benchAdmin struct{}

func (benchAdmin) AuthorizeProgram(_ context.Context, _ bo.Caller, orgID, programID string) (bo.Program, error) {
	return bo.Program{ID: programID, OrgID: orgID, Slug: "bench"}, nil
}

// benchWork drops work items.
type benchWork struct{}

func (benchWork) Send(context.Context, any) error { return nil }

// peakHeap samples the live heap every 5 ms until stop is called, which
// returns the highest sample.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// BenchmarkMemberExport runs the worker's side of a member export of every
// member of a program (MEMBER_EXPORT_BENCH_LEARNERS learners, 25,000 by
// default, 80% of them members) on the local emulator: the selection
// streamed from the table, written as CSV to the files bucket with a
// multipart upload. It reports rows a second, the Queries made and items
// read, and the peak live heap. Run it with
//
//	go test -run '^$' -bench MemberExport -benchmem -benchtime 1x -timeout 60m ./shared/adapters/dynamo/
func BenchmarkMemberExport(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds tens of thousands of learners")
	}
	n := benchCount(b, "MEMBER_EXPORT_BENCH_LEARNERS", 25_000)
	cfg := emulatortest.Config(b)
	db := &countingClient{Client: dynamodb.NewFromConfig(cfg)}
	s := NewStore(db, emulatortest.NewTable(b, cfg))
	bucket := files.New(s3.NewFromConfig(cfg, awsconfig.S3Options), emulatortest.NewBucket(b, cfg))
	now := time.Now().UTC().Truncate(time.Millisecond)
	orgID, programID, contractID := bo.NewID("org", now), bo.NewID("prg", now), bo.NewID("ctr", now)
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	recs := make([]learnerRecord, n)
	joined := 0
	for i := range recs {
		recs[i] = benchLearner(rng, i, orgID, programID, contractID, now)
		if recs[i].State == string(bo.StateMember) {
			joined++
		}
	}
	start := time.Now()
	benchSeed(b, s, recs)
	seeded := fmt.Sprintf("seeded %d learners (%d members) in %s", n, joined, time.Since(start).Round(time.Millisecond))
	recs = nil

	svc := members.NewService(s, benchAdmin{}, nil, "https://learn.example.com")
	svc.Log = slog.New(slog.DiscardHandler)
	x := members.NewExporter(svc, s, bucket, benchWork{})
	ctx := context.Background()
	caller := bo.Caller{Subject: "bench"}
	for _, sort := range []bo.MemberSort{bo.MembersByEmail, bo.MembersByActivity} {
		b.Run(fmt.Sprintf("joined_by_%s_%d", sort, joined), func(b *testing.B) {
			if seeded != "" {
				b.Log(seeded)
				seeded = ""
			}
			var rows int
			var took time.Duration
			var peak uint64
			queries, scanned := db.queries.Load(), db.scanned.Load()
			for b.Loop() {
				e, err := x.Create(ctx, caller, orgID, programID, members.Selection{Sort: sort})
				if err != nil {
					b.Fatal(err)
				}
				item, _ := json.Marshal(members.WorkItem{Kind: members.WorkMemberExport, OrgID: orgID, ProgramID: programID, ExportID: e.ID})
				runtime.GC()
				stop := peakHeap()
				began := time.Now()
				if err := x.Handle(ctx, string(item)); err != nil {
					b.Fatal(err)
				}
				took += time.Since(began)
				peak = max(peak, stop())
				done, err := s.GetExport(ctx, programID, e.ID)
				if err != nil || done.Status != members.ExportDone || done.Rows != joined {
					b.Fatalf("export %+v, %v; want done with %d rows", done, err, joined)
				}
				rows += done.Rows
				b.Logf("%d rows, %d bytes in %s", done.Rows, done.Size, time.Since(began).Round(time.Millisecond))
			}
			b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
			b.ReportMetric(float64(db.queries.Load()-queries)/float64(b.N), "queries/op")
			b.ReportMetric(float64(db.scanned.Load()-scanned)/float64(b.N), "items-read/op")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// memoryIndex answers the Queries of StreamMembers from items held in
// memory, each shard's in its index order: no filter, no key range (a
// whole state), the last evaluated key an item number.
type memoryIndex struct {
	Client
	shards map[string][]map[string]types.AttributeValue
}

func (m *memoryIndex) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	items := m.shards[in.ExpressionAttributeValues[":pk"].(*types.AttributeValueMemberS).Value]
	from := 0
	if n, ok := in.ExclusiveStartKey["n"].(*types.AttributeValueMemberN); ok {
		from, _ = strconv.Atoi(n.Value)
	}
	to := min(from+int(*in.Limit), len(items))
	out := &dynamodb.QueryOutput{Items: items[from:to], Count: int32(to - from), ScannedCount: int32(to - from)}
	if to < len(items) {
		out.LastEvaluatedKey = map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: strconv.Itoa(to)}}
	}
	return out, nil
}

// discardFiles takes uploads and drops them.
type discardFiles struct{}

func (discardFiles) Writer(context.Context, string, string) io.WriteCloser {
	return nopCloser{io.Discard}
}
func (discardFiles) PresignGet(context.Context, string, time.Duration, string) (string, time.Time, error) {
	return "", time.Time{}, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// BenchmarkMemberExportCPU is BenchmarkMemberExport without the storage:
// 100,000 learners (about 80,000 members) served from memory, the CSV
// discarded, so that what it measures is the worker's own work per row
// (decoding items, merging the shards, writing CSV) and its allocations
// (the peak heap is BenchmarkMemberExport's to measure: here the fake
// table's 100,000 items dwarf it).
func BenchmarkMemberExportCPU(b *testing.B) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	orgID, programID, contractID := "org_bench", "prg_bench", "con_bench"
	rng := rand.New(rand.NewPCG(1, 100_000))
	recs := make([]learnerRecord, 100_000)
	for i := range recs {
		recs[i] = benchLearner(rng, i, orgID, programID, contractID, now)
	}
	slices.SortFunc(recs, func(a, b learnerRecord) int { return strings.Compare(a.GSI1SK, b.GSI1SK) })
	mem := &memoryIndex{shards: map[string][]map[string]types.AttributeValue{}}
	joined := 0
	for _, r := range recs {
		mem.shards[r.GSI1PK] = append(mem.shards[r.GSI1PK], marshal(r))
		if r.State == string(bo.StateMember) {
			joined++
		}
	}
	recs = nil
	exports := map[string]members.Export{}
	store := &exportMemory{Store: NewStore(mem, "bench"), exports: exports}
	svc := members.NewService(store, benchAdmin{}, nil, "https://learn.example.com")
	svc.Log = slog.New(slog.DiscardHandler)
	x := members.NewExporter(svc, store, discardFiles{}, benchWork{})
	ctx := context.Background()
	var rows int
	for b.Loop() {
		e, err := x.Create(ctx, bo.Caller{Subject: "bench"}, orgID, programID, members.Selection{Sort: bo.MembersByEmail})
		if err != nil {
			b.Fatal(err)
		}
		item, _ := json.Marshal(members.WorkItem{Kind: members.WorkMemberExport, OrgID: orgID, ProgramID: programID, ExportID: e.ID})
		if err := x.Handle(ctx, string(item)); err != nil {
			b.Fatal(err)
		}
		if done := exports[e.ID]; done.Status != members.ExportDone || done.Rows != joined {
			b.Fatalf("export %+v; want done with %d rows", done, joined)
		}
		rows += exports[e.ID].Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// exportMemory keeps exports in a map, over a store for the rest.
type exportMemory struct {
	*Store
	exports map[string]members.Export
}

func (m *exportMemory) CreateExport(_ context.Context, e members.Export) error {
	m.exports[e.ID] = e
	return nil
}
func (m *exportMemory) GetExport(_ context.Context, _, id string) (members.Export, error) {
	return m.exports[id], nil
}
func (m *exportMemory) StartExport(_ context.Context, e members.Export) error {
	m.exports[e.ID] = e
	return nil
}
func (m *exportMemory) UpdateExport(_ context.Context, e members.Export) error {
	m.exports[e.ID] = e
	return nil
}
