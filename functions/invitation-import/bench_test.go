package main

// Benchmarks of the invitation-import function against the local endpoint
// (moto's server through infra/scripts/moto_server.py unless AWS_ENDPOINT_URL
// answers). They take minutes and go test's default -timeout of 10 minutes is
// for the whole binary, so run them once each with a larger timeout:
//
//	go test -run '^$' -bench . -benchmem -benchtime 1x -timeout 60m ./functions/invitation-import/
//
//   - BenchmarkImport100k: in one run, the endpoint's raw rate, a real
//     import of the same number of rows, the raw rate again, and the ratio
//     of the import's rate to the mean of the two raw ones. The raw
//     rate: 100,000 learner items exactly as an import writes them
//     (dynamo.LearnerItem: 31 attributes) written with BatchWriteItem, 25 a
//     call, 16 calls at once, on a table of their own on the same endpoint,
//     dropped before the import runs (what it takes with no per-row round
//     trip and no condition). The import
//     (sendEmails false): a generated file of 100,000 valid, distinct rows,
//     uploaded to the job's file key of a job created without csv; only the
//     handler (the S3 event of that key, which runs the job to its end) is
//     timed. It reports rows/s, raw-before-items/s, raw-after-items/s,
//     raw-items/s (their mean), ratio (rows/s over raw-items/s) and
//     peak-heap-MB, the largest heap of live and unswept
//     objects (runtime metric /memory/classes/heap/objects:bytes, MiB)
//     sampled every 10 ms while the handler runs, and base-heap-MB, the
//     same just before. IMPORT_BENCH_ROWS sets another size (for a quick
//     run while developing; the README quotes 100,000).
//   - BenchmarkImport10k: the import with sendEmails true (a link, an email
//     and its queued mark per row) and 2,000 rows (benchEmailRows), while a
//     goroutine drains the mail queue as the mailer would, so that it stays
//     small. Reports rows/s, the emails drained and those left at the end.
//
// Each iteration imports into a new program, so that -benchtime above 1x
// measures the same work again rather than rows already invited.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/testkit/emulator"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

const (
	// benchLargeRows is the file of BenchmarkImport100k: MaxImportRows,
	// unless IMPORT_BENCH_ROWS says otherwise.
	benchLargeRows = 100_000
	// benchEmailRows is the file of BenchmarkImport10k: 2,000 rows, not
	// 10,000, which take about 3 minutes on moto (some 55 rows/s).
	benchEmailRows = 2_000
	// benchRawBatch is BatchWriteItem's limit of items per call.
	benchRawBatch = 25
	// benchRawWriters is how many BatchWriteItem calls are in flight.
	benchRawWriters = 16
	// benchHeapEvery is how often the heap is sampled during an import.
	benchHeapEvery = 10 * time.Millisecond
)

