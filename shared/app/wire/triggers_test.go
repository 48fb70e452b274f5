package wire

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestTriggersDispatch(t *testing.T) {
	var got string
	tr := Triggers{
		API: func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			got = "api " + req.RouteKey
			return events.APIGatewayV2HTTPResponse{StatusCode: 204}, nil
		},
		Queue: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			got = "queue " + ev.Records[0].Body
			return events.SQSEventResponse{}, nil
		},
		Schedule: func(_ context.Context, ev events.EventBridgeEvent) error {
			got = "schedule " + ev.DetailType
			return nil
		},
	}
	tests := []struct {
		name, event, want string
		wantErr           bool
	}{
		{"api", `{"routeKey":"GET /v1/health","requestContext":{"http":{"method":"GET"}}}`, "api GET /v1/health", false},
		{"queue", `{"Records":[{"eventSource":"aws:sqs","body":"x"}]}`, "queue x", false},
		{"schedule", `{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`, "schedule Scheduled Event", false},
		{"s3 is not a trigger", `{"Records":[{"eventSource":"aws:s3"}]}`, "", true},
		{"not json", `[`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got = ""
			_, err := tr.Handle(context.Background(), json.RawMessage(tc.event))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("Handle(%s) = %q, %v; want %q, error %v", tc.event, got, err, tc.want, tc.wantErr)
			}
		})
	}
	if _, err := (Triggers{Queue: tr.Queue}).Handle(context.Background(), json.RawMessage(tests[0].event)); err == nil {
		t.Fatal("an API request reached a function without an API trigger")
	}
}
