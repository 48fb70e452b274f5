package ses_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/smithy-go"

	"github.com/learnops/backoffice/shared/emulator"
	"github.com/learnops/backoffice/shared/emulator/emulatortest"
	"github.com/learnops/backoffice/shared/mail"
	"github.com/learnops/backoffice/shared/ses"
	"github.com/learnops/backoffice/shared/ses/sestest"
)

// fakeClient is a ses.Client of function fields.
type fakeClient struct {
	sendEmail    func(ctx context.Context, in *awsses.SendEmailInput) (*awsses.SendEmailOutput, error)
	getSendQuota func(ctx context.Context, in *awsses.GetSendQuotaInput) (*awsses.GetSendQuotaOutput, error)
}

var _ ses.Client = (*fakeClient)(nil)

func (f *fakeClient) SendEmail(ctx context.Context, in *awsses.SendEmailInput, _ ...func(*awsses.Options)) (*awsses.SendEmailOutput, error) {
	return f.sendEmail(ctx, in)
}

func (f *fakeClient) GetSendQuota(ctx context.Context, in *awsses.GetSendQuotaInput, _ ...func(*awsses.Options)) (*awsses.GetSendQuotaOutput, error) {
	return f.getSendQuota(ctx, in)
}

var rendered = mail.Rendered{Subject: "Welcome to Données", HTML: "<p>Hi</p>\n", Text: "Hi\n"}

func TestSendBuildsTheRequest(t *testing.T) {
	var got *awsses.SendEmailInput
	s := ses.NewSender(&fakeClient{sendEmail: func(_ context.Context, in *awsses.SendEmailInput) (*awsses.SendEmailOutput, error) {
		got = in
		return &awsses.SendEmailOutput{MessageId: aws.String("m1")}, nil
	}})
	if err := s.Send(context.Background(), "Équipe Formation <noreply@acme.example>", "Ada@example.com", rendered); err != nil {
		t.Fatal(err)
	}
	if src := aws.ToString(got.Source); src != "=?utf-8?q?=C3=89quipe_Formation?= <noreply@acme.example>" {
		t.Errorf("Source = %q, want the display name MIME-encoded", src)
	}
	if to := got.Destination.ToAddresses; len(to) != 1 || to[0] != "Ada@example.com" || got.Destination.CcAddresses != nil || got.Destination.BccAddresses != nil {
		t.Errorf("Destination = %+v", got.Destination)
	}
	m := got.Message
	if aws.ToString(m.Subject.Data) != rendered.Subject || aws.ToString(m.Body.Html.Data) != rendered.HTML || aws.ToString(m.Body.Text.Data) != rendered.Text {
		t.Errorf("Message = %+v", m)
	}
	for _, c := range []*types.Content{m.Subject, m.Body.Html, m.Body.Text} {
		if aws.ToString(c.Charset) != "UTF-8" {
			t.Errorf("charset %q, want UTF-8", aws.ToString(c.Charset))
		}
	}
}

func TestSendClassifiesFailures(t *testing.T) {
	const from = "LearnOps <noreply@acme.example>"
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"recipient rejected", &types.MessageRejected{Message: aws.String("Address blacklisted.")}, true},
		{"sandbox recipient not verified", &types.MessageRejected{Message: aws.String("Email address is not verified. The following identities failed the check in region EU-WEST-1: ada@example.com")}, true},
		{"malformed recipient", &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "Missing final '@domain'"}, true},
		{"sender not verified", &types.MessageRejected{Message: aws.String("Email address is not verified. The following identities failed the check in region EU-WEST-1: NoReply@Acme.example")}, false},
		{"MAIL FROM domain not verified", &types.MailFromDomainNotVerifiedException{Message: aws.String("MAIL FROM domain mail.acme.example is not verified")}, false},
		{"sending paused", &types.AccountSendingPausedException{Message: aws.String("paused")}, false},
		{"configuration set missing", &types.ConfigurationSetDoesNotExistException{Message: aws.String("no set")}, false},
		{"throttled", &smithy.GenericAPIError{Code: "Throttling", Message: "Maximum sending rate exceeded."}, false},
		{"daily quota", &smithy.GenericAPIError{Code: "Throttling", Message: "Daily message quota exceeded."}, false},
		{"network", errors.New("dial tcp: connection refused"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ses.NewSender(&fakeClient{sendEmail: func(context.Context, *awsses.SendEmailInput) (*awsses.SendEmailOutput, error) {
				return nil, tt.err
			}})
			err := s.Send(context.Background(), from, "ada@example.com", rendered)
			if err == nil || !errors.Is(err, tt.err) {
				t.Fatalf("Send = %v, want it to wrap %v", err, tt.err)
			}
			if mail.IsPermanent(err) != tt.permanent {
				t.Fatalf("IsPermanent(%v) = %v, want %v", err, mail.IsPermanent(err), tt.permanent)
			}
		})
	}
}

