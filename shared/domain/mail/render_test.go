package mail_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/learnops/backoffice/shared/domain/mail"
)

func invitationData() map[string]string {
	return map[string]string{
		"LearnerName":    "Ada Lovelace",
		"OrgName":        "Acme University",
		"ProgramName":    "Data Skills",
		"ProgramTagline": "Learn to work with data",
		"AcceptURL":      "https://learn.example.com/invitations/tok_123/accept",
		"ExpiresOn":      "7 December 2026",
	}
}

func adminMessageData() map[string]string {
	return map[string]string{
		"Subject":        `Keep going, Ada <b> & "co"`,
		"Content":        "Hi Ada <script>alert(1)</script>,\r\nyou are nearly there.\n\n \n\n  Data & AI at Acme  \n",
		"OrgName":        "Acme",
		"ProgramName":    "Data",
		"ActionLabel":    "Go to Data",
		"ActionURL":      "https://learn.example.com/programs/data",
		"UnsubscribeURL": "https://api.example.com/v1/unsubscribe/b3JnMQ.c2ln",
	}
}

func welcomeData() map[string]string {
	return map[string]string{
		"LearnerName": "Ada Lovelace",
		"OrgName":     "Acme University",
		"ProgramName": "Data Skills",
		"ProgramURL":  "https://learn.example.com/programs/data-skills",
	}
}

func reminderData() map[string]string {
	return map[string]string{
		"LearnerName":    "Ada Lovelace",
		"LearnerEmail":   "Ada@Acme.edu",
		"OrgName":        "Acme University",
		"ProgramName":    "Data Skills",
		"ProgramTagline": "Learn to work with data",
		"JoinURL":        "https://learn.example.com/programs/data-skills",
		"InvitedOn":      "19 November 2026",
		"UnsubscribeURL": "https://api.example.com/v1/unsubscribe/b3Jn.bWFj",
	}
}

// with returns a copy of data with key set to value, or deleted when value
// is nil.
func with(data map[string]string, key string, value *string) map[string]string {
	out := map[string]string{}
	for k, v := range data {
		out[k] = v
	}
	if value == nil {
		delete(out, key)
	} else {
		out[key] = *value
	}
	return out
}

func ptr(s string) *string { return &s }

