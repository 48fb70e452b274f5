package csvout

import "testing"

func TestNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ada", "Ada"},
		{"=1+2", "'=1+2"},
		{"+44 20 7946 0000", "'+44 20 7946 0000"},
		{"-5", "'-5"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{" =1", " =1"},
		{"a=b", "a=b"},
		{"'quoted", "'quoted"},
		{"Zoë", "Zoë"},
	}
	for _, tt := range tests {
		if got := Neutralise(tt.in); got != tt.want {
			t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
