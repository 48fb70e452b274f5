// Package mail is the back office's outbound email: the message that
// functions put on the mail queue, the templates that turn it into a subject,
// an HTML and a text body, and the dispatcher that the mailer runs to send
// each message at most once within the account's send rate. It imports
// neither Lambda nor the AWS SDK.
package mail

import (
	"net/url"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Template names: one set of files under templates/ each.
const (
	TemplateInvitation     = "invitation"
	TemplateProgramWelcome = "program-welcome"
	// TemplateCourseWelcome and TemplateSpecializationWelcome greet an
	// enrollment: LearnerName, ProgramName, ItemName, ItemURL.
	TemplateCourseWelcome         = "course-welcome"
	TemplateSpecializationWelcome = "specialization-welcome"
	// TemplateProgramExit tells a removed member: LearnerName, OrgName,
	// ProgramName, ProgramURL, AllowReturn ("yes" or "").
	TemplateProgramExit = "program-exit"
	// TemplateInvitationReminder reminds an invitee to join, on the first
	// and second Saturday after the invitation (not transactional: it
	// carries an unsubscribe link): LearnerName, LearnerEmail, OrgName,
	// ProgramName, ProgramTagline (may be empty), JoinURL, InvitedOn,
	// UnsubscribeURL.
	TemplateInvitationReminder = "invitation-reminder"
	// TemplateAdminMessage carries a message an admin wrote to learners:
	// Subject, Content (paragraphs split by blank lines), OrgName,
	// ProgramName, ActionLabel and ActionURL (both "" for no button) and
	// UnsubscribeURL.
	TemplateAdminMessage = "admin-message"
	// TemplateReportReady sends an email report's link and summary:
	// OrgName, ProgramNames, Scope, Weekly ("yes" or ""), DownloadURL,
	// ExpiresAt and the summary's counts (see reports.Summary).
	TemplateReportReady = "report-ready"
	// TemplateGradebookReady sends a gradebook's link: OrgName,
	// ProgramNames, CourseName, Rows, DownloadURL, ExpiresAt.
	TemplateGradebookReady = "gradebook-ready"
)

// Message is one email to one recipient, as it travels on the mail queue.
// The mailer renders it; producers only choose the template and its data.
type Message struct {
	// ID identifies the email for idempotency: the mailer sends each ID at
	// most once, however often the message is delivered. Producers derive it
	// from what the email is about ("invitation/<invitationId>/<tokenId>"),
	// never at random, so that a retried producer reuses it.
	ID string `json:"id"`
	// To is the recipient's address as the admin typed it.
	To string `json:"to"`
	// Template names the template set to render.
	Template string `json:"template"`
	// Data fills the template; every value is escaped when rendered.
	Data map[string]string `json:"data"`
	// OrgID is the organisation the email is sent for (for logs and metrics,
	// and the org whose mail an unsubscribe opts out of).
	OrgID string `json:"orgId"`
	// Campaign, when set, names the bulk send the email belongs to (an
	// admin's message, a reminder run): the mailer counts the email's
	// outcome (one of the Outcome values) against it.
	Campaign string `json:"campaign,omitempty"`
	// UnsubscribeURL, when set, marks the email as not transactional: the
	// mailer sends it only to an address that is reachable for OrgID (not
	// suppressed after a bounce or complaint, not unsubscribed from the
	// org's mail), with List-Unsubscribe and List-Unsubscribe-Post headers
	// (RFC 8058, one-click) pointing at it. Templates of such emails show
	// it as a link too.
	UnsubscribeURL string `json:"unsubscribeUrl,omitempty"`
	// FromName, when set, is the sender's display name for this email (an
	// admin message's "sender name", by default its author's name); the
	// address stays the mailer's verified sender. It is folded onto one
	// line; any characters are allowed and MIME-encoded.
	FromName string `json:"fromName,omitempty"`
	// ReplyTo, when set, is the address replies go to (an admin message's
	// author, or a no-reply address); it must be an email address.
	ReplyTo string `json:"replyTo,omitempty"`
	// Logo, when set, puts the logo of the org the email is sent for
	// (OrgID) at the top of its HTML body. Producers set it with OrgLogo,
	// which leaves it nil for an org without a logo.
	Logo *Logo `json:"logo,omitempty"`
}

// Logo is how an email shows its org's logo. The image is the API's public
// logo route of the org (LogoURL), which the mailer builds from its own
// base URL (Dispatcher.WithLogos): the queue never carries a link that the
// email would show.
type Logo struct {
	// Alt is the image's alternative text, the org's name.
	Alt string `json:"alt"`
	// URL is where the image is loaded from, filled in by
	// Message.WithLogoURL (the mailer's, see Dispatcher.WithLogos, and a
	// message preview's); Render leaves the logo out without it.
	URL string `json:"-"`
}

// OrgLogo returns the logo of org's emails, its name as the alternative
// text, or nil when the org has no logo.
func OrgLogo(org bo.Org) *Logo {
	if org.Brand.LogoKey == "" {
		return nil
	}
	return &Logo{Alt: org.Name}
}

// WithLogoURL returns m with its logo's URL (Logo.URL) on the API whose
// public base URL is base (LogoURL of m.OrgID), as the mailer and the
// preview of a message render it; without a logo when base or m.OrgID is
// empty. m's own Logo is left as it is.
func (m Message) WithLogoURL(base string) Message {
	if m.Logo == nil {
		return m
	}
	if base == "" || m.OrgID == "" {
		m.Logo = nil
		return m
	}
	logo := *m.Logo
	logo.URL = LogoURL(base, m.OrgID)
	m.Logo = &logo
	return m
}

// LogoURL returns the address of an org's logo on the API whose public base
// URL is base (PUBLIC_BASE_URL): base/v1/orgs/{orgID}/logo, which answers
// with a redirect to the current logo or 404 when there is none.
func LogoURL(base, orgID string) string {
	return strings.TrimRight(base, "/") + "/v1/orgs/" + url.PathEscape(orgID) + "/logo"
}

// Outcome is what became of one email of a campaign.
type Outcome string

// The outcomes the mailer counts for a campaign.
const (
	OutcomeSent         Outcome = "sent"
	OutcomeFailed       Outcome = "failed"       // rejected permanently
	OutcomeSuppressed   Outcome = "suppressed"   // the address bounced or complained
	OutcomeUnsubscribed Outcome = "unsubscribed" // the address opted out of the org's mail
)