func TestRender(t *testing.T) {
	tests := []struct {
		name     string
		template string
		data     map[string]string
		wantErr  string
		subject  string
		html     []string // substrings the HTML body must contain
		notHTML  []string // substrings it must not contain
		text     []string // substrings the text body must contain
	}{
		{
			name: "invitation", template: mail.TemplateInvitation, data: invitationData(),
			subject: "Acme University invites you to join Data Skills",
			html: []string{
				`<html lang="en">`, "Hi Ada Lovelace,", "Learn to work with data", "7 December 2026",
				`href="https://learn.example.com/invitations/tok_123/accept"`, ">Accept your invitation</a>",
				`>https://learn.example.com/invitations/tok_123/accept</a>`, `role="presentation"`,
			},
			text: []string{"Hi Ada Lovelace,", "Learn to work with data", "https://learn.example.com/invitations/tok_123/accept", "expires on 7 December 2026"},
		},
		{
			name: "course welcome", template: mail.TemplateCourseWelcome,
			data:    map[string]string{"LearnerName": "Ada <b>", "ProgramName": "Data", "ItemName": "SQL & You", "ItemURL": "https://learn.example.com/programs/data/learn/sql"},
			subject: "You are enrolled in SQL & You",
			html:    []string{"Hi Ada &lt;b&gt;,", "the course <strong>SQL &amp; You</strong>", `href="https://learn.example.com/programs/data/learn/sql"`},
			notHTML: []string{"Ada <b>"},
			text:    []string{"Hi Ada <b>,", "the course SQL & You of Data"},
		},
		{
			name: "exit with return", template: mail.TemplateProgramExit,
			data:    map[string]string{"LearnerName": "Ada", "OrgName": "Acme", "ProgramName": "Data", "ProgramURL": "https://learn.example.com/programs/data", "AllowReturn": "yes"},
			subject: "You were removed from Data",
			html:    []string{">Rejoin the program</a>", `href="https://learn.example.com/programs/data"`},
			text:    []string{"rejoin the program at any time"},
		},
		{
			name: "exit without return", template: mail.TemplateProgramExit,
			data:    map[string]string{"LearnerName": "Ada", "OrgName": "Acme", "ProgramName": "Data", "ProgramURL": "https://learn.example.com/programs/data", "AllowReturn": ""},
			subject: "You were removed from Data",
			notHTML: []string{"Rejoin the program"},
			text:    []string{"you will need a new invitation"},
		},
		{
			name: "specialization welcome", template: mail.TemplateSpecializationWelcome,
			data:    map[string]string{"LearnerName": "Ada", "ProgramName": "Data", "ItemName": "Data Analyst", "ItemURL": "https://learn.example.com/x"},
			subject: "You are enrolled in Data Analyst",
			text:    []string{"the specialization Data Analyst of Data"},
		},
		{
			name: "invitation without a tagline", template: mail.TemplateInvitation,
			data:    with(invitationData(), "ProgramTagline", nil),
			subject: "Acme University invites you to join Data Skills",
			notHTML: []string{"border-left:4px"},
			text:    []string{"chosen for you.\n\nAccept your invitation:"},
		},
		{
			name: "invitation with an empty tagline", template: mail.TemplateInvitation,
			data:    with(invitationData(), "ProgramTagline", ptr("")),
			subject: "Acme University invites you to join Data Skills",
			notHTML: []string{"border-left:4px"},
		},
		{
			name: "program welcome", template: mail.TemplateProgramWelcome, data: welcomeData(),
			subject: "Welcome to Data Skills",
			html:    []string{"Hi Ada Lovelace,", `href="https://learn.example.com/programs/data-skills"`, ">Go to your program</a>", "Acme University"},
			text:    []string{"Welcome to Data Skills!", "https://learn.example.com/programs/data-skills"},
		},
		{
			name: "a learner name with markup is escaped in HTML", template: mail.TemplateInvitation,
			data:    with(invitationData(), "LearnerName", ptr(`<script>alert("x")</script> "Bob" & <b>Co</b>`)),
			subject: "Acme University invites you to join Data Skills",
			html:    []string{`Hi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &#34;Bob&#34; &amp; &lt;b&gt;Co&lt;/b&gt;,`},
			notHTML: []string{"<script>", `"Bob"`, "<b>Co"},
			// The text body is plain text: it shows the name as typed.
			text: []string{`Hi <script>alert("x")</script> "Bob" & <b>Co</b>,`},
		},
		{
			name: "an org name cannot inject a header into the subject", template: mail.TemplateInvitation,
			data:    with(invitationData(), "OrgName", ptr("Acme\r\nBcc: x@evil.example\r\n\r\nbody")),
			subject: "Acme Bcc: x@evil.example body invites you to join Data Skills",
		},
		{
			name: "a program name cannot inject a header into the subject", template: mail.TemplateProgramWelcome,
			data:    with(welcomeData(), "ProgramName", ptr("\t Data\u2028Skills\x00\u202e \n")),
			subject: "Welcome to Data Skills",
		},
		{
			name: "a javascript URL is neutralised", template: mail.TemplateProgramWelcome,
			data:    with(welcomeData(), "ProgramURL", ptr("javascript:alert(1)")),
			subject: "Welcome to Data Skills",
			html:    []string{`href="#ZgotmplZ"`},
			notHTML: []string{`href="javascript:`},
		},
		{
			name: "a quote in a URL cannot leave the attribute", template: mail.TemplateProgramWelcome,
			data:    with(welcomeData(), "ProgramURL", ptr(`https://l.example/p" onmouseover="x`)),
			subject: "Welcome to Data Skills",
			html:    []string{`href="https://l.example/p%22%20onmouseover=%22x"`},
			notHTML: []string{`" onmouseover="`},
		},
		{
			name: "invitation reminder", template: mail.TemplateInvitationReminder, data: reminderData(),
			subject: "Reminder: Acme University invites you to join Data Skills",
			html: []string{
				"Hi Ada Lovelace,", "On 19 November 2026, <strong>Acme University</strong> invited you", "Learn to work with data",
				`href="https://learn.example.com/programs/data-skills"`, ">Join the program</a>", "Sign in with <strong>Ada@Acme.edu</strong>",
				`<a href="https://api.example.com/v1/unsubscribe/b3Jn.bWFj"`, ">Unsubscribe</a>",
			},
			text: []string{
				"Hi Ada Lovelace,", "On 19 November 2026, Acme University invited you to join Data Skills", "Learn to work with data",
				"Join the program:\nhttps://learn.example.com/programs/data-skills", "Sign in with Ada@Acme.edu",
				"unsubscribe from Acme University's learning emails:\nhttps://api.example.com/v1/unsubscribe/b3Jn.bWFj",
			},
		},
		{
			name: "invitation reminder without a tagline, user text escaped", template: mail.TemplateInvitationReminder,
			data: with(with(with(reminderData(), "ProgramTagline", nil), "LearnerName", ptr(`<img src=x onerror="y">`)),
				"OrgName", ptr("Acme & <Co>\r\nBcc: x@evil.example")),
			subject: "Reminder: Acme & <Co> Bcc: x@evil.example invites you to join Data Skills",
			html:    []string{"Hi &lt;img src=x onerror=&#34;y&#34;&gt;,", "<strong>Acme &amp; &lt;Co&gt;"},
			notHTML: []string{"<img", "border-left:4px", "<Co>"},
			text:    []string{"You have not joined yet.\n\nJoin the program:"},
		},
		{
			name: "invitation reminder without its unsubscribe link", template: mail.TemplateInvitationReminder,
			data:    with(reminderData(), "UnsubscribeURL", nil),
			wantErr: `map has no entry for key "UnsubscribeURL"`,
		},
		{
			name: "missing data", template: mail.TemplateInvitation,
			data:    with(invitationData(), "AcceptURL", nil),
			wantErr: `map has no entry for key "AcceptURL"`,
		},
		{
			name: "missing subject data", template: mail.TemplateProgramWelcome,
			data:    with(welcomeData(), "ProgramName", nil),
			wantErr: `map has no entry for key "ProgramName"`,
		},
		{
			name: "admin message: paragraphs, lines and a button, every value escaped", template: mail.TemplateAdminMessage,
			data:    adminMessageData(),
			subject: `Keep going, Ada <b> & "co"`,
			html: []string{
				`<title>Keep going, Ada &lt;b&gt; &amp; &#34;co&#34;</title>`,
				`<p style="margin:0 0 16px;">Hi Ada &lt;script&gt;alert(1)&lt;/script&gt;,<br>you are nearly there.</p>`,
				`<p style="margin:0 0 16px;">Data &amp; AI at Acme</p>`,
				`href="https://learn.example.com/programs/data"`, `>Go to Data</a>`,
				`href="https://api.example.com/v1/unsubscribe/b3JnMQ.c2ln"`, `>Unsubscribe from Acme's messages</a>`,
			},
			notHTML: []string{"<script>", "\n\n\n"},
			text: []string{"Hi Ada <script>alert(1)</script>,\nyou are nearly there.\n\nData & AI at Acme\n",
				"Go to Data: https://learn.example.com/programs/data", "Unsubscribe from Acme's messages: https://api.example.com/v1/unsubscribe/b3JnMQ.c2ln"},
		},
		{
			name: "admin message without a button", template: mail.TemplateAdminMessage,
			data:    with(with(adminMessageData(), "ActionURL", ptr("")), "ActionLabel", ptr("")),
			subject: `Keep going, Ada <b> & "co"`,
			notHTML: []string{"If the button does not work", "Go to Data"},
			text:    []string{"Data & AI at Acme\n\n--\n"},
		},
		{
			name: "an admin's subject cannot inject a header", template: mail.TemplateAdminMessage,
			data:    with(adminMessageData(), "Subject", ptr("Hello\r\nBcc: x@evil.example")),
			subject: "Hello Bcc: x@evil.example",
		},
		{
			name: "admin message with a javascript button", template: mail.TemplateAdminMessage,
			data:    with(adminMessageData(), "ActionURL", ptr("javascript:alert(1)")),
			subject: `Keep going, Ada <b> & "co"`,
			html:    []string{`href="#ZgotmplZ"`},
			notHTML: []string{`href="javascript:`},
		},
		{name: "no data at all", template: mail.TemplateProgramWelcome, wantErr: "map has no entry for key"},
		{name: "unknown template", template: "newsletter", data: welcomeData(), wantErr: `unknown template "newsletter"`},
		{
			name: "a program name of only line breaks", template: mail.TemplateProgramWelcome,
			data:    with(welcomeData(), "ProgramName", ptr("\r\n")),
			subject: "Welcome to",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := mail.Render(mail.Message{ID: "e1", To: "ada@example.com", Template: tt.template, Data: tt.data})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", r.Subject, tt.subject)
			}
			if strings.ContainsAny(r.Subject, "\r\n") {
				t.Errorf("subject %q has a line break", r.Subject)
			}
			for _, s := range tt.html {
				if !strings.Contains(r.HTML, s) {
					t.Errorf("HTML lacks %q:\n%s", s, r.HTML)
				}
			}
			for _, s := range tt.notHTML {
				if strings.Contains(r.HTML, s) {
					t.Errorf("HTML has %q:\n%s", s, r.HTML)
				}
			}
			for _, s := range tt.text {
				if !strings.Contains(r.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, r.Text)
				}
			}
			if strings.Contains(r.Text, "&lt;") || strings.Contains(r.Text, "&#34;") {
				t.Errorf("text body is HTML-escaped:\n%s", r.Text)
			}
		})
	}
}