// BenchmarkImport100k measures the raw BatchWriteItem rate and then the
// import of as many rows, in the same run (see the file's comment).
func BenchmarkImport100k(b *testing.B) {
	n := benchLargeRows
	if v, err := strconv.Atoi(os.Getenv("IMPORT_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	// The raw rate before and after the import: a machine whose load
	// changes during the minutes an import takes moves both alike.
	before := benchRawRate(b, n)
	rows := benchImport(b, n, false)
	after := benchRawRate(b, n)
	raw := (before + after) / 2
	b.ReportMetric(before, "raw-before-items/s")
	b.ReportMetric(after, "raw-after-items/s")
	b.ReportMetric(raw, "raw-items/s")
	b.ReportMetric(rows/raw, "ratio")
}

// benchRig is the function on fresh resources with an org, its admin and an
// unlimited contract; programs are made per iteration.
type benchRig struct {
	cfg      aws.Config
	conf     wire.InvitationImportConfig
	handler  func(context.Context, events.S3Event) error
	admins   *admin.Service
	importer *invite.Importer
	bucket   *files.Store
	boss     bo.Caller
	org      bo.Org
	contract bo.Contract
	sample   events.S3Event
}

func newBenchRig(b *testing.B) *benchRig {
	b.Helper()
	ctx := context.Background()
	cfg := emulatortest.Config(b)
	queueURL, _ := emulatortest.NewQueue(b, cfg, resources.MailQueue)
	r := &benchRig{cfg: cfg, boss: bo.Caller{Subject: "b", Email: "boss@acme.edu", EmailVerified: true}}
	r.conf = wire.InvitationImportConfig{Base: wire.Base{Table: emulatortest.NewTable(b, cfg)}, LearnerAppURL: "https://learn.example.com",
		MailQueueURL: queueURL, FilesBucket: emulatortest.NewBucket(b, cfg)}
	r.handler = wire.InvitationImport(cfg, r.conf, slog.New(slog.DiscardHandler))
	store := dynamo.NewStore(dynamodb.NewFromConfig(cfg), r.conf.Table)
	r.bucket = files.New(s3.NewFromConfig(cfg, awsconfig.S3Options), r.conf.FilesBucket)
	r.admins = admin.NewService(store, admin.Config{LearnerAppURL: r.conf.LearnerAppURL})
	svc := invite.NewService(store, r.admins, queue.NewPublisher(sqs.NewFromConfig(cfg), queueURL), invite.Config{LearnerAppURL: r.conf.LearnerAppURL})
	r.importer = invite.NewImporter(svc, store, r.bucket)

	var err error
	r.org, _, err = r.admins.CreateOrg(ctx, bo.Caller{Email: "op@p.io", EmailVerified: true, Groups: []string{bo.GroupPlatformOperators}},
		admin.NewOrg{Name: "Acme", Admins: []admin.NewAdmin{{Email: "boss@acme.edu"}}})
	if err != nil {
		b.Fatal(err)
	}
	start, end := time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0)
	if r.contract, err = r.admins.CreateContract(ctx, r.boss, r.org.ID, admin.NewContract{Name: "Everyone", Unlimited: true, StartsAt: &start, EndsAt: &end}); err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "invitation-import", "object-created.json"))
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(raw, &r.sample); err != nil {
		b.Fatal(err)
	}
	return r
}

// event is the sample S3 event of events/invitation-import, pointed at key.
func (r *benchRig) event(key string) events.S3Event {
	ev := r.sample
	ev.Records = append([]events.S3EventRecord(nil), r.sample.Records[0])
	ev.Records[0].S3.Bucket.Name = r.conf.FilesBucket
	ev.Records[0].S3.Object.Key = key
	return ev
}

// benchImport imports files of n rows, b.N times, each into a new program,
// times the handler only, and returns the rows/s.
func benchImport(b *testing.B, n int, sendEmails bool) float64 {
	ctx := context.Background()
	r := newBenchRig(b)
	var elapsed time.Duration
	var peak, base uint64
	var drained, left int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		program, err := r.admins.CreateProgram(ctx, r.boss, r.org.ID, admin.NewProgram{Name: "Bench " + strconv.Itoa(i)})
		if err != nil {
			b.Fatal(err)
		}
		j, err := r.importer.Create(ctx, r.boss, r.org.ID, program.ID, invite.NewImport{ContractID: r.contract.ID, SendEmails: &sendEmails})
		if err != nil {
			b.Fatal(err)
		}
		if j.Status != invite.JobAwaitingUpload {
			b.Fatalf("new import is %s, want %s", j.Status, invite.JobAwaitingUpload)
		}
		// Generated as the upload reads it: the file is never whole in memory.
		if err := r.bucket.Put(ctx, j.FileKey(), newBenchCSV(n), "text/csv"); err != nil {
			b.Fatal(err)
		}
		var drain *benchDrainer
		if sendEmails {
			drain = startBenchDrainer(sqs.NewFromConfig(r.cfg), r.conf.MailQueueURL)
		}
		runtime.GC()
		heap := startBenchHeapSampler(benchHeapEvery)
		b.StartTimer()

		t0 := time.Now()
		err = r.handler(ctx, r.event(j.FileKey()))
		took := time.Since(t0)

		b.StopTimer()
		p, bs := heap.stop()
		peak, base = max(peak, p), max(base, bs)
		if err != nil {
			b.Fatalf("handler after %s: %v", took, err)
		}
		elapsed += took
		if drain != nil {
			got, err := drain.stop()
			if err != nil {
				b.Fatalf("drain the mail queue: %v", err)
			}
			drained += got
			left += benchQueueDepth(b, sqs.NewFromConfig(r.cfg), r.conf.MailQueueURL)
		}
		done, err := r.importer.Get(ctx, r.boss, r.org.ID, program.ID, j.ID)
		if err != nil {
			b.Fatal(err)
		}
		if done.Status != invite.JobDone || done.Counts.RowsDone != n || done.Counts.Outcomes[invite.OutcomeInvited] != n {
			b.Fatalf("import ended %s (%q): %d rows done, outcomes %v; want done with %d rows invited",
				done.Status, done.Error, done.Counts.RowsDone, done.Counts.Outcomes, n)
		}
		b.Logf("iteration %d: %d rows in %s (%.0f rows/s)", i, n, took.Round(time.Millisecond), float64(n)/took.Seconds())
		if sendEmails && drained+left != (i+1)*n {
			b.Fatalf("%d emails drained and %d on the queue, want %d in all", drained, left, (i+1)*n)
		}
		b.StartTimer()
	}
	b.StopTimer()
	rate := float64(n*b.N) / elapsed.Seconds()
	b.ReportMetric(float64(n), "rows/op")
	b.ReportMetric(rate, "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(base)/(1<<20), "base-heap-MB")
	if sendEmails {
		b.ReportMetric(float64(drained)/float64(b.N), "emails-drained/op")
		b.ReportMetric(float64(left)/float64(b.N), "emails-left/op")
	}
	return rate
}

