// Package optout signs and checks the links that let a learner unsubscribe
// from an org's mail without signing in: the link carries the org and the
// address with an HMAC-SHA256 over both, so only the back office can make
// one and nobody can unsubscribe someone else. It imports neither Lambda
// nor the AWS SDK.
package optout

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// MinSecretBytes is the shortest signing secret accepted.
const MinSecretBytes = 32

// Path is the route of unsubscribe links, under the API's base URL; the
// token follows it.
const Path = "/v1/unsubscribe/"

// Signer makes and checks unsubscribe tokens and links.
type Signer struct {
	secret  []byte
	baseURL string
}

// NewSigner returns a Signer with the secret, making links under the API's
// base URL (https://api.example.com). It returns an error when the secret
// is shorter than MinSecretBytes or the base URL is empty.
func NewSigner(secret []byte, apiBaseURL string) (*Signer, error) {
	if len(secret) < MinSecretBytes {
		return nil, errors.New("optout: the unsubscribe signing secret must have at least 32 bytes")
	}
	if apiBaseURL == "" {
		return nil, errors.New("optout: the API base URL is required")
	}
	return &Signer{secret: secret, baseURL: strings.TrimRight(apiBaseURL, "/")}, nil
}

// Token returns the token that unsubscribes the address (its email key)
// from the org's mail: base64url(orgID "\n" emailKey) "." base64url(mac).
func (s *Signer) Token(orgID, emailKey string) string {
	payload := orgID + "\n" + emailKey
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// URL returns the unsubscribe link for the address and org: the API's base
// URL, Path and the token.
func (s *Signer) URL(orgID, emailKey string) string {
	return s.baseURL + Path + s.Token(orgID, emailKey)
}

// Verify checks a token and returns the org and the address it
// unsubscribes. It returns EINVALID for a token that is malformed or whose
// signature does not match.
func (s *Signer) Verify(token string) (orgID, emailKey string, err error) {
	invalid := bo.Invalid("invalid unsubscribe link: use the link of the email as it is",
		bo.FieldError{Field: "token", Message: "is not a valid unsubscribe token"})
	p, m, ok := strings.Cut(token, ".")
	if !ok {
		return "", "", invalid
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(string(payload))) {
		return "", "", invalid
	}
	orgID, emailKey, ok = strings.Cut(string(payload), "\n")
	if !ok || orgID == "" || emailKey == "" {
		return "", "", invalid
	}
	return orgID, emailKey, nil
}

func (s *Signer) mac(payload string) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(payload))
	return h.Sum(nil)
}