// TestEveryTemplateNameHasItsFiles holds the template names of message.go to
// the template files.
func TestEveryTemplateNameHasItsFiles(t *testing.T) {
	want := []string{mail.TemplateInvitation, mail.TemplateProgramWelcome, mail.TemplateCourseWelcome, mail.TemplateSpecializationWelcome, mail.TemplateProgramExit,
		mail.TemplateInvitationReminder, mail.TemplateAdminMessage, mail.TemplateReportReady, mail.TemplateGradebookReady}
	slices.Sort(want)
	if got := mail.TemplateNames(); !slices.Equal(got, want) {
		t.Fatalf("templates = %v, want %v", got, want)
	}
}

func TestSubjectIsCut(t *testing.T) {
	r, err := mail.Render(mail.Message{Template: mail.TemplateProgramWelcome, Data: with(welcomeData(), "ProgramName", ptr(strings.Repeat("é", 500)))})
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(r.Subject); n != 200 {
		t.Fatalf("subject has %d characters, want 200", n)
	}
}

// dataFor returns data for the template name with every key it needs set
// to value. The keys are found by rendering, so that a template added
// later is covered too; it fails the test when the template uses none.
func dataFor(t *testing.T, name, value string) map[string]string {
	t.Helper()
	missing := regexp.MustCompile(`map has no entry for key "([^"]+)"`)
	data := map[string]string{}
	for {
		_, err := mail.Render(mail.Message{Template: name, Data: data})
		if err == nil {
			break
		}
		m := missing.FindStringSubmatch(err.Error())
		if m == nil || data[m[1]] != "" {
			t.Fatal(err)
		}
		data[m[1]] = value
	}
	if len(data) == 0 {
		t.Fatal("the template uses no value")
	}
	return data
}

