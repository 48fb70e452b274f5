// Package feedback acts on what SES reports about the emails the mailer
// sent: the configuration set they go out under publishes bounces and
// complaints to an SNS topic, whose subscribed queue feeds the feedback
// function. A hard (permanent) bounce or a complaint puts the address on the
// suppression list, so that it gets no more mail that is not transactional
// from any org, and marks its pending invitations, in every program,
// undeliverable. Transient bounces, deliveries and the other events are
// ignored. It imports neither Lambda nor the AWS SDK.
package feedback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// maxReasonRunes bounds the reason kept with a suppression and shown on an
// undeliverable invitation: SES's diagnostic codes are the remote server's
// words, of any length.
const maxReasonRunes = 300

// Notification is what one SES notification says the back office must act
// on.
type Notification struct {
	// Event is SES's eventType (configuration set event publishing) or
	// notificationType (identity notifications): Bounce, Complaint,
	// Delivery, Send, Reject, DeliveryDelay ...
	Event string
	// Hard is set for a permanent bounce and for a complaint: the
	// addresses of Recipients are to be suppressed.
	Hard bool
	// Recipients are the addresses that bounced or complained, each with
	// the reason to record.
	Recipients []Recipient
	// At is when SES saw the bounce or complaint.
	At time.Time
	// MessageID is SES's id of the email it is about, and FeedbackID its
	// id of the bounce or complaint (for the logs).
	MessageID, FeedbackID string
}

// Recipient is an address that bounced or complained, and why.
type Recipient struct {
	Address string
	Reason  string
}

// snsEnvelope is an SNS notification as SQS receives it when the
// subscription's raw message delivery is off: the SES notification is the
// Message string.
type snsEnvelope struct {
	Type    string `json:"Type"`
	Message string `json:"Message"`
}

