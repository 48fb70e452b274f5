package files

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/learnops/backoffice/shared/domain/admin"
)

// Logos keeps organisations' logos in the store's bucket (admin.Logos).
type Logos struct{ *Store }

var _ admin.Logos = Logos{}

// PresignPut returns a URL that uploads key until expires (now + ttl); the
// upload must send `Content-Type: <contentType>` and `Content-Length:
// <size>`, both signed, so S3 refuses another type or size. It returns an
// error when ttl is not in (0, MaxPresignTTL] or signing fails.
func (l Logos) PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (string, time.Time, error) {
	if err := checkTTL(ttl); err != nil {
		return "", time.Time{}, err
	}
	in := &s3.PutObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key),
		ContentType: aws.String(contentType), ContentLength: aws.Int64(size)}
	now := l.now()
	req, err := l.presigner.PresignPutObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("presign upload of %s: %w", key, err)
	}
	return req.URL, now.Add(ttl), nil
}

// Head returns the size of the object key and its first n bytes (fewer
// when it is shorter), reading only those. It returns ENOTFOUND when there
// is no such object.
func (l Logos) Head(ctx context.Context, key string, n int) (int64, []byte, error) {
	out, err := l.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key),
		Range: aws.String(fmt.Sprintf("bytes=0-%d", n-1))})
	if err != nil {
		return 0, nil, l.convertErr("read", key, err)
	}
	defer out.Body.Close()
	head, err := io.ReadAll(io.LimitReader(out.Body, int64(n)))
	if err != nil {
		return 0, nil, fmt.Errorf("read file %s: %w", key, err)
	}
	size, err := l.Size(ctx, key)
	return size, head, err
}
