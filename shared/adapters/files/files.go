// Package files adapts the back office's files (uploaded invitation imports,
// their per-row results, report zips) to one S3 bucket: presigned URLs for
// uploads and downloads, streaming reads, and streaming uploads through the
// SDK's upload manager, multipart for large bodies.
//
// Nothing here holds a whole file in memory: reads stream the object's body,
// and uploads buffer at most a few parts (see PartSize and Concurrency).
package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Upload tuning. An upload holds at most Concurrency+1 part buffers of
// PartSize bytes (the parts being sent and one being filled) and the first
// part in memory: about 20 to 25 MiB with these values, whatever the size
// of the body (TestWriterMemoryBounded measures it).
const (
	// PartSize is the size of each part of a multipart upload, the
	// smallest S3 allows; bodies smaller than this are sent in one PutObject.
	PartSize = manager.MinUploadPartSize
	// Concurrency is how many parts of one upload are sent at once.
	Concurrency = 2
)

// abortTimeout bounds the abort of a failed multipart upload.
const abortTimeout = 30 * time.Second

// MaxPresignTTL is the longest lifetime of a presigned URL that Signature
// Version 4 allows.
const MaxPresignTTL = 7 * 24 * time.Hour

// Client is the part of the S3 API the store uses: reads, and the calls of
// the upload manager.
type Client interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	manager.UploadAPIClient
}

// Presigner signs URLs for uploads and downloads.
type Presigner interface {
	PresignPutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
	PresignGetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

var (
	_ Client    = (*s3.Client)(nil)
	_ Presigner = (*s3.PresignClient)(nil)
)

// Store is the back office's files in one S3 bucket. It is safe for
// concurrent use.
type Store struct {
	client    Client
	presigner Presigner
	uploader  *manager.Uploader
	bucket    string
	now       func() time.Time
}

// New returns a Store on the bucket, using client for everything. Make the
// client with s3.NewFromConfig(cfg, PathStyle) so that it works
// against a local endpoint too.
func New(client *s3.Client, bucket string) *Store {
	return NewStore(client, s3.NewPresignClient(client), bucket)
}

// Open returns a Store on the bucket with an S3 client built from cfg, with
// path-style addressing against a configured endpoint (see PathStyle).
func Open(cfg aws.Config, bucket string) *Store {
	return New(s3.NewFromConfig(cfg, PathStyle), bucket)
}

// PathStyle is an option for s3.NewFromConfig: it turns on path-style
// addressing when the client talks to a configured endpoint (a local
// emulator), where bucket-name subdomains of 127.0.0.1 cannot resolve.
// Against AWS itself it changes nothing.
func PathStyle(o *s3.Options) {
	if o.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != "" {
		o.UsePathStyle = true
	}
}

// NewStore returns a Store on the bucket with the given client and presigner.
func NewStore(client Client, presigner Presigner, bucket string) *Store {
	return &Store{
		client:    client,
		presigner: presigner,
		uploader: manager.NewUploader(detachedAbort{client}, func(u *manager.Uploader) {
			u.PartSize = PartSize
			u.Concurrency = Concurrency
		}),
		bucket: bucket,
		now:    time.Now,
	}
}

// Bucket returns the name of the store's bucket.
func (s *Store) Bucket() string { return s.bucket }

// PresignPut returns a URL with which anyone may upload the object key with
// an HTTP PUT until expires (now + ttl). The upload must send the header
// `Content-Type: <contentType>` (it is signed) unless contentType is empty.
// S3 does not limit the size of such an upload: check it (Size) before use.
// A URL signed with temporary credentials (a Lambda's role) stops working
// when they expire, if that comes first.
//
// It returns an error when ttl is not in (0, MaxPresignTTL] or signing fails.
func (s *Store) PresignPut(ctx context.Context, key, contentType string, ttl time.Duration) (url string, expires time.Time, err error) {
	if err := checkTTL(ttl); err != nil {
		return "", time.Time{}, err
	}
	in := &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	now := s.now()
	req, err := s.presigner.PresignPutObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("presign upload of %s: %w", key, err)
	}
	return req.URL, now.Add(ttl), nil
}

// PresignGet returns a URL with which anyone may download the object key
// with an HTTP GET until expires (now + ttl). The response carries
// `Content-Disposition: attachment` with downloadName as the file name
// (path separators and control characters replaced; left out when empty),
// so that a browser saves the file rather than showing it. A URL signed with
// temporary credentials stops working when they expire, if that comes first.
// The URL does not check that the object exists.
//
// It returns an error when ttl is not in (0, MaxPresignTTL] or signing fails.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (url string, expires time.Time, err error) {
	if err := checkTTL(ttl); err != nil {
		return "", time.Time{}, err
	}
	in := &s3.GetObjectInput{
		Bucket:                     aws.String(s.bucket),
		Key:                        aws.String(key),
		ResponseContentDisposition: aws.String(ContentDisposition(downloadName)),
	}
	now := s.now()
	req, err := s.presigner.PresignGetObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("presign download of %s: %w", key, err)
	}
	return req.URL, now.Add(ttl), nil
}

