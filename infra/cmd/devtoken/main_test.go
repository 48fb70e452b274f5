package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/learnops/backoffice/infra/local"
)

func TestRun(t *testing.T) {
	t.Setenv(local.SecretEnv, "s3cret")
	var out, errOut bytes.Buffer
	if code := run([]string{"-email", "ops@example.com", "-groups", "platform-operators, auditors,", "-ttl", "1h"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if errOut.Len() != 0 {
		t.Errorf("unexpected stderr %q", errOut.String())
	}
	claims := jwt.MapClaims{}
	tok := strings.TrimSpace(out.String())
	if _, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte("s3cret"), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(local.TokenIssuer)); err != nil {
		t.Fatalf("token %q: %v", tok, err)
	}
	groups, _ := claims["cognito:groups"].([]any)
	if claims["email"] != "ops@example.com" || claims["email_verified"] != true || claims["sub"] != local.SubjectFor("ops@example.com") ||
		len(groups) != 2 || groups[0] != "platform-operators" || groups[1] != "auditors" {
		t.Errorf("claims %v", claims)
	}
}

func TestRunWarnsAboutTheDefaultSecret(t *testing.T) {
	t.Setenv(local.SecretEnv, "")
	var out, errOut bytes.Buffer
	if code := run([]string{"-email", "ada@example.com", "-verified=false", "-sub", "u-1"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), local.DefaultSecret) {
		t.Errorf("stderr %q should warn about the default secret", errOut.String())
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(strings.TrimSpace(out.String()), claims, func(*jwt.Token) (any, error) {
		return []byte(local.DefaultSecret), nil
	}); err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != "u-1" || claims["email_verified"] != false {
		t.Errorf("claims %v", claims)
	}
}

func TestRunNeedsAnEmail(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-groups", "x"}, &out, &errOut); code != 2 || out.Len() != 0 || !strings.Contains(errOut.String(), "-email is required") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
