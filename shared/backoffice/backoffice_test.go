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
		{"Jo.Smith@ACME.edu", "Jo.Smith@acme.edu", "jo.smith@acme.edu", true},
		{"  Jo.Smith@ACME.edu ", "", "", false},
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

// TestEmailLookAlikes holds every spelling that Unicode case folding,
// compatibility mapping or trimming would make equal to an admin's address
// ("kate@kacme.edu") to the one canonical key: each either is refused or
// has a key of its own; only ASCII case and the two spellings of one IDN
// are the same address.
func TestEmailLookAlikes(t *testing.T) {
	const admin = "kate@kacme.edu"
	tests := []struct {
		name, in string
		// want is "refused", "distinct" or "same" (as admin, or as idnKey).
		want string
	}{
		{"exact", "kate@kacme.edu", "same"},
		{"upper-case ASCII", "KATE@KACME.EDU", "same"},
		{"mixed-case ASCII", "Kate@Kacme.Edu", "same"},
		{"leading space", " kate@kacme.edu", "refused"},
		{"trailing space", "kate@kacme.edu ", "refused"},
		{"leading tab", "\tkate@kacme.edu", "refused"},
		{"trailing tab", "kate@kacme.edu\t", "refused"},
		{"trailing newline", "kate@kacme.edu\n", "refused"},
		{"NUL", "kate@kacme.edu\x00", "refused"},
		{"no-break space", "kate@kacme.edu\u00a0", "refused"},
		{"zero-width space", "kate\u200b@kacme.edu", "refused"},
		{"KELVIN SIGN in local part", "\u212Aate@kacme.edu", "distinct"},
		{"KELVIN SIGN in domain", "kate@\u212Aacme.edu", "refused"},
		{"LONG S in local part", "kate\u017F@kacme.edu", "distinct"},
		{"LONG S in domain", "kate@kacme.edu\u017F", "refused"},
		{"full-width local part", "\uff4bate@kacme.edu", "distinct"},
		{"full-width domain", "kate@\uff4b\uff41\uff43\uff4d\uff45.edu", "refused"},
		{"full-width at and dot", "kate\uff20kacme\uff0eedu", "refused"},
		{"Cyrillic a in local part", "k\u0430te@kacme.edu", "distinct"},
		{"decomposed K (K + combining)", "K\u0301ate@kacme.edu", "distinct"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bo.ParseEmail(tt.in)
			switch tt.want {
			case "refused":
				if err == nil {
					t.Fatalf("ParseEmail(%q) = %+v, want refused", tt.in, got)
				}
				if bo.ErrorCode(err) != bo.EINVALID {
					t.Fatalf("code = %q, want invalid", bo.ErrorCode(err))
				}
			case "distinct":
				if err != nil {
					t.Fatalf("ParseEmail(%q): %v", tt.in, err)
				}
				if got.Key == admin {
					t.Fatalf("ParseEmail(%q).Key = %q: a look-alike is the admin", tt.in, got.Key)
				}
			case "same":
				if err != nil || got.Key != admin {
					t.Fatalf("ParseEmail(%q) = %+v, %v; want key %q", tt.in, got, err, admin)
				}
			}
		})
	}
}

// TestEmailIDNDomain: an internationalised domain written in Unicode and in
// punycode is one domain; its upper-case Unicode spelling is refused, not
// folded.
func TestEmailIDNDomain(t *testing.T) {
	const key = "jo@xn--bcher-kva.example"
	for _, in := range []string{"jo@bücher.example", "jo@xn--bcher-kva.example", "JO@XN--BCHER-KVA.EXAMPLE", "Jo@Bücher.Example"} {
		e, err := bo.ParseEmail(in)
		if err != nil || e.Key != key {
			t.Errorf("ParseEmail(%q) = %+v, %v; want key %q", in, e, err, key)
		}
	}
	if e, err := bo.ParseEmail("jo@BÜCHER.example"); err == nil {
		t.Errorf("ParseEmail(upper-case Ü) = %+v, want refused", e)
	}
	if d, ok := bo.CanonicalDomain("Bücher.example"); !ok || d != "xn--bcher-kva.example" {
		t.Errorf("CanonicalDomain = %q, %v", d, ok)
	}
	if d, ok := bo.CanonicalDomain("\u212Aacme.edu"); ok {
		t.Errorf("CanonicalDomain(KELVIN SIGN) = %q, want refused", d)
	}
}

func TestLowerASCII(t *testing.T) {
	for in, want := range map[string]string{"": "", "abc": "abc", "AbC@X.ORG": "abc@x.org", "\u212A\u017FÄ": "\u212A\u017FÄ", "Ä-Z": "Ä-z"} {
		if got := bo.LowerASCII(in); got != want {
			t.Errorf("LowerASCII(%q) = %q, want %q", in, got, want)
		}
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
		{"garbage", bo.Caller{Email: "nope", EmailVerified: true}, bo.EFORBIDDEN},
		{"leading space", bo.Caller{Email: " a@x.org", EmailVerified: true}, bo.EFORBIDDEN},
		{"kelvin sign domain", bo.Caller{Email: "a@x.or\u212A", EmailVerified: true}, bo.EFORBIDDEN},
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
