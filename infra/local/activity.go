package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/activity"
)

// ActivityPath is the local-only route that stands in for the learning
// platform's EventBridge events: POST an activity event's detail to it and
// the activity function's handler records it. It is served by `make dev`
// only, beside the gateway: no API route, no CDK resource, no token.
const ActivityPath = "/_local/activity"

// ActivityHandler records one activity event (wire.ActivityRecorder): nil
// when it was recorded, EINVALID or ENOTFOUND when the activity function
// drops it (a malformed event; an unknown program, non-member or item they
// are not enrolled in), any other error when recording failed.
type ActivityHandler func(ctx context.Context, ev events.EventBridgeEvent) error

// ActivityFeed returns the http.Handler of POST ActivityPath. The body is
// the detail of one event (see events/activity/): it is wrapped in the
// envelope EventBridge delivers for the rule of the activity function
// (source activity.Source, detail-type activity.DetailType, a fresh id and
// the current time), passed through JSON as Lambda passes it, and handed to
// h. The answer is 202 with the event's id and "recorded": true when h
// recorded it; for an event the activity function drops (in AWS it only
// logs it), the API's error for its code, 400 (invalid) or 404 (not_found),
// whose message says the event was dropped and why; 500 with the error when
// h fails (EventBridge would retry); 400 for a body that is not one JSON
// object, 405 for another method.
func ActivityFeed(h ActivityHandler, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "POST an activity event's detail to "+ActivityPath)
			return
		}
		body, err := readBody(w, r)
		var detail map[string]json.RawMessage
		if err != nil || json.Unmarshal(body, &detail) != nil {
			writeError(w, http.StatusBadRequest, "invalid", "the body must be one JSON object: the detail of a Learning Activity event")
			return
		}
		now := time.Now().UTC()
		ev := events.EventBridgeEvent{
			Version: "0", ID: newRequestID(), DetailType: activity.DetailType, Source: activity.Source,
			AccountID: "000000000000", Time: now, Region: "us-east-1", Resources: []string{}, Detail: bytes.TrimSpace(body),
		}
		// Through JSON, as Lambda delivers the event.
		payload, err := json.Marshal(ev)
		if err == nil {
			err = json.Unmarshal(payload, &ev)
		}
		if err == nil {
			err = callActivity(r.Context(), h, ev)
		}
		if code := bo.ErrorCode(err); code == bo.EINVALID || code == bo.ENOTFOUND {
			logger.Warn("local activity event dropped", slog.String("id", ev.ID), slog.String("error", err.Error()))
			writeError(w, httpapi.StatusOf(code), code, "the event was dropped (in AWS the activity function logs and drops it): "+bo.ErrorMessage(err))
			return
		}
		if err != nil {
			logger.Error("local activity event failed", slog.String("id", ev.ID), slog.String("error", err.Error()))
			writeError(w, http.StatusInternalServerError, "internal", "the activity handler failed (EventBridge would retry): "+err.Error())
			return
		}
		logger.Info("local activity event", slog.String("id", ev.ID))
		writeJSON(w, http.StatusAccepted, map[string]any{"id": ev.ID, "source": ev.Source, "detailType": ev.DetailType, "recorded": true})
	})
}

// callActivity calls h, turning a panic into an error as the Lambda
// runtime does.
func callActivity(ctx context.Context, h ActivityHandler, ev events.EventBridgeEvent) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, ev)
}