// TestEveryTemplateEscapesEveryValue renders every template with every value
// it uses set to markup and header injection: no value reaches the HTML
// body unescaped, and the subject stays one line. The keys are found by
// rendering, so a template added later is covered too.
func TestEveryTemplateEscapesEveryValue(t *testing.T) {
	const payload = "<img src=x onerror=alert(1)>\"'&\r\nBcc: evil@example.com\r\n\r\n<b>"
	for _, name := range mail.TemplateNames() {
		t.Run(name, func(t *testing.T) {
			data := dataFor(t, name, payload)
			r, err := mail.Render(mail.Message{Template: name, Data: data})
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range []string{"<img", "<b>", "onerror=alert(1)>"} {
				if strings.Contains(r.HTML, raw) {
					t.Errorf("HTML holds %q unescaped:\n%s", raw, r.HTML)
				}
			}
			if strings.ContainsAny(r.Subject, "\r\n\x00") || !strings.Contains(r.Subject, "Bcc: evil@example.com") {
				t.Errorf("subject %q: want the value on one line", r.Subject)
			}
		})
	}
}

func TestParagraphs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" \n\t\n", nil},
		{"one", []string{"one"}},
		{"one\ntwo", []string{"one\ntwo"}},
		{"one\r\n\r\ntwo\rthree", []string{"one", "two\nthree"}},
		{"\n\n  a  \n  \n\n\nb \n", []string{"a", "b"}},
	}
	for _, tt := range tests {
		if got := mail.Paragraphs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Paragraphs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
