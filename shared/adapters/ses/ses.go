// Package ses adapts the back office's outbound email to Amazon SES (the v1
// API, which LocalStack and moto implement too): it builds each rendered
// email as MIME with github.com/wneessen/go-mail (an HTML and a text
// alternative in UTF-8, the Reply-To and one-click unsubscribe headers the
// message asks for) and sends it with SendRawEmail under the deployment's
// configuration set; it tells permanent failures from transient ones, and
// reads the account's maximum send rate.
package ses

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/smithy-go"
	gomail "github.com/wneessen/go-mail"

	"github.com/learnops/backoffice/shared/domain/mail"
)

// Client is the part of the SES API the Sender uses.
type Client interface {
	SendRawEmail(ctx context.Context, in *awsses.SendRawEmailInput, opts ...func(*awsses.Options)) (*awsses.SendRawEmailOutput, error)
	GetSendQuota(ctx context.Context, in *awsses.GetSendQuotaInput, opts ...func(*awsses.Options)) (*awsses.GetSendQuotaOutput, error)
}

var _ Client = (*awsses.Client)(nil)

// Sender sends emails through SES.
type Sender struct {
	client           Client
	configurationSet string
}

var _ mail.Sender = (*Sender)(nil)

// NewSender returns a Sender on client that sends every email under the SES
// configuration set named configurationSet (whose event destination
// publishes bounces and complaints), or under none when it is empty.
func NewSender(client Client, configurationSet string) *Sender {
	return &Sender{client: client, configurationSet: configurationSet}
}

// One-click unsubscribe (RFC 8058): List-Unsubscribe carries the URL, and
// List-Unsubscribe-Post tells mailbox providers they may POST this body to
// it without a visit.
const listUnsubscribePost = "List-Unsubscribe=One-Click"

// Send sends r from from to the one address to: a MIME message (RFC 5322)
// built by go-mail with r's subject, and r's text and HTML bodies as a
// multipart/alternative in UTF-8 (quoted-printable). A display name in from
// may hold any characters ("Équipe Formation <noreply@example.com>"); it is
// MIME-encoded, as is the subject. r.ReplyTo, when set, is the Reply-To
// header. r.UnsubscribeURL, when set, is sent as "List-Unsubscribe: <url>"
// with "List-Unsubscribe-Post: List-Unsubscribe=One-Click". SES is given
// the bare sender address as Source (the envelope sender, which the
// mailer's permission is conditioned on) and to's address as the only
// destination.
//
// It returns nil when SES accepted the email. A failure that sending again
// cannot cure is wrapped with mail.Permanent: a recipient or reply-to that
// is not an address; SES rejected the message (MessageRejected: a
// suppressed or, in the sandbox, unverified recipient, or the content), or
// the recipient is not an address SES accepts (InvalidParameterValue).
// Every other failure is transient and returned as it is: a sender that is
// not an address (the configuration), throttling and quotas, outages, and
// the failures that concern the deployment rather than the email (the
// sender identity or its MAIL FROM domain not verified, a missing
// configuration set, sending paused), so that those messages are retried
// and end in the dead-letter queue, to be redriven once an operator has
// fixed the cause, rather than dropped.
func (s *Sender) Send(ctx context.Context, from, to string, r mail.Rendered) error {
	raw, sender, recipient, err := buildMIME(from, to, r)
	if err != nil {
		return err
	}
	in := &awsses.SendRawEmailInput{
		Source:       aws.String(sender),
		Destinations: []string{recipient},
		RawMessage:   &types.RawMessage{Data: raw},
	}
	if s.configurationSet != "" {
		in.ConfigurationSetName = aws.String(s.configurationSet)
	}
	_, err = s.client.SendRawEmail(ctx, in)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("ses send raw email: %w", err)
	if isPermanent(err, sender) {
		return mail.Permanent(err)
	}
	return err
}

