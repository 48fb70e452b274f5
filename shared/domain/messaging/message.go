// Package messaging is the messages admins write to cohorts of learners:
// drafts for an audience (a preset, a status with filters, or learners
// picked in the members view), their preview, sending them once, and the
// planner that fans a message out to the mail queue from the members
// view's indexes, a page at a time, in bounded memory, under a per-learner
// cap; and the unsubscribe links of the emails. It imports neither Lambda
// nor the AWS SDK: it talks to storage and queues through the small
// interfaces declared where they are used.
package messaging

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Status is where a message stands.
type Status string

// The statuses of a message: a draft may be edited and previewed; sending
// is the audience being planned onto the mail queue; sent is every
// recipient planned (the mailer may still be sending).
const (
	StatusDraft   Status = "draft"
	StatusSending Status = "sending"
	StatusSent    Status = "sent"
)

// ReplyTo says where learners' replies go.
type ReplyTo string

// Reply-to choices, as the guide offers them.
const (
	// ReplyToAuthor sends replies to the address of the admin who wrote
	// the message.
	ReplyToAuthor ReplyTo = "author"
	// ReplyToNoReply sends replies to the deployment's no-reply sender.
	ReplyToNoReply ReplyTo = "no_reply"
)

// Limits of a message.
const (
	MaxSubjectRunes    = 200
	MaxContentRunes    = 10_000
	MaxSenderNameRunes = 100
	MaxActionLabel     = 60
	MaxActionURL       = 2_000
	// MaxListedLearners bounds an audience of learners picked by hand.
	MaxListedLearners = 1_000
	MaxPrograms       = 100
	MaxContracts      = 20
	MaxCourses        = 20
)

// CallToAction is the optional button at the end of a message.
type CallToAction struct {
	Label string `json:"label"`
	// URL is an https URL, or the placeholder {{programUrl}} for the
	// recipient's program page.
	URL string `json:"url"`
}

// Audience says who a message goes to: learners of the org's programs in
// one activity status, narrowed by contracts and current courses, or
// learners picked by hand in one program.
type Audience struct {
	// Status is one of the members view's statuses but "removed".
	Status bo.MemberStatus `json:"status,omitempty"`
	// ProgramIDs narrows the audience to these programs; none means every
	// program the author administers (for an org admin: the org's programs
	// when the message is sent).
	ProgramIDs []string `json:"programIds,omitempty"`
	// ContractIDs keeps the learners on one of these contracts.
	ContractIDs []string `json:"contractIds,omitempty"`
	// CourseIDs keeps the learners currently enrolled in one of these
	// courses or specialisations.
	CourseIDs []string `json:"courseIds,omitempty"`
	// Learners are picked by hand instead of by status.
	Learners *LearnerList `json:"learners,omitempty"`
}

// LearnerList is an audience of learners of one program, picked by hand
// (in the members view).
type LearnerList struct {
	ProgramID string   `json:"programId"`
	Emails    []string `json:"emails"`
}

// programs returns the programs an audience names.
func (a Audience) programs() []string {
	if a.Learners != nil {
		return []string{a.Learners.ProgramID}
	}
	return a.ProgramIDs
}

// Author is the admin who wrote a message.
type Author struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// The names of the planner's counters of a campaign (the mailer's are
// mail.Outcome values), which bo.CampaignCountsOf reads.
const (
	countPlanned = bo.CounterPlanned
	countQueued  = bo.CounterQueued
	countCapped  = bo.CounterCapped
)

// Message is a message an admin writes to learners.
type Message struct {
	ID     string `json:"id"`
	OrgID  string `json:"orgId"`
	Status Status `json:"status"`
	// Preset is the preset the message was drafted from, if any.
	Preset   Preset   `json:"preset,omitempty"`
	Audience Audience `json:"audience"`
	// Subject and Content may hold the placeholders of Placeholders.
	Subject      string        `json:"subject"`
	Content      string        `json:"content"`
	CallToAction *CallToAction `json:"callToAction,omitempty"`
	// SenderName is the display name the emails come from.
	SenderName string  `json:"senderName"`
	ReplyTo    ReplyTo `json:"replyTo"`
	Author     Author  `json:"author"`
	// Targets are the programs the audience covers, fixed when sending
	// starts.
	Targets []string `json:"-"`
	// Frontier is where the planning of a message being sent goes on: the
	// position of its next plan item ("" at the start).
	Frontier  string    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// SendingAt is when sending was asked for; the audience's activity
	// windows end then. SentAt is when every recipient was planned.
	SendingAt *time.Time `json:"sendingAt,omitempty"`
	SentAt    *time.Time `json:"sentAt,omitempty"`
	// TermsAcceptedBy is the admin who accepted the terms of use and the
	// privacy policy to send the message, at TermsAcceptedAt (the send).
	TermsAcceptedBy string            `json:"termsAcceptedBy,omitempty"`
	TermsAcceptedAt *time.Time        `json:"termsAcceptedAt,omitempty"`
	Counts          bo.CampaignCounts `json:"counts"`
	// Version counts the message's writes, for optimistic locking.
	Version int `json:"-"`
}

