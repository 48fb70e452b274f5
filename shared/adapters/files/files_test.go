package files_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/files"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// newStore returns a store on a fresh bucket of the test endpoint, and a
// raw client of it.
func newStore(t *testing.T) (*files.Store, *s3.Client) {
	t.Helper()
	cfg := emulatortest.Config(t)
	client := s3.NewFromConfig(cfg, awsconfig.S3Options)
	return files.New(client, emulatortest.NewBucket(t, cfg)), client
}

// genReader generates n deterministic, incompressible-looking bytes as it
// is read, never holding more than one buffer of them.
type genReader struct {
	n, off int64
	state  uint64
}

func newGenReader(n int64, seed uint64) *genReader { return &genReader{n: n, state: seed | 1} }

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	if rest := g.n - g.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	for i := range p {
		// xorshift64
		g.state ^= g.state << 13
		g.state ^= g.state >> 7
		g.state ^= g.state << 17
		p[i] = byte(g.state)
	}
	g.off += int64(len(p))
	return len(p), nil
}

// digest returns the size and SHA-256 of r, read to its end.
func digest(t *testing.T, r io.Reader) (int64, [32]byte) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return n, sum
}

// checkObject opens key and checks its size, content and content type.
func checkObject(t *testing.T, s *files.Store, client *s3.Client, key string, size int64, sum [32]byte, contentType string) {
	t.Helper()
	ctx := context.Background()
	body, n, err := s.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	defer body.Close()
	if n != size {
		t.Fatalf("Open(%s) size = %d, want %d", key, n, size)
	}
	gotN, gotSum := digest(t, body)
	if gotN != size || gotSum != sum {
		t.Fatalf("Open(%s) read %d bytes (sum %x), want %d (sum %x)", key, gotN, gotSum[:4], size, sum[:4])
	}
	if n, err := s.Size(ctx, key); err != nil || n != size {
		t.Fatalf("Size(%s) = %d, %v; want %d", key, n, err, size)
	}
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.Bucket()), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(head.ContentType); contentType != "" && got != contentType {
		t.Fatalf("content type of %s = %q, want %q", key, got, contentType)
	}
}

// partsOf returns the number of parts in the ETag of a multipart object
// ("<md5>-<parts>"), and 0 for an object sent in one PutObject.
func partsOf(t *testing.T, client *s3.Client, bucket, key string) int {
	t.Helper()
	head, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	etag := strings.Trim(aws.ToString(head.ETag), `"`)
	_, parts, ok := strings.Cut(etag, "-")
	if !ok {
		return 0
	}
	var n int
	fmt.Sscan(parts, &n)
	return n
}

func TestPutOpenRoundTrip(t *testing.T) {
	s, client := newStore(t)
	tests := []struct {
		name  string
		size  int64
		parts int
	}{
		{"empty", 0, 0},
		{"small", 1234, 0},
		{"one byte under a part", files.PartSize - 1, 0},
		{"12 MiB, multipart", 12 << 20, 3},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := fmt.Sprintf("imports/put-%d.csv", i)
			_, sum := digest(t, newGenReader(tt.size, uint64(i)))
			// Feed Put from a pipe: a body that can be read only once, in
			// order, and whose size is unknown.
			pr, pw := io.Pipe()
			go func() { _, err := io.Copy(pw, newGenReader(tt.size, uint64(i))); pw.CloseWithError(err) }()
			if err := s.Put(context.Background(), key, pr, "text/csv"); err != nil {
				t.Fatal(err)
			}
			checkObject(t, s, client, key, tt.size, sum, "text/csv")
			if got := partsOf(t, client, s.Bucket(), key); got != tt.parts {
				t.Fatalf("%d parts, want %d", got, tt.parts)
			}
		})
	}
}