// benchCSV generates an import file of n valid rows with distinct emails
// as it is read.
type benchCSV struct {
	n, i int
	buf  []byte
	off  int
}

func newBenchCSV(n int) *benchCSV {
	return &benchCSV{n: n, buf: []byte(invite.CSVHeaderFullName + "," + invite.CSVHeaderEmail + "," + invite.CSVHeaderExternalID + "\r\n")}
}

func (g *benchCSV) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		if g.i == g.n {
			return 0, io.EOF
		}
		g.i++
		b := append(g.buf[:0], "Learner Number "...)
		b = strconv.AppendInt(b, int64(g.i), 10)
		b = append(b, ",learner.number."...)
		b = strconv.AppendInt(b, int64(g.i), 10)
		b = append(b, "@example.com,EMP-"...)
		b = strconv.AppendInt(b, int64(g.i), 10)
		g.buf, g.off = append(b, '\r', '\n'), 0
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

// benchHeapSampler records the largest heap seen until stopped.
type benchHeapSampler struct {
	quit       chan struct{}
	done       chan struct{}
	peak, base uint64
}

const benchHeapMetric = "/memory/classes/heap/objects:bytes"

func benchHeapNow(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startBenchHeapSampler(every time.Duration) *benchHeapSampler {
	s := []metrics.Sample{{Name: benchHeapMetric}}
	h := &benchHeapSampler{quit: make(chan struct{}), done: make(chan struct{})}
	h.base = benchHeapNow(s)
	h.peak = h.base
	go func() {
		defer close(h.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-h.quit:
				h.peak = max(h.peak, benchHeapNow(s))
				return
			case <-t.C:
				h.peak = max(h.peak, benchHeapNow(s))
			}
		}
	}()
	return h
}

// stop returns the peak and the heap when sampling started.
func (h *benchHeapSampler) stop() (peak, base uint64) {
	close(h.quit)
	<-h.done
	return h.peak, h.base
}

// benchDrainer receives and deletes the mail queue's messages, as the
// mailer would, so that the queue stays small during an import.
type benchDrainer struct {
	quit    chan struct{}
	done    chan struct{}
	drained atomic.Int64
	err     error
}

func startBenchDrainer(client *sqs.Client, url string) *benchDrainer {
	d := &benchDrainer{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(d.done)
		ctx := context.Background()
		for {
			select {
			case <-d.quit:
				return
			default:
			}
			out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
				MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			if err != nil {
				d.err = err
				return
			}
			if len(out.Messages) == 0 {
				continue
			}
			entries := make([]sqstypes.DeleteMessageBatchRequestEntry, len(out.Messages))
			for i, m := range out.Messages {
				entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
			}
			del, err := client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
			if err != nil {
				d.err = err
				return
			}
			d.drained.Add(int64(len(del.Successful)))
		}
	}()
	return d
}

// stop stops draining and returns how many messages were deleted, and
// the error that stopped it early, if any.
func (d *benchDrainer) stop() (int, error) {
	close(d.quit)
	<-d.done
	return int(d.drained.Load()), d.err
}

