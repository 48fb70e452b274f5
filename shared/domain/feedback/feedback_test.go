package feedback_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/domain/feedback"
)

// wrap returns ses as SNS delivers it to SQS with raw message delivery off.
func wrap(ses string) string {
	b, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "m1", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Message": ses})
	return string(b)
}

const (
	hardBounce = `{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General","feedbackId":"f1",
		"bouncedRecipients":[{"emailAddress":"Ada@Example.com","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1\r\n user unknown"},
		{"emailAddress":"grace@example.com","status":"5.1.1"}],"timestamp":"2026-11-23T09:14:52.118Z"},
		"mail":{"messageId":"ses-1","timestamp":"2026-11-23T09:14:50Z"}}`
	complaint = `{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"ada@example.com"}],
		"complaintFeedbackType":"abuse","feedbackId":"f2","timestamp":"2026-11-23T11:02:17Z"},"mail":{"messageId":"ses-2"}}`
	softBounce = `{"eventType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull",
		"bouncedRecipients":[{"emailAddress":"ada@example.com","diagnosticCode":"smtp; 452 4.2.2 over quota"}]},"mail":{"messageId":"ses-3"}}`
	delivery = `{"eventType":"Delivery","delivery":{"recipients":["ada@example.com"]},"mail":{"messageId":"ses-4","timestamp":"2026-11-23T09:15:06Z"}}`
)