func TestWriterStreamsMultipart(t *testing.T) {
	s, client := newStore(t)
	const size = 12 << 20
	_, sum := digest(t, newGenReader(size, 7))

	w := s.Writer(context.Background(), "reports/big.zip", "application/zip")
	buf := make([]byte, 32<<10)
	src := newGenReader(size, 7)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				t.Fatal(werr)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	checkObject(t, s, client, "reports/big.zip", size, sum, "application/zip")
	if got := partsOf(t, client, s.Bucket(), "reports/big.zip"); got != 3 {
		t.Fatalf("%d parts, want 3", got)
	}
	if _, err := w.Write([]byte("late")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

// TestWriterMemoryBounded writes 40 MiB through a writer and checks that
// the live heap never grows by more than the upload's part buffers: the
// body is never held whole.
func TestWriterMemoryBounded(t *testing.T) {
	s, client := newStore(t)
	const size = 40 << 20
	// The pooled part buffers, the first part (read with io.ReadAll, whose
	// buffer may grow past PartSize) and some slack: well under the body.
	const bound = (files.Concurrency+3)*files.PartSize + 3<<20
	liveHeap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := liveHeap()
	var peak uint64
	w := s.Writer(context.Background(), "reports/40mib.zip", "application/zip")
	src := newGenReader(size, 3)
	buf := make([]byte, 1<<20)
	for i := 0; ; i++ {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				t.Fatal(werr)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if i%4 == 3 {
			peak = max(peak, liveHeap())
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	growth := int64(peak) - int64(base)
	t.Logf("live heap grew by at most %.1f MiB while writing %d MiB", float64(growth)/(1<<20), size>>20)
	if growth > bound {
		t.Fatalf("live heap grew by %d bytes writing %d: more than the part buffers (%d)", growth, size, bound)
	}
	if got := partsOf(t, client, s.Bucket(), "reports/40mib.zip"); got != 8 {
		t.Fatalf("%d parts, want 8", got)
	}
}

func TestWriterSmall(t *testing.T) {
	s, client := newStore(t)
	w := s.Writer(context.Background(), "imports/results.csv", "text/csv; charset=utf-8")
	if _, err := io.WriteString(w, "Full Name,Email,External ID,Outcome,Reason\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "Full Name,Email,External ID,Outcome,Reason\n"
	checkObject(t, s, client, "imports/results.csv", int64(len(want)), sha256.Sum256([]byte(want)), "text/csv; charset=utf-8")
}

func TestWriterAbandoned(t *testing.T) {
	s, client := newStore(t)
	tests := []struct {
		name    string
		written int64
		cancel  bool
	}{
		{"before the first part", 1000, false},
		{"after two parts", 2*files.PartSize + 1000, false},
		{"context cancelled", 2*files.PartSize + 1000, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			key := fmt.Sprintf("reports/abandoned-%d.zip", i)
			w := s.Writer(ctx, key, "application/zip")
			if _, err := io.Copy(w, newGenReader(tt.written, 1)); err != nil {
				t.Fatal(err)
			}
			if tt.cancel {
				cancel()
				if err := w.Close(); !errors.Is(err, context.Canceled) {
					t.Fatalf("Close after cancel = %v, want context.Canceled", err)
				}
			} else {
				abandon := w.(interface{ CloseWithError(error) error })
				if err := abandon.CloseWithError(errors.New("producer failed")); err != nil {
					t.Fatalf("CloseWithError = %v", err)
				}
				if err := w.Close(); err == nil {
					t.Fatal("Close after CloseWithError = nil, want an error: nothing was written")
				}
			}
			if _, err := s.Size(context.Background(), key); bo.ErrorCode(err) != bo.ENOTFOUND {
				t.Fatalf("Size of an abandoned upload = %v, want ENOTFOUND", err)
			}
			// The upload manager aborts a failed multipart upload: no
			// parts are left behind to be billed.
			ups, err := client.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(s.Bucket())})
			if err != nil {
				t.Fatal(err)
			}
			if len(ups.Uploads) != 0 {
				t.Fatalf("%d multipart uploads left behind", len(ups.Uploads))
			}
		})
	}
}

func TestMissingKey(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, _, err := s.Open(ctx, "imports/nope.csv"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("Open of a missing key = %v, want ENOTFOUND", err)
	}
	if _, err := s.Size(ctx, "imports/nope.csv"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("Size of a missing key = %v, want ENOTFOUND", err)
	}
	cfg := emulatortest.Config(t)
	noBucket := files.New(s3.NewFromConfig(cfg, awsconfig.S3Options), "no-such-bucket-"+strings.ToLower(t.Name()))
	if _, _, err := noBucket.Open(ctx, "x"); err == nil || bo.ErrorCode(err) == bo.ENOTFOUND {
		t.Fatalf("Open on a missing bucket = %v, want an internal error", err)
	}
}

func TestPresignedPutThenGet(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	const key = "imports/org_1/imp_1.csv"
	body := "Full Name,Email,External ID\r\nAda Lovelace,ada@example.com,E1\r\n"

	before := time.Now()
	putURL, expires, err := s.PresignPut(ctx, key, "text/csv", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if expires.Before(before.Add(15*time.Minute)) || expires.After(time.Now().Add(15*time.Minute)) {
		t.Fatalf("expires = %v, want about now + 15m", expires)
	}
	if !strings.Contains(putURL, "/"+s.Bucket()+"/"+key+"?") || !strings.Contains(putURL, "X-Amz-Expires=900") {
		t.Fatalf("PUT URL %s: want path-style /bucket/key and X-Amz-Expires=900", putURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, putURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PUT to the presigned URL: %s %s", res.Status, msg)
	}
	if n, err := s.Size(ctx, key); err != nil || n != int64(len(body)) {
		t.Fatalf("Size after the presigned PUT = %d, %v", n, err)
	}

	tests := []struct {
		name, download, disposition string
	}{
		{"ASCII name", "results 2026-11.csv", `attachment; filename="results 2026-11.csv"`},
		{"non-ASCII name", "résultats.csv", `attachment; filename*=utf-8''r%C3%A9sultats.csv`},
		{"path in the name", "../etc/passwd", `attachment; filename=.._etc_passwd`},
		{"no name", "", "attachment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getURL, _, err := s.PresignGet(ctx, key, 5*time.Minute, tt.download)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(getURL)
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Query().Get("response-content-disposition"); got != tt.disposition {
				t.Fatalf("signed response-content-disposition = %q, want %q", got, tt.disposition)
			}
			res, err := http.Get(getURL)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || string(got) != body {
				t.Fatalf("GET the presigned URL: %s %q", res.Status, got)
			}
			// S3 and LocalStack answer with the signed disposition; moto
			// (5.x) ignores response-* overrides and sends none, which
			// is why the signed URL is checked above.
			if cd := res.Header.Get("Content-Disposition"); cd != "" && cd != tt.disposition {
				t.Fatalf("Content-Disposition = %q, want %q", cd, tt.disposition)
			}
		})
	}
}

func TestPresignRefusesTTL(t *testing.T) {
	s, _ := newStore(t)
	for _, ttl := range []time.Duration{0, -time.Second, files.MaxPresignTTL + time.Second} {
		if _, _, err := s.PresignPut(context.Background(), "k", "text/csv", ttl); err == nil {
			t.Errorf("PresignPut with ttl %s succeeded", ttl)
		}
		if _, _, err := s.PresignGet(context.Background(), "k", ttl, "k.csv"); err == nil {
			t.Errorf("PresignGet with ttl %s succeeded", ttl)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	tests := []struct{ in, want string }{
		{"report.zip", "attachment; filename=report.zip"},
		{"usage report.zip", `attachment; filename="usage report.zip"`},
		{`a"b.csv`, `attachment; filename="a\"b.csv"`},
		{"a\r\nSet-Cookie: x", `attachment; filename="a__Set-Cookie: x"`},
		{"dir\\file.csv", "attachment; filename=dir_file.csv"},
		{"日本.csv", "attachment; filename*=utf-8''%E6%97%A5%E6%9C%AC.csv"},
		{"  ", "attachment"},
	}
	for _, tt := range tests {
		if got := files.ContentDisposition(tt.in); got != tt.want {
			t.Errorf("ContentDisposition(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