// benchQueueDepth returns the messages on the queue, visible or not.
func benchQueueDepth(b *testing.B, client *sqs.Client, url string) int {
	b.Helper()
	out, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		b.Fatal(err)
	}
	visible, _ := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
	hidden, _ := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible + hidden
}

// benchRawRate writes n learner-shaped items with BatchWriteItem,
// benchRawBatch a call and benchRawWriters calls at once, retrying
// unprocessed items, on a fresh table, and returns the items/s: what the
// endpoint takes without one round trip a row. The benchmark's timer is
// stopped meanwhile.
func benchRawRate(b *testing.B, n int) float64 {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	ctx := context.Background()
	cfg := emulatortest.Config(b)
	db := dynamodb.NewFromConfig(cfg)
	// A table of its own, dropped before the import runs: each rate is
	// measured on an endpoint that holds only its own items.
	table := emulator.UniquePrefix("t-benchraw-") + resources.Table.Name
	if err := emulator.CreateTable(ctx, db, resources.Table, table); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	err := benchBatchWrite(ctx, db, table, "prg_benchraw", n)
	took := time.Since(t0)
	if err != nil {
		b.Fatalf("raw batch write after %s: %v", took, err)
	}
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		b.Fatal(err)
	}
	if got := aws.ToInt64(out.Table.ItemCount); got != int64(n) {
		b.Fatalf("table holds %d items, want %d", got, n)
	}
	if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
		b.Fatal(err)
	}
	b.Logf("raw BatchWriteItem: %d items in %s (%.0f items/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	return float64(n) / took.Seconds()
}

// benchBatchWrite writes n items in batches from benchRawWriters goroutines.
func benchBatchWrite(ctx context.Context, db *dynamodb.Client, table, programID string, n int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	starts := make(chan int)
	var wg sync.WaitGroup
	for range benchRawWriters {
		wg.Go(func() {
			for start := range starts {
				batch := make([]ddbtypes.WriteRequest, 0, benchRawBatch)
				for k := start; k < min(start+benchRawBatch, n); k++ {
					batch = append(batch, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: benchLearnerItem(programID, k)}})
				}
				if err := benchWriteBatch(ctx, db, table, batch); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for start := 0; start < n; start += benchRawBatch {
		select {
		case starts <- start:
		case <-ctx.Done():
			break feed
		}
	}
	close(starts)
	wg.Wait()
	return context.Cause(ctx)
}

// benchWriteBatch writes one batch, retrying unprocessed items with backoff.
func benchWriteBatch(ctx context.Context, db *dynamodb.Client, table string, batch []ddbtypes.WriteRequest) error {
	req := map[string][]ddbtypes.WriteRequest{table: batch}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 0 {
			if attempt > 8 {
				return fmt.Errorf("batch write: items still unprocessed after %d attempts", attempt)
			}
			time.Sleep(time.Duration(1<<attempt) * 10 * time.Millisecond)
		}
		out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
		if err != nil {
			return fmt.Errorf("batch write: %w", err)
		}
		req = out.UnprocessedItems
	}
	return nil
}

// benchLearnerItem is item k as the import writes a learner: the item
// dynamo.LearnerItem makes of the learner an import row becomes, with every
// attribute and index key the importer's transaction puts.
func benchLearnerItem(programID string, k int) map[string]ddbtypes.AttributeValue {
	num := strconv.Itoa(k)
	email := "learner.number." + num + "@example.com"
	now := time.Now().UTC()
	return dynamo.LearnerItem(bo.Learner{
		OrgID: "org_01HBENCHORG0000000000000000", ProgramID: programID, Email: email, EmailKey: email,
		FullName: "Learner Number " + num, ExternalID: "EMP-" + num, State: bo.StateInvited,
		ContractID: "con_01HBENCHCONTRACT00000000000", InvitationID: bo.NewID("inv", now), InvitedAt: &now,
		ImportID: "imp_01HBENCHIMPORT0000000000000", CreatedAt: now, UpdatedAt: now,
	})
}

// BenchmarkImport10k is the import with emails. Its file has benchEmailRows
// rows, 2,000 rather than 10,000: with a link, an email and its queued mark
// a row, 10,000 rows take some three minutes on moto.
func BenchmarkImport10k(b *testing.B) { benchImport(b, benchEmailRows, true) }
