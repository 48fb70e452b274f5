package local

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/learnops/backoffice/shared/domain/feedback"
)

// fakeSQS is a SendClient of one function field.
type fakeSQS struct {
	sendMessage func(ctx context.Context, in *sqs.SendMessageInput) (*sqs.SendMessageOutput, error)
}

func (f *fakeSQS) SendMessage(ctx context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return f.sendMessage(ctx, in)
}

// TestSESNotificationHandler: each short form becomes the notification SES
// would publish, in SNS's envelope, that the feedback function reads as
// meant; a whole notification goes as it is; anything else is a 400.
func TestSESNotificationHandler(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		body   string
		status int
		event  string
		hard   bool
	}{
		{"bounce", `{"type":"bounce","email":"Ada@Example.com"}`, 202, "Bounce", true},
		{"soft bounce", `{"type":"soft-bounce","email":"Ada@Example.com"}`, 202, "Bounce", false},
		{"complaint", `{"type":"complaint","email":"Ada@Example.com"}`, 202, "Complaint", true},
		{"whole notification", `{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"Ada@Example.com"}]}}`, 202, "Complaint", true},
		{"unknown type", `{"type":"delivery","email":"ada@example.com"}`, 400, "", false},
		{"no address", `{"type":"bounce"}`, 400, "", false},
		{"not JSON", `bounce ada`, 400, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent *sqs.SendMessageInput
			client := &fakeSQS{sendMessage: func(_ context.Context, in *sqs.SendMessageInput) (*sqs.SendMessageOutput, error) {
				sent = in
				return &sqs.SendMessageOutput{MessageId: aws.String("m1")}, nil
			}}
			rec := httptest.NewRecorder()
			SESNotificationHandler(client, "https://q.example/feedback", func() time.Time { return at }).
				ServeHTTP(rec, httptest.NewRequest(http.MethodPost, SESNotificationPath, strings.NewReader(tt.body)))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != 202 {
				if sent != nil {
					t.Fatal("a refused body was queued")
				}
				return
			}
			if aws.ToString(sent.QueueUrl) != "https://q.example/feedback" || !strings.Contains(rec.Body.String(), `"messageId":"m1"`) {
				t.Fatalf("queued to %q, answered %s", aws.ToString(sent.QueueUrl), rec.Body)
			}
			n, err := feedback.Parse(aws.ToString(sent.MessageBody))
			if err != nil || n.Event != tt.event || n.Hard != tt.hard || len(n.Recipients) != 1 || n.Recipients[0].Address != "Ada@Example.com" {
				t.Fatalf("the feedback function reads %+v, %v", n, err)
			}
			if tt.name != "whole notification" && !n.At.Equal(at) {
				t.Fatalf("dated %v, want %v", n.At, at)
			}
		})
	}
}

func TestSESNotificationHandlerQueueFails(t *testing.T) {
	client := &fakeSQS{sendMessage: func(context.Context, *sqs.SendMessageInput) (*sqs.SendMessageOutput, error) {
		return nil, errors.New("AWS.SimpleQueueService.NonExistentQueue")
	}}
	rec := httptest.NewRecorder()
	SESNotificationHandler(client, "q", time.Now).ServeHTTP(rec,
		httptest.NewRequest(http.MethodPost, SESNotificationPath, strings.NewReader(`{"type":"bounce","email":"a@b.example"}`)))
	if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), "NonExistentQueue") {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}
