// Package triggers runs the functions with more than one trigger: it tells
// an HTTP API request, an SQS batch and an EventBridge event apart and
// hands each to its handler.
package triggers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/adapters/queue"
)

// Triggers is the handler of a function with more than one trigger (the
// messaging function answers its API and plans from its queue; the reports
// function answers its API, builds from its queue and runs on a schedule).
// Each field handles one kind of event; a nil field means the function has
// no such trigger.
type Triggers struct {
	API      httpapi.Handler
	Queue    queue.Handler
	Schedule func(ctx context.Context, ev events.EventBridgeEvent) error
}

// probe holds the fields that tell the events apart: an HTTP API request
// has a routeKey and a requestContext, an SQS event has records whose
// eventSource is aws:sqs, an EventBridge event has a detail-type.
type probe struct {
	RouteKey       string          `json:"routeKey"`
	RequestContext json.RawMessage `json:"requestContext"`
	Records        []struct {
		EventSource string `json:"eventSource"`
	} `json:"Records"`
	DetailType *string `json:"detail-type"`
}

// Handle decodes the raw event, tells which trigger sent it and calls that
// trigger's handler, returning its answer (nil for a schedule). It returns
// an error for an event that is none of the function's triggers, which
// Lambda then reports as a failed invocation.
func (t Triggers) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var p probe
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	switch {
	case t.API != nil && p.RouteKey != "" && len(p.RequestContext) > 0:
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("decode HTTP API request: %w", err)
		}
		return t.API(ctx, req)
	case t.Queue != nil && len(p.Records) > 0 && p.Records[0].EventSource == "aws:sqs":
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode SQS event: %w", err)
		}
		return t.Queue(ctx, ev)
	case t.Schedule != nil && p.DetailType != nil:
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode EventBridge event: %w", err)
		}
		return nil, t.Schedule(ctx, ev)
	}
	return nil, fmt.Errorf("event is none of this function's triggers: %.200s", raw)
}