// Campaign names the message's bulk send: the mailer counts each email's
// outcome against it.
func Campaign(orgID, messageID string) string { return "message/" + orgID + "/" + messageID }

// EmailID is the mail id of the message's email to one address: the mailer
// sends each once.
func EmailID(orgID, messageID, emailKey string) string {
	return Campaign(orgID, messageID) + "/" + emailKey
}

// Placeholders are what a message's subject, content and button URL may
// hold, filled in for each recipient.
const (
	PlaceholderLearnerName = "{{learnerName}}"
	PlaceholderProgramName = "{{programName}}"
	PlaceholderOrgName     = "{{orgName}}"
	PlaceholderProgramURL  = "{{programUrl}}"
)

// Placeholders lists the placeholders, in the guide's order.
var Placeholders = []string{PlaceholderLearnerName, PlaceholderProgramName, PlaceholderOrgName, PlaceholderProgramURL}

// anyPlaceholder finds everything written like a placeholder.
var anyPlaceholder = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// checkPlaceholders records an error for each thing in s written like a
// placeholder that is not one.
func checkPlaceholders(v *bo.Validation, field, s string) {
	for _, p := range anyPlaceholder.FindAllString(s, -1) {
		if !slices.Contains(Placeholders, p) {
			v.Add(field, "has the unknown placeholder %s: use %s", p, strings.Join(Placeholders, ", "))
			return
		}
	}
}

// text is a subject or content with its placeholders located, to be filled
// in for each recipient without parsing it again.
type text []textPart

type textPart struct {
	literal     string
	placeholder string // one of Placeholders, or "" for a literal
}

// compile splits s into literals and placeholders.
func compile(s string) text {
	var t text
	last := 0
	for _, loc := range anyPlaceholder.FindAllStringIndex(s, -1) {
		p := s[loc[0]:loc[1]]
		if !slices.Contains(Placeholders, p) {
			continue // validation refuses these; a stored one stays literal
		}
		if loc[0] > last {
			t = append(t, textPart{literal: s[last:loc[0]]})
		}
		t = append(t, textPart{placeholder: p})
		last = loc[1]
	}
	if last < len(s) {
		t = append(t, textPart{literal: s[last:]})
	}
	return t
}

// personal reports whether t names the learner, and so differs from one
// recipient of a program to the next.
func (t text) personal() bool {
	return slices.ContainsFunc(t, func(p textPart) bool { return p.placeholder == PlaceholderLearnerName })
}

// values are what the placeholders stand for, for one recipient.
type values struct {
	learnerName, programName, orgName, programURL string
}

// fill writes t with each placeholder replaced by its value. The values are
// plain text: nothing in them is read as a placeholder or as markup (the
// templates escape the result).
func (t text) fill(v values) string {
	if len(t) == 1 && t[0].placeholder == "" {
		return t[0].literal
	}
	n := 0
	for _, p := range t {
		n += len(p.literal)
	}
	var b strings.Builder
	b.Grow(n + len(v.learnerName) + len(v.programName) + len(v.orgName) + len(v.programURL))
	for _, p := range t {
		switch p.placeholder {
		case "":
			b.WriteString(p.literal)
		case PlaceholderLearnerName:
			b.WriteString(v.learnerName)
		case PlaceholderProgramName:
			b.WriteString(v.programName)
		case PlaceholderOrgName:
			b.WriteString(v.orgName)
		case PlaceholderProgramURL:
			b.WriteString(v.programURL)
		}
	}
	return b.String()
}

// messagingStatuses are the statuses an audience may have.
var messagingStatuses = []bo.MemberStatus{bo.MemberJoined, bo.MemberInvitedNever, bo.MemberNoEnrollments, bo.MemberNoCompletions,
	bo.MemberInactive30, bo.MemberInactive90, bo.MemberCompleted30}

