package optout

import (
	"strings"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestSignerRoundTripAndTampering(t *testing.T) {
	secret := []byte(strings.Repeat("k", MinSecretBytes))
	s, err := NewSigner(secret, "https://api.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner([]byte(strings.Repeat("x", MinSecretBytes)), "https://api.example.com")
	url := s.URL("org1", "ann@acme.edu")
	if !strings.HasPrefix(url, "https://api.example.com/v1/unsubscribe/") {
		t.Fatalf("URL = %s", url)
	}
	tok := s.Token("org1", "ann@acme.edu")
	org, email, err := s.Verify(tok)
	if err != nil || org != "org1" || email != "ann@acme.edu" {
		t.Fatalf("Verify = %q %q %v", org, email, err)
	}
	forged := other.Token("org1", "ann@acme.edu")
	swapped := s.Token("org1", "bob@acme.edu")
	swapped = strings.Split(tok, ".")[0] + "." + strings.Split(swapped, ".")[1]
	for name, bad := range map[string]string{
		"other secret":      forged,
		"other address mac": swapped,
		"no dot":            "abc",
		"not base64":        "***.***",
		"empty":             "",
		"no address":        s.Token("org1", ""),
	} {
		if _, _, err := s.Verify(bad); bo.ErrorCode(err) != bo.EINVALID {
			t.Errorf("%s: Verify(%q) = %v, want EINVALID", name, bad, err)
		}
	}
	if _, err := NewSigner([]byte("short"), "https://x"); err == nil {
		t.Error("a short secret was accepted")
	}
	if _, err := NewSigner(secret, ""); err == nil {
		t.Error("an empty base URL was accepted")
	}
}
