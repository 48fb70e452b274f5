package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// maxIDBytes bounds Message.ID, which becomes part of a DynamoDB key.
const maxIDBytes = 512

// releaseTimeout bounds the release of a claim after a failure, and the
// count of an email's outcome; they run on a context of their own because
// the failure may be the caller's context ending.
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

// Reach tells which addresses may not be sent an org's mail that is not
// transactional (see Message.UnsubscribeURL).
type Reach interface {
	// Reachability returns, for those of the addresses (email keys) that
	// may not be sent the org's mail that is not transactional, why; the
	// reachable ones are left out of the map.
	Reachability(ctx context.Context, orgID string, emailKeys []string) (map[string]bo.Reach, error)
}

// Outcomes counts what became of the emails of a campaign (see
// Message.Campaign).
type Outcomes interface {
	// CountOutcome adds one to the campaign's counter of the outcome.
	CountOutcome(ctx context.Context, campaign string, o Outcome) error
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
// of at most maxIDBytes, a template name and a recipient; a reply-to that is
// an email address; an unsubscribe URL that is an absolute http(s) URL fit
// for a header, with the org it unsubscribes from. It does not parse the
// recipient: Deliver treats a malformed address as a permanent failure. A
// bad reply-to or unsubscribe URL is the producer's bug, and an error.
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
	if m.ReplyTo != "" {
		if _, err := bo.ParseEmail(m.ReplyTo); err != nil {
			return fmt.Errorf("mail message %s: replyTo is not an email address: %w", m.ID, err)
		}
	}
	if m.UnsubscribeURL != "" {
		if !headerURL(m.UnsubscribeURL) {
			return fmt.Errorf("mail message %s: unsubscribeUrl must be an absolute http or https URL without spaces, quotes or angle brackets", m.ID)
		}
		if m.OrgID == "" {
			return fmt.Errorf("mail message %s: an email with an unsubscribeUrl needs the orgId it unsubscribes from", m.ID)
		}
	}
	return nil
}

// headerURL reports whether s is an absolute http or https URL that can
// stand between the angle brackets of a List-Unsubscribe header: no white
// space, control characters, quotes or angle brackets.
func headerURL(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune(`<>"`, r) }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Dispatcher sends queued messages: each at most once, within the send rate
// its Limiter sets; with WithCampaigns, mail that is not transactional only
// to reachable addresses, counting each campaign email's outcome.
type Dispatcher struct {
	claims   Claims
	sender   Sender
	limiter  Limiter
	from     string
	logger   *slog.Logger
	reach    Reach
	outcomes Outcomes
	erasures Erasures
	// logoBase is the API's public base URL, under which emails load their
	// org's logo (WithLogos); "" shows no logo.
	logoBase string
}

// WithLogos returns a copy of d that shows the logo of a message that has
// one (Message.Logo) from the public logo route of its org (LogoURL) on the
// API at base, the API's public base URL. Without it, or for a message
// without an OrgID, emails show no logo.
func (d *Dispatcher) WithLogos(base string) *Dispatcher {
	c := *d
	c.logoBase = base
	return &c
}

// Erasures say who was erased from an org: their mail is dropped.
type Erasures interface {
	// Erased returns which of the email keys are of people erased from the org.
	Erased(ctx context.Context, orgID string, emailKeys []string) (map[string]bool, error)
}

// WithErasures returns a copy of d that drops every email (transactional
// or not) to a person erased from the message's org, and to the anonymous
// addresses that replaced erased people's; the email is counted
// suppressed when it belongs to a campaign.
func (d *Dispatcher) WithErasures(e Erasures) *Dispatcher {
	c := *d
	c.erasures = e
	return &c
}

// NewDispatcher returns a Dispatcher that sends from the address from (as
// SES accepts it: "noreply@example.com" or "Acme Learning <noreply@example.com>").
// It delivers transactional messages only until WithCampaigns gives it the
// reach check and the campaign counters.
func NewDispatcher(claims Claims, sender Sender, limiter Limiter, from string, logger *slog.Logger) *Dispatcher {
	return &Dispatcher{claims: claims, sender: sender, limiter: limiter, from: from, logger: logger}
}

// WithCampaigns returns a copy of d that checks, at send time, that the
// recipient of a message with an UnsubscribeURL is reachable (reach), and
// counts the outcome of every message with a Campaign (outcomes).
func (d *Dispatcher) WithCampaigns(reach Reach, outcomes Outcomes) *Dispatcher {
	c := *d
	c.reach, c.outcomes = reach, outcomes
	return &c
}

