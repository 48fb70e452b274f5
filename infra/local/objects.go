package local

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ListClient is the S3 call PollObjects makes.
type ListClient interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// PollObjects stands in locally for S3's ObjectCreated notifications, which
// the emulator does not deliver to functions: every interval it lists the
// bucket under prefix and calls handler with an S3 event for each object it
// has not seen before (by key and ETag), until ctx ends. Objects there when
// it starts count as new, so an upload made while the system was down is
// still processed (the handler must be safe to run twice, as the Lambda's
// is). A handler error is logged and the object retried on the next round.
func PollObjects(ctx context.Context, client ListClient, bucket, prefix string, interval time.Duration,
	handler func(context.Context, events.S3Event) error, logger *slog.Logger) error {
	seen := map[string]bool{}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				logger.Warn("list objects", slog.String("bucket", bucket), slog.String("error", err.Error()))
				break
			}
			for _, obj := range page.Contents {
				id := aws.ToString(obj.Key) + "@" + aws.ToString(obj.ETag)
				if seen[id] {
					continue
				}
				ev := events.S3Event{Records: []events.S3EventRecord{{
					EventSource: "aws:s3", EventName: "ObjectCreated:Put", EventTime: time.Now().UTC(),
					S3: events.S3Entity{
						Bucket: events.S3Bucket{Name: bucket, Arn: "arn:aws:s3:::" + bucket},
						Object: events.S3Object{Key: aws.ToString(obj.Key), Size: aws.ToInt64(obj.Size), ETag: aws.ToString(obj.ETag)},
					},
				}}}
				if err := handler(ctx, ev); err != nil {
					logger.Error("object handler failed; retrying next round", slog.String("key", aws.ToString(obj.Key)), slog.String("error", err.Error()))
					continue
				}
				seen[id] = true
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
