package local

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenIssuer is the issuer of local tokens; the gateway accepts no other,
// as API Gateway's JWT authorizer accepts only its configured issuer.
const TokenIssuer = "backoffice-local"

// TokenAudience is the audience (aud) of local tokens, which the gateway
// requires, as API Gateway's JWT authorizer requires the console's client id
// in the ID tokens of the stage's issuer.
const TokenAudience = "backoffice-local-console"

// DefaultSecret signs and verifies local tokens when DEV_JWT_SECRET is unset.
// It is public, so it protects nothing: it only lets `make dev` and
// `make token` agree out of the box.
const DefaultSecret = "local-dev-secret-change-me"

// SecretEnv is the environment variable holding the HS256 secret of local tokens.
const SecretEnv = "DEV_JWT_SECRET"

// SecretFromEnv returns the secret in DEV_JWT_SECRET, or DefaultSecret and
// false when it is unset or blank.
func SecretFromEnv() (secret []byte, fromEnv bool) {
	if s := strings.TrimSpace(os.Getenv(SecretEnv)); s != "" {
		return []byte(s), true
	}
	return []byte(DefaultSecret), false
}

// TokenClaims are the claims of a local token: those Cognito puts in an ID
// token and the handlers read.
type TokenClaims struct {
	// Subject is the "sub" claim; SubjectFor(Email) when empty.
	Subject       string
	Email         string
	EmailVerified bool
	// Groups become the "cognito:groups" array; like Cognito, the claim is
	// left out when there are none.
	Groups []string
	// Extra are other string claims, such as those an org maps to profile
	// fields (custom:job_title); they cannot replace the claims above.
	Extra map[string]string
}

// MintToken returns an HS256 ID token signed with secret carrying the
// claims, iss TokenIssuer, aud TokenAudience, token_use "id", iat now and
// exp now+ttl. It returns an error for an empty
// secret, a ttl that is not positive, or a token without subject or email.
func MintToken(secret []byte, c TokenClaims, ttl time.Duration) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("mint token: empty secret")
	}
	if ttl <= 0 {
		return "", fmt.Errorf("mint token: ttl %s is not positive", ttl)
	}
	if c.Subject == "" {
		if c.Email == "" {
			return "", errors.New("mint token: a subject or an email is required")
		}
		c.Subject = SubjectFor(c.Email)
	}
	now := time.Now()
	claims := jwt.MapClaims{}
	for k, v := range c.Extra {
		claims[k] = v
	}
	maps.Copy(claims, jwt.MapClaims{
		"iss":            TokenIssuer,
		"aud":            TokenAudience,
		"sub":            c.Subject,
		"email_verified": c.EmailVerified,
		"token_use":      "id",
		"iat":            now.Unix(),
		"exp":            now.Add(ttl).Unix(),
	})
	if c.Email != "" {
		claims["email"] = c.Email
	}
	if len(c.Groups) > 0 {
		claims["cognito:groups"] = c.Groups
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	return token, nil
}

// SubjectFor returns a stable subject for an email address, shaped like the
// UUIDs Cognito issues, so that the same person gets the same "sub" in every
// token minted for them. Case and surrounding blanks do not matter.
func SubjectFor(email string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	h[6] = h[6]&0x0f | 0x50 // version 5 (name-based, SHA hashed)
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