// Deliver sends m at most once: it renders m, claims m.ID, checks that the
// recipient of mail that is not transactional is reachable, waits for the
// limiter and sends, from m.FromName (when set) at the dispatcher's address.
// The outcome of an email of a campaign is counted once, by the delivery
// that made the claim: sent; failed (a malformed or rejected recipient or
// content); suppressed or unsubscribed (not sent).
//
// It returns nil when the email was sent, when m.ID was claimed already (a
// redelivered message: nothing is sent or counted), when the recipient is
// not reachable (logged, not sent), and when the send failed permanently (a
// malformed or rejected address or content: logged, not retried). In those
// cases the claim is kept, so that no redelivery sends or counts the email
// again. A failed count is logged, not retried: the email's fate is settled.
//
// It returns an error, so that the queue delivers the message again and
// finally moves it to its dead-letter queue, for an invalid message (see
// ParseMessage; an unknown template, missing data), a message of a campaign
// or with an unsubscribe URL given to a Dispatcher without WithCampaigns, a
// failed claim or reach check, a context that ended before the send, and a
// transient send failure; in all but the first two cases after releasing
// the claim, so that the next delivery sends.
//
// An instance that stops between the claim and the send (a crash or a
// timeout that kills it) leaves the claim in place: that email is not sent,
// which is the price of never sending one twice.
func (d *Dispatcher) Deliver(ctx context.Context, m Message) error {
	if err := validate(m); err != nil {
		return err
	}
	log := d.logger.With(slog.String("emailId", m.ID), slog.String("template", m.Template), slog.String("orgId", m.OrgID))
	if m.Campaign != "" {
		log = log.With(slog.String("campaign", m.Campaign))
	}
	rendered, err := Render(m.WithLogoURL(d.logoBase))
	if err != nil {
		return fmt.Errorf("email %s: %w", m.ID, err)
	}
	if (m.UnsubscribeURL != "" && d.reach == nil) || (m.Campaign != "" && d.outcomes == nil) {
		return fmt.Errorf("email %s: the dispatcher has no reach check or campaign counters (WithCampaigns) for an email of a campaign or with an unsubscribe link", m.ID)
	}
	claimed, err := d.claims.Claim(ctx, m.ID)
	if err != nil {
		return fmt.Errorf("email %s: claim: %w", m.ID, err)
	}
	if !claimed {
		log.Info("email already sent; redelivery ignored")
		return nil
	}
	to, err := bo.ParseEmail(m.To)
	if err != nil {
		// The recipient is never logged: email IDs identify the email.
		log.Warn("email dropped: the recipient is not a valid address")
		d.count(ctx, log, m, OutcomeFailed)
		return nil
	}
	if erased, err := d.erased(ctx, m.OrgID, to.Key); err != nil {
		d.release(ctx, log, m.ID)
		return fmt.Errorf("email %s: erasure check: %w", m.ID, err)
	} else if erased {
		log.Info("email not sent: the recipient's personal data was erased")
		d.count(ctx, log, m, OutcomeSuppressed)
		return nil
	}
	if m.UnsubscribeURL != "" {
		reach, err := d.reach.Reachability(ctx, m.OrgID, []string{to.Key})
		if err != nil {
			d.release(ctx, log, m.ID)
			return fmt.Errorf("email %s: reach check: %w", m.ID, err)
		}
		switch reach[to.Key] {
		case bo.Suppressed:
			log.Info("email not sent: the address is suppressed after a bounce or complaint")
			d.count(ctx, log, m, OutcomeSuppressed)
			return nil
		case bo.Unsubscribed:
			log.Info("email not sent: the address unsubscribed from the org's mail")
			d.count(ctx, log, m, OutcomeUnsubscribed)
			return nil
		}
	}
	if err := d.limiter.Wait(ctx); err != nil {
		d.release(ctx, log, m.ID)
		return fmt.Errorf("email %s: wait for the send rate: %w", m.ID, err)
	}
	err = d.sender.Send(ctx, d.fromOf(m), to.Display, rendered)
	switch {
	case err == nil:
		log.Info("email sent")
		d.count(ctx, log, m, OutcomeSent)
		return nil
	case IsPermanent(err):
		log.Warn("email dropped: rejected permanently", slog.String("error", err.Error()))
		d.count(ctx, log, m, OutcomeFailed)
		return nil
	default:
		d.release(ctx, log, m.ID)
		return fmt.Errorf("email %s: send: %w", m.ID, err)
	}
}

// erased reports whether the recipient was erased from the org, or is an
// anonymous address of an erased person.
func (d *Dispatcher) erased(ctx context.Context, orgID, emailKey string) (bool, error) {
	if bo.IsErasedAddress(emailKey) {
		return true, nil
	}
	if d.erasures == nil || orgID == "" {
		return false, nil
	}
	erased, err := d.erasures.Erased(ctx, orgID, []string{emailKey})
	return erased[emailKey], err
}

// fromOf returns the sender of m: the dispatcher's address, under
// m.FromName (folded onto one line) when it is set.
func (d *Dispatcher) fromOf(m Message) string {
	name := oneLine(m.FromName)
	if name == "" {
		return d.from
	}
	addr, err := netmail.ParseAddress(d.from)
	if err != nil {
		return d.from // the configuration was checked at start-up; SES judges
	}
	return (&netmail.Address{Name: name, Address: addr.Address}).String()
}

// count counts the outcome of m when it belongs to a campaign, on a context
// that outlives ctx (the email's fate is settled even if ctx is ending). A
// failure is logged: a redelivery would not count it either, as the claim
// is kept.
func (d *Dispatcher) count(ctx context.Context, log *slog.Logger, m Message, o Outcome) {
	if m.Campaign == "" {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := d.outcomes.CountOutcome(cctx, m.Campaign, o); err != nil {
		log.Error("the email's outcome was not counted", slog.String("outcome", string(o)), slog.String("error", err.Error()))
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
