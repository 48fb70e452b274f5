package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SESNotificationPath is the local-only route that feeds an SES bounce or
// complaint notification to the feedback queue, as SES (through the
// configuration set's SNS topic) does in AWS. It is no route of the API and
// is never deployed.
const SESNotificationPath = "/_local/ses-notification"

// maxNotificationBytes bounds a notification posted to SESNotificationPath.
const maxNotificationBytes = 256 << 10

// SendClient is the part of the SQS API SESNotificationHandler uses.
type SendClient interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var _ SendClient = (*sqs.Client)(nil)

// sesFeedback is the short form of a notification: what happened to whom.
type sesFeedback struct {
	// Type is "bounce" (a permanent bounce), "soft-bounce" (a transient
	// one) or "complaint".
	Type  string `json:"type"`
	Email string `json:"email"`
}

// SESNotificationHandler serves POST SESNotificationPath: it puts an SES
// notification on the feedback queue at queueURL, wrapped in SNS's envelope
// as the topic's subscription (raw message delivery off) delivers it. The
// body is either the short form {"type": "bounce" | "soft-bounce" |
// "complaint", "email": "ada@example.com"}, from which it builds the
// notification SES would publish (event publishing format, at now), or a
// whole SES notification (with "eventType" or "notificationType"), sent as
// it is. It answers 202 with the queue's message id, 400 for a body that is
// neither, and 502 when the queue refuses the message.
func SESNotificationHandler(client SendClient, queueURL string, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxNotificationBytes+1))
		if err != nil || len(body) > maxNotificationBytes {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("the body must be JSON of at most %d bytes", maxNotificationBytes))
			return
		}
		notification, err := sesNotification(body, now().UTC())
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid", err.Error())
			return
		}
		envelope, _ := json.Marshal(map[string]string{ // strings always encode
			"Type": "Notification", "MessageId": newRequestID(), "TopicArn": "arn:aws:sns:us-east-1:000000000000:local-ses-feedback",
			"Message": notification, "Timestamp": now().UTC().Format(time.RFC3339Nano), "SignatureVersion": "1",
		})
		out, err := client.SendMessage(r.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(string(envelope))})
		if err != nil {
			writeError(w, http.StatusBadGateway, "internal", "the feedback queue refused the notification: "+err.Error())
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"messageId": aws.ToString(out.MessageId)})
	})
}

// sesNotification returns the SES notification a posted body stands for.
func sesNotification(body []byte, at time.Time) (string, error) {
	var probe map[string]any
	if err := json.Unmarshal(body, &probe); err != nil {
		return "", fmt.Errorf("the body is not a JSON object: %v", err)
	}
	if probe["eventType"] != nil || probe["notificationType"] != nil {
		return string(body), nil
	}
	var f sesFeedback
	_ = json.Unmarshal(body, &f) // it decoded as an object above
	if !strings.Contains(f.Email, "@") {
		return "", fmt.Errorf(`give {"type": "bounce" | "soft-bounce" | "complaint", "email": "<address>"} or a whole SES notification`)
	}
	ts := at.Format("2006-01-02T15:04:05.000Z")
	mail := map[string]any{
		"timestamp": ts, "messageId": "local-" + newRequestID(), "source": "no-reply@learn.example.com",
		"destination": []string{f.Email}, "sendingAccountId": "000000000000",
		"tags": map[string][]string{"ses:configuration-set": {"local"}},
	}
	var n map[string]any
	switch f.Type {
	case "bounce", "soft-bounce":
		bounceType, subType, status, code := "Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown"
		if f.Type == "soft-bounce" {
			bounceType, subType, status, code = "Transient", "MailboxFull", "4.2.2", "smtp; 452 4.2.2 mailbox full"
		}
		n = map[string]any{"eventType": "Bounce", "mail": mail, "bounce": map[string]any{
			"bounceType": bounceType, "bounceSubType": subType, "timestamp": ts, "feedbackId": "local-" + newRequestID(),
			"bouncedRecipients": []map[string]string{{"emailAddress": f.Email, "action": "failed", "status": status, "diagnosticCode": code}},
		}}
	case "complaint":
		n = map[string]any{"eventType": "Complaint", "mail": mail, "complaint": map[string]any{
			"complaintFeedbackType": "abuse", "timestamp": ts, "feedbackId": "local-" + newRequestID(),
			"complainedRecipients": []map[string]string{{"emailAddress": f.Email}},
		}}
	default:
		return "", fmt.Errorf("type %q: must be bounce, soft-bounce or complaint", f.Type)
	}
	b, err := json.Marshal(n)
	return string(b), err
}
