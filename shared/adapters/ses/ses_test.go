package ses_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/smithy-go"

	"github.com/learnops/backoffice/shared/adapters/ses"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/testkit/emulator"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/sestest"
)

// fakeClient is a ses.Client of function fields.
type fakeClient struct {
	sendRawEmail func(ctx context.Context, in *awsses.SendRawEmailInput) (*awsses.SendRawEmailOutput, error)
	getSendQuota func(ctx context.Context, in *awsses.GetSendQuotaInput) (*awsses.GetSendQuotaOutput, error)
}

var _ ses.Client = (*fakeClient)(nil)

func (f *fakeClient) SendRawEmail(ctx context.Context, in *awsses.SendRawEmailInput, _ ...func(*awsses.Options)) (*awsses.SendRawEmailOutput, error) {
	return f.sendRawEmail(ctx, in)
}

func (f *fakeClient) GetSendQuota(ctx context.Context, in *awsses.GetSendQuotaInput, _ ...func(*awsses.Options)) (*awsses.GetSendQuotaOutput, error) {
	return f.getSendQuota(ctx, in)
}

// capture returns a client that records the request it is sent.
func capture(got **awsses.SendRawEmailInput) *fakeClient {
	return &fakeClient{sendRawEmail: func(_ context.Context, in *awsses.SendRawEmailInput) (*awsses.SendRawEmailOutput, error) {
		*got = in
		return &awsses.SendRawEmailOutput{MessageId: aws.String("m1")}, nil
	}}
}

var rendered = mail.Rendered{Subject: "Welcome to Données", HTML: "<p>Hi Zoë, <a href=\"https://learn.example.com/p\">go</a></p>\n", Text: "Hi Zoë,\ngo to https://learn.example.com/p\n"}

// parsed is a sent raw email read back with the standard library alone.
type parsed struct {
	header     netmail.Header
	subject    string
	text, html string
	partTypes  []string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the MIME does not parse: %v\n%s", err, raw)
	}
	var dec mime.WordDecoder
	p := parsed{header: msg.Header}
	if p.subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(part)
		ct := part.Header.Get("Content-Type")
		p.partTypes = append(p.partTypes, ct)
		switch {
		case strings.HasPrefix(ct, "text/plain"):
			p.text = string(body)
		case strings.HasPrefix(ct, "text/html"):
			p.html = string(body)
		}
	}
	return p
}

func TestSendBuildsTheRawEmail(t *testing.T) {
	var got *awsses.SendRawEmailInput
	s := ses.NewSender(capture(&got), "backoffice-feedback")
	r := rendered
	r.ReplyTo = "Dean.Smith@Acme.edu"
	r.UnsubscribeURL = "https://api.learn.example/v1/unsubscribe/eyJvIjoib3JnXzEifQ.c2ln"
	if err := s.Send(context.Background(), "Équipe Formation <noreply@acme.example>", "Ada@example.com", r); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Source) != "noreply@acme.example" || !slices.Equal(got.Destinations, []string{"Ada@example.com"}) ||
		aws.ToString(got.ConfigurationSetName) != "backoffice-feedback" {
		t.Fatalf("request: source %q, destinations %v, configuration set %q", aws.ToString(got.Source), got.Destinations, aws.ToString(got.ConfigurationSetName))
	}
	p := parse(t, got.RawMessage.Data)
	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Équipe Formation" || from[0].Address != "noreply@acme.example" {
		t.Errorf("From %q: %v, %v", p.header.Get("From"), from, err)
	}
	if !strings.HasPrefix(p.header.Get("From"), "=?") {
		t.Errorf("From %q: the display name is not MIME-encoded", p.header.Get("From"))
	}
	if to, err := p.header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "Ada@example.com" {
		t.Errorf("To %q", p.header.Get("To"))
	}
	if rt, err := p.header.AddressList("Reply-To"); err != nil || len(rt) != 1 || rt[0].Address != "Dean.Smith@Acme.edu" {
		t.Errorf("Reply-To %q", p.header.Get("Reply-To"))
	}
	if p.subject != rendered.Subject {
		t.Errorf("subject %q, want %q", p.subject, rendered.Subject)
	}
	if lu := p.header.Get("List-Unsubscribe"); lu != "<"+r.UnsubscribeURL+">" {
		t.Errorf("List-Unsubscribe %q", lu)
	}
	if lup := p.header.Get("List-Unsubscribe-Post"); lup != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", lup)
	}
	if p.header.Get("MIME-Version") != "1.0" || p.header.Get("Date") == "" || p.header.Get("Message-Id") == "" {
		t.Errorf("MIME-Version %q, Date %q, Message-ID %q", p.header.Get("MIME-Version"), p.header.Get("Date"), p.header.Get("Message-Id"))
	}
	if p.header.Get("User-Agent") != "" || p.header.Get("X-Mailer") != "" {
		t.Errorf("the email names the library that built it")
	}
	// The text part first, the HTML last (the one clients prefer), in UTF-8.
	if !slices.Equal(p.partTypes, []string{"text/plain; charset=UTF-8", "text/html; charset=UTF-8"}) {
		t.Errorf("parts %v", p.partTypes)
	}
	// Text travels with CRLF line ends (RFC 5322); its content is the same.
	crlf := strings.NewReplacer("\n", "\r\n")
	if p.text != crlf.Replace(rendered.Text) || p.html != crlf.Replace(rendered.HTML) {
		t.Errorf("bodies text %q, HTML %q", p.text, p.html)
	}
}