// buildMIME returns the MIME message Send sends for r from from to to,
// with the bare addresses of the sender and the recipient. It returns a
// transient error for a sender that is not an address, a permanent one
// (mail.Permanent) for a recipient or reply-to that is not, and go-mail's
// error should it fail to write the message.
func buildMIME(from, to string, r mail.Rendered) (raw []byte, sender, recipient string, err error) {
	fromAddr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, "", "", fmt.Errorf("ses: the sender %q is not an email address: %w", from, err)
	}
	toAddr, err := netmail.ParseAddress(to)
	if err != nil {
		return nil, "", "", mail.Permanent(fmt.Errorf("ses: the recipient is not an email address: %w", err))
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(fromAddr)
	msg.ToMailAddress(toAddr)
	if r.ReplyTo != "" {
		replyTo, err := netmail.ParseAddress(r.ReplyTo)
		if err != nil {
			return nil, "", "", mail.Permanent(fmt.Errorf("ses: the reply-to is not an email address: %w", err))
		}
		msg.ReplyToMailAddress(replyTo)
	}
	msg.Subject(r.Subject)
	if r.UnsubscribeURL != "" {
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+r.UnsubscribeURL+">")
		msg.SetGenHeader(gomail.HeaderListUnsubscribePost, listUnsubscribePost)
	}
	// The text first, then the HTML: in multipart/alternative the last part
	// a client can show is the one it shows.
	msg.SetBodyString(gomail.TypeTextPlain, r.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, "", "", fmt.Errorf("ses: write the MIME message: %w", err)
	}
	return buf.Bytes(), fromAddr.Address, toAddr.Address, nil
}

// MaxSendRate returns the most emails a second the account may send, as SES
// reports it (GetSendQuota); 1 in the SES sandbox and on moto. It returns
// the SES error, or an error when SES reports a rate that is not positive.
func (s *Sender) MaxSendRate(ctx context.Context) (float64, error) {
	out, err := s.client.GetSendQuota(ctx, &awsses.GetSendQuotaInput{})
	if err != nil {
		return 0, fmt.Errorf("ses get send quota: %w", err)
	}
	if out.MaxSendRate <= 0 {
		return 0, fmt.Errorf("ses get send quota: max send rate %v is not positive", out.MaxSendRate)
	}
	return out.MaxSendRate, nil
}

// isPermanent reports whether SES refused the email itself rather than the
// deployment's sending: MessageRejected that does not name the sender's
// address (SES names the identities that failed verification, and an
// unverified sender is an operator's to fix), and InvalidParameterValue
// (a malformed recipient).
func isPermanent(err error, sender string) bool {
	var rejected *types.MessageRejected
	if errors.As(err, &rejected) {
		return sender == "" || !strings.Contains(strings.ToLower(rejected.ErrorMessage()), strings.ToLower(sender))
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidParameterValue"
}

// sdkClient is the SDK's SES client seen through Client only, as method
// values. It holds no *ses.Client: a binary that runs templates (which call
// methods by name, through reflection) keeps every exported method of every
// type reachable from a value held in an interface, and so would link the
// whole SES API.
type sdkClient struct {
	sendRaw func(context.Context, *awsses.SendRawEmailInput, ...func(*awsses.Options)) (*awsses.SendRawEmailOutput, error)
	quota   func(context.Context, *awsses.GetSendQuotaInput, ...func(*awsses.Options)) (*awsses.GetSendQuotaOutput, error)
}

// Open returns a Sender with an SES client built from cfg, sending under
// configurationSet (see NewSender).
func Open(cfg aws.Config, configurationSet string) *Sender {
	c := awsses.NewFromConfig(cfg)
	return NewSender(sdkClient{sendRaw: c.SendRawEmail, quota: c.GetSendQuota}, configurationSet)
}

// SendRawEmail calls the SDK's SendRawEmail.
func (s sdkClient) SendRawEmail(ctx context.Context, in *awsses.SendRawEmailInput, opts ...func(*awsses.Options)) (*awsses.SendRawEmailOutput, error) {
	return s.sendRaw(ctx, in, opts...)
}

// GetSendQuota calls the SDK's GetSendQuota.
func (s sdkClient) GetSendQuota(ctx context.Context, in *awsses.GetSendQuotaInput, opts ...func(*awsses.Options)) (*awsses.GetSendQuotaOutput, error) {
	return s.quota(ctx, in, opts...)
}
