package mail_test

import (
	"strings"
	"testing"

	"github.com/learnops/backoffice/shared/domain/mail"
)

func reportData() map[string]string {
	return map[string]string{
		"OrgName": "Acme <University>", "ProgramNames": "Data Skills, AI", "Scope": "only for active contracts", "Weekly": "",
		"DownloadURL": "https://files.example.com/reports/r1.zip?X-Amz-Signature=abc&X-Amz-Expires=86400",
		"ExpiresAt":   "3 March 2026, 12:00 UTC", "TotalEnrollments": "120", "UniqueLearners": "45", "CurrentMembers": "50",
		"RemovedMembers": "3", "UniqueCourses": "12", "CourseCompletions": "30", "VerifiedCompletions": "18", "UniqueCompleters": "20",
		"EstimatedHours": "310.25", "HalfwayLearners": "25", "JoinedNotEnrolled": "5", "EnrolledNotCompleted": "25",
		"EnrolledOneCourse": "10", "CompletedOneCourse": "12",
	}
}

func TestRenderReports(t *testing.T) {
	weekly := reportData()
	weekly["Weekly"] = "yes"
	tests := []struct {
		name, template string
		data           map[string]string
		subject        string
		html, text     []string
	}{
		{
			name: "report ready", template: mail.TemplateReportReady, data: reportData(),
			subject: "Your learning report for Acme <University> is ready",
			html: []string{"Acme &lt;University&gt;", "only for active contracts", "Data Skills, AI",
				">Total estimated hours spent</td><td align=\"right\" style=\"padding:4px 0;font-weight:bold;\">310.25<",
				`href="https://files.example.com/reports/r1.zip?X-Amz-Signature=abc&amp;X-Amz-Expires=86400"`, ">Download</a>",
				"3 March 2026, 12:00 UTC"},
			text: []string{"Total enrollments: 120", "Total unique learners: 45", "Current members: 50", "Removed members: 3",
				"Total unique courses: 12", "Total course completions: 30", "Total verified course completions: 18", "Total unique course completers: 20",
				"Learners who have completed 50% of a course: 25",
				"Learners who have joined the program but have not enrolled in a course: 5",
				"Learners who have enrolled in a course but have not completed any course: 25",
				"Learners who have enrolled in 1 course: 10", "Learners who have completed 1 course: 12",
				"https://files.example.com/reports/r1.zip?X-Amz-Signature=abc&X-Amz-Expires=86400"},
		},
		{
			name: "weekly report", template: mail.TemplateReportReady, data: weekly,
			subject: "Your weekly learning report for Acme <University>",
			html:    []string{"Your weekly learning report</h1>"},
			text:    []string{"Your weekly learning report\n"},
		},
		{
			name: "gradebook ready", template: mail.TemplateGradebookReady,
			data: map[string]string{"OrgName": "Acme", "ProgramNames": "Data Skills", "CourseName": "SQL & You", "Rows": "42",
				"DownloadURL": "https://files.example.com/reports/g1.csv", "ExpiresAt": "3 March 2026, 12:00 UTC"},
			subject: "The gradebook of SQL & You is ready",
			html:    []string{"<strong>SQL &amp; You</strong>", "lists 42 enrollments", `href="https://files.example.com/reports/g1.csv"`},
			text:    []string{"The gradebook of SQL & You in Data Skills (Acme) lists 42 enrollments", "https://files.example.com/reports/g1.csv"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := mail.Render(mail.Message{ID: "r", To: "dean@acme.edu", Template: tt.template, Data: tt.data})
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", r.Subject, tt.subject)
			}
			for _, s := range tt.html {
				if !strings.Contains(r.HTML, s) {
					t.Errorf("HTML lacks %q:\n%s", s, r.HTML)
				}
			}
			for _, s := range tt.text {
				if !strings.Contains(r.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, r.Text)
				}
			}
		})
	}
	// Every key the templates name is one the reports service sends.
	for _, key := range []string{"TotalEnrollments", "DownloadURL", "CompletedOneCourse"} {
		data := reportData()
		delete(data, key)
		if _, err := mail.Render(mail.Message{Template: mail.TemplateReportReady, Data: data}); err == nil {
			t.Errorf("rendered without %s", key)
		}
	}
}