// sesNotification is the part of an SES notification the back office reads,
// in either format: event publishing (eventType) or identity notifications
// (notificationType); the bounce and complaint objects are the same.
type sesNotification struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Bounce           *struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
		Timestamp  time.Time `json:"timestamp"`
		FeedbackID string    `json:"feedbackId"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string    `json:"complaintFeedbackType"`
		ComplaintSubType      string    `json:"complaintSubType"`
		Timestamp             time.Time `json:"timestamp"`
		FeedbackID            string    `json:"feedbackId"`
	} `json:"complaint"`
	Mail struct {
		MessageID string    `json:"messageId"`
		Timestamp time.Time `json:"timestamp"`
	} `json:"mail"`
}

// ErrNotANotification is returned by Parse for an SNS message that is not a
// notification (a subscription confirmation): there is nothing to act on.
var ErrNotANotification = errors.New("not an SES notification")

// Parse decodes the body of a feedback queue message: an SNS notification
// whose Message is SES's JSON (the subscription's raw message delivery off,
// as the stack sets it), or SES's JSON itself (raw delivery on). A bounce
// is hard when its bounceType is Permanent (Transient and Undetermined are
// not); a complaint always is. It returns ErrNotANotification (wrapped) for
// another SNS message type, and an error naming what is wrong for a body
// that is not JSON, a notification without an event type, and a bounce or
// complaint without its details or recipients.
func Parse(body string) (Notification, error) {
	var env snsEnvelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		return Notification{}, fmt.Errorf("feedback: decode the message: %w", err)
	}
	payload := body
	switch env.Type {
	case "": // raw message delivery: SES's JSON itself
	case "Notification":
		payload = env.Message
	default:
		return Notification{}, fmt.Errorf("feedback: SNS message of type %q: %w", env.Type, ErrNotANotification)
	}
	var n sesNotification
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		return Notification{}, fmt.Errorf("feedback: decode the SES notification: %w", err)
	}
	out := Notification{Event: n.EventType, MessageID: n.Mail.MessageID, At: n.Mail.Timestamp}
	if out.Event == "" {
		out.Event = n.NotificationType
	}
	switch out.Event {
	case "":
		return Notification{}, errors.New("feedback: the SES notification has no eventType or notificationType")
	case "Bounce":
		b := n.Bounce
		if b == nil || len(b.BouncedRecipients) == 0 {
			return Notification{}, errors.New("feedback: a bounce without bounced recipients")
		}
		out.Hard = b.BounceType == "Permanent"
		out.FeedbackID = b.FeedbackID
		if !b.Timestamp.IsZero() {
			out.At = b.Timestamp
		}
		for _, r := range b.BouncedRecipients {
			detail := r.DiagnosticCode
			if detail == "" {
				detail = r.Status
			}
			reason := fmt.Sprintf("%s bounce (%s)", strings.ToLower(b.BounceType), b.BounceSubType)
			if out.Hard {
				reason = fmt.Sprintf("hard bounce (%s)", b.BounceSubType)
			}
			if detail != "" {
				reason += ": " + detail
			}
			out.Recipients = append(out.Recipients, Recipient{Address: r.EmailAddress, Reason: cut(reason)})
		}
	case "Complaint":
		c := n.Complaint
		if c == nil || len(c.ComplainedRecipients) == 0 {
			return Notification{}, errors.New("feedback: a complaint without complained recipients")
		}
		out.Hard = true
		out.FeedbackID = c.FeedbackID
		if !c.Timestamp.IsZero() {
			out.At = c.Timestamp
		}
		reason := "complaint"
		if kind := c.ComplaintFeedbackType + c.ComplaintSubType; kind != "" {
			reason += " (" + strings.Trim(c.ComplaintFeedbackType+", "+c.ComplaintSubType, ", ") + ")"
		}
		for _, r := range c.ComplainedRecipients {
			out.Recipients = append(out.Recipients, Recipient{Address: r.EmailAddress, Reason: cut(reason)})
		}
	}
	return out, nil
}

// cut folds s onto one line and bounds it to maxReasonRunes.
func cut(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxReasonRunes {
		return s
	}
	return string([]rune(s)[:maxReasonRunes-1]) + "…"
}

// Store is where feedback is recorded.
type Store interface {
	// Suppress puts the address (email key) on the suppression list, with
	// the reason; suppressing again keeps the first record.
	Suppress(ctx context.Context, emailKey, reason string, at time.Time) error
	// MarkUndeliverable marks the address's pending invitations, in every
	// program, undeliverable for reason; marking again changes nothing. It
	// returns how many it marked.
	MarkUndeliverable(ctx context.Context, emailKey, reason string, at time.Time) (int, error)
}

// Handler acts on the feedback queue's messages.
type Handler struct {
	store  Store
	now    func() time.Time
	logger *slog.Logger
}

// NewHandler returns a Handler that records in store; now stands in for a
// notification that carries no time.
func NewHandler(store Store, now func() time.Time, logger *slog.Logger) *Handler {
	return &Handler{store: store, now: now, logger: logger}
}

// Handle acts on one queue message's body (the signature queue.BatchHandler
// calls): for a hard bounce or a complaint it suppresses each recipient's
// address and marks its pending invitations undeliverable, both idempotent,
// so that a redelivered message changes nothing more. A soft bounce, a
// delivery, any other event and an SNS message that is not a notification
// are logged and dropped, as is a recipient that is not an email address.
//
// It returns Parse's error for a body it cannot read (the record then ends
// in the dead-letter queue, to be looked at), and the store's error, so
// that the message is delivered again.
func (h *Handler) Handle(ctx context.Context, body string) error {
	n, err := Parse(body)
	if errors.Is(err, ErrNotANotification) {
		h.logger.Warn("feedback message dropped", slog.String("error", err.Error()))
		return nil
	} else if err != nil {
		return err
	}
	log := h.logger.With(slog.String("event", n.Event), slog.String("sesMessageId", n.MessageID), slog.String("feedbackId", n.FeedbackID))
	if !n.Hard {
		log.Info("feedback ignored: not a hard bounce or a complaint", slog.Int("recipients", len(n.Recipients)))
		return nil
	}
	at := n.At
	if at.IsZero() {
		at = h.now()
	}
	suppressed, marked := 0, 0
	for _, r := range n.Recipients {
		email, err := bo.ParseEmail(r.Address)
		if err != nil {
			log.Warn("feedback recipient skipped: not an email address")
			continue
		}
		if err := h.store.Suppress(ctx, email.Key, r.Reason, at); err != nil {
			return fmt.Errorf("feedback %s: suppress: %w", n.FeedbackID, err)
		}
		suppressed++
		m, err := h.store.MarkUndeliverable(ctx, email.Key, r.Reason, at)
		if err != nil {
			return fmt.Errorf("feedback %s: mark invitations undeliverable: %w", n.FeedbackID, err)
		}
		marked += m
	}
	// Addresses are never logged: the ids identify the email.
	log.Info("feedback recorded", slog.Int("suppressed", suppressed), slog.Int("invitationsMarked", marked))
	return nil
}