// TestSendTransactionalHeaders: without a reply-to, an unsubscribe link or
// a configuration set, none of them is sent.
func TestSendTransactionalHeaders(t *testing.T) {
	var got *awsses.SendRawEmailInput
	if err := ses.NewSender(capture(&got), "").Send(context.Background(), "noreply@acme.example", "ada@example.com", rendered); err != nil {
		t.Fatal(err)
	}
	p := parse(t, got.RawMessage.Data)
	for _, h := range []string{"Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post"} {
		if v := p.header.Get(h); v != "" {
			t.Errorf("%s: %q on a transactional email", h, v)
		}
	}
	if got.ConfigurationSetName != nil {
		t.Errorf("configuration set %q, want none", aws.ToString(got.ConfigurationSetName))
	}
}

// TestSendLongSubjectRoundTrips: a subject of 200 characters outside ASCII
// is folded into encoded words that decode back to it, with no line of the
// header over 998 characters.
func TestSendLongSubjectRoundTrips(t *testing.T) {
	var got *awsses.SendRawEmailInput
	r := rendered
	r.Subject = strings.Repeat("Données été ", 18)[:200]
	r.Subject = strings.ToValidUTF8(r.Subject, "")
	if err := ses.NewSender(capture(&got), "").Send(context.Background(), "noreply@acme.example", "ada@example.com", r); err != nil {
		t.Fatal(err)
	}
	if p := parse(t, got.RawMessage.Data); p.subject != r.Subject {
		t.Fatalf("subject %q, want %q", p.subject, r.Subject)
	}
	for _, line := range strings.Split(string(got.RawMessage.Data), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("a line of %d characters", len(line))
		}
	}
}

// TestSendRefusesBadAddresses: a recipient or reply-to that is not an
// address is a permanent failure, a sender that is not one a transient
// (configuration) failure; SES is not called.
func TestSendRefusesBadAddresses(t *testing.T) {
	s := ses.NewSender(&fakeClient{sendRawEmail: func(context.Context, *awsses.SendRawEmailInput) (*awsses.SendRawEmailOutput, error) {
		t.Fatal("SES called")
		return nil, nil
	}}, "")
	withReplyTo := rendered
	withReplyTo.ReplyTo = "dean at acme"
	for _, tt := range []struct {
		name, from, to string
		r              mail.Rendered
		permanent      bool
	}{
		{"recipient", "noreply@acme.example", "ada-at-example", rendered, true},
		{"reply-to", "noreply@acme.example", "ada@example.com", withReplyTo, true},
		{"sender", "noreply at acme", "ada@example.com", rendered, false},
	} {
		err := s.Send(context.Background(), tt.from, tt.to, tt.r)
		if err == nil || mail.IsPermanent(err) != tt.permanent {
			t.Errorf("%s: %v, want permanent %v", tt.name, err, tt.permanent)
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
			s := ses.NewSender(&fakeClient{sendRawEmail: func(context.Context, *awsses.SendRawEmailInput) (*awsses.SendRawEmailOutput, error) {
				return nil, tt.err
			}}, "")
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
		}}, "")
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

// TestSendThroughTheEndpoint sends a raw email through the emulator's SES,
// under a configuration set, and reads it back with its headers.
func TestSendThroughTheEndpoint(t *testing.T) {
	cfg := emulatortest.Config(t)
	endpoint := emulatortest.Endpoint(t)
	ctx := context.Background()
	from := newSenderAddress("ses")
	if err := emulator.VerifySender(ctx, cfg, from); err != nil {
		t.Fatal(err)
	}
	s := ses.NewSender(awsses.NewFromConfig(cfg), emulatortest.NewConfigurationSet(t, cfg))

	r, err := mail.Render(mail.Message{Template: mail.TemplateProgramWelcome, Data: map[string]string{
		"LearnerName": "Ada <Lovelace>", "OrgName": "Acme", "ProgramName": "Données", "ProgramURL": "https://learn.example.com/programs/donnees",
	}, ReplyTo: "dean@acme.edu", UnsubscribeURL: "https://api.learn.example/v1/unsubscribe/tok"})
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
		!strings.Contains(got.Body, "Hi Ada &lt;Lovelace&gt;,") || !strings.Contains(got.Text, "Hi Ada <Lovelace>,") || got.ID == "" {
		t.Fatalf("sent %+v", got)
	}
	if got.Headers.Get("List-Unsubscribe") != "<https://api.learn.example/v1/unsubscribe/tok>" ||
		got.Headers.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || got.Headers.Get("Reply-To") != "<dean@acme.edu>" {
		t.Fatalf("headers %v", got.Headers)
	}
	if a, err := netmail.ParseAddress(got.Headers.Get("From")); err != nil || a.Name != "LearnOps Académie" {
		t.Fatalf("From %q: %v, %v", got.Headers.Get("From"), a, err)
	}

	// The sender's own identity unverified: the deployment's fault, transient.
	err = s.Send(ctx, newSenderAddress("unverified"), "ada@example.com", r)
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("unverified sender: %v, want a transient error", err)
	}
	// A recipient SES refuses as malformed (InvalidParameterValue): permanent.
	err = s.Send(ctx, from, `"ada@home"@example.com`, r)
	if err == nil || !mail.IsPermanent(err) {
		t.Fatalf("malformed recipient: %v, want a permanent error", err)
	}
	if n := len(sestest.SentFrom(t, endpoint, from)); n != 1 {
		t.Fatalf("%d emails after the failures, want still 1", n)
	}
}

func TestMaxSendRateFromTheEndpoint(t *testing.T) {
	rate, err := ses.NewSender(awsses.NewFromConfig(emulatortest.Config(t)), "").MaxSendRate(context.Background())
	if err != nil || rate <= 0 {
		t.Fatalf("MaxSendRate = %v, %v", rate, err)
	}
}