// validate checks a message as it would be saved, naming every field at
// fault. It returns EINVALID.
func validate(m Message) error {
	var v bo.Validation
	oneLine := func(field, s string, maxRunes int, required bool) {
		switch {
		case required && strings.TrimSpace(s) == "":
			v.Add(field, "is required")
		case utf8.RuneCountInString(s) > maxRunes:
			v.Add(field, "must be at most %d characters", maxRunes)
		default:
			bo.CheckText(&v, field, s, false)
		}
	}
	oneLine("subject", m.Subject, MaxSubjectRunes, true)
	checkPlaceholders(&v, "subject", m.Subject)
	switch {
	case strings.TrimSpace(m.Content) == "":
		v.Add("content", "is required")
	case utf8.RuneCountInString(m.Content) > MaxContentRunes:
		v.Add("content", "must be at most %d characters", MaxContentRunes)
	default:
		bo.CheckText(&v, "content", m.Content, true)
	}
	checkPlaceholders(&v, "content", m.Content)
	if c := m.CallToAction; c != nil {
		oneLine("callToAction.label", c.Label, MaxActionLabel, true)
		if c.URL != PlaceholderProgramURL && !httpsURL(c.URL) {
			v.Add("callToAction.url", "must be an https URL (at most %d characters) or %s", MaxActionURL, PlaceholderProgramURL)
		}
	}
	oneLine("senderName", m.SenderName, MaxSenderNameRunes, true)
	if strings.ContainsAny(m.SenderName, `<>"\`) {
		v.Add("senderName", `must not hold < > " or \`)
	}
	v.Check(m.ReplyTo == ReplyToAuthor || m.ReplyTo == ReplyToNoReply, "replyTo", "must be %s or %s", ReplyToAuthor, ReplyToNoReply)
	validateAudience(&v, m.Audience)
	return v.Err()
}

func validateAudience(v *bo.Validation, a Audience) {
	ids := func(field string, list []string, maxN int) {
		v.Check(len(list) <= maxN, field, "must hold at most %d ids", maxN)
		seen := map[string]bool{}
		for i, id := range list {
			f := fmt.Sprintf("%s[%d]", field, i)
			switch {
			case strings.TrimSpace(id) == "":
				v.Add(f, "is required")
			case seen[id]:
				v.Add(f, "is given twice")
			}
			seen[id] = true
		}
	}
	ids("audience.programIds", a.ProgramIDs, MaxPrograms)
	ids("audience.contractIds", a.ContractIDs, MaxContracts)
	ids("audience.courseIds", a.CourseIDs, MaxCourses)
	if a.Learners != nil {
		if a.Status != "" || len(a.ProgramIDs)+len(a.ContractIDs)+len(a.CourseIDs) > 0 {
			v.Add("audience.learners", "cannot go with status, programIds, contractIds or courseIds: learners picked by hand are the whole audience")
		}
		v.Check(a.Learners.ProgramID != "", "audience.learners.programId", "is required")
		n := len(a.Learners.Emails)
		v.Check(n >= 1 && n <= MaxListedLearners, "audience.learners.emails", "must hold 1 to %d emails", MaxListedLearners)
		for i, e := range a.Learners.Emails {
			if _, err := bo.ParseEmail(e); err != nil {
				v.Add(fmt.Sprintf("audience.learners.emails[%d]", i), "is not a valid email address")
			}
		}
		return
	}
	if a.Status == "" {
		v.Add("audience.status", "is required (or audience.learners)")
		return
	}
	var names []string
	for _, s := range messagingStatuses {
		names = append(names, string(s))
	}
	v.Check(slices.Contains(messagingStatuses, a.Status), "audience.status", "must be one of %s", strings.Join(names, ", "))
}

// httpsURL reports whether s is an absolute https URL with a host, of at
// most MaxActionURL characters and no white space.
func httpsURL(s string) bool {
	if len(s) > MaxActionURL || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// normalise tidies what an admin typed: trimmed subject and sender name,
// emails of a picked audience as keys without repeats (their first
// spelling kept).
func normalise(m *Message) {
	m.Subject = strings.TrimSpace(m.Subject)
	m.SenderName = strings.TrimSpace(m.SenderName)
	if c := m.CallToAction; c != nil {
		c.Label, c.URL = strings.TrimSpace(c.Label), strings.TrimSpace(c.URL)
		if c.Label == "" && c.URL == "" {
			m.CallToAction = nil
		}
	}
	if l := m.Audience.Learners; l != nil {
		seen := map[string]bool{}
		emails := l.Emails[:0:0]
		for _, s := range l.Emails {
			e, err := bo.ParseEmail(s)
			if err != nil {
				emails = append(emails, s) // validate names it
				continue
			}
			if !seen[e.Key] {
				seen[e.Key] = true
				emails = append(emails, e.Display)
			}
		}
		l.Emails = emails
	}
}
