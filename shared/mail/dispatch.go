package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// maxIDBytes bounds Message.ID, which becomes part of a DynamoDB key.
const maxIDBytes = 512

// releaseTimeout bounds the release of a claim after a failure; it runs on a
// context of its own because the failure may be the caller's context ending.
const releaseTimeout = 5 * time.Second

// Claims records which emails were sent, so that each is sent at most once.
type Claims interface {
	// Claim records that the email with this ID is being sent. It returns
	// true when this call made the claim, and false when the ID was claimed
	// already (sent, or being sent by another delivery of the same message).
	Claim(ctx context.Context, emailID string) (bool, error)
	// Release removes the claim after a send that did not happen, so that a
	// redelivery of the message can try again.
	Release(ctx context.Context, emailID string) error
}

// Sender sends one rendered email. An error wrapped with Permanent (so that
// IsPermanent reports true) says that sending this email again cannot succeed
// (the address or the content was rejected); any other error is transient
// (throttling, an outage, a misconfigured sender that an operator can fix)
// and the message is tried again.
type Sender interface {
	Send(ctx context.Context, from, to string, r Rendered) error
}

// Limiter paces sends: Wait returns when the next send may start, or with an
// error when ctx ends (or would end) first.
type Limiter interface {
	Wait(ctx context.Context) error
}

// ErrPermanent marks a failure that sending again cannot cure; see Permanent.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that IsPermanent reports true for it; errors.Is and
// errors.As still see err. It returns nil for nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrPermanent, err)
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// ParseMessage decodes a message from the JSON the queue carries and checks
// it (see Message.Validate). Unknown fields are ignored, so that a producer of
// a newer version does not break an older mailer. It returns an error naming
// what is wrong.
func ParseMessage(body string) (Message, error) {
	var m Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return Message{}, fmt.Errorf("decode mail message: %w", err)
	}
	if err := validate(m); err != nil {
		return Message{}, err
	}
	return m, nil
}

// validate checks what Deliver needs of a message: an ID (the idempotency key)
// of at most maxIDBytes, a template name and a recipient. It does not parse
// the recipient: Deliver treats a malformed address as a permanent failure.
func validate(m Message) error {
	switch {
	case m.ID == "":
		return errors.New("mail message: id is required")
	case len(m.ID) > maxIDBytes:
		return fmt.Errorf("mail message: id is longer than %d bytes", maxIDBytes)
	case m.Template == "":
		return fmt.Errorf("mail message %s: template is required", m.ID)
	case m.To == "":
		return fmt.Errorf("mail message %s: to is required", m.ID)
	}
	return nil
}

// Dispatcher sends queued messages: each at most once, within the send rate
// its Limiter sets.
type Dispatcher struct {
	claims  Claims
	sender  Sender
	limiter Limiter
	from    string
	logger  *slog.Logger
}

// NewDispatcher returns a Dispatcher that sends from the address from (as
// SES accepts it: "noreply@example.com" or "Acme Learning <noreply@example.com>").
func NewDispatcher(claims Claims, sender Sender, limiter Limiter, from string, logger *slog.Logger) *Dispatcher {
	return &Dispatcher{claims: claims, sender: sender, limiter: limiter, from: from, logger: logger}
}

// Deliver sends m at most once: it renders m, claims m.ID, waits for the
// limiter and sends.
//
// It returns nil when the email was sent, when m.ID was claimed already (a
// redelivered message: nothing is sent), and when the send failed
// permanently (a rejected address or content: logged, the claim released,
// not retried). It returns an error, so that the queue delivers the message
// again and finally moves it to its dead-letter queue, for an invalid message
// (no ID, an unknown template, missing data), a failed claim, a context that
// ended before the send, and a transient send failure; in the last two cases
// the claim is released first, so that the next delivery sends.
//
// An instance that stops between the claim and the send (a crash or a
// timeout that kills it) leaves the claim in place: that email is not sent,
// which is the price of never sending one twice.
func (d *Dispatcher) Deliver(ctx context.Context, m Message) error {
	if err := validate(m); err != nil {
		return err
	}
	log := d.logger.With(slog.String("emailId", m.ID), slog.String("template", m.Template), slog.String("orgId", m.OrgID))
	rendered, err := Render(m)
	if err != nil {
		return fmt.Errorf("email %s: %w", m.ID, err)
	}
	to, err := bo.ParseEmail(m.To)
	if err != nil {
		// The recipient is never logged: email IDs identify the email.
		log.Warn("email dropped: the recipient is not a valid address")
		return nil
	}
	claimed, err := d.claims.Claim(ctx, m.ID)
	if err != nil {
		return fmt.Errorf("email %s: claim: %w", m.ID, err)
	}
	if !claimed {
		log.Info("email already sent; redelivery ignored")
		return nil
	}
	if err := d.limiter.Wait(ctx); err != nil {
		d.release(ctx, log, m.ID)
		return fmt.Errorf("email %s: wait for the send rate: %w", m.ID, err)
	}
	err = d.sender.Send(ctx, d.from, to.Display, rendered)
	switch {
	case err == nil:
		log.Info("email sent")
		return nil
	case IsPermanent(err):
		d.release(ctx, log, m.ID)
		log.Warn("email dropped: rejected permanently", slog.String("error", err.Error()))
		return nil
	default:
		d.release(ctx, log, m.ID)
		return fmt.Errorf("email %s: send: %w", m.ID, err)
	}
}

// DeliverJSON decodes a message from the JSON the mail queue carries (see
// ParseMessage) and delivers it (see Deliver). It has the signature of the
// function queue.BatchHandler calls for each record; a body that does not
// decode is an error, so that its record ends in the dead-letter queue.
func (d *Dispatcher) DeliverJSON(ctx context.Context, body string) error {
	m, err := ParseMessage(body)
	if err != nil {
		return err
	}
	return d.Deliver(ctx, m)
}

// release removes the claim on id, on a context that outlives ctx (the
// failure being released may be ctx's end). A failed release is logged: the
// message is then treated as sent by its redeliveries.
func (d *Dispatcher) release(ctx context.Context, log *slog.Logger, id string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := d.claims.Release(rctx, id); err != nil {
		log.Error("release of the email's claim failed: its redeliveries will not send it", slog.String("error", err.Error()))
	}
}
