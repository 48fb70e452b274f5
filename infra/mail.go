package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/jsii-runtime-go"
)

// newSendingDomain declares the SES identity of the stage's mail domain:
// Easy DKIM (three CNAME records, 2048-bit keys that SES rotates), a custom
// MAIL FROM domain (<mailFromSubdomain>.<mailDomain>, so that SPF aligns
// with the From domain for DMARC), and the configuration set as the
// identity's default. The records to publish in the domain's DNS are the
// stack's outputs (Dns*): the identity stays pending, and SES sends
// nothing from it, until they resolve. Config.Validate has checked that
// MailFrom is on the domain.
func newSendingDomain(stack awscdk.Stack, cfg Config, configSet awsses.ConfigurationSet) awsses.EmailIdentity {
	identity := awsses.NewEmailIdentity(stack, jsii.String("MailDomainIdentity"), &awsses.EmailIdentityProps{
		Identity:         awsses.Identity_Domain(jsii.String(cfg.MailDomain)),
		DkimIdentity:     awsses.DkimIdentity_EasyDkim(awsses.EasyDkimSigningKeyLength_RSA_2048_BIT),
		DkimSigning:      jsii.Bool(true),
		MailFromDomain:   jsii.String(cfg.MailFromDomain()),
		ConfigurationSet: configSet,
		// Until the MX record resolves, SES uses its own MAIL FROM domain
		// rather than refusing to send.
		MailFromBehaviorOnMxFailure: awsses.MailFromBehaviorOnMxFailure_USE_DEFAULT_VALUE,
		FeedbackForwarding:          jsii.Bool(false),
	})

	dkim := []struct{ name, value *string }{
		{identity.DkimDnsTokenName1(), identity.DkimDnsTokenValue1()},
		{identity.DkimDnsTokenName2(), identity.DkimDnsTokenValue2()},
		{identity.DkimDnsTokenName3(), identity.DkimDnsTokenValue3()},
	}
	for i, r := range dkim {
		output(stack, fmt.Sprintf("DnsDkim%d", i+1),
			awscdk.Fn_Join(jsii.String(" "), jsii.Strings(*r.name, "CNAME", *r.value)),
			fmt.Sprintf("DNS record %d of 3 for Easy DKIM of %s: name CNAME value", i+1, cfg.MailDomain))
	}
	feedbackHost := awscdk.Fn_Join(jsii.String(""), jsii.Strings("10 feedback-smtp.", *stack.Region(), ".amazonses.com"))
	output(stack, "DnsMailFromMx",
		awscdk.Fn_Join(jsii.String(" "), jsii.Strings(cfg.MailFromDomain(), "MX", *feedbackHost)),
		"DNS record of the custom MAIL FROM domain: name MX priority host")
	output(stack, "DnsMailFromSpf", jsii.String(cfg.MailFromDomain()+` TXT "v=spf1 include:amazonses.com ~all"`),
		"DNS record of the custom MAIL FROM domain: name TXT SPF policy")
	output(stack, "DnsDmarc", jsii.String("_dmarc."+cfg.MailDomain+` TXT "v=DMARC1; p=none; rua=mailto:postmaster@`+cfg.MailDomain+`"`),
		"Recommended DMARC record (mailbox providers require one of bulk senders); tighten p= once reports are clean")
	output(stack, "MailFrom", jsii.String(cfg.MailFrom), "Sender of every email, on the SES identity "+cfg.MailDomain)
	return identity
}
