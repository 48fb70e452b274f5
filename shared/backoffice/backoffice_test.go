package backoffice_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestParseEmail(t *testing.T) {
	tests := []struct {
		in, display, key string
		ok               bool
	}{
		{"jo@acme.edu", "jo@acme.edu", "jo@acme.edu", true},
		{"  Jo.Smith@ACME.edu ", "Jo.Smith@acme.edu", "jo.smith@acme.edu", true},
		{"jo+tag@sub.acme.co.uk", "jo+tag@sub.acme.co.uk", "jo+tag@sub.acme.co.uk", true},
		{"", "", "", false},
		{"jo", "", "", false},
		{"jo@", "", "", false},
		{"@acme.edu", "", "", false},
		{"jo@localhost", "", "", false},
		{"Jo <jo@acme.edu>", "", "", false},
		{"jo@acme..edu", "", "", false},
		{"jo@acme.edu.", "", "", false},
		{"jo smith@acme.edu", "", "", false},
		{"jo@acme.edu,ann@acme.edu", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := bo.ParseEmail(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseEmail(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				if code := bo.ErrorCode(err); code != bo.EINVALID {
					t.Fatalf("code = %q, want %q", code, bo.EINVALID)
				}
				if d := bo.ErrorDetails(err); len(d) != 1 || d[0].Field != "email" {
					t.Fatalf("details = %v, want one for field email", d)
				}
				return
			}
			if got.Display != tt.display || got.Key != tt.key {
				t.Fatalf("got %+v, want display %q key %q", got, tt.display, tt.key)
			}
		})
	}
}

func TestCallerVerifiedEmail(t *testing.T) {
	tests := []struct {
		name   string
		caller bo.Caller
		code   string
	}{
		{"verified", bo.Caller{Email: "A@X.org", EmailVerified: true}, ""},
		{"unverified", bo.Caller{Email: "a@x.org"}, bo.EFORBIDDEN},
		{"no email", bo.Caller{EmailVerified: true}, bo.EUNAUTHORISED},
		{"garbage", bo.Caller{Email: "nope", EmailVerified: true}, bo.EUNAUTHORISED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := tt.caller.VerifiedEmail()
			if got := bo.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if err == nil && e.Key != "a@x.org" {
				t.Fatalf("key = %q, want a@x.org", e.Key)
			}
		})
	}
}

func TestContractStatusAndRemaining(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := bo.Contract{StartsAt: start, EndsAt: start.AddDate(1, 0, 0), Licences: 10, Used: 4}
	tests := []struct {
		at   time.Time
		want bo.ContractStatus
	}{
		{start.Add(-time.Millisecond), bo.ContractUpcoming},
		{start, bo.ContractActive},
		{start.AddDate(1, 0, 0).Add(-time.Millisecond), bo.ContractActive},
		{start.AddDate(1, 0, 0), bo.ContractExpired},
	}
	for _, tt := range tests {
		if got := c.Status(tt.at); got != tt.want {
			t.Errorf("Status(%v) = %s, want %s", tt.at, got, tt.want)
		}
	}
	if n, capped := c.Remaining(); n != 6 || !capped {
		t.Errorf("Remaining() = %d, %v; want 6, true", n, capped)
	}
	c.Used = 12 // a cap lowered below use never shows negative
	if n, _ := c.Remaining(); n != 0 {
		t.Errorf("Remaining() over cap = %d, want 0", n)
	}
	if _, capped := (bo.Contract{Unlimited: true}).Remaining(); capped {
		t.Error("an unlimited contract reports a cap")
	}
}

func TestErrorAccessors(t *testing.T) {
	wrapped := fmt.Errorf("context: %w", bo.Errorf(bo.ECONFLICT, "slug taken"))
	tests := []struct {
		err       error
		code, msg string
	}{
		{nil, "", ""},
		{wrapped, bo.ECONFLICT, "slug taken"},
		{errors.New("dynamodb: throttled"), bo.EINTERNAL, "internal error"},
	}
	for _, tt := range tests {
		if got := bo.ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.code)
		}
		if got := bo.ErrorMessage(tt.err); got != tt.msg {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.msg)
		}
	}
}

func TestValidationCollectsEveryField(t *testing.T) {
	var v bo.Validation
	if v.Err() != nil {
		t.Fatal("empty validation is an error")
	}
	v.Add("name", "is required")
	v.Check(true, "ignored", "never")
	v.Check(false, "licences", "must be between %d and %d", 1, 10)
	err := v.Err()
	d := bo.ErrorDetails(err)
	if bo.ErrorCode(err) != bo.EINVALID || len(d) != 2 || d[0].Field != "name" || d[1].Field != "licences" ||
		d[1].Message != "must be between 1 and 10" {
		t.Fatalf("got %v %v", err, d)
	}
	if msg := bo.ErrorMessage(err); msg != "invalid name: is required (and 1 more)" {
		t.Fatalf("message = %q", msg)
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	a, b := bo.NewID("org", t0), bo.NewID("org", t0.Add(time.Millisecond))
	if a >= b {
		t.Fatalf("%s created first sorts after %s", a, b)
	}
	if c := bo.NewID("org", t0); c == a {
		t.Fatalf("two ids at the same millisecond are equal: %s", c)
	}
	if len(a) != len("org_")+23 {
		t.Fatalf("id %q has length %d", a, len(a))
	}
}
