package backoffice

import "testing"

// TestInvitationMessageFor: the invitation's own message, else the org's
// default, else none.
func TestInvitationMessageFor(t *testing.T) {
	tests := []struct {
		name, org, own, want string
	}{
		{"neither", "", "", ""},
		{"the org's default", "Welcome", "", "Welcome"},
		{"its own over the default", "Welcome", "Hi Bob", "Hi Bob"},
		{"its own without a default", "", "Hi Bob", "Hi Bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Org{Brand: Brand{InvitationMessage: tt.org}}
			if got := o.InvitationMessageFor(Learner{InvitationMessage: tt.own}); got != tt.want {
				t.Fatalf("InvitationMessageFor = %q, want %q", got, tt.want)
			}
		})
	}
}
