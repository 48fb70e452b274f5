// Package mail is the back office's outbound email: the message that
// functions put on the mail queue, the templates that turn it into a subject,
// an HTML and a text body, and the dispatcher that the mailer runs to send
// each message at most once within the account's send rate. It imports
// neither Lambda nor the AWS SDK.
package mail

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
	// OrgID is the organisation the email is sent for (for logs and metrics).
	OrgID string `json:"orgId"`
}
