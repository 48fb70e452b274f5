package mail_test

import (
	"strings"
	"testing"

	"github.com/learnops/backoffice/shared/domain/mail"
)

// TestInvitationBrandAndMessage: an invitation's message is written
// escaped, paragraph by paragraph, in HTML and as typed in text; the brand
// colour colours the button, and a colour that is not one never reaches
// the style attribute, and the card wears it as a band across its top.
func TestInvitationBrandAndMessage(t *testing.T) {
	tests := []struct {
		name            string
		message, color  string
		html, notInHTML []string
		text            []string
	}{
		{"no message, no colour", "", "", []string{"background-color:#1d4ed8"}, []string{"<p style=\"margin:0 0 16px;\">Welcome", "8px 8px 0 0"}, nil},
		{"message and colour", "Welcome!\nSee you <b>soon</b>\n\nSecond paragraph", "#0a66c2",
			[]string{"background-color:#0a66c2", "border-radius:8px 8px 0 0;background-color:#0a66c2;", "Welcome!<br>See you &lt;b&gt;soon&lt;/b&gt;</p>", "<p style=\"margin:0 0 16px;\">Second paragraph</p>"},
			[]string{"<b>soon</b>"}, []string{"Welcome!\nSee you <b>soon</b>\n\nSecond paragraph"}},
		{"script in the message", "<script>alert(1)</script>", "", []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}, []string{"<script>"}, nil},
		{"a colour that would inject CSS", "", "red;background:url(javascript:alert(1))", []string{"ZgotmplZ"}, []string{"javascript:alert"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := invitationData()
			data["Message"], data["BrandColor"] = tt.message, tt.color
			r, err := mail.Render(mail.Message{Template: mail.TemplateInvitation, Data: data})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.html {
				if !strings.Contains(r.HTML, want) {
					t.Errorf("HTML lacks %q:\n%s", want, r.HTML)
				}
			}
			for _, bad := range tt.notInHTML {
				if strings.Contains(r.HTML, bad) {
					t.Errorf("HTML holds %q:\n%s", bad, r.HTML)
				}
			}
			for _, want := range tt.text {
				if !strings.Contains(r.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, r.Text)
				}
			}
		})
	}
}
