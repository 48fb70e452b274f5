package messaging

import (
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// program is what a message says of a recipient's program.
type program struct {
	id, name, url string
}

// programOf returns a program's name and learner-facing URL.
func programOf(p bo.Program, learnerAppURL string) program {
	return program{id: p.ID, name: p.Name, url: learnerAppURL + "/programs/" + p.Slug}
}

// compiled is a message ready to be written to each recipient: its texts
// parsed once, the org's name and the sender's details.
type compiled struct {
	orgID, messageID, campaign string
	subject, content, action   text
	actionLabel                string
	orgName                    string
	logo                       *mail.Logo
	fromName, replyTo          string
}

// compileMessage prepares m, of the org, for its recipients: in the org's
// name, with its logo when it has one.
func compileMessage(m Message, org bo.Org) compiled {
	c := compiled{orgID: m.OrgID, messageID: m.ID, campaign: Campaign(m.OrgID, m.ID),
		subject: compile(m.Subject), content: compile(m.Content), orgName: org.Name, logo: mail.OrgLogo(org), fromName: m.SenderName}
	if m.CallToAction != nil {
		c.actionLabel, c.action = m.CallToAction.Label, compile(m.CallToAction.URL)
	}
	if m.ReplyTo == ReplyToAuthor {
		c.replyTo = m.Author.Email
	}
	return c
}

// programEmail is a message ready for the recipients of one program: what
// does not depend on the learner is filled in once.
type programEmail struct {
	compiled
	program
	// subject and action are the filled texts when they name no learner.
	subject, action *string
}

// forProgram prepares the message for the recipients of one program.
func (c compiled) forProgram(p program) programEmail {
	pe := programEmail{compiled: c, program: p}
	v := values{programName: p.name, orgName: c.orgName, programURL: p.url}
	if !c.subject.personal() {
		s := c.subject.fill(v)
		pe.subject = &s
	}
	if !c.action.personal() {
		a := c.action.fill(v)
		pe.action = &a
	}
	return pe
}

// email returns the mail message of one recipient, a learner of the
// program, with the placeholders filled in and the unsubscribe link.
func (pe programEmail) email(l bo.Learner, unsubscribeURL string) mail.Message {
	name := l.FullName
	if name == "" {
		name = l.Email
	}
	v := values{learnerName: name, programName: pe.name, orgName: pe.orgName, programURL: pe.url}
	filled := func(cached *string, t text) string {
		if cached != nil {
			return *cached
		}
		return t.fill(v)
	}
	return mail.Message{
		ID:       EmailID(pe.orgID, pe.messageID, l.EmailKey),
		To:       l.Email,
		Template: mail.TemplateAdminMessage,
		Data: map[string]string{
			"Subject":        filled(pe.subject, pe.compiled.subject),
			"Content":        pe.content.fill(v),
			"OrgName":        pe.orgName,
			"ProgramName":    pe.name,
			"ActionLabel":    pe.actionLabel,
			"ActionURL":      filled(pe.action, pe.compiled.action),
			"UnsubscribeURL": unsubscribeURL,
		},
		OrgID:          pe.orgID,
		Campaign:       pe.campaign,
		UnsubscribeURL: unsubscribeURL,
		FromName:       pe.fromName,
		ReplyTo:        pe.replyTo,
		Logo:           pe.logo,
	}
}