var bounceAt = time.Date(2026, 11, 23, 9, 14, 52, 118_000_000, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    feedback.Notification
		wantErr string
	}{
		{name: "hard bounce through SNS", body: wrap(hardBounce), want: feedback.Notification{Event: "Bounce", Hard: true, At: bounceAt,
			MessageID: "ses-1", FeedbackID: "f1", Recipients: []feedback.Recipient{
				{Address: "Ada@Example.com", Reason: "hard bounce (General): smtp; 550 5.1.1 user unknown"},
				{Address: "grace@example.com", Reason: "hard bounce (General): 5.1.1"}}}},
		{name: "hard bounce, raw delivery", body: hardBounce, want: feedback.Notification{Event: "Bounce", Hard: true, At: bounceAt,
			MessageID: "ses-1", FeedbackID: "f1", Recipients: []feedback.Recipient{
				{Address: "Ada@Example.com", Reason: "hard bounce (General): smtp; 550 5.1.1 user unknown"},
				{Address: "grace@example.com", Reason: "hard bounce (General): 5.1.1"}}}},
		{name: "complaint, identity notification format", body: wrap(complaint), want: feedback.Notification{Event: "Complaint", Hard: true,
			At: time.Date(2026, 11, 23, 11, 2, 17, 0, time.UTC), MessageID: "ses-2", FeedbackID: "f2",
			Recipients: []feedback.Recipient{{Address: "ada@example.com", Reason: "complaint (abuse)"}}}},
		{name: "soft bounce", body: wrap(softBounce), want: feedback.Notification{Event: "Bounce", MessageID: "ses-3",
			Recipients: []feedback.Recipient{{Address: "ada@example.com", Reason: "transient bounce (MailboxFull): smtp; 452 4.2.2 over quota"}}}},
		{name: "delivery", body: wrap(delivery), want: feedback.Notification{Event: "Delivery", MessageID: "ses-4",
			At: time.Date(2026, 11, 23, 9, 15, 6, 0, time.UTC)}},
		{name: "subscription confirmation", body: `{"Type":"SubscriptionConfirmation","Message":"You have chosen to subscribe"}`, wantErr: "not an SES notification"},
		{name: "not JSON", body: "bounce!", wantErr: "decode the message"},
		{name: "SNS message not JSON", body: wrap("bounce!"), wantErr: "decode the SES notification"},
		{name: "no event type", body: wrap(`{"mail":{}}`), wantErr: "no eventType"},
		{name: "bounce without recipients", body: wrap(`{"eventType":"Bounce","bounce":{"bounceType":"Permanent"}}`), wantErr: "without bounced recipients"},
		{name: "complaint without details", body: wrap(`{"eventType":"Complaint"}`), wantErr: "without complained recipients"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := feedback.Parse(tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse = %+v, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Event != tt.want.Event || got.Hard != tt.want.Hard || !got.At.Equal(tt.want.At) || got.MessageID != tt.want.MessageID ||
				got.FeedbackID != tt.want.FeedbackID || !slices.Equal(got.Recipients, tt.want.Recipients) {
				t.Fatalf("Parse =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseBoundsTheReason(t *testing.T) {
	long := strings.Repeat("é", 1000)
	n, err := feedback.Parse(wrap(strings.Replace(hardBounce, "5.1.1\\r\\n user unknown", long, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if r := []rune(n.Recipients[0].Reason); len(r) != 300 || r[299] != '…' {
		t.Fatalf("reason of %d characters: %q", len(r), n.Recipients[0].Reason)
	}
}

// fakeStore is a feedback.Store of function fields.
type fakeStore struct {
	suppress          func(ctx context.Context, emailKey, reason string, at time.Time) error
	markUndeliverable func(ctx context.Context, emailKey, reason string, at time.Time) (int, error)
}

var _ feedback.Store = (*fakeStore)(nil)

func (f *fakeStore) Suppress(ctx context.Context, emailKey, reason string, at time.Time) error {
	return f.suppress(ctx, emailKey, reason, at)
}

func (f *fakeStore) MarkUndeliverable(ctx context.Context, emailKey, reason string, at time.Time) (int, error) {
	return f.markUndeliverable(ctx, emailKey, reason, at)
}

// recorder returns a fakeStore that records each call as "suppress <key> <reason> <time>".
func recorder(calls *[]string, fail error) *fakeStore {
	return &fakeStore{
		suppress: func(_ context.Context, k, r string, at time.Time) error {
			*calls = append(*calls, "suppress "+k+" "+r+" "+at.Format(time.RFC3339))
			return fail
		},
		markUndeliverable: func(_ context.Context, k, r string, at time.Time) (int, error) {
			*calls = append(*calls, "mark "+k+" "+r+" "+at.Format(time.RFC3339))
			return 1, nil
		},
	}
}

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestHandle(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    []string
		wantErr string
	}{
		{name: "hard bounce", body: wrap(hardBounce), want: []string{
			"suppress ada@example.com hard bounce (General): smtp; 550 5.1.1 user unknown 2026-11-23T09:14:52Z",
			"mark ada@example.com hard bounce (General): smtp; 550 5.1.1 user unknown 2026-11-23T09:14:52Z",
			"suppress grace@example.com hard bounce (General): 5.1.1 2026-11-23T09:14:52Z",
			"mark grace@example.com hard bounce (General): 5.1.1 2026-11-23T09:14:52Z"}},
		{name: "complaint", body: wrap(complaint), want: []string{
			"suppress ada@example.com complaint (abuse) 2026-11-23T11:02:17Z", "mark ada@example.com complaint (abuse) 2026-11-23T11:02:17Z"}},
		{name: "a complaint without a time is dated now", body: wrap(`{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"ada@example.com"}]}}`),
			want: []string{"suppress ada@example.com complaint 2026-12-01T00:00:00Z", "mark ada@example.com complaint 2026-12-01T00:00:00Z"}},
		{name: "a recipient that is no address is skipped", body: wrap(strings.Replace(complaint, `"complainedRecipients":[`, `"complainedRecipients":[{"emailAddress":"nobody"},`, 1)),
			want: []string{"suppress ada@example.com complaint (abuse) 2026-11-23T11:02:17Z", "mark ada@example.com complaint (abuse) 2026-11-23T11:02:17Z"}},
		{name: "soft bounce ignored", body: wrap(softBounce)},
		{name: "delivery ignored", body: wrap(delivery)},
		{name: "subscription confirmation dropped", body: `{"Type":"SubscriptionConfirmation"}`},
		{name: "unreadable", body: "{", wantErr: "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			h := feedback.NewHandler(recorder(&calls, nil), func() time.Time { return now }, slog.New(slog.DiscardHandler))
			err := h.Handle(context.Background(), tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Handle = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(calls, tt.want) {
				t.Fatalf("Handle = %v, calls\n%q\nwant\n%q", err, calls, tt.want)
			}
		})
	}
}

// TestHandleReturnsStoreErrors: a failed write fails the record, so that
// the queue delivers it again; the logs never name the address.
func TestHandleReturnsStoreErrors(t *testing.T) {
	down := errors.New("table unavailable")
	var calls []string
	var logs bytes.Buffer
	h := feedback.NewHandler(recorder(&calls, down), func() time.Time { return now }, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err := h.Handle(context.Background(), wrap(hardBounce)); !errors.Is(err, down) {
		t.Fatalf("Handle = %v, want the store's error", err)
	}
	failing := &fakeStore{
		suppress:          func(context.Context, string, string, time.Time) error { return nil },
		markUndeliverable: func(context.Context, string, string, time.Time) (int, error) { return 0, down },
	}
	h = feedback.NewHandler(failing, func() time.Time { return now }, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err := h.Handle(context.Background(), wrap(complaint)); !errors.Is(err, down) {
		t.Fatalf("Handle = %v, want the store's error", err)
	}
	h = feedback.NewHandler(recorder(&calls, nil), func() time.Time { return now }, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err := h.Handle(context.Background(), wrap(hardBounce)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(logs.String()), "example.com") {
		t.Fatalf("the logs name an address: %s", logs.String())
	}
}
