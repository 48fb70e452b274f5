package invite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
)

// The benchmarks read files of MaxImportRows rows. Run them with
//
//	go test ./shared/domain/invite -run '^$' -bench CSV -benchmem
//
// Besides time and allocations per file they report rows/s and, from one
// untimed pass over a file generated as it is read (so that the input itself
// is not on the heap):
//
//   - peak-heap-B: the largest heap (live and not yet collected objects) seen
//     during the pass, sampled every 1,000 rows;
//   - live-growth-B: how much the live heap (measured after a forced GC every
//     10,000 rows) grew over the live heap before the pass. For the reader
//     alone it stays flat at the size of its buffers, whatever the row count.

// csvBenchRows is how many rows the benchmark files have.
const csvBenchRows = MaxImportRows

// csvGenReader generates an import file of n rows as it is read: every 10th
// row repeats an earlier email in other letter case, every 50th has an
// invalid email, every 100th a quoted name with a comma.
type csvGenReader struct {
	n, i int
	buf  []byte
	off  int
}

func newCSVGenReader(n int) *csvGenReader {
	return &csvGenReader{n: n, buf: []byte("Full Name,Email,External ID\r\n")}
}

func (g *csvGenReader) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		if g.i == g.n {
			return 0, io.EOF
		}
		g.i++
		g.buf, g.off = csvAppendBenchRow(g.buf[:0], g.i), 0
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

func csvAppendBenchRow(b []byte, i int) []byte {
	if i%100 == 0 {
		b = append(b, `"Learner, Number `...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, '"')
	} else {
		b = append(b, "Learner Number "...)
		b = strconv.AppendInt(b, int64(i), 10)
	}
	b = append(b, ',')
	switch {
	case i%50 == 0:
		b = append(b, "not-an-email-"...)
		b = strconv.AppendInt(b, int64(i), 10)
	case i%10 == 0:
		b = append(b, "Learner.Number."...)
		b = strconv.AppendInt(b, int64(i-5), 10)
		b = append(b, "@Example.COM"...)
	default:
		b = append(b, "learner.number."...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "@example.com"...)
	}
	b = append(b, ",EMP-"...)
	b = strconv.AppendInt(b, int64(1_000_000+i), 10)
	return append(b, "\r\n"...)
}

