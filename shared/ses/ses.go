// Package ses adapts the back office's outbound email to Amazon SES (the v1
// API, which LocalStack and moto implement too): it sends rendered emails
// with an HTML and a text body, tells permanent failures from transient ones,
// and reads the account's maximum send rate.
package ses

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/smithy-go"

	"github.com/learnops/backoffice/shared/mail"
)

// Client is the part of the SES API the Sender uses.
type Client interface {
	SendEmail(ctx context.Context, in *awsses.SendEmailInput, opts ...func(*awsses.Options)) (*awsses.SendEmailOutput, error)
	GetSendQuota(ctx context.Context, in *awsses.GetSendQuotaInput, opts ...func(*awsses.Options)) (*awsses.GetSendQuotaOutput, error)
}

var _ Client = (*awsses.Client)(nil)

// Sender sends emails through SES.
type Sender struct {
	client Client
}

var _ mail.Sender = (*Sender)(nil)

// NewSender returns a Sender on client.
func NewSender(client Client) *Sender { return &Sender{client: client} }

const charset = "UTF-8"

// Send sends r from from to the one address to, with r's subject, HTML body
// and text body in UTF-8. A display name in from may hold any characters
// ("Équipe Formation <noreply@example.com>"); it is MIME-encoded as SES
// requires.
//
// It returns nil when SES accepted the email. A failure that sending again
// cannot cure is wrapped with mail.Permanent: SES rejected the message
// (MessageRejected: a suppressed or, in the sandbox, unverified recipient, or
// the content), or the recipient is not an address SES accepts
// (InvalidParameterValue). Every other failure is transient and returned as
// it is: throttling and quotas, outages, and the failures that concern the
// deployment rather than the email (the sender identity or its MAIL FROM
// domain not verified, a missing configuration set, sending paused), so that
// those messages are retried and end in the dead-letter queue, to be
// redriven once an operator has fixed the cause, rather than dropped.
func (s *Sender) Send(ctx context.Context, from, to string, r mail.Rendered) error {
	_, err := s.client.SendEmail(ctx, &awsses.SendEmailInput{
		Source:      aws.String(formatAddress(from)),
		Destination: &types.Destination{ToAddresses: []string{formatAddress(to)}},
		Message: &types.Message{
			Subject: &types.Content{Data: aws.String(r.Subject), Charset: aws.String(charset)},
			Body: &types.Body{
				Html: &types.Content{Data: aws.String(r.HTML), Charset: aws.String(charset)},
				Text: &types.Content{Data: aws.String(r.Text), Charset: aws.String(charset)},
			},
		},
	})
	if err == nil {
		return nil
	}
	err = fmt.Errorf("ses send email: %w", err)
	if isPermanent(err, from) {
		return mail.Permanent(err)
	}
	return err
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
func isPermanent(err error, from string) bool {
	var rejected *types.MessageRejected
	if errors.As(err, &rejected) {
		sender := from
		if a, perr := netmail.ParseAddress(from); perr == nil {
			sender = a.Address
		}
		return sender == "" || !strings.Contains(strings.ToLower(rejected.ErrorMessage()), strings.ToLower(sender))
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidParameterValue"
}

// formatAddress returns s as an address header SES accepts: a display name
// with characters outside ASCII is MIME-encoded. What does not parse is
// passed on as it is, for SES to judge.
func formatAddress(s string) string {
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return s
	}
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}