func TestMaxSendRateRefusesNonsense(t *testing.T) {
	for _, rate := range []float64{0, -1} {
		s := ses.NewSender(&fakeClient{getSendQuota: func(context.Context, *awsses.GetSendQuotaInput) (*awsses.GetSendQuotaOutput, error) {
			return &awsses.GetSendQuotaOutput{MaxSendRate: rate}, nil
		}})
		if _, err := s.MaxSendRate(context.Background()); err == nil {
			t.Errorf("MaxSendRate accepted %v", rate)
		}
	}
}

// newSenderAddress returns a sender address no other test uses, so that the
// test can pick its emails out of the endpoint's.
func newSenderAddress(prefix string) string {
	return strings.TrimSuffix(emulator.UniquePrefix(prefix), "-") + "@learnops.example"
}

// TestSendThroughTheEndpoint sends through the emulator's SES and reads the
// email back.
func TestSendThroughTheEndpoint(t *testing.T) {
	cfg := emulatortest.Config(t)
	endpoint := emulatortest.Endpoint(t)
	ctx := context.Background()
	from := newSenderAddress("ses")
	if err := emulator.VerifySender(ctx, cfg, from); err != nil {
		t.Fatal(err)
	}
	s := ses.NewSender(awsses.NewFromConfig(cfg))

	r, err := mail.Render(mail.Message{Template: mail.TemplateProgramWelcome, Data: map[string]string{
		"LearnerName": "Ada <Lovelace>", "OrgName": "Acme", "ProgramName": "Données", "ProgramURL": "https://learn.example.com/programs/donnees",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, "LearnOps Académie <"+from+">", "Ada@example.com", r); err != nil {
		t.Fatal(err)
	}
	sent := sestest.SentFrom(t, endpoint, from)
	if len(sent) != 1 {
		t.Fatalf("%d emails from %s, want 1: %+v", len(sent), from, sent)
	}
	got := sent[0]
	if got.Subject != "Welcome to Données" || len(got.To) != 1 || got.To[0] != "Ada@example.com" ||
		!strings.Contains(got.Body, "Hi Ada &lt;Lovelace&gt;,") || got.ID == "" {
		t.Fatalf("sent %+v", got)
	}

	// The sender's own identity unverified: the deployment's fault, transient.
	err = s.Send(ctx, newSenderAddress("unverified"), "ada@example.com", r)
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("unverified sender: %v, want a transient error", err)
	}
	// A malformed recipient: permanent.
	err = s.Send(ctx, from, "ada-at-example", r)
	if err == nil || !mail.IsPermanent(err) {
		t.Fatalf("malformed recipient: %v, want a permanent error", err)
	}
	if n := len(sestest.SentFrom(t, endpoint, from)); n != 1 {
		t.Fatalf("%d emails after the failures, want still 1", n)
	}
}

func TestMaxSendRateFromTheEndpoint(t *testing.T) {
	rate, err := ses.NewSender(awsses.NewFromConfig(emulatortest.Config(t))).MaxSendRate(context.Background())
	if err != nil || rate <= 0 {
		t.Fatalf("MaxSendRate = %v, %v", rate, err)
	}
}