// csvBenchFile returns the whole generated file, for the timed runs.
func csvBenchFile(b *testing.B, n int) []byte {
	b.Helper()
	data, err := io.ReadAll(newCSVGenReader(n))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// csvHeapSampler tracks the heap during a pass.
type csvHeapSampler struct {
	sample   []metrics.Sample
	peak     uint64
	baseLive uint64
	maxLive  uint64
}

func newCSVHeapSampler() *csvHeapSampler {
	s := &csvHeapSampler{sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
	s.baseLive = csvLiveHeap()
	return s
}

// csvLiveHeap returns the live heap after a full collection.
func csvLiveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// row is called after each row; it samples the heap every 1,000 rows and
// measures the live heap every 10,000.
func (s *csvHeapSampler) row(i int) {
	if i%1000 == 0 {
		metrics.Read(s.sample)
		s.peak = max(s.peak, s.sample[0].Value.Uint64())
	}
	if i%10_000 == 0 {
		s.maxLive = max(s.maxLive, csvLiveHeap())
	}
}

func (s *csvHeapSampler) report(b *testing.B) {
	b.ReportMetric(float64(s.peak), "peak-heap-B")
	growth := 0.0
	if s.maxLive > s.baseLive {
		growth = float64(s.maxLive - s.baseLive)
	}
	b.ReportMetric(growth, "live-growth-B")
}

// csvReadRows reads every row of r, calling each after each row.
func csvReadRows(b *testing.B, r io.Reader, each func(i int, row CSVRow)) int {
	cr, err := NewCSVReader(r)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		row, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
		each(n, row)
	}
}

// BenchmarkCSVReader reads a 100,000-row file (about 6 MB) row by row.
func BenchmarkCSVReader(b *testing.B) {
	// Memory: one untimed pass over a generated file.
	s := newCSVHeapSampler()
	csvReadRows(b, newCSVGenReader(csvBenchRows), func(i int, _ CSVRow) { s.row(i) })

	data := csvBenchFile(b, csvBenchRows)
	b.SetBytes(int64(len(data)))
	rows := 0
	for b.Loop() {
		rows += csvReadRows(b, bytes.NewReader(data), func(int, CSVRow) {})
	}
	if rows != csvBenchRows*b.N {
		b.Fatalf("read %d rows, want %d", rows, csvBenchRows*b.N)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	s.report(b) // after the loop, which resets reported metrics
}

// BenchmarkCSVCheckRows validates 100,000 rows already read and finds their
// duplicates (a tenth of them). It also reports dups-heap-B, the live heap
// the duplicate tracker holds after all the rows.
func BenchmarkCSVCheckRows(b *testing.B) {
	var rows []CSVRow
	csvReadRows(b, newCSVGenReader(csvBenchRows), func(_ int, row CSVRow) { rows = append(rows, row) })

	before := csvLiveHeap()
	outcomes := csvCheckRows(rows)
	d := outcomes.dups
	after := csvLiveHeap()
	runtime.KeepAlive(d)
	if outcomes.ok+outcomes.dup+outcomes.invalid != csvBenchRows || outcomes.dup == 0 || outcomes.invalid == 0 {
		b.Fatalf("outcomes %+v", outcomes)
	}

	n := 0
	for b.Loop() {
		csvCheckRows(rows)
		n += len(rows)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(after-before), "dups-heap-B")
}

type csvCheckCounts struct {
	ok, dup, invalid int
	dups             *CSVDuplicates
}

func csvCheckRows(rows []CSVRow) csvCheckCounts {
	c := csvCheckCounts{dups: &CSVDuplicates{}}
	for _, row := range rows {
		email, outcome, _ := CheckCSVRowEmail(row)
		if outcome != OutcomeOK {
			c.invalid++
			continue
		}
		if _, dup := c.dups.Seen(email.Key, row.Line); dup {
			c.dup++
			continue
		}
		c.ok++
	}
	return c
}

// BenchmarkCSVDryRun is the whole streaming path of a dry run over a
// 100,000-row file: read, validate, find duplicates and write the result
// file (to io.Discard), with the peak heap of that path.
func BenchmarkCSVDryRun(b *testing.B) {
	run := func(r io.Reader, each func(int)) int {
		cr, err := NewCSVReader(r)
		if err != nil {
			b.Fatal(err)
		}
		w, err := NewCSVResultWriter(io.Discard, cr.Header())
		if err != nil {
			b.Fatal(err)
		}
		var d CSVDuplicates
		n := 0
		for {
			row, err := cr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			_, outcome, reason := d.Check(row)
			if outcome == OutcomeOK {
				outcome = OutcomeInvited
			}
			if err := w.WriteRow(row, outcome, reason); err != nil {
				b.Fatal(err)
			}
			n++
			each(n)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		return n
	}

	s := newCSVHeapSampler()
	run(newCSVGenReader(csvBenchRows), s.row)

	data := csvBenchFile(b, csvBenchRows)
	b.SetBytes(int64(len(data)))
	rows := 0
	for b.Loop() {
		rows += run(bytes.NewReader(data), func(int) {})
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	s.report(b)
}

// TestCSVGenReader checks the benchmarks' input: the generated file reads
// back with the outcomes it was built to have.
func TestCSVGenReader(t *testing.T) {
	r, err := NewCSVReader(newCSVGenReader(1000))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[Outcome]int{}
	var d CSVDuplicates
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		email, outcome, _ := CheckCSVRowEmail(row)
		if outcome == OutcomeOK {
			if _, dup := d.Seen(email.Key, row.Line); dup {
				outcome = OutcomeDuplicate
			}
		}
		counts[outcome]++
	}
	want := map[Outcome]int{OutcomeOK: 900, OutcomeDuplicate: 80, OutcomeInvalidEmail: 20}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("outcomes %v, want %v", counts, want)
	}
}
