package files

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
)

// ObjectHandler returns a Lambda handler for S3 ObjectCreated notifications
// that calls fn with the bucket and the (decoded) key of each object, in
// order. It returns the first error of fn, so that Lambda retries the event;
// fn must therefore be safe to run again for the same object.
func ObjectHandler(fn func(ctx context.Context, bucket, key string) error) func(ctx context.Context, ev events.S3Event) error {
	return func(ctx context.Context, ev events.S3Event) error {
		for _, rec := range ev.Records {
			// Keys arrive URL-encoded, with spaces as '+'.
			key, err := url.QueryUnescape(rec.S3.Object.Key)
			if err != nil {
				return fmt.Errorf("object key %q: %w", rec.S3.Object.Key, err)
			}
			if err := fn(ctx, rec.S3.Bucket.Name, key); err != nil {
				return err
			}
		}
		return nil
	}
}