// ContentDisposition returns the Content-Disposition value of an attachment
// named name: `attachment; filename="name"`, or the RFC 2231 parameter
// filename* (UTF-8, percent-encoded) for a name that is not plain ASCII.
// Path separators and control characters in name become "_"; an empty name
// gives "attachment".
func ContentDisposition(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		return "attachment"
	}
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}

func checkTTL(ttl time.Duration) error {
	if ttl <= 0 || ttl > MaxPresignTTL {
		return fmt.Errorf("presign: lifetime %s is not in (0, %s]", ttl, MaxPresignTTL)
	}
	return nil
}

// Open returns the body of the object key, streaming from S3, and its size
// in bytes. The caller must close the body. It returns ENOTFOUND when there
// is no such object, and S3's error, wrapped, otherwise.
func (s *Store) Open(ctx context.Context, key string) (body io.ReadCloser, size int64, err error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, 0, s.convertErr("read", key, err)
	}
	return out.Body, aws.ToInt64(out.ContentLength), nil
}

// Size returns the size in bytes of the object key, without reading it. It
// returns ENOTFOUND when there is no such object, and S3's error, wrapped,
// otherwise.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return 0, s.convertErr("stat", key, err)
	}
	return aws.ToInt64(out.ContentLength), nil
}

// Delete removes the object key; removing one that is not there does
// nothing. It returns S3's error, wrapped.
func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}); err != nil {
		return s.convertErr("delete", key, err)
	}
	return nil
}

// Put writes body to the object key, replacing any object there, reading
// body as it goes: a body of PartSize bytes or more is sent as a multipart
// upload, part by part, without holding the whole of it. An upload that
// fails (body's error, S3's, ctx cancelled) is aborted and leaves no object
// and no parts behind. It returns that failure, wrapped.
func (s *Store) Put(ctx context.Context, key string, body io.Reader, contentType string) error {
	in := &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key), Body: body}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if _, err := s.uploader.Upload(ctx, in); err != nil {
		return fmt.Errorf("write file %s: %w", key, err)
	}
	return nil
}

// Writer returns a writer whose bytes stream to the object key through Put
// (multipart for large files): a producer such as a CSV or zip writer writes
// to it as it goes. The caller must call Close, which ends the body, waits
// for the upload and returns its error: the object exists only when Close
// returns nil. A Write fails with the upload's error once the upload has
// failed.
//
// To abandon the upload, cancel ctx, or call the writer's
// CloseWithError(err error) error (reach it with a type assertion to
// interface{ CloseWithError(error) error }): no object is written.
func (s *Store) Writer(ctx context.Context, key, contentType string) io.WriteCloser {
	pr, pw := io.Pipe()
	w := &uploadWriter{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = s.Put(ctx, key, pr, contentType)
		// Unblock a Write still waiting when the upload stopped early; nil
		// means io.EOF for writers, which cannot happen after a success
		// since the upload only ends after the body does.
		pr.CloseWithError(w.err)
	}()
	return w
}

// uploadWriter is the writing end of an upload.
type uploadWriter struct {
	pw      *io.PipeWriter
	done    chan struct{}
	err     error // the upload's result, set before done is closed
	once    sync.Once
	aborted bool
}

// Write passes p on to the upload; it blocks until the upload has taken it.
func (w *uploadWriter) Write(p []byte) (int, error) {
	return w.pw.Write(p)
}

// Close ends the body and returns the upload's error once it is done.
func (w *uploadWriter) Close() error {
	w.once.Do(func() { _ = w.pw.Close() })
	<-w.done
	if w.aborted {
		return errUploadAbandoned
	}
	return w.err
}

// CloseWithError abandons the upload with err as the body's error, waits
// for the upload to stop and returns nil: no object is written. After Close
// it does nothing and returns Close's result.
func (w *uploadWriter) CloseWithError(err error) error {
	if err == nil {
		err = errUploadAbandoned
	}
	abandoned := false
	w.once.Do(func() {
		abandoned = true
		w.aborted = true
		_ = w.pw.CloseWithError(err)
	})
	<-w.done
	if abandoned {
		return nil
	}
	return w.Close()
}

var errUploadAbandoned = errors.New("upload abandoned")

// detachedAbort is the upload manager's client. The manager aborts a failed
// multipart upload with the upload's context, which fails at once when the
// failure is that context's cancellation, leaving the parts stored (and
// billed) until a lifecycle rule removes them; detachedAbort aborts with a
// context of its own instead.
type detachedAbort struct{ Client }

func (c detachedAbort) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	out, err := c.Client.AbortMultipartUpload(ctx, in, opts...)
	if err != nil {
		// The manager drops this error; leave a trace of the parts left.
		slog.WarnContext(ctx, "abort multipart upload failed", "bucket", aws.ToString(in.Bucket),
			"key", aws.ToString(in.Key), "uploadId", aws.ToString(in.UploadId), "error", err.Error())
	}
	return out, err
}

// convertErr turns a missing object into ENOTFOUND and wraps anything else.
func (s *Store) convertErr(op, key string, err error) error {
	var noKey *types.NoSuchKey
	var notFound *types.NotFound
	var api smithy.APIError
	if errors.As(err, &noKey) || errors.As(err, &notFound) ||
		errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return bo.Errorf(bo.ENOTFOUND, "file %s not found", key)
	}
	return fmt.Errorf("%s file %s: %w", op, key, err)
}
